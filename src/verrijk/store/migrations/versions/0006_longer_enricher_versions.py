"""enricher versions that name every model and authority involved

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        batch.alter_column("enricher_version", type_=sa.String(length=400), existing_type=sa.String(length=100))


def downgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        batch.alter_column("enricher_version", type_=sa.String(length=100), existing_type=sa.String(length=400))

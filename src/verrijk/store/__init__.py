"""Persistence: SQLAlchemy tables, engine set-up, migrations and the organisation-scoped repository."""

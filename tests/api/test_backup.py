"""verrijk backup / restore: a database with rows in every table, restored into an empty one, holds every row of every
table."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from conftest import PG_URL, _psycopg
from seeding import people_at_work
from sqlalchemy import MetaData, create_engine, make_url, select, text

from verrijk.errors import Unavailable
from verrijk.store.db import make_engine, migrate
from verrijk.store.tables import Base, ImageEmbedding, ImageHash, Media, Record


@pytest.fixture
def empty_url(db_url, tmp_path):
    """A second, empty database of the same kind as the test's."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"verrijk_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_psycopg(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield db_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def all_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (alembic_version included), in primary-key order."""
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        rows = {
            name: [
                tuple(r) for r in conn.execute(select(table).order_by(*(table.primary_key.columns or table.columns)))
            ]
            for name, table in meta.tables.items()
        }
    engine.dispose()
    return rows


def media_rows(session, org) -> None:
    """A medium of a record with its perceptual hash and CLIP embedding (a float32 blob), so that no table is empty."""
    record = session.scalar(select(Record).where(Record.organisation_id == org.id).limit(1))
    session.add(Media(organisation_id=org.id, record_id=record.id, url="https://example.org/a.jpg", width=640))
    at = {"organisation_id": org.id, "record_id": record.id, "field": "media.0"}
    session.add(ImageHash(**at, hash="8f373714acfcf4d0", version="phash-1"))
    session.add(ImageEmbedding(**at, model="clip-test", vector=np.linspace(-1, 1, 8, dtype=np.float32).tobytes()))
    session.commit()


def test_backup_and_restore_keep_every_row(
    client, session, org, other_org, db_url, empty_url, cli, tmp_path, monkeypatch
):
    people_at_work(client, session, org)
    media_rows(session, org)
    before = all_rows(db_url)
    stored = [*Base.metadata.tables, "alembic_version"]  # PostgreSQL's shared counters (store.counters) come along
    assert [table for table in stored if not before[table]] == []  # every table holds rows to compare
    archive = tmp_path / "backups" / "verrijk.backup"
    done = cli("backup", archive)
    assert done.exit_code == 0, done.output
    assert "schema revision" in done.output and archive.stat().st_size > 0

    monkeypatch.setenv("VERRIJK_DATABASE_URL", empty_url)
    restored = cli("restore", archive)
    assert restored.exit_code == 0, restored.output
    assert all_rows(empty_url) == before

    # the restored database holds rows now: a second restore must be forced
    again = cli("restore", archive)
    assert again.exit_code == 2 and "--force" in again.output
    assert cli("restore", "--force", archive).exit_code == 0
    assert all_rows(empty_url) == before


def test_restore_checks_the_schema_revision(db_url, empty_url, cli, tmp_path, monkeypatch):
    archive = tmp_path / "verrijk.backup"
    assert cli("backup", archive).exit_code == 0
    source = make_engine(db_url)
    with source.begin() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    future = tmp_path / "future.backup"
    try:
        assert cli("backup", future).exit_code == 0
    finally:  # the PostgreSQL test database outlives this test
        with source.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        source.dispose()
    monkeypatch.setenv("VERRIJK_DATABASE_URL", empty_url)
    refused = cli("restore", future)
    assert refused.exit_code == 2 and "9999_from_the_future" in refused.output
    engine = make_engine(empty_url)
    migrate(engine)  # an empty, migrated database counts as empty
    engine.dispose()
    assert cli("restore", archive).exit_code == 0


def test_missing_postgresql_tools_say_how_to_fix_it(monkeypatch, tmp_path):
    from verrijk.store import backup

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup, "PG_BIN_DIRS", str(tmp_path / "nowhere"))
    with pytest.raises(Unavailable, match="apt-get install postgresql-client"):
        backup.backup("postgresql://verrijk:secret@127.0.0.1:1/verrijk", tmp_path / "x.backup")


def test_the_password_travels_in_the_environment_only():
    from verrijk.store.backup import _pg_env

    env = _pg_env(make_url("postgresql+psycopg://verrijk:s3cret@db.example:5433/verrijk"))
    assert (env["PGPASSWORD"], env["PGHOST"], env["PGPORT"], env["PGDATABASE"]) == (
        "s3cret",
        "db.example",
        "5433",
        "verrijk",
    )

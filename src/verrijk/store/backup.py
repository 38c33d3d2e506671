"""Backing up and restoring the whole database: SQLite through its online backup API (consistent while the server
runs, WAL included), PostgreSQL through pg_dump -Fc / pg_restore. A backup carries its schema (Alembic) revision
in its own alembic_version table; restore refuses one this version of verrijk does not know, migrates an older one
to the newest schema, and refuses to overwrite a database that holds rows unless forced."""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, make_url, select, text
from sqlalchemy.engine import URL

from verrijk.errors import BadInput, Conflict, Unavailable
from verrijk.store.db import alembic_config, make_engine, migrate
from verrijk.store.tables import Base

PG_BIN_DIRS = "/usr/lib/postgresql/*/bin"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    dialect: str
    revision: str | None


def _known_revisions(engine: Engine) -> list[str]:
    return [s.revision for s in ScriptDirectory.from_config(alembic_config(engine)).walk_revisions()]


def _revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def row_count(engine: Engine) -> int:
    """Rows in verrijk's tables: 0 for a new or freshly migrated database."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return sum(
            conn.execute(select(text("count(*)")).select_from(table)).scalar() or 0
            for table in Base.metadata.sorted_tables
            if table.name in present
        )


def _pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore: on PATH, else the newest in /usr/lib/postgresql/*/bin."""
    found = shutil.which(name) or next(
        (p for p in sorted(glob.glob(f"{PG_BIN_DIRS}/{name}"), reverse=True) if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise Unavailable(f"{name} is not installed: install the PostgreSQL client (apt-get install postgresql-client)")
    return found


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's environment for `url`: the password travels in PGPASSWORD, never on a command line."""
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[var] = str(value)
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Unavailable(f"{Path(args[0]).name} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BadInput("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def backup(db_url: str, path: Path) -> BackupInfo:
    """Write a backup of the database at `db_url` to `path` (a SQLite file, or a pg_dump custom archive)."""
    engine = make_engine(db_url)
    try:
        url = make_url(engine.url)
        pg_dump = _pg_tool("pg_dump") if engine.dialect.name != "sqlite" else ""
        revision = _revision(engine)
        path.parent.mkdir(parents=True, exist_ok=True)
        if engine.dialect.name == "sqlite":
            path.unlink(missing_ok=True)
            _copy_sqlite(_sqlite_file(url), path)
        else:
            _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"], _pg_env(url))
        return BackupInfo(path, engine.dialect.name, revision)
    finally:
        engine.dispose()


def backup_revision(path: Path, dialect: str) -> str | None:
    """The schema revision a backup file was taken at."""
    if dialect == "sqlite":
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.DatabaseError as exc:
                raise BadInput(f"{path} is not a verrijk SQLite backup: {exc}") from None
        conn.close()
        return row[0] if row else None
    listing = _run([_pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)], {})
    found = re.search(r"COPY \S*alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)\n", listing)
    return found.group(1) if found else None


def restore(db_url: str, path: Path, force: bool = False) -> BackupInfo:
    """Replace the database at `db_url` by the backup at `path`, then migrate it to the newest schema.

    Conflict when the database holds rows and not `force`; BadInput when the backup's revision is unknown here."""
    if not path.is_file():
        raise BadInput(f"{path} does not exist")
    engine = make_engine(db_url)
    try:
        dialect = engine.dialect.name
        revision = backup_revision(path, dialect)
        if revision is None:
            raise BadInput(f"{path} holds no schema revision: not a verrijk backup")
        if revision not in _known_revisions(engine):
            raise BadInput(f"{path} is at schema revision {revision!r}, which this version of verrijk does not know")
        rows = row_count(engine)
        if rows and not force:
            raise Conflict(f"the database holds {rows} rows; restore with --force to replace them")
        url = make_url(engine.url)
        if dialect == "sqlite":
            engine.dispose()
            _copy_sqlite(path, _sqlite_file(url))
        else:
            existing = MetaData()
            existing.reflect(engine)
            existing.drop_all(engine)
            engine.dispose()
            _run(
                [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={url.database}"]
                + [str(path)],
                _pg_env(url),
            )
        migrate(engine)
        return BackupInfo(path, dialect, revision)
    finally:
        engine.dispose()

"""`verrijk backup` and `verrijk restore`: the whole database to one file and back (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import typer

from verrijk.cli.common import out
from verrijk.config import Settings
from verrijk.store import backup as service


def backup_cmd(path: Path = typer.Argument(..., help="the backup file to write")) -> None:
    """Back up the database to PATH: safe while the server runs (SQLite online backup, pg_dump)."""
    info = service.backup(Settings().db_url, path)
    out.print(f"backed up the {info.dialect} database at schema revision {info.revision} to {info.path}")


def restore_cmd(
    path: Path = typer.Argument(..., help="a file written by `verrijk backup`"),
    force: bool = typer.Option(False, "--force", help="replace a database that holds rows"),
) -> None:
    """Restore the database from PATH and migrate it to this version's schema; stop the server first."""
    info = service.restore(Settings().db_url, path, force=force)
    out.print(f"restored {info.path} (schema revision {info.revision}) into the {info.dialect} database")

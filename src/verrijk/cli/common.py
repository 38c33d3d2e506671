"""What every command shares: the consoles, a database session, the --org option and its organisation,
progress bars, and the one rendering of a service's error as a red line on stderr and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import inspect
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from verrijk.config import Settings
from verrijk.errors import BadInput, VerrijkError
from verrijk.store.accounts import organisation_by_slug, organisations
from verrijk.store.counters import announce_changes, open_counters
from verrijk.store.db import make_engine, migrate, session_factory
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Organisation

out = Console()
err = Console(stderr=True)

OrgOption = typer.Option(None, "--org", envvar="VERRIJK_ORG", help="organisation slug (default: the only one)")


class RendersErrors(TyperGroup):
    """The top command group: a VerrijkError raised anywhere below it ends the command with one readable line
    on stderr and the error's exit code (2 for bad input, 3 for something the operator must fix), no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VerrijkError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


@contextmanager
def open_session(create: bool = False) -> Iterator[Session]:
    """A session on the configured database, migrated first when `create`; what is not committed is dropped."""
    settings = Settings()
    settings.ensure_data_dir()
    engine = make_engine(settings.db_url)
    if create:
        migrate(engine)
    elif not inspect(engine).has_table("organisations"):
        engine.dispose()
        where = "VERRIJK_DATABASE_URL" if settings.database_url else f"{settings.data_dir.resolve()}/verrijk.db"
        raise BadInput(f"the database ({where}) is not set up yet: run `verrijk init` (or `make demo`) first")
    announce_changes(engine, open_counters(engine, settings.data_dir))  # running servers drop their cached answers
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def resolve_org(session: Session, slug: str | None) -> Organisation:
    """The organisation --org names, or the only one there is."""
    if slug:
        return organisation_by_slug(session, slug)
    orgs = organisations(session)
    if not orgs:
        raise BadInput("no organisation exists yet: run `verrijk init` first")
    if len(orgs) > 1:
        raise BadInput(f"there are several organisations ({', '.join(o.slug for o in orgs)}): pass --org")
    return orgs[0]


@contextmanager
def open_repo(slug: str | None) -> Iterator[Repo]:
    """The repository scoped to the organisation --org names (or the only one), in a fresh session."""
    with open_session() as session:
        yield Repo(session, Scope(resolve_org(session, slug).id))


class _Progress(Progress):
    """Progress that ends a task which never learnt of any work (a rerun: everything done before) with 'nothing to
    do' instead of an unknown total, 0/?; not when the work failed (its error says what happened)."""

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        if exc_type is None:
            for task in self.tasks:
                if not task.completed and not task.total:
                    self.update(task.id, total=0, description=f"{task.description}: nothing to do")
        super().__exit__(exc_type, exc_val, exc_tb)


def progress_bar() -> Progress:
    """A progress bar on stderr, so that stdout keeps only the command's output."""
    return _Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )

"""What every command shares: the consoles, a database session, the --org option and its organisation,
progress bars, and the one rendering of a service's error as a red line on stderr and an exit code."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Column
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


def whole(*headers: str) -> list[Column]:
    """Table columns never cut to fit a narrow terminal or a pipe's 80 columns: names a command takes back
    (`verrijk enrichers show NAME`), dates; the other columns wrap to make room."""
    return [Column(header, no_wrap=True) for header in headers]


def folded(*headers: str) -> list[Column]:
    """Columns whose long words (versions, URLs) break across lines rather than end in '…'."""
    return [Column(header, overflow="fold") for header in headers]


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
    do' instead of an unknown total, 0/?; not when the work failed (its error says what happened).

    When stderr is not a terminal (a pipe, a log file, `make demo | tee`) a bar would stay silent until the end: the
    progress is written as plain lines instead: the task's name when it starts, then `enrich records 120/491 (24 %)`
    at every LINE_STEP % and at least every LINE_SECONDS while the count moves, and the last one when the work ends."""

    LINE_STEP = 10
    LINE_SECONDS = 15.0

    def __init__(self, *columns, lines: bool, **kwargs):
        super().__init__(*columns, disable=lines, **kwargs)
        self.lines = lines
        self._said: dict[TaskID, tuple[float, int, str]] = {}  # task -> when, which step, what the last line said

    def add_task(self, description: str, *args, **kwargs) -> TaskID:
        task_id = super().add_task(description, *args, **kwargs)
        if self.lines:  # said at once: loading models can take minutes before the first count
            err.print(f"{description} …", highlight=False, markup=False, soft_wrap=True)
        return task_id

    def update(self, task_id: TaskID, **kwargs) -> None:
        super().update(task_id, **kwargs)
        if self.lines:
            self._line(task_id, final=False)

    def _line(self, task_id: TaskID, final: bool) -> None:
        task = self._tasks[task_id]
        done, total = int(task.completed), int(task.total) if task.total is not None else None
        line = f"{task.description} {done}/{total if total is not None else '?'}"
        if total:
            line += f" ({100 * done // total} %)"
        now = time.monotonic()
        when, step, said = self._said.get(task_id, (now, 0, ""))
        reached = 100 * done // total // self.LINE_STEP if total else step
        due = reached > step or now - when >= self.LINE_SECONDS or (final and line != said)
        if line != said and (due or task_id not in self._said and done):
            err.print(line, highlight=False, markup=False, soft_wrap=True)
            self._said[task_id] = (now, reached, line)

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        if exc_type is None:
            for task in self.tasks:
                if not task.completed and not task.total:
                    self.update(task.id, total=0, description=f"{task.description}: nothing to do")
                if self.lines:
                    self._line(task.id, final=True)
        super().__exit__(exc_type, exc_val, exc_tb)


def progress_bar() -> Progress:
    """A progress bar on stderr, so that stdout keeps only the command's output; plain lines when stderr is not a
    terminal."""
    return _Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
        lines=not err.is_terminal,
    )

"""Engine and session set-up for SQLite (WAL, foreign keys) and PostgreSQL, schema migration, SQLite's one-writer
lock (across threads and worker processes), and a watch on the engine's writes (and whose organisations' data they
may have changed) for in-process caches."""

from __future__ import annotations

import fcntl
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

Organisations = frozenset[int] | None  # the organisations a write may have changed; None: any

MIGRATIONS = Path(__file__).parent / "migrations"


# JSON columns keep non-ASCII text as is, so that list filters match "Nederlands-Indië" on every database.
_json_dumps = partial(json.dumps, ensure_ascii=False)


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=_json_dumps,
            pool_size=20,
            max_overflow=40,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # prepare_threshold=None: no server-side prepared statements, whose generic plans made the per-batch
    # "which of these source ids exist" lookup scan the whole collection (benchmarks/ingest.py)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        json_serializer=_json_dumps,
        connect_args={"prepare_threshold": None},
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    command.upgrade(alembic_config(engine), "head")


_SQLITE_WRITER = threading.Lock()


@contextmanager
def write_lock(session: Session) -> Iterator[None]:
    """Serialise read-then-write transactions on SQLite, among this process's threads and among the server's
    worker processes (`verrijk serve --workers N`: an advisory lock on a file beside the database).

    SQLite allows one writer; a transaction that read first and then writes fails at once (not after the
    busy timeout) when another connection wrote in between. Holding this lock, and starting a fresh
    transaction under it, avoids that; on PostgreSQL row locks and constraints do the work and this is a no-op.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    session.commit()
    database = bind.url.database
    with _SQLITE_WRITER:
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.writer", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


_DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_ORGANISATIONS = "verrijk.organisations"  # in a session's and its connection's info: the organisations it worked for


def note_organisation(session: Session, org_id: int) -> None:
    """The session's transaction works for this organisation (every Repo notes its own when it uses the session):
    what the transaction writes is taken to change the data of the organisations it noted, or of any organisation
    when it noted none."""
    session.info.setdefault(_ORGANISATIONS, set()).add(org_id)


@event.listens_for(Session, "after_begin")
def _share_organisations(session: Session, _transaction, connection) -> None:
    connection.info[_ORGANISATIONS] = session.info.setdefault(_ORGANISATIONS, set())


@event.listens_for(Session, "after_transaction_end")
def _next_transaction(session: Session, transaction) -> None:
    if transaction.parent is None:  # a new set: the connection keeps the ended transaction's until checkin
        session.info[_ORGANISATIONS] = set()


def _organisations(info: dict) -> Organisations:
    noted = info.get(_ORGANISATIONS)
    return frozenset(noted) if noted else None


def watch_writes(
    engine: Engine,
    tables: set[str],
    changed: Callable[[], None] | Callable[[Organisations], None],
    committed_only: bool = False,
    by_organisation: bool = False,
) -> None:
    """Call `changed` whenever this process writes one of `tables` through the engine: when the statement runs, when
    its transaction commits and when the connection goes back to the pool after the commit, so that a cache filled in
    between (from another connection, which cannot see the write yet) is dropped too; with `committed_only`, once,
    when the connection goes back after the commit (what other processes are told: the change is visible by then).
    With `by_organisation`, `changed` is told whose data changed: the organisations the writing session noted
    (note_organisation), None (any) for a write outside a session or by a session that noted none.
    Writes by other processes are not seen: caches fed by this bound their age or ask a shared generation."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(tables))) + r")\b", re.IGNORECASE)
    flag = object()  # this watch's mark on a connection: another watch's tables must not take it away

    def tell(info: dict) -> None:
        changed(_organisations(info)) if by_organisation else changed()

    @event.listens_for(engine, "checkout")
    def _fresh(_dbapi_connection, record, _proxy):
        record.info.pop(_ORGANISATIONS, None)  # a session's organisations go with its transaction

    @event.listens_for(engine, "after_cursor_execute")
    def _after_execute(conn, _cursor, statement, _parameters, _context, _executemany):
        if _DML.match(statement) and pattern.search(statement):
            conn.info[flag] = True
            if not committed_only:
                tell(conn.info)

    @event.listens_for(engine, "commit")
    def _on_commit(conn):
        if conn.info.get(flag) and not committed_only:
            tell(conn.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn):
        conn.info.pop(flag, None)

    @event.listens_for(engine, "checkin")
    def _after_commit(_dbapi_connection, record):
        if record.info.pop(flag, False):
            tell(record.info)

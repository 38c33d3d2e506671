"""State that every worker process of a server shares, kept apart from the main tables: sliding-window event counters
(requests per API key and per organisation, failed sign-ins) and generation tokens (which change whenever a process
commits a change that cached answers depend on: one per organisation, and one for changes whose organisation is not
known).

On PostgreSQL they live in UNLOGGED tables of the main database (`verrijk_windows`, `verrijk_generations`), one
short statement per event, so that every worker on every machine counts against one limit; a window counts in
steps of 1/60 of its length there (one second of a minute: an event is counted until the whole step it fell in has
left the window, never less), so that a key's row stays small whatever the limit.
On SQLite they live in a small SQLite file in the data directory (`counters.db`; not the main database, so that
they never wait on its writer), one short transaction per event, exact to the event; the workers of one machine
share it, which is all that SQLite serves."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Hashable
from pathlib import Path

from sqlalchemy import Engine, create_engine

from verrijk.store.db import Organisations, watch_writes

PRUNE_EVERY = 1000  # events between removals of every key's expired entries
NO_LIMIT = 2**31 - 1
# Tables whose changes change what /search, /records and /collections answer: a commit writing one renews the
# generation of the organisations whose data it wrote (changes_of), or CHANGES when that is not known.
CACHED_TABLES = frozenset({"records", "suggestions", "collections", "media"})
CHANGES = "records"


def changes_of(org_id: int) -> str:
    """The generation an organisation's changes to CACHED_TABLES renew."""
    return f"{CHANGES}|{org_id}"


class Counters(ABC):
    """Event windows and generation tokens in a store that the server's processes share."""

    remote = False  # whether reading a token waits on the network (then an event loop reads it in a thread)

    def __init__(self) -> None:
        self._events = 0
        self._events_lock = threading.Lock()

    @abstractmethod
    def hit(self, key: str, limit: int, window: float) -> float | None:
        """Record an event unless `limit` events are in the window already; seconds to wait when they are."""

    @abstractmethod
    def wait(self, key: str, limit: int, window: float) -> float | None:
        """Seconds until the key may have another event; None when it may now."""

    @abstractmethod
    def forget(self, key: str) -> None: ...

    @abstractmethod
    def generation(self, name: str) -> str:
        """The name's current token: a new one after every `bump`, and never one handed out before a store that
        lost its state (a deleted file, PostgreSQL's crash recovery emptying unlogged tables)."""

    def generations(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The current token of each name (see generation)."""
        return tuple(self.generation(name) for name in names)

    @abstractmethod
    def bump(self, name: str) -> None: ...

    @abstractmethod
    def _prune(self) -> None:
        """Remove every expired entry."""

    def _counted(self) -> None:
        with self._events_lock:
            self._events += 1
            due = self._events % PRUNE_EVERY == 0
        if due:
            self._prune()


class SqliteCounters(Counters):
    """In a SQLite file that the workers of one machine share; `namespace` keeps databases that share a data
    directory apart."""

    def __init__(self, path: Path, namespace: str = ""):
        super().__init__()
        self.path, self.namespace = path, namespace
        self._local = threading.local()
        db = self._connection()
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS events (key TEXT NOT NULL, at REAL NOT NULL, expires REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS events_key_at ON events (key, at)")
            db.execute("CREATE TABLE IF NOT EXISTS generations (name TEXT PRIMARY KEY, token TEXT NOT NULL)")

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # counters: losing the last events in a power cut is harmless
            self._local.db = db
        return db

    def _key(self, key: str) -> str:
        return f"{self.namespace}|{key}"

    def _wait(self, db: sqlite3.Connection, key: str, limit: int, window: float, now: float) -> float | None:
        db.execute("DELETE FROM events WHERE key = ? AND at <= ?", (key, now - window))
        count, oldest = db.execute("SELECT count(*), min(at) FROM events WHERE key = ?", (key,)).fetchone()
        return window - (now - oldest) if count >= limit else None

    def wait(self, key: str, limit: int, window: float) -> float | None:
        db = self._connection()
        with db:
            return self._wait(db, self._key(key), limit, window, time.time())

    def hit(self, key: str, limit: int, window: float) -> float | None:
        # one transaction, so that two workers cannot both take the last free place
        db, name, now = self._connection(), self._key(key), time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            wait = self._wait(db, name, limit, window, now)
            if wait is None:
                db.execute("INSERT INTO events VALUES (?, ?, ?)", (name, now, now + window))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._counted()
        return wait

    def forget(self, key: str) -> None:
        db = self._connection()
        with db:
            db.execute("DELETE FROM events WHERE key = ?", (self._key(key),))

    def _prune(self) -> None:
        db = self._connection()
        with db:
            db.execute("DELETE FROM events WHERE expires <= ?", (time.time(),))

    def generation(self, name: str) -> str:
        db, key = self._connection(), self._key(name)
        found = db.execute("SELECT token FROM generations WHERE name = ?", (key,)).fetchone()
        if found is None:
            with db:
                db.execute("INSERT OR IGNORE INTO generations VALUES (?, ?)", (key, secrets.token_hex(8)))
            found = db.execute("SELECT token FROM generations WHERE name = ?", (key,)).fetchone()
        return found[0]

    def generations(self, names: tuple[str, ...]) -> tuple[str, ...]:
        keys = [self._key(name) for name in names]
        query = f"SELECT name, token FROM generations WHERE name IN ({', '.join('?' * len(keys))})"
        found = dict(self._connection().execute(query, keys).fetchall())
        return tuple(found[key] for key in keys) if all(key in found for key in keys) else super().generations(names)

    def bump(self, name: str) -> None:
        db = self._connection()
        with db:
            db.execute("INSERT OR REPLACE INTO generations VALUES (?, ?)", (self._key(name), secrets.token_hex(8)))


_PG_TABLES = (
    "CREATE UNLOGGED TABLE IF NOT EXISTS verrijk_windows "
    "(key text PRIMARY KEY, steps bigint[] NOT NULL, counts int[] NOT NULL, taken boolean NOT NULL, "
    "expires float8 NOT NULL)",
    "CREATE UNLOGGED TABLE IF NOT EXISTS verrijk_generations (name text PRIMARY KEY, token text NOT NULL)",
)
PG_TABLES = ("verrijk_windows", "verrijk_generations")
STEPS = 60  # a PostgreSQL window counts in steps of 1/STEPS of its length: a key's row holds at most STEPS + 1
# One event, in one statement: the key's row (locked by the upsert, so that concurrent events wait their turn and
# then see each other) keeps counts per step of time; the steps that left the window are dropped, and the event is
# added to its step when the remaining counts are under the limit. `taken` says whether it was.
_PG_HIT = """
WITH now AS (SELECT extract(epoch FROM statement_timestamp())::float8 AS t)
INSERT INTO verrijk_windows AS w (key, steps, counts, taken, expires)
SELECT %(key)s, ARRAY[floor(t / %(step)s)::bigint], ARRAY[1], true, t + %(window)s + %(step)s FROM now
ON CONFLICT (key) DO UPDATE SET (steps, counts, taken, expires) = (
    SELECT coalesce(array_agg(s ORDER BY s), '{}'), coalesce(array_agg(n ORDER BY s), '{}'),
        coalesce(bool_or(added), false), (SELECT t FROM now) + %(window)s + %(step)s
    FROM (
        SELECT s, sum(n)::int AS n, bool_or(added) AS added
        FROM (
            SELECT s, n, false AS added FROM unnest(w.steps, w.counts) AS live(s, n), now
            WHERE s > (t - %(window)s) / %(step)s - 1
            UNION ALL
            SELECT floor(t / %(step)s)::bigint, 1, true FROM now WHERE (
                SELECT coalesce(sum(n), 0) FROM unnest(w.steps, w.counts) AS live(s, n)
                WHERE s > (t - %(window)s) / %(step)s - 1
            ) < %(limit)s
        ) AS events
        GROUP BY s
    ) AS seconds
)
RETURNING taken, steps[1], (SELECT t FROM now)
"""
_PG_WAIT = """
SELECT coalesce(sum(n), 0), min(s), extract(epoch FROM statement_timestamp())::float8
FROM verrijk_windows, unnest(steps, counts) AS live(s, n)
WHERE key = %(key)s AND s > (extract(epoch FROM statement_timestamp()) - %(window)s) / %(step)s - 1
"""


class PostgresCounters(Counters):
    """In UNLOGGED tables of the PostgreSQL database that every worker on every machine uses; their rows are not
    written to the WAL (nor replicated), and a crash empties them: counts start again, tokens are new."""

    remote = True

    def __init__(self, engine: Engine):
        super().__init__()
        # a pool of its own: a commit's checkin bumps a generation, which must not wait for the pool it returns to
        self.engine = create_engine(
            engine.url, isolation_level="AUTOCOMMIT", pool_size=4, max_overflow=16, pool_pre_ping=True
        )
        with self.engine.connect() as conn:  # one process at a time: concurrent CREATE ... IF NOT EXISTS can collide
            conn.exec_driver_sql("SELECT pg_advisory_lock(hashtext('verrijk_counters'))")
            try:
                for statement in _PG_TABLES:
                    conn.exec_driver_sql(statement)
            finally:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(hashtext('verrijk_counters'))")

    def _run(self, statement: str, params: dict) -> tuple | None:
        """One statement; its first row when it returns rows."""
        with self.engine.connect() as conn:
            result = conn.exec_driver_sql(statement, params)
            return result.first() if result.returns_rows else None

    @staticmethod
    def _left(window: float, oldest_step: int, now: float) -> float:
        """Seconds until the oldest step's events have all left the window (said as at most the window: a caller
        back that early finds at most one step's events still counted)."""
        return min(max((oldest_step + 1) * window / STEPS + window - now, 0.0), window)

    def hit(self, key: str, limit: int, window: float) -> float | None:
        params = {"key": key, "limit": limit, "window": window, "step": window / STEPS}
        taken, oldest, now = self._run(_PG_HIT, params)
        self._counted()
        return None if taken else self._left(window, oldest, now)

    def wait(self, key: str, limit: int, window: float) -> float | None:
        count, oldest, now = self._run(_PG_WAIT, {"key": key, "window": window, "step": window / STEPS})
        return self._left(window, oldest, now) if count >= limit else None

    def forget(self, key: str) -> None:
        self._run("DELETE FROM verrijk_windows WHERE key = %(key)s", {"key": key})

    def _prune(self) -> None:
        self._run("DELETE FROM verrijk_windows WHERE expires <= extract(epoch FROM now())", {})

    def generation(self, name: str) -> str:
        found = self._run("SELECT token FROM verrijk_generations WHERE name = %(name)s", {"name": name})
        if found is None:
            statement = "INSERT INTO verrijk_generations VALUES (%(name)s, %(token)s) ON CONFLICT (name) DO NOTHING"
            self._run(statement, {"name": name, "token": secrets.token_hex(8)})
            found = self._run("SELECT token FROM verrijk_generations WHERE name = %(name)s", {"name": name})
        return found[0]

    def generations(self, names: tuple[str, ...]) -> tuple[str, ...]:
        with self.engine.connect() as conn:
            statement = "SELECT name, token FROM verrijk_generations WHERE name = ANY(%(names)s)"
            found = dict(conn.exec_driver_sql(statement, {"names": list(names)}).all())
        missing = [name for name in names if name not in found]
        return tuple(found[name] for name in names) if not missing else super().generations(names)

    def bump(self, name: str) -> None:
        statement = (
            "INSERT INTO verrijk_generations VALUES (%(name)s, %(token)s) "
            "ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token"
        )
        self._run(statement, {"name": name, "token": secrets.token_hex(8)})


def open_counters(engine: Engine, data_dir: Path) -> Counters:
    """The shared counters of the database `engine` reaches: in it on PostgreSQL, beside it on SQLite."""
    if engine.dialect.name == "postgresql":
        return PostgresCounters(engine)
    return SqliteCounters(data_dir / "counters.db", engine.url.render_as_string(hide_password=True))


def announce_changes(engine: Engine, counters: Counters) -> None:
    """After every commit through `engine` that wrote one of CACHED_TABLES, give the generation of each organisation
    whose data it wrote a new token (CHANGES when that is not known), so that every process's caches of answers built
    on them (api.cache.ResultCache) stop using what they hold of those organisations."""

    def bump(organisations: Organisations) -> None:
        for name in [CHANGES] if organisations is None else map(changes_of, sorted(organisations)):
            counters.bump(name)

    watch_writes(engine, set(CACHED_TABLES), bump, committed_only=True, by_organisation=True)


class SharedWindow:
    """How many events each key had in the last `window` seconds, in counters the server's processes share;
    `name` keeps the windows that share a store apart."""

    def __init__(self, counters: Counters, name: str, window: float = 60):
        self.counters, self.name, self.window = counters, name, window

    def _key(self, key: Hashable) -> str:
        return f"{self.name}|{key!r}"

    def wait(self, key: Hashable, limit: int) -> float | None:
        """Seconds until the key may have another event; None when it may now."""
        return self.counters.wait(self._key(key), limit, self.window)

    def add(self, key: Hashable) -> None:
        self.counters.hit(self._key(key), NO_LIMIT, self.window)

    def hit(self, key: Hashable, limit: int) -> float | None:
        """Record an event unless the limit is reached; return seconds to wait when it is. Atomic: two workers
        cannot both take the last free place."""
        return self.counters.hit(self._key(key), limit, self.window)

    def forget(self, key: Hashable) -> None:
        self.counters.forget(self._key(key))

"""Sliding-window event counters that every worker process of a server shares: requests per API key and per
organisation, failed sign-ins. They live in a small SQLite file in the data directory (not the main database, so
they never wait on its writer, and the same on PostgreSQL): one short transaction per counted event.

Workers on one machine share them; several machines behind one load balancer each count their own share (put the
limit in the balancer, or divide it by the number of machines)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Hashable
from pathlib import Path

PRUNE_EVERY = 1000  # events between removals of every key's expired rows


class SharedWindow:
    """How many events each key had in the last `window` seconds, counted in a file the workers share; `namespace`
    keeps databases that share a data directory apart."""

    def __init__(self, path: Path, window: float = 60, namespace: str = ""):
        self.path, self.window, self.namespace = path, window, namespace
        self._local = threading.local()
        self._events = 0
        with self._connection() as db:
            db.execute("CREATE TABLE IF NOT EXISTS events (key TEXT NOT NULL, at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS events_key_at ON events (key, at)")

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # counters: losing the last events in a power cut is harmless
            self._local.db = db
        return db

    def _key(self, key: Hashable) -> str:
        return f"{self.namespace}|{key!r}"

    def _wait(self, db: sqlite3.Connection, key: str, limit: int, now: float) -> float | None:
        db.execute("DELETE FROM events WHERE key = ? AND at <= ?", (key, now - self.window))
        count, oldest = db.execute("SELECT count(*), min(at) FROM events WHERE key = ?", (key,)).fetchone()
        return self.window - (now - oldest) if count >= limit else None

    def wait(self, key: Hashable, limit: int) -> float | None:
        """Seconds until the key may have another event; None when it may now."""
        db = self._connection()
        with db:
            return self._wait(db, self._key(key), limit, time.time())

    def add(self, key: Hashable) -> None:
        db = self._connection()
        with db:
            db.execute("INSERT INTO events VALUES (?, ?)", (self._key(key), time.time()))
        self._prune(db)

    def hit(self, key: Hashable, limit: int) -> float | None:
        """Record an event unless the limit is reached; return seconds to wait when it is. One transaction, so two
        workers cannot both take the last free place."""
        db, name, now = self._connection(), self._key(key), time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            wait = self._wait(db, name, limit, now)
            if wait is None:
                db.execute("INSERT INTO events VALUES (?, ?)", (name, now))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._prune(db)
        return wait

    def forget(self, key: Hashable) -> None:
        db = self._connection()
        with db:
            db.execute("DELETE FROM events WHERE key = ?", (self._key(key),))

    def _prune(self, db: sqlite3.Connection) -> None:
        self._events += 1
        if self._events % PRUNE_EVERY == 0:
            with db:
                db.execute("DELETE FROM events WHERE at <= ?", (time.time() - self.window,))

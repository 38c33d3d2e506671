"""Encoded answers of GET /search, GET /records and GET /collections kept in each worker's memory: search
frontends repeat popular queries and listings, and an answer found here costs no database work, no search and no
encoding.

An answer is filed under the organisation whose data it reads, who asked (role: what the caller may see), the
normalised request, the shared generations of that organisation's data and of changes of unknown organisation
(store.counters: a new token after any process commits a change to that organisation's records, suggestions,
collections or media), this process's own writes of that organisation (at once, before the shared token moves), and
for search the state of the organisation's index. So one organisation's writes (a running job, a batch at a time)
leave the other organisations' answers in place. The caller's key is checked before the cache is asked (the route's
dependencies run first), so a revoked key never reaches a cached answer. Entries are bounded in bytes (the least
recently used go first) and in age (VERRIJK_RESULT_CACHE_SECONDS, for changes made past verrijk, e.g. with psql).

Where the tokens live on another machine (PostgreSQL), the event loop never waits on that read: a thread of its own
reads them, once for every request that arrived while the previous read was under way (each request still gets a
read that started after it arrived, so a change committed before it is always seen).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

from fastapi import Response

from verrijk.api.lanes import Lane
from verrijk.store.counters import CHANGES, Counters, changes_of
from verrijk.store.db import Organisations

Key = tuple[Hashable, ...]


class TokenReader:
    """Generation tokens for the event loop: read in place where that is a local file (SQLite), else in a thread of
    its own, one read at a time for every name asked meanwhile."""

    def __init__(self, counters: Counters):
        self.counters = counters
        self._executor: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: tuple[asyncio.Future, set[str]] | None = None  # the read not started yet: who waits, what for
        self._driver: asyncio.Task | None = None

    async def read(self, names: tuple[str, ...]) -> tuple[str, ...]:
        if not self.counters.remote:
            return self.counters.generations(names)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests start one per client): nothing of the old one is kept
            self._loop, self._next, self._driver = loop, None, None
        if self._next is None:
            self._next = (loop.create_future(), set())
        future, wanted = self._next
        wanted.update(names)
        if self._driver is None:
            self._driver = loop.create_task(self._drive())
        found = await asyncio.shield(future)
        return tuple(found[name] for name in names)

    async def _drive(self) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="verrijk-tokens")
        loop = asyncio.get_running_loop()
        try:
            while self._next is not None:
                (future, wanted), self._next = self._next, None
                names = tuple(wanted)
                try:
                    tokens = await loop.run_in_executor(self._executor, self.counters.generations, names)
                except Exception as exc:  # noqa: BLE001 - handed to every request that waited for this read
                    future.set_exception(exc)
                else:
                    future.set_result(dict(zip(names, tokens, strict=True)))
        finally:
            self._driver = None


class ResultCache:
    """One worker's cached answers, at most `max_bytes` of them (0: none) and none older than `max_age` seconds,
    made in `lane` (bounded concurrency: api.lanes)."""

    def __init__(self, counters: Counters, max_bytes: int, max_age: float, lane: Lane):
        self.counters, self.max_bytes, self.max_age, self.lane = counters, max_bytes, max_age, lane
        self.tokens = TokenReader(counters)
        self._entries: OrderedDict[Key, tuple[float, bytes]] = OrderedDict()
        self._of: defaultdict[int, set[Key]] = defaultdict(set)  # organisation -> its entries' keys
        self._size = 0
        self._local: defaultdict[int | None, int] = defaultdict(int)  # this process's writes per organisation (None:
        # of unknown organisation) so far
        self._seen: dict[int, tuple[str, ...]] = {}  # the shared tokens last seen per organisation
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def changed(self, organisations: Organisations = None) -> None:
        """This process wrote what these organisations' answers depend on (None: any organisation's): nothing cached
        of theirs so far is used again."""
        with self._lock:
            for org in [None] if organisations is None else organisations:
                self._local[org] += 1
                for key in list(self._of) if org is None else [org]:
                    self._drop(key)

    def _drop(self, org: int) -> None:
        for key in self._of.pop(org, ()):
            self._size -= len(self._entries.pop(key)[1])

    def _get(self, key: Key) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or time.monotonic() - found[0] > self.max_age:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def _put(self, key: Key, body: bytes) -> None:
        org = key[0]
        with self._lock:
            if key[1] != (self._local[None], self._local[org]) or len(body) > self.max_bytes:
                return  # written meanwhile: made from what was
            old = self._entries.pop(key, None)
            self._size += len(body) - (len(old[1]) if old else 0)
            self._entries[key] = (time.monotonic(), body)
            self._of[org].add(key)
            while self._size > self.max_bytes:
                gone, (_, body) = self._entries.popitem(last=False)
                self._size -= len(body)
                self._of[gone[0]].discard(gone)

    async def answer(
        self,
        org: int,
        request: Key,
        compute: Callable[[], bytes],
        version: Callable[[], Hashable | None] = lambda: "",
    ) -> Response:
        """The JSON answer to a request that reads organisation `org`'s data: from the cache, or made by `compute`
        in the lane and kept. `version` says what else the answer depends on (None: unknown now, so not answered
        from the cache; asked again after `compute`, which may have brought it up to date)."""
        if not self.max_bytes:
            return _json(await self.lane.run(compute))
        tokens = await self.tokens.read((CHANGES, changes_of(org)))
        with self._lock:
            if self._seen.get(org, tokens) != tokens:  # another process wrote: what is held will not be asked again
                self._drop(org)
            self._seen[org] = tokens
            local = (self._local[None], self._local[org])
        current = version()
        if current is not None:
            body = self._get((org, local, tokens, current, *request))
            if body is not None:
                self.hits += 1
                return _json(body)
        self.misses += 1
        body = await self.lane.run(compute)
        current = version()
        if current is not None:
            self._put((org, local, tokens, current, *request), body)
        return _json(body)


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")

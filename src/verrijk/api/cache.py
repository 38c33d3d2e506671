"""Encoded answers of GET /search, GET /records and GET /collections kept in each worker's memory: search
frontends repeat popular queries and listings, and an answer found here costs no database work, no search and no
encoding.

An answer is filed under who asked (organisation and role: what the caller may see), the normalised request, the
shared generation of the data (store.counters: a new token after any process commits a change to records,
suggestions, collections or media), this process's own writes (at once, before the shared token moves), and for
search the state of the organisation's index. The caller's key is checked before the cache is asked (the route's
dependencies run first), so a revoked key never reaches a cached answer. Entries are bounded in bytes (the least
recently used go first) and in age (VERRIJK_RESULT_CACHE_SECONDS, for changes made past verrijk, e.g. with psql).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from fastapi import Response
from fastapi.concurrency import run_in_threadpool

from verrijk.store.counters import CHANGES, Counters

Key = tuple[Hashable, ...]


class ResultCache:
    """One worker's cached answers, at most `max_bytes` of them (0: none) and none older than `max_age` seconds."""

    def __init__(self, counters: Counters, max_bytes: int, max_age: float):
        self.counters, self.max_bytes, self.max_age = counters, max_bytes, max_age
        self._entries: OrderedDict[Key, tuple[float, bytes]] = OrderedDict()
        self._size = 0
        self._local = 0  # this process's writes so far
        self._generation = ""  # the shared generation last seen
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def changed(self) -> None:
        """This process wrote what answers depend on: nothing cached so far is used again."""
        with self._lock:
            self._local += 1
            self._entries.clear()
            self._size = 0

    def _get(self, key: Key) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or time.monotonic() - found[0] > self.max_age:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def _put(self, key: Key, body: bytes) -> None:
        with self._lock:
            if key[0] != self._local or len(body) > self.max_bytes:  # written meanwhile: made from what was
                return
            old = self._entries.pop(key, None)
            self._size += len(body) - (len(old[1]) if old else 0)
            self._entries[key] = (time.monotonic(), body)
            while self._size > self.max_bytes:
                self._size -= len(self._entries.popitem(last=False)[1][1])

    async def answer(
        self, request: Key, compute: Callable[[], bytes], version: Callable[[], Hashable | None] = lambda: ""
    ) -> Response:
        """The JSON answer to a request: from the cache, or made by `compute` in the thread pool and kept.
        `version` says what else the answer depends on (None: unknown now, so not answered from the cache; asked
        again after `compute`, which may have brought it up to date)."""
        if not self.max_bytes:
            return _json(await run_in_threadpool(compute))
        generation = self.counters.generation(CHANGES)
        if generation != self._generation:  # another process wrote: what is held will not be asked for again
            self.changed()
            self._generation = generation
        with self._lock:
            local = self._local
        current = version()
        if current is not None:
            body = self._get((local, generation, current, *request))
            if body is not None:
                self.hits += 1
                return _json(body)
        self.misses += 1
        body = await run_in_threadpool(compute)
        current = version()
        if current is not None:
            self._put((local, generation, current, *request), body)
        return _json(body)


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")

"""Bounded concurrency for the processor-heavy work of a worker process: each kind of work (searching and listing,
synchronous enrichment) runs in a lane of a bounded number of threads, taken in arrival order, with a bounded
queue.

A worker holds one interpreter lock. Left to the thread pool (40 threads), 50 clients' searches and enrichments
all run at once: each gets a sliver of the lock, every answer waits for all the others, and the event loop, which
answers cached requests, waits its turn behind them. A lane runs a few at a time and queues the rest, so a request
costs its own work plus the wait in its queue, cached answers keep the loop's share of the lock, and a slow kind of
work (a model's) keeps to its own lane instead of delaying searches. Past its queue a lane refuses at once (503
with Retry-After) instead of letting a burst grow into minutes of waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

from verrijk.errors import Overloaded

T = TypeVar("T")


class Lane:
    """At most `size` calls at a time in threads, at most `queue` more waiting; named in the refusal."""

    def __init__(self, name: str, size: int, queue: int, setting: str):
        self.name, self.size, self.queue, self.setting = name, max(1, size), max(0, queue), setting
        self._limiter: anyio.CapacityLimiter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _for_this_loop(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()  # tests start an event loop per client: a limiter belongs to one
        if self._limiter is None or self._loop is not loop:
            self._limiter, self._loop = anyio.CapacityLimiter(self.size), loop
        return self._limiter

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """A place in the lane for work the caller awaits itself (Overloaded at once when the queue is full)."""
        limiter = self._for_this_loop()
        if limiter.statistics().tasks_waiting >= self.queue and limiter.available_tokens == 0:
            raise Overloaded(
                f"this server has {self.queue} {self.name} requests waiting already ({self.setting}); try again",
                retry_after=1,
                code="overloaded",
            )
        async with limiter:
            yield

    async def run(self, work: Callable[[], T]) -> T:
        """`work` in a thread, in its turn."""
        async with self.slot():
            return await anyio.to_thread.run_sync(work)

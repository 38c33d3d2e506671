"""Calling an enricher with a time limit, so that a model that hangs fails its batch instead of the whole job.

Python cannot stop a thread, so the call runs in a daemon thread holding the enricher's lock: a call that never
returns keeps every later call to that enricher waiting for the lock, and each of those gives up after the same
limit. A job over a hung model therefore ends (its items recorded as failed, each with the reason) instead of
hanging, and no two calls ever run one enricher at once. A daemon thread never keeps the process from exiting.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

from verrijk.enrich.base import Enricher, Item, Proposal
from verrijk.errors import ModelError

_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


class EnricherTimeout(ModelError):
    """An enricher gave no answer for a batch within the limit."""


def _lock_of(enricher: Enricher) -> threading.Lock:
    key = id(enricher)
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = threading.Lock()
            weakref.finalize(enricher, _locks.pop, key, None)  # an enricher gone takes its lock along
        return lock


def enrich_within(enricher: Enricher, items: Sequence[Item], timeout_s: float) -> list[list[Proposal]]:
    """enricher.enrich(items), or EnricherTimeout after timeout_s seconds (0 or less: no limit)."""
    if timeout_s <= 0:
        return enricher.enrich(items)
    lock, finished, outcome = _lock_of(enricher), threading.Event(), {}
    abandoned = threading.Event()

    def call() -> None:
        with lock:
            if abandoned.is_set():  # the caller gave up while an earlier call still held the enricher
                return
            try:
                outcome["result"] = enricher.enrich(items)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread as it is
                outcome["error"] = exc
            finally:
                finished.set()

    threading.Thread(target=call, name=f"enrich-{enricher.name}", daemon=True).start()
    if not finished.wait(timeout_s):
        abandoned.set()
        raise EnricherTimeout(
            f"{enricher.name} gave no answer for {len(items)} items within {timeout_s:g} s (VERRIJK_ENRICH_TIMEOUT_S)"
        )
    if "error" in outcome:
        raise outcome["error"]
    result: Any = outcome["result"]
    return result

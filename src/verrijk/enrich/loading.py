"""Loaders of models and vocabularies that run once per arguments and process, however many threads ask at once.

`functools.lru_cache` lets every thread that misses run the loader: a cold API worker hit by ten concurrent
requests would load the same NER model ten times (each 30-50 s on busy cores). `once` keeps lru_cache's memory
and adds a lock per arguments, so the first caller loads and the others wait for its result."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def once(maxsize: int) -> Callable[[Callable[..., T]], Callable[..., T]]:
    def decorate(load: Callable[..., T]) -> Callable[..., T]:
        cached = functools.lru_cache(maxsize=maxsize)(load)
        locks: dict[Any, threading.Lock] = {}
        guard = threading.Lock()

        @functools.wraps(load)
        def loaded(*args: Any, **kwargs: Any) -> T:
            key = (args, tuple(sorted(kwargs.items())))
            with guard:
                lock = locks.setdefault(key, threading.Lock())
            with lock:
                return cached(*args, **kwargs)

        loaded.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return loaded

    return decorate

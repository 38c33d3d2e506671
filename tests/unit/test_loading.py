"""Model loaders run once per arguments even when many threads ask at the same time (a cold worker's first burst)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from verrijk.enrich.loading import once


def test_concurrent_callers_share_one_load_per_arguments():
    calls: list[str] = []
    counting = threading.Lock()

    @once(maxsize=4)
    def load(name: str) -> object:
        with counting:
            calls.append(name)
        time.sleep(0.2)  # a slow model load: every caller arrives while it runs
        return object()

    with ThreadPoolExecutor(max_workers=10) as pool:
        got = list(pool.map(load, ["ner-nl"] * 8 + ["ner-e5"] * 2))
    assert sorted(calls) == ["ner-e5", "ner-nl"]  # with functools.lru_cache alone: 10 loads
    assert len({id(g) for g in got[:8]}) == 1 and got[8] is got[9] and got[0] is not got[8]
    load.cache_clear()
    assert load("ner-nl") is not got[0] and calls.count("ner-nl") == 2

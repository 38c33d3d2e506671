"""The per-process cache of the in-memory indexes built from authorities stored in the database.

Each load of an authority records a version (a content hash) that keys this cache, so a re-added authority is
re-indexed by every process on its next lookup. The rows themselves are the store's (verrijk.store.repo).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator

from sqlalchemy.orm import Session

from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.model import Entry
from verrijk.logs import log_duration
from verrijk.store.repo import authority_entries, authority_load, visible_authority
from verrijk.store.tables import Authority

CACHE_SIZE = 8  # indexes kept per process; geonames takes ~1 GB, an organisation's thesaurus a few MB

_cache: OrderedDict[tuple[str, int, str, str], AuthorityIndex] = OrderedDict()
_cache_lock = threading.Lock()
_build_locks: dict[tuple[str, int, str, str], threading.Lock] = {}
log = logging.getLogger(__name__)


def stored_entries(session: Session, authority: Authority) -> Iterator[Entry]:
    for uri, label, alt_labels, types, description, properties in authority_entries(session, authority):
        yield Entry(uri, label, tuple(alt_labels or ()), tuple(types or ()), description or "", properties or {})


def index_for(session: Session, authority: Authority) -> AuthorityIndex:
    """The authority's index, built on first use and kept per (database, authority id, name, version): a process
    serving several databases (tests, a multi-tenant host) never gets another database's index, nor an index
    named after another authority that once had the same id and data."""
    load = authority_load(session, authority)
    key = (str(session.get_bind().url), authority.id, authority.name, load.version if load else "")
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        lock = _build_locks.setdefault(key, threading.Lock())
    with lock:  # one thread builds, the others wait for it
        with _cache_lock:
            if key in _cache:
                return _cache[key]
        started = time.perf_counter()
        index = AuthorityIndex(authority.name, stored_entries(session, authority), key[3])
        log_duration(
            log, started, "authority %s indexed: %d entries", authority.name, len(index.entries), version=index.version
        )
        with _cache_lock:
            for stale in [k for k in _cache if k[:2] == key[:2]]:
                del _cache[stale]
            _cache[key] = index
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
            _build_locks.pop(key, None)
    return index


def open_index(session: Session, org_id: int | None, name: str) -> AuthorityIndex:
    """The index of an authority the organisation may read; UnknownAuthority otherwise."""
    return index_for(session, visible_authority(session, org_id, name))

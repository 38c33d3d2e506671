"""Authority entries in the database, and the per-process cache of the indexes built from them.

An authority's entries are replaced as a whole within the caller's transaction, so a failed load leaves the
previous entries; each load records a version (a content hash) that keys the index cache, so a re-added
authority is re-indexed by every process on its next lookup.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.model import AuthorityFormatError, Entry, UnknownAuthority
from verrijk.logs import log_duration
from verrijk.store.tables import Authority, AuthorityEntry, AuthorityLoad, utcnow

BATCH = 5000
CACHE_SIZE = 8  # indexes kept per process; geonames takes ~1 GB, an organisation's thesaurus a few MB

_cache: OrderedDict[tuple[str, int, str], AuthorityIndex] = OrderedDict()
_cache_lock = threading.Lock()
_build_locks: dict[tuple[str, int, str], threading.Lock] = {}
log = logging.getLogger(__name__)


def visible_authority(session: Session, org_id: int | None, name: str) -> Authority:
    """The authority an organisation means by a name: its own first, else a shared one."""
    clauses = [Authority.organisation_id.is_(None), Authority.shared.is_(True)]
    if org_id is not None:
        clauses.append(Authority.organisation_id == org_id)
    found = list(session.scalars(select(Authority).where(Authority.name == name, or_(*clauses))))
    if not found:
        raise UnknownAuthority(name)
    own = [a for a in found if a.organisation_id == org_id]
    return (own or sorted(found, key=lambda a: (a.organisation_id is not None, a.id)))[0]


def load_of(session: Session, authority: Authority) -> AuthorityLoad | None:
    return session.get(AuthorityLoad, authority.id)


def count_entries(session: Session, authority: Authority) -> int:
    return session.scalar(select(func.count(AuthorityEntry.id)).where(AuthorityEntry.authority_id == authority.id))


def replace_entries(session: Session, authority: Authority, entries: Iterable[Entry], version: str, fmt: str) -> int:
    """Put `entries` in place of the authority's entries; the caller commits (or rolls back on an error)."""
    started = time.perf_counter()
    session.flush()
    session.execute(delete(AuthorityEntry).where(AuthorityEntry.authority_id == authority.id))
    seen: set[str] = set()
    batch: list[dict] = []
    for entry in entries:
        if entry.uri in seen:
            raise AuthorityFormatError(f"{authority.name}: uri {entry.uri} occurs twice")
        seen.add(entry.uri)
        batch.append(_row(authority.id, entry))
        if len(batch) >= BATCH:
            session.execute(insert(AuthorityEntry), batch)
            batch = []
    if batch:
        session.execute(insert(AuthorityEntry), batch)
    load = session.get(AuthorityLoad, authority.id) or AuthorityLoad(authority_id=authority.id)
    load.version, load.format, load.entries, load.loaded_at = version, fmt, len(seen), utcnow()
    session.add(load)
    session.flush()
    log_duration(
        log,
        started,
        "authority %s loaded: %d entries",
        authority.name,
        len(seen),
        organisation_id=authority.organisation_id,
        version=version,
        format=fmt,
    )
    return len(seen)


def _row(authority_id: int, entry: Entry) -> dict:
    return {
        "authority_id": authority_id,
        "uri": entry.uri,
        "label": entry.label,
        "alt_labels": list(entry.alt_labels),
        "types": list(entry.types),
        "description": entry.description,
        "properties": entry.properties,
    }


def stored_entries(session: Session, authority: Authority) -> Iterator[Entry]:
    rows = session.execute(
        select(
            AuthorityEntry.uri,
            AuthorityEntry.label,
            AuthorityEntry.alt_labels,
            AuthorityEntry.types,
            AuthorityEntry.description,
            AuthorityEntry.properties,
        )
        .where(AuthorityEntry.authority_id == authority.id)
        .order_by(AuthorityEntry.id)
        .execution_options(yield_per=BATCH)
    )
    for uri, label, alt_labels, types, description, properties in rows:
        yield Entry(uri, label, tuple(alt_labels or ()), tuple(types or ()), description or "", properties or {})


def index_for(session: Session, authority: Authority) -> AuthorityIndex:
    """The authority's index, built on first use and kept per (database, authority id, version): a process
    serving several databases (tests, a multi-tenant host) never gets another database's index."""
    load = load_of(session, authority)
    key = (str(session.get_bind().url), authority.id, load.version if load else "")
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
        index = AuthorityIndex(authority.name, stored_entries(session, authority), key[2])
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

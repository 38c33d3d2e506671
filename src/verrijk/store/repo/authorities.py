"""Authorities (vocabularies to link to) and their entries in the database.

An organisation reads its own authorities and the shared ones; entries are replaced as a whole within the
caller's transaction, and each load records a version (a content hash) that keys the in-memory indexes built
from them. The functions here serve callers without an organisation (shared authorities, public
reconciliation); Repo's methods bind the same work to the organisation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from verrijk.errors import AuthorityFormatError, NotFound, UnknownAuthority
from verrijk.logs import log_duration
from verrijk.store.repo.audit import Audit
from verrijk.store.tables import Authority, AuthorityEntry, AuthorityLoad, utcnow

ENTRY_BATCH = 5000  # entries per INSERT and per fetch while reading them back
log = logging.getLogger(__name__)


def visible_authority(session: Session, org_id: int | None, name: str) -> Authority:
    """The authority an organisation (None: anyone) means by a name: its own first, else a shared one."""
    clauses = [Authority.organisation_id.is_(None), Authority.shared.is_(True)]
    if org_id is not None:
        clauses.append(Authority.organisation_id == org_id)
    found = list(session.scalars(select(Authority).where(Authority.name == name, or_(*clauses))))
    if not found:
        raise UnknownAuthority(name)
    own = [a for a in found if a.organisation_id == org_id]
    return (own or sorted(found, key=lambda a: (a.organisation_id is not None, a.id)))[0]


def authority_load(session: Session, authority: Authority) -> AuthorityLoad | None:
    """What the authority's entries were last loaded from (version, format, count); None before any load."""
    return session.get(AuthorityLoad, authority.id)


def count_entries(session: Session, authority: Authority) -> int:
    return session.scalar(select(func.count(AuthorityEntry.id)).where(AuthorityEntry.authority_id == authority.id))


def replace_entries(session: Session, authority: Authority, entries: Iterable[Any], version: str, fmt: str) -> int:
    """Put `entries` (with uri, label, alt_labels, types, description, properties) in place of the authority's
    entries; the caller commits (or rolls back on an error). AuthorityFormatError when a uri occurs twice."""
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
        if len(batch) >= ENTRY_BATCH:
            session.execute(insert(AuthorityEntry), batch)
            batch = []
    if batch:
        session.execute(insert(AuthorityEntry), batch)
    load = authority_load(session, authority) or AuthorityLoad(authority_id=authority.id)
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


def _row(authority_id: int, entry: Any) -> dict:
    return {
        "authority_id": authority_id,
        "uri": entry.uri,
        "label": entry.label,
        "alt_labels": list(entry.alt_labels),
        "types": list(entry.types),
        "description": entry.description,
        "properties": entry.properties,
    }


def authority_entries(session: Session, authority: Authority) -> Iterator[tuple]:
    """(uri, label, alt_labels, types, description, properties) of each entry, in load order, fetched in batches."""
    yield from session.execute(
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
        .execution_options(yield_per=ENTRY_BATCH)
    )


def shared_authority(session: Session, name: str, label: str, source: str, license: str | None) -> Authority:
    """Register (or update) an authority that belongs to no organisation and every organisation may read."""
    authority = session.scalar(select(Authority).where(Authority.name == name, Authority.organisation_id.is_(None)))
    if authority is None:
        authority = Authority(name=name, organisation_id=None, shared=True)
        session.add(authority)
    authority.label, authority.source, authority.license, authority.shared = label, source, license, True
    session.flush()
    return authority


class Authorities(Audit):
    def add_authority(
        self, name: str, label: str, source: str, license: str | None = None, shared: bool = False
    ) -> Authority:
        """Register this organisation's own vocabulary; private unless shared."""
        existing = self.session.scalar(
            select(Authority).where(Authority.organisation_id == self.org_id, Authority.name == name)
        )
        authority = existing or Authority(organisation_id=self.org_id, name=name)
        authority.label, authority.source, authority.license, authority.shared = label, source, license, shared
        self.session.add(authority)
        self.session.flush()
        self.audit("authority.register", "authority", name, shared=shared)
        return authority

    def authority(self, name: str) -> Authority:
        """An authority this organisation may read: its own of that name, else a shared one."""
        try:
            return visible_authority(self.session, self.org_id, name)
        except UnknownAuthority:
            raise NotFound(f"authority {name!r} is neither this organisation's nor a shared one") from None

    def load_authority(
        self,
        name: str,
        entries: Iterable[Any],
        version: str,
        fmt: str,
        label: str,
        source: str,
        license: str | None = None,
        shared: bool = False,
    ) -> tuple[Authority, int]:
        """Register an authority and put `entries` (linking Entry objects) in place of the ones it had.

        All in the caller's transaction: an error while reading the entries leaves nothing half-written.
        """
        authority = self.add_authority(name, label, source, license, shared)
        count = replace_entries(self.session, authority, entries, version, fmt)
        self.audit("authority.load", "authority", name, entries=count, version=version, format=fmt)
        return authority, count

    def authorities(self) -> list[Authority]:
        """The organisation's own authorities and every shared one."""
        return list(
            self.session.scalars(
                select(Authority)
                .where(
                    or_(
                        Authority.organisation_id == self.org_id,
                        Authority.organisation_id.is_(None),
                        Authority.shared.is_(True),
                    )
                )
                .order_by(Authority.name)
            )
        )

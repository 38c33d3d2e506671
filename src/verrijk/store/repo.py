"""The organisation-scoped repository: every read and write of an organisation's work goes through here.

Routes and commands never query tables directly; they get a Repo bound to one organisation, so no
code path can see or change another organisation's records, suggestions, jobs or audit entries.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from verrijk.errors import NotFound, QuotaExceeded
from verrijk.store.tables import (
    AuditEntry,
    Authority,
    Collection,
    Decision,
    Job,
    Media,
    Organisation,
    Record,
    StreamMember,
    Suggestion,
    utcnow,
)


@dataclass(frozen=True)
class Scope:
    """Who is acting: the organisation every query is bound to, the user and their role there."""

    organisation_id: int
    user_id: int | None = None
    role: str = "admin"


@dataclass
class RecordFilter:
    collection: str | None = None
    q: str | None = None
    creator: str | None = None
    place: str | None = None
    subject: str | None = None
    type: str | None = None
    language: str | None = None
    rights: str | None = None
    date_from: int | None = None
    date_to: int | None = None


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    total: int


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)


PUBLISHED_STATES = ("accepted", "edited", "auto")


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id after which a page starts; ValueError when the cursor was not made by encode_cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except Exception as exc:  # any corruption of the opaque token is the caller's mistake
        raise ValueError(f"cursor {cursor!r} is not a cursor returned by this API") from exc
    if not isinstance(value, int):
        raise ValueError(f"cursor {cursor!r} is not a cursor returned by this API")
    return value


def content_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# The fields of a record that an ingest sets; the hash over them decides whether a re-ingest changes anything.
RECORD_COLUMNS = (
    "uri",
    "title",
    "description",
    "creator",
    "date",
    "date_from",
    "date_to",
    "place",
    "subject",
    "type",
    "rights",
    "language",
    "extra",
)


def _json_list_contains(column, value: str):
    """Match one element of a JSON list column, on SQLite and PostgreSQL alike."""
    return cast(column, String).contains(json.dumps(value, ensure_ascii=False), autoescape=True)


class Repo:
    def __init__(self, session: Session, scope: Scope):
        self.session = session
        self.scope = scope
        self.org_id = scope.organisation_id

    # organisation -----------------------------------------------------------------------------
    def organisation(self) -> Organisation:
        org = self.session.get(Organisation, self.org_id)
        if org is None:
            raise NotFound(f"organisation {self.org_id} does not exist")
        return org

    # collections ------------------------------------------------------------------------------
    def collections(self) -> list[tuple[Collection, int]]:
        counts = (
            select(Record.collection_id, func.count(Record.id).label("n"))
            .where(Record.organisation_id == self.org_id)
            .group_by(Record.collection_id)
            .subquery()
        )
        rows = self.session.execute(
            select(Collection, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.collection_id == Collection.id)
            .where(Collection.organisation_id == self.org_id)
            .order_by(Collection.slug)
        )
        return [(c, n) for c, n in rows]

    def collection(self, slug: str) -> Collection:
        col = self.session.scalar(
            select(Collection).where(Collection.organisation_id == self.org_id, Collection.slug == slug)
        )
        if col is None:
            raise NotFound(f"collection {slug!r} does not exist in this organisation")
        return col

    def ensure_collection(self, slug: str, name: str | None = None, **attrs: Any) -> Collection:
        try:
            col = self.collection(slug)
        except NotFound:
            col = Collection(organisation_id=self.org_id, slug=slug, name=name or slug, **attrs)
            self.session.add(col)
            self.session.flush()
            return col
        for key, value in attrs.items():
            if value is not None:
                setattr(col, key, value)
        if name:
            col.name = name
        return col

    # records ----------------------------------------------------------------------------------
    def _records_query(self, flt: RecordFilter):
        stmt = select(Record).where(Record.organisation_id == self.org_id)
        if flt.collection:
            stmt = stmt.where(Record.collection_id == self.collection(flt.collection).id)
        if flt.q:
            q = flt.q.lower()
            stmt = stmt.where(
                or_(
                    func.lower(Record.title).contains(q, autoescape=True),
                    func.lower(Record.description).contains(q, autoescape=True),
                )
            )
        for name in ("creator", "place", "subject", "type"):
            value = getattr(flt, name)
            if value:
                stmt = stmt.where(_json_list_contains(getattr(Record, name), value))
        if flt.language:
            stmt = stmt.where(Record.language == flt.language)
        if flt.rights:
            stmt = stmt.where(Record.rights == flt.rights)
        if flt.date_from is not None:
            stmt = stmt.where(func.coalesce(Record.date_to, Record.date_from) >= flt.date_from)
        if flt.date_to is not None:
            stmt = stmt.where(Record.date_from <= flt.date_to)
        return stmt

    def records(self, flt: RecordFilter, limit: int = 20, cursor: str | None = None) -> Page:
        stmt = self._records_query(flt)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        if cursor:
            stmt = stmt.where(Record.id > decode_cursor(cursor))
        rows = list(self.session.scalars(stmt.options(selectinload(Record.media)).order_by(Record.id).limit(limit + 1)))
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return Page(rows[:limit], next_cursor, total)

    def record(self, record_id: int) -> Record:
        rec = self.session.scalar(
            select(Record)
            .options(selectinload(Record.media))
            .where(Record.organisation_id == self.org_id, Record.id == record_id)
        )
        if rec is None:
            raise NotFound(f"record {record_id} does not exist in this organisation")
        return rec

    def records_by_id(self, record_ids: Sequence[int]) -> dict[int, Record]:
        return {
            r.id: r
            for r in self.session.scalars(
                select(Record).where(Record.organisation_id == self.org_id, Record.id.in_(set(record_ids)))
            )
        }

    def record_ids(self, flt: RecordFilter) -> set[int]:
        """Ids of the records matching a filter, exactly as /records filters them."""
        return set(self.session.scalars(self._records_query(flt).with_only_columns(Record.id)))

    def count_records(self) -> int:
        return self.session.scalar(select(func.count(Record.id)).where(Record.organisation_id == self.org_id)) or 0

    def existing_source_ids(self, collection: Collection, source_ids: Iterable[str]) -> set[str]:
        ids = list(source_ids)
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            found.update(
                self.session.scalars(
                    select(Record.source_id).where(
                        Record.collection_id == collection.id, Record.source_id.in_(ids[i : i + 500])
                    )
                )
            )
        return found

    def upsert_records(self, collection: Collection, items: Sequence[dict[str, Any]]) -> UpsertResult:
        """Insert new records, update changed ones in place (keeping their id, suggestions and decisions).

        Each item has "source_id", the RECORD_COLUMNS, "raw" and "media" (list of dicts with "url", ...).
        """
        if collection.organisation_id != self.org_id:
            raise NotFound("collection does not belong to this organisation")
        result = UpsertResult()
        source_ids = [i["source_id"] for i in items]
        # id and hash are enough to tell unchanged records (most of a re-harvest) from changed ones
        known = {
            source_id: (record_id, digest)
            for source_id, record_id, digest in self.session.execute(
                select(Record.source_id, Record.id, Record.content_hash).where(
                    Record.collection_id == collection.id, Record.source_id.in_(source_ids)
                )
            )
        }
        new_count = sum(1 for i in source_ids if i not in known)
        quota = self.organisation().quota_records
        if quota is not None and new_count and self.count_records() + new_count > quota:
            raise QuotaExceeded(
                f"storing {new_count} new records would pass this organisation's quota of {quota} records"
            )
        now = utcnow()
        prepared = []
        for item in items:
            fields = {k: item.get(k) for k in RECORD_COLUMNS}
            media = item.get("media") or []
            prepared.append((item, fields, media, content_hash({**fields, "media": media})))
        changed = [
            known[i["source_id"]][0]
            for i, _, _, d in prepared
            if i["source_id"] in known and known[i["source_id"]][1] != d
        ]
        loaded = (
            {
                r.source_id: r
                for r in self.session.scalars(
                    select(Record).options(selectinload(Record.media)).where(Record.id.in_(changed))
                )
            }
            if changed
            else {}
        )
        touched: list[Record | int] = []
        versions: list[tuple[Record, dict[str, Any]]] = []
        for item, fields, media, digest in prepared:
            if item["source_id"] in known and known[item["source_id"]][1] == digest:
                result.unchanged += 1
                touched.append(known[item["source_id"]][0])
                continue
            rec = loaded.get(item["source_id"])
            if rec is None:
                rec = Record(organisation_id=self.org_id, collection_id=collection.id, source_id=item["source_id"])
                self.session.add(rec)
                loaded[item["source_id"]] = rec
                known[item["source_id"]] = (None, digest)
                result.created += 1
            else:
                result.updated += 1
                rec.updated_at = now
            for key, value in fields.items():
                setattr(rec, key, value)
            rec.raw = item.get("raw") or {}
            rec.content_hash = digest
            rec.media = [Media(organisation_id=self.org_id, position=pos, **m) for pos, m in enumerate(media)]
            touched.append(rec)
            versions.append((rec, {**fields, "source_id": item["source_id"], "media": media}))
        self.session.flush()
        if versions:
            self.session.execute(
                insert(StreamMember),
                [
                    {
                        "organisation_id": self.org_id,
                        "collection_id": collection.id,
                        "record_id": rec.id,
                        "suggestion_id": None,
                        "kind": "record",
                        "snapshot": snapshot,
                        "created_at": now,
                    }
                    for rec, snapshot in versions
                ],
            )
        result.ids = [r if isinstance(r, int) else r.id for r in touched]
        return result

    # suggestions ------------------------------------------------------------------------------
    def suggestions_for(self, record_id: int) -> list[Suggestion]:
        return list(
            self.session.scalars(
                select(Suggestion)
                .where(Suggestion.organisation_id == self.org_id, Suggestion.record_id == record_id)
                .order_by(Suggestion.field, Suggestion.span_start, Suggestion.id)
            )
        )

    def suggestions(
        self,
        record_id: int | None = None,
        status: str | None = None,
        enricher: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        stmt = select(Suggestion).where(Suggestion.organisation_id == self.org_id)
        if record_id is not None:
            stmt = stmt.where(Suggestion.record_id == record_id)
        if status:
            stmt = stmt.where(Suggestion.status == status)
        if enricher:
            stmt = stmt.where(Suggestion.enricher == enricher)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        if cursor:
            stmt = stmt.where(Suggestion.id > decode_cursor(cursor))
        rows = list(self.session.scalars(stmt.order_by(Suggestion.id).limit(limit + 1)))
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return Page(rows[:limit], next_cursor, total)

    def suggestion(self, suggestion_id: int, lock: bool = False) -> Suggestion:
        """One suggestion; with lock, its row stays locked to this transaction (PostgreSQL) until commit."""
        stmt = select(Suggestion).where(Suggestion.organisation_id == self.org_id, Suggestion.id == suggestion_id)
        found = self.session.scalar(stmt.with_for_update() if lock else stmt)
        if found is None:
            raise NotFound(f"suggestion {suggestion_id} does not exist in this organisation")
        return found

    def decide(
        self,
        suggestion: Suggestion,
        status: str,
        label: str | None = None,
        authority_uri: str | None = None,
        reason: str = "",
        by_person: bool = True,
    ) -> Decision:
        """Change a suggestion's state through an append-only decision row; any decision can be undone by another."""
        if suggestion.organisation_id != self.org_id:
            raise NotFound(f"suggestion {suggestion.id} does not exist in this organisation")
        before = {"status": suggestion.status, "label": suggestion.label, "authority_uri": suggestion.authority_uri}
        suggestion.status = status
        if status == "edited":
            suggestion.label = label or suggestion.label
            suggestion.authority_uri = authority_uri if authority_uri is not None else suggestion.authority_uri
        after = {"status": suggestion.status, "label": suggestion.label, "authority_uri": suggestion.authority_uri}
        decision = Decision(
            organisation_id=self.org_id,
            suggestion_id=suggestion.id,
            user_id=self.scope.user_id if by_person else None,  # None: a rule (threshold, consensus) decided
            action=status,
            before=before,
            after=after,
            reason=reason,
        )
        record = self.session.get(Record, suggestion.record_id)
        record.updated_at = utcnow()  # its published form changed: harvesters asking "from" must see it again
        self.session.add(
            StreamMember(
                organisation_id=self.org_id,
                collection_id=record.collection_id,
                record_id=record.id,
                suggestion_id=suggestion.id,
                kind="annotation",
                created_at=record.updated_at,
                snapshot={
                    "status": status,
                    "field": suggestion.field,
                    "start": suggestion.span_start,
                    "end": suggestion.span_end,
                    "kind": suggestion.kind,
                    "entity_type": suggestion.entity_type,
                    "label": suggestion.label,
                    "authority_uri": suggestion.authority_uri,
                    "score": suggestion.score,
                    "enricher": suggestion.enricher,
                    "enricher_version": suggestion.enricher_version,
                    "decided_by": self.scope.user_id,
                    "reason": reason,
                },
            )
        )
        self.session.add(decision)
        self.session.flush()
        self.audit(f"suggestion.{status}", "suggestion", suggestion.id, before=before, after=after)
        return decision

    def decisions_for(self, suggestion_id: int) -> list[Decision]:
        return list(
            self.session.scalars(
                select(Decision)
                .where(Decision.organisation_id == self.org_id, Decision.suggestion_id == suggestion_id)
                .order_by(Decision.id)
            )
        )

    def accepted(self, record_ids: Sequence[int]) -> dict[int, list[Suggestion]]:
        """Accepted, edited and auto-accepted suggestions of records: what gets published with them."""
        found: dict[int, list[Suggestion]] = {}
        for i in range(0, len(record_ids), 500):
            for s in self.session.scalars(
                select(Suggestion)
                .where(
                    Suggestion.organisation_id == self.org_id,
                    Suggestion.record_id.in_(record_ids[i : i + 500]),
                    Suggestion.status.in_(PUBLISHED_STATES),
                )
                .order_by(Suggestion.id)
            ):
                found.setdefault(s.record_id, []).append(s)
        return found

    def latest_decisions(self, suggestion_ids: Sequence[int]) -> dict[int, Decision]:
        found: dict[int, Decision] = {}
        for i in range(0, len(suggestion_ids), 500):
            for d in self.session.scalars(
                select(Decision)
                .where(Decision.organisation_id == self.org_id, Decision.suggestion_id.in_(suggestion_ids[i : i + 500]))
                .order_by(Decision.id)
            ):
                found[d.suggestion_id] = d
        return found

    def public_collections(self) -> list[Collection]:
        return list(
            self.session.scalars(
                select(Collection)
                .where(Collection.organisation_id == self.org_id, Collection.public.is_(True))
                .order_by(Collection.slug)
            )
        )

    def public_records(
        self,
        collection_slug: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> tuple[list[Record], int]:
        """Records of published collections, by id, with the total that matches."""
        public = [c.id for c in self.public_collections() if collection_slug in (None, c.slug)]
        stmt = select(Record).where(Record.organisation_id == self.org_id, Record.collection_id.in_(public))
        if since:
            stmt = stmt.where(Record.updated_at >= since)
        if until:
            stmt = stmt.where(Record.updated_at <= until)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.scalars(
            stmt.where(Record.id > after_id).options(selectinload(Record.media)).order_by(Record.id).limit(limit)
        )
        return list(rows), total

    def stream_members(self, after_id: int = 0, limit: int = 100, since: datetime | None = None) -> list[StreamMember]:
        """Members of the organisation's event stream in published collections, oldest first."""
        public = [c.id for c in self.public_collections()]
        stmt = select(StreamMember).where(
            StreamMember.organisation_id == self.org_id,
            StreamMember.collection_id.in_(public),
            StreamMember.id > after_id,
        )
        if since is not None:
            stmt = stmt.where(StreamMember.created_at >= since)
        return list(self.session.scalars(stmt.order_by(StreamMember.id).limit(limit)))

    def stream_page_start_before(self, after: int, page_size: int) -> int:
        """The `after` of the page that precedes the page starting after member `after` (0 for the first)."""
        public = [c.id for c in self.public_collections()]
        earlier = list(
            self.session.scalars(
                select(StreamMember.id)
                .where(
                    StreamMember.organisation_id == self.org_id,
                    StreamMember.collection_id.in_(public),
                    StreamMember.id <= after,
                )
                .order_by(StreamMember.id.desc())
                .limit(page_size + 1)
            )
        )
        return earlier[page_size] if len(earlier) > page_size else 0

    # authorities ------------------------------------------------------------------------------
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
        from verrijk.enrich.text.linking.store import visible_authority

        try:
            return visible_authority(self.session, self.org_id, name)
        except LookupError:
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
        from verrijk.enrich.text.linking.store import replace_entries

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

    # jobs -------------------------------------------------------------------------------------
    def create_job(self, kind: str, collection: Collection | None = None, params: dict | None = None) -> Job:
        quota = self.organisation().quota_jobs
        if quota is not None:
            active = self.session.scalar(
                select(func.count(Job.id)).where(
                    Job.organisation_id == self.org_id, Job.status.in_(("queued", "running"))
                )
            )
            if active >= quota:
                raise QuotaExceeded(f"this organisation may run {quota} jobs at once; {active} are queued or running")
        job = Job(
            organisation_id=self.org_id,
            kind=kind,
            collection_id=collection.id if collection else None,
            params=params or {},
            created_by=self.scope.user_id,
        )
        self.session.add(job)
        self.session.flush()
        return job

    def jobs(self, limit: int = 20, cursor: str | None = None, status: str | None = None) -> Page:
        stmt = select(Job).where(Job.organisation_id == self.org_id)
        if status:
            stmt = stmt.where(Job.status == status)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        if cursor:
            stmt = stmt.where(Job.id < decode_cursor(cursor))
        rows = list(self.session.scalars(stmt.order_by(Job.id.desc()).limit(limit + 1)))
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return Page(rows[:limit], next_cursor, total)

    def job(self, job_id: int) -> Job:
        job = self.session.scalar(select(Job).where(Job.organisation_id == self.org_id, Job.id == job_id))
        if job is None:
            raise NotFound(f"job {job_id} does not exist in this organisation")
        return job

    # audit ------------------------------------------------------------------------------------
    def audit(self, action: str, target_type: str = "", target_id: Any = "", **detail: Any) -> None:
        self.session.add(
            AuditEntry(
                organisation_id=self.org_id,
                user_id=self.scope.user_id,
                action=action,
                target_type=target_type,
                target_id=str(target_id),
                detail=detail,
            )
        )

    def audit_entries(self, limit: int = 50) -> list[AuditEntry]:
        return list(
            self.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.organisation_id == self.org_id)
                .order_by(AuditEntry.id.desc())
                .limit(limit)
            )
        )


def public_owner(session: Session, record_id: int) -> Scope | None:
    """The scope to read a record in without a key: only records of published collections have one."""
    row = session.execute(
        select(Record.organisation_id)
        .join(Collection, Collection.id == Record.collection_id)
        .where(Record.id == record_id, Collection.public.is_(True))
    ).first()
    return Scope(row[0], role="client") if row else None


def touch(job: Job, **changes: Any) -> None:
    for key, value in changes.items():
        setattr(job, key, value)
    job.updated_at = utcnow()


def as_utc(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None

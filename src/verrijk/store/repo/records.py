"""Records of an organisation: filtered pages, lookups, the views search and enrichment read, and the upsert
that ingest uses (unchanged records untouched, changed ones updated in place, each new version streamed)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Integer,
    String,
    any_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import selectinload

from verrijk.domain import SuggestionKind, SuggestionStatus
from verrijk.errors import NotFound, QuotaExceeded
from verrijk.store.repo.base import Page, RecordFilter, batches, decode_cursor, encode_cursor
from verrijk.store.repo.collections import Collections
from verrijk.store.tables import Collection, Media, Record, StreamMember, Suggestion, utcnow

LIST_COLUMNS = ("creator", "place", "subject", "type")  # JSON lists of strings
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


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)


def content_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _json_list_contains(column, value: str):
    """Match one element of a JSON list column, on SQLite and PostgreSQL alike."""
    return cast(column, String).contains(json.dumps(value, ensure_ascii=False), autoescape=True)


MEDIA_TEXT = {"ocr": ("image",), "transcript": ("audio", "video")}  # text read from media, by the media's kind


def _media_texts():
    """Transcript suggestions (not rejected) on a record's medium, joined to that medium."""
    on_medium = (Media.record_id == Suggestion.record_id) & (
        Suggestion.field == literal("media.") + cast(Media.position, String)
    )
    return (
        select(Suggestion.id)
        .join(Media, on_medium)
        .where(Suggestion.kind == SuggestionKind.transcript, Suggestion.status != SuggestionStatus.rejected)
    )


class Records(Collections):
    def _records_query(self, flt: RecordFilter):
        stmt = select(Record).where(Record.organisation_id == self.org_id)
        if flt.collection:
            stmt = stmt.where(Record.collection_id == self.collection(flt.collection).id)
        if flt.q:
            q = flt.q.lower()
            # SQLite's LIKE ignores the case of ASCII letters, as its lower() folds only those: the same matches
            # without a lower() of every title and description
            sqlite = self.session.get_bind().dialect.name == "sqlite"
            title, description = (
                (Record.title, Record.description)
                if sqlite
                else (func.lower(Record.title), func.lower(Record.description))
            )
            stmt = stmt.where(or_(title.contains(q, autoescape=True), description.contains(q, autoescape=True)))
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
        if flt.media == "none":
            stmt = stmt.where(~select(Media.id).where(Media.record_id == Record.id).exists())
        elif flt.media:
            stmt = stmt.where(select(Media.id).where(Media.record_id == Record.id, Media.kind == flt.media).exists())
        if flt.text:
            kinds = MEDIA_TEXT[flt.text]
            stmt = stmt.where(_media_texts().where(Suggestion.record_id == Record.id, Media.kind.in_(kinds)).exists())
        return stmt

    def media_facets(self, flt: RecordFilter) -> dict[str, dict[str, int]]:
        """Counts of the records a filter finds, per media kind ("none": without media) and per kind of text read
        from their media (ocr, transcript); facets the filter already fixes count within it too."""
        found = self._records_query(flt).with_only_columns(Record.id).subquery()
        total = self.session.scalar(select(func.count()).select_from(found)) or 0
        kinds = dict(
            self.session.execute(
                select(Media.kind, func.count(func.distinct(Media.record_id)))
                .where(Media.record_id.in_(select(found.c.id)))
                .group_by(Media.kind)
            ).all()
        )
        with_media = self.session.scalar(
            select(func.count(func.distinct(Media.record_id))).where(Media.record_id.in_(select(found.c.id)))
        )
        texts = {}
        for name, media_kinds in MEDIA_TEXT.items():
            texts[name] = self.session.scalar(
                _media_texts()
                .with_only_columns(func.count(func.distinct(Suggestion.record_id)))
                .where(Suggestion.record_id.in_(select(found.c.id)), Media.kind.in_(media_kinds))
            )
        media = {k: n for k, n in kinds.items() if n} | ({"none": total - with_media} if total > with_media else {})
        return {"media": media, "text": {k: n for k, n in texts.items() if n}}

    def records(self, flt: RecordFilter, limit: int = 20, cursor: str | None = None) -> Page:
        if not flt.q:
            return self._page(self._records_query(flt), Record.id, limit, cursor, options=(selectinload(Record.media),))
        # words in title or description: every record's text is scanned, so once: one query counts the matches (a
        # window over all of them) and gives the page's ids; the page's records are then read by primary key
        matches = self._records_query(flt).with_only_columns(Record.id, func.count().over().label("total")).subquery()
        stmt = select(matches.c.id, matches.c.total).order_by(matches.c.id).limit(limit + 1)
        rows = self.session.execute(stmt.where(matches.c.id > decode_cursor(cursor)) if cursor else stmt).all()
        if not rows:  # nothing (left) to show: the count alone
            return Page([], None, self._count(self._records_query(flt)) if cursor else 0)
        wanted = [row.id for row in rows[:limit]]
        found = self.records_by_id(wanted, media=True)
        next_cursor = encode_cursor(wanted[-1]) if len(rows) > limit else None
        return Page([found[i] for i in wanted], next_cursor, rows[0].total)

    def record(self, record_id: int) -> Record:
        rec = self.session.scalar(
            select(Record)
            .options(selectinload(Record.media))
            .where(Record.organisation_id == self.org_id, Record.id == record_id)
        )
        if rec is None:
            raise NotFound(f"record {record_id} does not exist in this organisation", code="no_record", id=record_id)
        return rec

    def records_by_id(self, record_ids: Iterable[int], media: bool = False) -> dict[int, Record]:
        """The organisation's records among ids (ids of other organisations find nothing); with their media."""
        found: dict[int, Record] = {}
        for ids in batches(list(set(record_ids))):
            stmt = select(Record).where(Record.organisation_id == self.org_id, Record.id.in_(ids))
            if media:
                stmt = stmt.options(selectinload(Record.media))
            found.update((r.id, r) for r in self.session.scalars(stmt))
        return found

    def record_ids(self, flt: RecordFilter) -> set[int]:
        """Ids of the records matching a filter, exactly as /records filters them."""
        return set(self.session.scalars(self._records_query(flt).with_only_columns(Record.id)))

    def count_records(self, collection_id: int | None = None, up_to: int | None = None) -> int:
        """The organisation's records, or a collection's; with up_to, those with an id up to it."""
        stmt = select(func.count(Record.id)).where(Record.organisation_id == self.org_id)
        if collection_id is not None:
            stmt = stmt.where(Record.collection_id == collection_id)
        if up_to is not None:
            stmt = stmt.where(Record.id <= up_to)
        return self.session.scalar(stmt) or 0

    def records_after(self, collection_id: int, after: int, limit: int) -> list[Record]:
        """The next `limit` records of a collection by id, with their media: how a job walks a collection."""
        return list(
            self.session.scalars(
                select(Record)
                .where(Record.organisation_id == self.org_id, Record.collection_id == collection_id, Record.id > after)
                .options(selectinload(Record.media))
                .order_by(Record.id)
                .limit(limit)
            )
        )

    def record_ids_after(self, collection_id: int, after: int) -> list[int]:
        """The ids of a collection's records after one, in order: how a distributed job splits a collection."""
        return list(
            self.session.scalars(
                select(Record.id)
                .where(Record.organisation_id == self.org_id, Record.collection_id == collection_id, Record.id > after)
                .order_by(Record.id)
            )
        )

    def record_by_source_id(self, collection: Collection, source_id: str) -> Record:
        record = self.session.scalar(
            select(Record).where(
                Record.organisation_id == self.org_id,
                Record.collection_id == collection.id,
                Record.source_id == source_id,
            )
        )
        if record is None:
            raise NotFound(f"no record {source_id!r} in collection {collection.slug!r}")
        return record

    def source_ids(self) -> dict[int, str]:
        """Record id -> source id, for every record of the organisation."""
        return dict(
            self.session.execute(select(Record.id, Record.source_id).where(Record.organisation_id == self.org_id)).all()
        )

    def records_fingerprint(self) -> tuple[int, Any, int | None]:
        """(count, latest change, sum of ids): differs whenever a record is added, changed or deleted."""
        return tuple(
            self.session.execute(
                select(func.count(Record.id), func.max(Record.updated_at), func.sum(Record.id)).where(
                    Record.organisation_id == self.org_id
                )
            ).one()
        )

    def record_versions(self, collection_id: int | None = None) -> Iterator[tuple[int, int, str, Any]]:
        """(id, collection id, content hash, updated_at) of the organisation's records, or of one collection's."""
        stmt = select(Record.id, Record.collection_id, Record.content_hash, Record.updated_at).where(
            Record.organisation_id == self.org_id
        )
        if collection_id is not None:
            stmt = stmt.where(Record.collection_id == collection_id)
        return iter(self.session.execute(stmt))

    def value_counts(self, record_ids: Sequence[int], name: str) -> dict[Any, int]:
        """How many of the organisation's records among ids hold each value of a column (None left out), counted by
        the database; a list column counts each record once per element. The ids go in as one bound parameter."""
        column = getattr(Record, name)
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        if sqlite:
            among = Record.id.in_(select(func.json_each(json.dumps(list(record_ids))).table_valued("value").c.value))
        else:
            among = Record.id == any_(bindparam("record_ids", list(record_ids), type_=ARRAY(Integer)))
        if name in LIST_COLUMNS:
            if sqlite:
                elements = func.json_each(column).table_valued("value")
            else:  # a JSON null (no list) gives no elements instead of an error
                listed = case((func.json_typeof(column) == "array", column), else_=cast(literal("[]"), JSON))
                elements = func.json_array_elements_text(listed).table_valued("value")
            stmt = (
                select(elements.c.value, func.count(func.distinct(Record.id)))
                .select_from(Record)
                .join(elements, true())
                .group_by(elements.c.value)
            )
        else:
            stmt = select(column, func.count(Record.id)).group_by(column)
        rows = self.session.execute(stmt.where(Record.organisation_id == self.org_id, among))
        return {value: n for value, n in rows if value is not None}

    def touch_record(self, record_id: int) -> Record:
        """Mark a record changed now: its published form changed, so harvesters asking "from" see it again."""
        record = self.session.get(Record, record_id)
        if record is None or record.organisation_id != self.org_id:
            raise NotFound(f"record {record_id} does not exist in this organisation", code="no_record", id=record_id)
        record.updated_at = utcnow()
        return record

    def existing_source_ids(self, collection: Collection, source_ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for ids in batches(list(source_ids)):
            found.update(
                self.session.scalars(
                    select(Record.source_id).where(Record.collection_id == collection.id, Record.source_id.in_(ids))
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

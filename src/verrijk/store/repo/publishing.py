"""What an organisation publishes: its public collections and their records, and its event stream."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from verrijk.domain import SuggestionStatus
from verrijk.store.repo.base import Scope, Scoped, presumed_living, published
from verrijk.store.tables import Collection, Record, StreamMember, Suggestion


class Publishing(Scoped):
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
        total = self._count(stmt)
        rows = self.session.scalars(
            stmt.where(Record.id > after_id).options(selectinload(Record.media)).order_by(Record.id).limit(limit)
        )
        return list(rows), total

    def add_stream_member(
        self, record: Record, kind: str, snapshot: dict[str, Any], at: datetime, suggestion_id: int | None = None
    ) -> None:
        """Append a version to the event stream: kind "record" (as ingested) or "annotation" (a decision)."""
        self.session.add(
            StreamMember(
                organisation_id=self.org_id,
                collection_id=record.collection_id,
                record_id=record.id,
                suggestion_id=suggestion_id,
                kind=kind,
                created_at=at,
                snapshot=snapshot,
            )
        )

    def stream_members(self, after_id: int = 0, limit: int = 100, since: datetime | None = None) -> list[StreamMember]:
        """Members of the organisation's event stream in published collections, oldest first."""
        public = [c.id for c in self.public_collections()]
        stmt = select(StreamMember).where(
            StreamMember.organisation_id == self.org_id,
            StreamMember.collection_id.in_(public),
            StreamMember.id > after_id,
            _publishable_member(),
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
                    _publishable_member(),
                )
                .order_by(StreamMember.id.desc())
                .limit(page_size + 1)
            )
        )
        return earlier[page_size] if len(earlier) > page_size else 0


def _publishable_member():
    """Every member but a threshold's acceptance of a link to a presumably living person (presumed_living)."""
    return or_(
        StreamMember.kind != "annotation",
        StreamMember.snapshot["status"].as_string() != SuggestionStatus.auto.value,
        ~exists().where(Suggestion.id == StreamMember.suggestion_id, presumed_living()),
    )


def public_owner(session: Session, record_id: int) -> Scope | None:
    """The scope to read a record in without a key: only records of published collections have one."""
    row = session.execute(
        select(Record.organisation_id)
        .join(Collection, Collection.id == Record.collection_id)
        .where(Record.id == record_id, Collection.public.is_(True))
    ).first()
    return Scope(row[0], role="client") if row else None


def public_annotation_owner(session: Session, suggestion_id: int) -> Scope | None:
    """The scope to read an annotation in without a key: only decided suggestions of published collections."""
    record_id = session.scalar(select(Suggestion.record_id).where(Suggestion.id == suggestion_id, published()))
    return public_owner(session, record_id) if record_id is not None else None

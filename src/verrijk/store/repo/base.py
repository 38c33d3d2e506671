"""What every aggregate of the repository shares: the scope it is bound to, filters, pages and their cursors."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from verrijk.domain import ID_MAX, SuggestionStatus
from verrijk.errors import BadInput, NotFound
from verrijk.store.db import note_organisation
from verrijk.store.tables import AuthorityEntry, Organisation, Record, Suggestion

# Ids per IN list: one query per batch keeps every list well under the databases' parameter limits.
BATCH = 500

# The states in which a suggestion is published with its record (an `auto` one only when published() says so).
PUBLISHED_STATES = (SuggestionStatus.accepted, SuggestionStatus.edited, SuggestionStatus.auto)

# A person born longer ago than this is presumed dead when their authority gives no death date.
LIFESPAN_YEARS = 110


def presumed_living() -> ColumnElement[bool]:
    """The suggestion names a person (entity type PER) nothing shows to be dead: no authority entry with its URI
    gives a death year or a birth year more than LIFESPAN_YEARS ago, and the record it was found in is not dated
    that long ago (whoever made, sat for or is named in a work of 1850 was born before it). A PER suggestion
    linked nowhere, on an undated record, counts as living. Such a suggestion is never accepted automatically nor
    published until a person decided on it (GDPR)."""
    long_ago = datetime.now(UTC).year - LIFESPAN_YEARS
    born = AuthorityEntry.properties["born"].as_integer()
    died = AuthorityEntry.properties["died"].as_integer()
    dead = exists().where(
        AuthorityEntry.uri == Suggestion.authority_uri, or_(died.is_not(None), born <= long_ago)
    ) | exists().where(Record.id == Suggestion.record_id, func.coalesce(Record.date_to, Record.date_from) <= long_ago)
    return and_(func.coalesce(Suggestion.entity_type, "") == "PER", ~dead)


def published() -> ColumnElement[bool]:
    """A suggestion that is published with its record: accepted or edited by a person, or accepted by a threshold
    when it names no living person."""
    return or_(
        Suggestion.status.in_((SuggestionStatus.accepted, SuggestionStatus.edited)),
        and_(Suggestion.status == SuggestionStatus.auto, ~presumed_living()),
    )


T = TypeVar("T")


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
    media: str | None = None  # records with a medium of this kind (image, audio, video), or "none" without media
    text: str | None = None  # records with text read from their media: "ocr" (images) or "transcript" (recordings)


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    total: int


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id after which a page starts; BadInput (a ValueError) when the cursor was not made by encode_cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except Exception as exc:  # any corruption of the opaque token is the caller's mistake
        raise BadInput(f"cursor {cursor!r} is not a cursor returned by this API", code="bad_cursor") from exc
    if not isinstance(value, int) or not 0 <= value <= ID_MAX:
        raise BadInput(f"cursor {cursor!r} is not a cursor returned by this API", code="bad_cursor")
    return value


def batches(ids: Sequence[T]) -> Iterator[Sequence[T]]:
    """`ids` in slices of BATCH, for one IN query per slice."""
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


class Scoped:
    """The base of every aggregate: a session and the scope whose organisation each query is bound to."""

    def __init__(self, session: Session, scope: Scope):
        self._session = session
        self.scope = scope
        self.org_id = scope.organisation_id

    @property
    def session(self) -> Session:
        """The session, noted as working for this organisation in its transaction (store.db.note_organisation: what
        the transaction writes changes this organisation's data, for caches of its answers)."""
        note_organisation(self._session, self.org_id)
        return self._session

    def organisation(self) -> Organisation:
        org = self.session.get(Organisation, self.org_id)
        if org is None:
            raise NotFound(f"organisation {self.org_id} does not exist")
        return org

    def _count(self, stmt: Select) -> int:
        return self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    def _page(
        self, stmt: Select, id_column, limit: int, cursor: str | None, newest_first: bool = False, options=()
    ) -> Page:
        """One page of `stmt` by id (ascending, or descending when newest_first), with the total that matches;
        loader `options` apply to the page's rows, not to the count."""
        total = self._count(stmt)
        if cursor:
            after = decode_cursor(cursor)
            stmt = stmt.where(id_column < after if newest_first else id_column > after)
        order = id_column.desc() if newest_first else id_column
        rows = list(self.session.scalars(stmt.options(*options).order_by(order).limit(limit + 1)))
        next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return Page(rows[:limit], next_cursor, total)

"""/records: filtered, cursor-paged listing and one record with its suggestions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from verrijk.api.deps import ALL_ROLES, scoped
from verrijk.api.errors import Problem
from verrijk.api.schemas import RecordOut, RecordPage, SuggestionOut
from verrijk.store.repo import RecordFilter, Repo

router = APIRouter(prefix="/records", tags=["records"])


def record_filter(
    collection: Annotated[str | None, Query(description="collection slug")] = None,
    q: Annotated[str | None, Query(max_length=500, description="words in title or description")] = None,
    creator: str | None = None,
    place: str | None = None,
    subject: str | None = None,
    type: str | None = None,
    language: str | None = None,
    rights: str | None = None,
    date_from: Annotated[int | None, Query(ge=-10000, le=3000)] = None,
    date_to: Annotated[int | None, Query(ge=-10000, le=3000)] = None,
) -> RecordFilter:
    if date_from is not None and date_to is not None and date_to < date_from:
        raise Problem(422, f"query parameter 'date_to' ({date_to}) lies before 'date_from' ({date_from})")
    return RecordFilter(collection, q, creator, place, subject, type, language, rights, date_from, date_to)


@router.get("", response_model=RecordPage)
def list_records(
    request: Request,
    flt: RecordFilter = Depends(record_filter),
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
    repo: Repo = Depends(scoped(*ALL_ROLES)),
) -> RecordPage:
    try:
        page = repo.records(flt, limit=limit, cursor=cursor)
    except ValueError as exc:
        raise Problem(400, f"query parameter 'cursor': {exc}") from exc
    slugs = {c.id: c.slug for c, _ in repo.collections()}
    base = request.app.state.settings.base_url
    return RecordPage(items=[RecordOut.of(r, base, slugs[r.collection_id]) for r in page.items],
                      total=page.total, next_cursor=page.next_cursor)


@router.get("/{record_id}", response_model=RecordOut)
def get_record(
    record_id: int,
    request: Request,
    include_raw: bool = False,
    repo: Repo = Depends(scoped(*ALL_ROLES)),
):
    record = repo.record(record_id)
    if _prefers_html(request.headers.get("accept", "")):
        return RedirectResponse(f"/web/records/{record_id}", status_code=303)
    slugs = {c.id: c.slug for c, _ in repo.collections()}
    out = RecordOut.of(record, request.app.state.settings.base_url, slugs[record.collection_id])
    out.suggestions = [SuggestionOut.of(s) for s in repo.suggestions_for(record.id)]
    if include_raw:
        out.raw = record.raw
    return out


def _prefers_html(accept: str) -> bool:
    types = [part.split(";")[0].strip() for part in accept.split(",")]
    return bool(types) and types[0] == "text/html"

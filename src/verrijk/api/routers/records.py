"""/records: filtered, cursor-paged listing and one record with its suggestions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic_core import to_json
from sqlalchemy.orm import Session

from verrijk.api.cache import ResultCache
from verrijk.api.errors import Problem
from verrijk.api.negotiate import MEDIA_TYPES, choose
from verrijk.api.schemas import RecordOut, RecordPage, SuggestionOut
from verrijk.deps import allow, get_session, reader_repo, scoped
from verrijk.domain import ALL_ROLES, Id
from verrijk.export.oslo import record_jsonld, to_turtle
from verrijk.export.published import publish
from verrijk.store.accounts import Principal
from verrijk.store.repo import RecordFilter, Repo, public_owner

router = APIRouter(prefix="/records", tags=["records"])


async def record_filter(  # a coroutine: a cached answer never waits for the thread pool
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
async def list_records(
    request: Request,
    flt: RecordFilter = Depends(record_filter),
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
    repo: Repo = Depends(scoped(*ALL_ROLES)),
) -> Response:
    def answer() -> bytes:
        try:
            page = repo.records(flt, limit=limit, cursor=cursor)
        except ValueError as exc:
            raise Problem(400, f"query parameter 'cursor': {exc}") from exc
        slugs = repo.collection_slugs()
        base = request.app.state.settings.base_url
        items = [RecordOut.of(r, base, slugs[r.collection_id]) for r in page.items]
        return to_json(RecordPage(items=items, total=page.total, next_cursor=page.next_cursor))

    cache: ResultCache = request.app.state.results
    return await cache.answer(repo.org_id, ("records", repo.scope.role, repr(flt), limit, cursor), answer)


@router.get(
    "/{record_id}",
    response_model=RecordOut,
    responses={200: {"content": {"application/ld+json": {}, "text/turtle": {}}}},
    description="JSON by default; `Accept: application/ld+json` or `?format=jsonld` gives OSLO Cultureel "
    "Erfgoed JSON-LD, `text/turtle` Turtle, `text/html` the web page. Records of published "
    "collections are readable without a key.",
)
def get_record(
    record_id: Id,
    request: Request,
    include_raw: bool = False,
    principal: Principal | None = Depends(allow(public=True)),
    session: Session = Depends(get_session),
):
    fmt = choose(request, ("html", "json", "jsonld", "turtle"))
    public = public_owner(session, record_id) if principal is None else None
    needs_key = "this record needs an API key in the X-API-Key header (only records of published collections are open)"
    repo = reader_repo(principal, session, public, needs_key)
    record = repo.record(record_id)
    headers = {
        "Vary": "Accept",
        "Link": ", ".join(
            f'<{request.url.path}?format={f}>; rel="alternate"; type="{MEDIA_TYPES[f]}"' for f in ("jsonld", "turtle")
        ),
    }
    if fmt == "html":
        return RedirectResponse(f"/web/records/{record_id}", status_code=303)
    base = request.app.state.settings.base_url
    collection = repo.collection_by_id(record.collection_id)
    if fmt in ("jsonld", "turtle"):
        accepted = repo.accepted([record.id]).get(record.id, [])
        doc = record_jsonld(
            publish(record, collection, repo.organisation(), accepted, base),
            repo.latest_decisions([s.id for s in accepted]),
            base,
        )
        if fmt == "turtle":
            return Response(to_turtle(doc), media_type="text/turtle; charset=utf-8", headers=headers)
        return JSONResponse(doc, media_type="application/ld+json", headers=headers)
    out = RecordOut.of(record, base, collection.slug)
    suggestions = repo.suggestions_for(record.id, published_only=principal is None)
    out.suggestions = [SuggestionOut.of(s) for s in suggestions]
    if include_raw:
        out.raw = record.raw
    return JSONResponse(out.model_dump(mode="json"), headers=headers)

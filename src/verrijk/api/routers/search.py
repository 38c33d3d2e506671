"""/search (Europeana Search API–style: query, qf, rows, cursor, facet, mode, lang) and /records/{id}/similar."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from verrijk.api.deps import ALL_ROLES, scoped
from verrijk.api.errors import Problem
from verrijk.api.schemas import RecordOut
from verrijk.search.query import MAX_ROWS, BadRequest, SearchRequest, encode_cursor, parse_request
from verrijk.search.service import Hits, SearchService, facet_counts
from verrijk.search.snippets import snippet
from verrijk.store.repo import Repo
from verrijk.store.tables import Record

router = APIRouter(tags=["search"])


class SearchItem(RecordOut):
    score: float
    snippet: str


class FacetValue(BaseModel):
    label: str
    count: int


class Facet(BaseModel):
    name: str
    fields: list[FacetValue]


class SearchPage(BaseModel):
    query: str
    mode: str
    total: int
    items: list[SearchItem]
    next_cursor: str | None
    facets: list[Facet]


def search_service(request: Request) -> SearchService:
    """The app's search service, made on first use from the data directory and VERRIJK_SEARCH_* settings."""
    state = request.app.state
    if getattr(state, "search", None) is None:
        state.search = SearchService(state.settings.data_dir)
    return state.search


def page_of(repo: Repo, hits: Hits, offset: int, rows: int) -> list[tuple[Record, float]]:
    """The records of one page of hits, in rank order, read through the caller's organisation."""
    wanted = hits.ranking[offset : offset + rows]
    records = repo.records_by_id([rid for rid, _ in wanted], media=True)
    return [(records[rid], score) for rid, score in wanted if rid in records]


def items_of(request: Request, repo: Repo, found: list[tuple[Record, float]], terms: set[str]) -> list[SearchItem]:
    slugs = {c.id: c.slug for c, _ in repo.collections()}
    base = request.app.state.settings.base_url
    return [
        SearchItem(
            **RecordOut.of(r, base, slugs[r.collection_id]).model_dump(),
            score=score,
            snippet=snippet(r.title, r.description, terms, r.language or "nl"),
        )
        for r, score in found
    ]


@router.get("/search", response_model=SearchPage)
def search(
    request: Request,
    query: Annotated[str | None, Query(max_length=500, description="what to find, in Dutch, French or English")] = None,
    qf: Annotated[
        list[str] | None, Query(description="filter field:value, repeatable; date:[1700 TO 1800], collection:slug")
    ] = None,
    facet: Annotated[
        list[str] | None, Query(description="a field to count values of over all hits, repeatable")
    ] = None,
    mode: Annotated[str, Query(description="lexical, semantic or hybrid (reciprocal rank fusion)")] = "hybrid",
    lang: Annotated[
        str | None, Query(description="language of the query (nl, fr, en); all three when left out")
    ] = None,
    rows: Annotated[int, Query(description=f"results per page, at most {MAX_ROWS}")] = 12,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    repo: Repo = Depends(scoped(*ALL_ROLES)),
    service: SearchService = Depends(search_service),
) -> SearchPage:
    try:
        req = parse_request(query, qf, facet, mode, lang, rows, cursor)
    except BadRequest as exc:
        raise Problem(400, str(exc)) from exc
    hits = service.search(repo, req)
    return SearchPage(
        query=req.query,
        mode=req.mode,
        total=len(hits.ranking),
        items=items_of(request, repo, page_of(repo, hits, req.offset, req.rows), hits.terms),
        next_cursor=next_cursor(req, len(hits.ranking)),
        facets=facet_counts(repo, [rid for rid, _ in hits.ranking], req.facets),
    )


def next_cursor(req: SearchRequest, total: int) -> str | None:
    end = req.offset + req.rows
    return encode_cursor(end, req.key()) if end < total else None


@router.get("/records/{record_id}/similar", response_model=SearchPage)
def similar(
    request: Request,
    record_id: int,
    rows: Annotated[int, Query(ge=1, le=MAX_ROWS, description=f"how many, at most {MAX_ROWS}")] = 12,
    repo: Repo = Depends(scoped(*ALL_ROLES)),
    service: SearchService = Depends(search_service),
) -> SearchPage:
    hits = service.similar(repo, record_id, rows)
    return SearchPage(
        query=f"similar:{record_id}",
        mode="semantic",
        total=len(hits.ranking),
        items=items_of(request, repo, page_of(repo, hits, 0, rows), set()),
        next_cursor=None,
        facets=[],
    )

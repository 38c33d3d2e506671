"""/search (Europeana Search API–style: query, qf, rows, cursor, facet, mode, lang) and /records/{id}/similar."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from pydantic_core import to_json

from verrijk.api.cache import ResultCache
from verrijk.api.errors import described
from verrijk.api.schemas import RecordOut
from verrijk.deps import scoped, search_service
from verrijk.domain import ALL_ROLES, Id
from verrijk.search.hybrid import MODES
from verrijk.search.lexical import LANGUAGES
from verrijk.search.query import FACETS, MAX_ROWS, QF_PATTERN, parse_request
from verrijk.search.service import SearchService, facet_counts, hits_page, page_of
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
    spaces: list[str] = Field(
        default_factory=list,
        description="what answered: lexical (BM25), text:<embedder> (the records' text), image:conse (image vectors "
        "from the image taggers' labels), image:<CLIP model> (stored CLIP image embeddings against the query); an "
        "image space is listed only when it found images for the query",
    )


def items_of(request: Request, repo: Repo, found: list[tuple[Record, float]], terms: set[str]) -> list[SearchItem]:
    slugs = repo.collection_slugs()
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
async def search(
    request: Request,
    query: Annotated[
        str,
        Query(
            min_length=1,
            max_length=500,
            pattern=described(r"\S", "a text to find (it is all white space)"),
            description="what to find, in Dutch, French or English",
        ),
    ],
    qf: Annotated[
        list[str] | None,
        Query(
            description="filter field:value, repeatable; date:[1700 TO 1800], collection:slug",
            json_schema_extra={"items": {"type": "string", "pattern": QF_PATTERN}},
        ),
    ] = None,
    facet: Annotated[
        list[str] | None,
        Query(
            description="a field to count values of over all hits, repeatable",
            json_schema_extra={"items": {"type": "string", "enum": list(FACETS)}},
        ),
    ] = None,
    mode: Annotated[
        str,
        Query(
            description="lexical, semantic or hybrid (reciprocal rank fusion)", json_schema_extra={"enum": list(MODES)}
        ),
    ] = "hybrid",
    lang: Annotated[
        str | None,
        Query(
            description="language of the query (nl, fr, en); all three when left out",
            json_schema_extra={"enum": [*LANGUAGES]},
        ),
    ] = None,
    rows: Annotated[
        int,
        Query(
            description=f"results per page, at most {MAX_ROWS}", json_schema_extra={"minimum": 1, "maximum": MAX_ROWS}
        ),
    ] = 12,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    repo: Repo = Depends(scoped(*ALL_ROLES)),
    service: SearchService = Depends(search_service),
) -> Response:
    req = parse_request(query, qf, facet, mode, lang, rows, cursor)

    def answer() -> bytes:
        hits = service.search(repo, req)
        page = hits_page(repo, hits, req)
        return to_json(
            SearchPage(
                query=req.query,
                mode=req.mode,
                total=page.total,
                items=items_of(request, repo, page.found, hits.terms),
                next_cursor=page.next_cursor,
                facets=facet_counts(repo, hits.ids(), req.facets) if req.facets else [],  # no list of every hit
                spaces=hits.spaces,
            )
        )

    cache: ResultCache = request.app.state.results
    filters = tuple(sorted(map(repr, req.filters)))
    asked = ("search", repo.scope.role, req.query, req.mode, req.lang, filters, *req.facets, req.rows, req.offset)
    return await cache.answer(repo.org_id, asked, answer, lambda: service.version(repo.org_id))


@router.get("/records/{record_id}/similar", response_model=SearchPage)
def similar(
    request: Request,
    record_id: Id,
    rows: Annotated[int, Query(ge=1, le=MAX_ROWS, description=f"how many, at most {MAX_ROWS}")] = 12,
    by: Annotated[
        Literal["text", "image"],
        Query(description="text: nearest in meaning; image: whose images show the same (image.objects labels)"),
    ] = "text",
    repo: Repo = Depends(scoped(*ALL_ROLES)),
    service: SearchService = Depends(search_service),
) -> SearchPage:
    hits = service.similar(repo, record_id, rows, by)
    return SearchPage(
        query=f"similar:{record_id}" + (":image" if by == "image" else ""),
        mode="semantic",
        total=hits.total,
        items=items_of(request, repo, page_of(repo, hits, 0, rows), set()),
        next_cursor=None,
        facets=[],
        spaces=hits.spaces,
    )

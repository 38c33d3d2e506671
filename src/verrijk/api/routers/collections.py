"""/collections: list, create, ingest files into a collection, and find its near-duplicate images."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from pydantic_core import to_json

from verrijk.api.cache import ResultCache
from verrijk.api.errors import Problem
from verrijk.api.schemas import CollectionIn, CollectionOut, CollectionPatch, IngestReportOut
from verrijk.deps import scoped
from verrijk.domain import ALL_ROLES, READERS, REVIEWERS
from verrijk.enrich.image.hash import DEFAULT_DISTANCE, collection_duplicates
from verrijk.ingest.base import Mapping
from verrijk.ingest.service import FORMATS, ingest
from verrijk.store.repo import NotFound, Repo

router = APIRouter(prefix="/collections", tags=["collections"])


@router.get("", response_model=list[CollectionOut])
async def list_collections(request: Request, repo: Repo = Depends(scoped(*ALL_ROLES))) -> Response:
    def answer() -> bytes:
        return to_json([CollectionOut.of(c, n) for c, n in repo.collections()])

    cache: ResultCache = request.app.state.results  # the record counts are a scan of the organisation's records
    return await cache.answer(repo.org_id, ("collections", repo.scope.role), answer)


@router.get("/{slug}", response_model=CollectionOut)
def get_collection(slug: str, repo: Repo = Depends(scoped(*ALL_ROLES))) -> CollectionOut:
    counts = dict((c.slug, n) for c, n in repo.collections())
    return CollectionOut.of(repo.collection(slug), counts.get(slug, 0))


@router.post("", response_model=CollectionOut, status_code=201)
def create_collection(body: CollectionIn, repo: Repo = Depends(scoped(*REVIEWERS))) -> CollectionOut:
    try:
        repo.collection(body.slug)
    except NotFound:
        col = repo.ensure_collection(body.slug, **body.model_dump(exclude={"slug"}))
        repo.audit("collection.create", "collection", body.slug)
        repo.session.commit()
        return CollectionOut.of(col, 0)
    raise Problem(409, f"collection {body.slug!r} already exists in this organisation")


@router.patch("/{slug}", response_model=CollectionOut)
def update_collection(slug: str, body: CollectionPatch, repo: Repo = Depends(scoped(*REVIEWERS))) -> CollectionOut:
    col = repo.collection(slug)
    changes = body.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(col, key, value)
    repo.audit("collection.update", "collection", slug, changes=changes)
    repo.session.commit()
    return get_collection(slug, repo)


@router.post("/{slug}/ingest", response_model=IngestReportOut)
async def ingest_upload(
    slug: str,
    request: Request,
    file: Annotated[UploadFile, File(description="CSV/TSV, JSONL, OAI-PMH XML or IIIF manifest")],
    mapping: Annotated[UploadFile | None, File(description="optional CSV column mapping")] = None,
    format: Annotated[
        str | None,
        Query(description=f"one of {', '.join(FORMATS)}; sniffed when left out", json_schema_extra={"enum": FORMATS}),
    ] = None,
    encoding: str = "utf-8",
    dry_run: bool = False,
    repo: Repo = Depends(scoped(*REVIEWERS)),
) -> IngestReportOut:
    if format is not None and format not in FORMATS:
        raise Problem(422, f"query parameter 'format': {format!r} is not one of {', '.join(FORMATS)}")
    data = await file.read()
    rules = None
    if mapping is not None:
        rules = Mapping.parse(await mapping.read(), mapping.filename or "mapping.csv")
    report = await run_in_threadpool(
        ingest,
        repo.session,
        repo,
        slug,
        file.filename or "upload",
        data,
        format,
        rules,
        encoding,
        dry_run,
        request.app.state.settings.ingest_batch_size,
    )
    return IngestReportOut(**report.as_dict())


class DuplicateImage(BaseModel):
    record_id: int
    field: str = Field(description="the record's medium: media.0, media.1, ...")
    hash: str = Field(description="64-bit perceptual hash (pHash) in hex")


class DuplicateGroup(BaseModel):
    images: list[DuplicateImage]


@router.get("/{slug}/duplicates", response_model=list[DuplicateGroup])
def duplicates(
    slug: str,
    max_distance: Annotated[
        int, Query(ge=0, le=32, description="most differing bits of 64 between two images of a group")
    ] = DEFAULT_DISTANCE,
    repo: Repo = Depends(scoped(*READERS)),
) -> list[DuplicateGroup]:
    """Near-duplicate images of the collection, from the hashes the image.hash enricher stored, largest group first."""
    return [
        DuplicateGroup(images=[DuplicateImage(record_id=i.record_id, field=i.field, hash=i.hash) for i in group])
        for group in collection_duplicates(repo, slug, max_distance)
    ]

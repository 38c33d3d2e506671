"""/annotations/{id}: a suggestion as a W3C Web Annotation; decided ones of published collections are open."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from verrijk.api.errors import Problem
from verrijk.deps import allow, get_session, reader_repo, scoped
from verrijk.domain import ID_MAX, READERS, REVIEWERS, Id
from verrijk.export.annotation import annotation
from verrijk.export.annotations import (
    collection_page,
    feedback,
    import_annotations,
    iter_annotations,
    to_csv,
)
from verrijk.store.accounts import Principal
from verrijk.store.repo import Repo, public_annotation_owner

router = APIRouter(prefix="/annotations", tags=["publishing"])
ANNO = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


@router.get(
    "",
    summary="Decided suggestions as a W3C AnnotationCollection (paged), or CSV with ?format=csv",
    responses={200: {"content": {"application/ld+json": {}, "text/csv": {}}}},
)
def list_annotations(
    request: Request,
    page: Annotated[int | None, Query(ge=0, le=ID_MAX)] = None,
    size: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Literal["jsonld", "csv"] = "jsonld",
    repo: Repo = Depends(scoped(*READERS)),
) -> Response:
    base = request.app.state.settings.base_url
    if format == "csv":
        return Response(
            to_csv(iter_annotations(repo, base)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="annotations.csv"'},
        )
    return JSONResponse(collection_page(repo, base, page, size), media_type=ANNO)


@router.get(
    "/feedback",
    summary="Training feedback as JSON lines: accepted positive, rejected negative, edited both",
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def feedback_export(repo: Repo = Depends(scoped(*READERS))) -> Response:
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in feedback(repo))
    return Response(lines, media_type="application/x-ndjson")


@router.post("", summary="Import Web Annotations (an AnnotationPage, a list, or one) as suggestions")
def import_json(
    body: Annotated[dict[str, Any] | list[dict[str, Any]], Body()], repo: Repo = Depends(scoped(*REVIEWERS))
) -> dict:
    items = body.get("items", [body]) if isinstance(body, dict) else body
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Problem(422, "body: expected an AnnotationPage with 'items', a list of annotations, or one annotation")
    created, present, problems = import_annotations(repo, items)
    repo.session.commit()
    return {"created": created, "already_present": present, "problems": problems}


@router.get("/{suggestion_id:int}")
def get_annotation(
    suggestion_id: Id,
    request: Request,
    principal: Principal | None = Depends(allow(public=True)),
    session: Session = Depends(get_session),
) -> JSONResponse:
    public = public_annotation_owner(session, suggestion_id) if principal is None else None
    needs_key = "this annotation needs an API key (only decided annotations of published collections are open)"
    repo = reader_repo(principal, session, public, needs_key)
    s = repo.suggestion(suggestion_id)
    doc = annotation(
        s, repo.record(s.record_id), repo.latest_decisions([s.id]).get(s.id), request.app.state.settings.base_url
    )
    return JSONResponse(doc, media_type=ANNO)

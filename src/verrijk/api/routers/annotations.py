"""/annotations/{id}: a suggestion as a W3C Web Annotation; decided ones of published collections are open."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from verrijk.api.deps import allow, get_session, repo_for
from verrijk.api.errors import Problem
from verrijk.export.annotation import annotation
from verrijk.store.accounts import Principal
from verrijk.store.repo import PUBLISHED_STATES, Repo, public_owner
from verrijk.store.tables import Suggestion

router = APIRouter(prefix="/annotations", tags=["publishing"])
ANNO = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


@router.get("/{suggestion_id}")
def get_annotation(
    suggestion_id: int,
    request: Request,
    principal: Principal | None = Depends(allow(public=True)),
    session: Session = Depends(get_session),
) -> JSONResponse:
    if principal is not None:
        repo = repo_for(principal, session)
    else:
        record_id = session.scalar(
            select(Suggestion.record_id).where(Suggestion.id == suggestion_id, Suggestion.status.in_(PUBLISHED_STATES))
        )
        scope = public_owner(session, record_id) if record_id is not None else None
        if scope is None:
            raise Problem(
                401, "this annotation needs an API key (only decided annotations of published collections are open)"
            )
        repo = Repo(session, scope)
    s = repo.suggestion(suggestion_id)
    doc = annotation(
        s, repo.record(s.record_id), repo.latest_decisions([s.id]).get(s.id), request.app.state.settings.base_url
    )
    return JSONResponse(doc, media_type=ANNO)

"""/ldes/{organisation}: the organisation's Linked Data Event Stream (no key needed; published collections)."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from verrijk.api.errors import Problem
from verrijk.deps import allow, get_session
from verrijk.domain import ID_MAX, Id
from verrijk.export.ldes import Stream
from verrijk.store.accounts import organisation_by_slug
from verrijk.store.repo import Repo, Scope

router = APIRouter(prefix="/ldes", tags=["publishing"], dependencies=[Depends(allow(public=True))])
LD = "application/ld+json"
IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "public, max-age=10"


def stream_of(request: Request, organisation: str, session: Session) -> Stream:
    org = organisation_by_slug(session, organisation)
    return Stream(Repo(session, Scope(org.id, role="client")), request.app.state.settings.base_url)


@router.get("/{organisation}", summary="The ldes:EventStream, with its view and retention policy")
def event_stream(organisation: str, request: Request, session: Session = Depends(get_session)) -> JSONResponse:
    return JSONResponse(
        stream_of(request, organisation, session).event_stream(), media_type=LD, headers={"Cache-Control": MUTABLE}
    )


@router.get("/{organisation}/pages/{after}", summary="A page of members: immutable once full")
def page(
    organisation: str,
    after: Annotated[int, Ge(0), Le(ID_MAX)],
    request: Request,
    session: Session = Depends(get_session),
) -> JSONResponse:
    if after < 0:
        raise Problem(422, "path parameter 'after': must be 0 or a member id")
    doc, full = stream_of(request, organisation, session).page(after)
    return JSONResponse(doc, media_type=LD, headers={"Cache-Control": IMMUTABLE if full else MUTABLE})


@router.get("/{organisation}/members/{member_id}", summary="One member (a version), by its IRI")
def member(organisation: str, member_id: Id, request: Request, session: Session = Depends(get_session)) -> JSONResponse:
    found = stream_of(request, organisation, session).member_by_id(member_id)
    if found is None:
        raise Problem(404, f"member {member_id} is not in this event stream")
    return JSONResponse(found, media_type=LD, headers={"Cache-Control": IMMUTABLE})

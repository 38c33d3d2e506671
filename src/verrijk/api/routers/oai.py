"""/oai/{organisation}: the OAI-PMH endpoint of an organisation's published collections (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from verrijk.deps import allow, get_session
from verrijk.export.oai import Provider
from verrijk.store.accounts import organisation_by_slug
from verrijk.store.repo import Repo, Scope

router = APIRouter(tags=["publishing"])


def _respond(request: Request, organisation: str, args: dict[str, str], session: Session) -> Response:
    org = organisation_by_slug(session, organisation)
    settings = request.app.state.settings
    provider = Provider(
        Repo(session, Scope(org.id, role="client")), settings.base_url, f"{settings.base_url}/oai/{org.slug}"
    )
    return Response(provider.respond(args), media_type="text/xml; charset=utf-8")


@router.get(
    "/oai/{organisation}",
    dependencies=[Depends(allow(public=True))],
    summary="OAI-PMH 2.0 (Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords, GetRecord)",
)
def oai_get(organisation: str, request: Request, session: Session = Depends(get_session)) -> Response:
    return _respond(request, organisation, dict(request.query_params), session)


@router.post("/oai/{organisation}", dependencies=[Depends(allow(public=True))])
async def oai_post(organisation: str, request: Request, session: Session = Depends(get_session)) -> Response:
    form = await request.form()
    return _respond(request, organisation, {k: str(v) for k, v in form.items()}, session)

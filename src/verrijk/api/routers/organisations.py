"""/organisations/{slug}/transparency: the public account of an organisation's machine suggestions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from verrijk.deps import allow, get_session
from verrijk.transparency import transparency_of

router = APIRouter(prefix="/organisations", tags=["transparency"])


@router.get("/{organisation}/transparency", dependencies=[Depends(allow(public=True))])
def transparency(organisation: str, request: Request, session: Session = Depends(get_session)) -> dict:
    org, enrichers = transparency_of(session, organisation, request.app.state.settings)
    return {
        "organisation": {"slug": org.slug, "name": org.name},
        "enrichers": [
            {
                "name": e.name,
                "versions": e.versions,
                "suggestions": e.counts,
                "decided": e.decided,
                "acceptance_rate": e.acceptance_rate,
                "metrics": e.metrics,
                "model_card": e.card,
            }
            for e in enrichers
        ],
    }

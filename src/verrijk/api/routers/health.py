"""GET /health: liveness and database reachability."""

from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.orm import Session

from verrijk import __version__
from verrijk.deps import allow, get_session

router = APIRouter(tags=["health"])


@router.get("/health", dependencies=[Depends(allow(public=True))])
def health(session: Session = Depends(get_session)) -> dict:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": session.get_bind().dialect.name}

"""/keys: the caller's API keys (an admin's: all of the organisation's), and revoking one."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from verrijk.deps import allow, get_session
from verrijk.domain import ALL_ROLES, Id
from verrijk.store.accounts import ApiKeyInfo, Principal, list_api_keys, revoke_api_key

router = APIRouter(prefix="/keys", tags=["keys"])


class ApiKeyOut(BaseModel):
    id: int
    prefix: str = Field(description="the key's first characters, to tell keys apart; the key itself is never shown")
    name: str = Field(description="what the key is for")
    role: str
    user: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="within a few minutes")
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKeyInfo) -> ApiKeyOut:
        return cls(
            id=key.id,
            prefix=key.prefix,
            name=key.name,
            role=key.role,
            user=key.username,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


@router.get("", response_model=list[ApiKeyOut])
def list_keys(
    request: Request, principal: Principal = Depends(allow(*ALL_ROLES)), session: Session = Depends(get_session)
) -> list[ApiKeyOut]:
    """An admin sees every key of the organisation, anyone else their own; revoked keys included."""
    request.app.state.keys.flush(session)  # this process's latest uses of keys, so last_used_at is current
    session.commit()
    return [ApiKeyOut.of(key) for key in list_api_keys(session, principal.organisation_id, principal)]


@router.delete("/{key_id}", status_code=204, response_class=Response)
def revoke_key(
    key_id: Id, principal: Principal = Depends(allow(*ALL_ROLES)), session: Session = Depends(get_session)
) -> Response:
    """Revoke a key: its next use gets 401. An admin may revoke any key of the organisation, anyone else their own;
    404 for a key the caller may not see."""
    revoke_api_key(session, principal.organisation_id, key_id, principal)
    session.commit()
    return Response(status_code=204)

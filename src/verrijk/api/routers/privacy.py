"""/me/data and /users/{id}: a person's own data as JSON, and an admin erasing a member (GDPR)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from verrijk.deps import allow, get_session
from verrijk.domain import ALL_ROLES, Id, Role
from verrijk.errors import Conflict
from verrijk.store.accounts import Principal
from verrijk.store.privacy import erase_person, export_person, member_of
from verrijk.store.tables import User

router = APIRouter(tags=["privacy"])


@router.get("/me/data")
def my_data(
    principal: Principal = Depends(allow(*ALL_ROLES)), session: Session = Depends(get_session)
) -> dict[str, Any]:
    """Everything verrijk holds about the caller, in every organisation: account, memberships, API keys (never the
    key), decisions, votes, added tags, jobs, leases and audit entries."""
    return export_person(session, session.get(User, principal.user_id))


class ErasureOut(BaseModel):
    pseudonym: str = Field(description="the tombstone user that the person's decisions, votes and entries now carry")
    user_deleted: bool = Field(description="true when the person had no other organisation and their account is gone")
    organisations: list[str]
    counts: dict[str, int] = Field(description="rows anonymised or deleted, per kind")


@router.delete("/users/{user_id}", response_model=ErasureOut)
def erase_user(
    user_id: Id, principal: Principal = Depends(allow(Role.admin)), session: Session = Depends(get_session)
) -> ErasureOut:
    """Erase a member's personal data in this organisation: their decisions and votes stay, anonymised (reasons
    blanked); their membership, keys and leases go; the account goes when they belong to no other organisation.
    404 for someone who is not a member; 409 for the caller themselves."""
    user = member_of(session, user_id, principal.organisation_id)
    if user.id == principal.user_id:
        raise Conflict(
            "an admin cannot erase themselves here: ask another admin, or the operator (verrijk users erase)"
        )
    done = erase_person(session, user, principal.organisation_id, by_user_id=principal.user_id)
    session.commit()
    return ErasureOut(**done.__dict__)

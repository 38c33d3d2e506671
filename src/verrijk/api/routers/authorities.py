"""/authorities: the vocabularies an organisation may link to: its own and every shared one."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from verrijk.api.deps import ALL_ROLES, scoped
from verrijk.store.repo import Repo

router = APIRouter(prefix="/authorities", tags=["authorities"])


class AuthorityOut(BaseModel):
    name: str
    label: str
    license: str | None
    shared: bool
    owner: str  # "shared" for the ones verrijk ships, else the owning organisation's slug


@router.get("", response_model=list[AuthorityOut])
def list_authorities(repo: Repo = Depends(scoped(*ALL_ROLES))) -> list[AuthorityOut]:
    slug = repo.organisation().slug
    return [
        AuthorityOut(
            name=a.name,
            label=a.label,
            license=a.license,
            shared=a.shared or a.organisation_id is None,
            owner="shared"
            if a.organisation_id is None
            else (slug if a.organisation_id == repo.org_id else "another organisation"),
        )
        for a in repo.authorities()
    ]

"""/authorities: the vocabularies an organisation may link to (its own and every shared one), their metadata,
and a search over an authority's entries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from verrijk.api.errors import Problem
from verrijk.deps import scoped
from verrijk.domain import ALL_ROLES
from verrijk.enrich.text.linking.model import ENTITY_TYPES
from verrijk.enrich.text.linking.store import index_for
from verrijk.store.repo import Repo, authority_load
from verrijk.store.tables import Authority

router = APIRouter(prefix="/authorities", tags=["authorities"])


class AuthorityOut(BaseModel):
    name: str
    label: str
    license: str | None
    shared: bool
    owner: str  # "shared" for the ones verrijk ships, else the owning organisation's slug
    entries: int = Field(description="number of entries loaded")


class AuthorityDetail(AuthorityOut):
    source: str
    version: str | None = Field(description="content hash of the loaded entries; changes when they are replaced")
    format: str | None
    loaded_at: datetime | None


class EntryOut(BaseModel):
    uri: str
    label: str
    alt_labels: list[str]
    types: list[str]
    description: str
    properties: dict[str, Any]
    score: float | None = Field(None, description="calibrated score for the query (search only)")
    match: str | None = Field(None, description="the name that matched the query (search only)")


def _out(repo: Repo, a: Authority, slug: str) -> dict[str, Any]:
    load = authority_load(repo.session, a)
    owner = (
        "shared"
        if a.organisation_id is None
        else (slug if a.organisation_id == repo.org_id else "another organisation")
    )
    return {
        "name": a.name,
        "label": a.label,
        "license": a.license,
        "shared": a.shared or a.organisation_id is None,
        "owner": owner,
        "entries": load.entries if load else 0,
        "source": a.source,
        "version": load.version if load else None,
        "format": load.format if load else None,
        "loaded_at": load.loaded_at if load else None,
    }


@router.get("", response_model=list[AuthorityOut])
def list_authorities(repo: Repo = Depends(scoped(*ALL_ROLES))) -> list[dict[str, Any]]:
    slug = repo.organisation().slug
    return [_out(repo, a, slug) for a in repo.authorities()]


@router.get("/{name}", response_model=AuthorityDetail)
def get_authority(name: str, repo: Repo = Depends(scoped(*ALL_ROLES))) -> dict[str, Any]:
    """An authority's metadata and entry count; 404 when it is neither the organisation's nor shared."""
    return _out(repo, repo.authority(name), repo.organisation().slug)


@router.get("/{name}/entries", response_model=list[EntryOut])
def search_entries(
    name: str,
    q: Annotated[str | None, Query(max_length=300, description="a name to look up (exact, variant or fuzzy)")] = None,
    prefix: Annotated[str | None, Query(max_length=300, description="the start of a name (autocomplete)")] = None,
    type: Annotated[
        list[str] | None,
        Query(
            description=f"only these types: {', '.join(ENTITY_TYPES)}",
            json_schema_extra={"items": {"type": "string", "enum": list(ENTITY_TYPES)}},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    repo: Repo = Depends(scoped(*ALL_ROLES)),
) -> list[dict[str, Any]]:
    """Entries matching `q` with calibrated scores, or starting with `prefix`; without either, the first ones."""
    bad = [t for t in type or () if t not in ENTITY_TYPES]
    if bad:
        raise Problem(422, f"query parameter 'type': {bad[0]!r} is not one of {', '.join(ENTITY_TYPES)}")
    index = index_for(repo.session, repo.authority(name))
    if q:
        found = index.search(q, type, limit)
        return [c.entry.as_dict() | {"score": round(c.score, 4), "match": c.match} for c in found]
    if prefix:
        return [e.as_dict() for e in index.complete(prefix, type, limit)]
    wanted = set(type or ())
    chosen = (e for e in index.entries if not wanted or wanted.intersection(e.types))
    return [e.as_dict() for _, e in zip(range(limit), chosen, strict=False)]

"""/suggestions: machine suggestions with their provenance, and the decisions catalogers take on them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from verrijk.api.errors import Problem, described
from verrijk.api.schemas import HTTP_URI, DecisionStatus, PageOut, SuggestionOut, edit_gives_a_correction
from verrijk.deps import scoped
from verrijk.domain import ALL_ROLES, REVIEWERS, Id, SuggestionStatus
from verrijk.review.decisions import decide as take_decision
from verrijk.store.repo import Repo

router = APIRouter(prefix="/suggestions", tags=["suggestions"])


class SuggestionPage(PageOut):
    items: list[SuggestionOut]


class DecisionIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=edit_gives_a_correction("status"))

    status: DecisionStatus = Field(description="'suggested' undoes an earlier decision")
    label: str | None = Field(None, max_length=1000)
    authority_uri: str | None = Field(None, max_length=1000, pattern=HTTP_URI)
    reason: str = Field("", max_length=2000)


class DecisionOut(BaseModel):
    id: int
    suggestion_id: int
    user_id: int | None
    action: str
    before: dict
    after: dict
    reason: str
    created_at: datetime


@router.get("", response_model=SuggestionPage)
def list_suggestions(
    record_id: Id | None = None,
    status: Annotated[
        str | None,
        Query(pattern=described(f"^({'|'.join(SuggestionStatus)})$", f"one of {', '.join(SuggestionStatus)}")),
    ] = None,
    enricher: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: str | None = None,
    repo: Repo = Depends(scoped(*ALL_ROLES)),
) -> SuggestionPage:
    try:
        page = repo.suggestions(record_id, status, enricher, limit, cursor)
    except ValueError as exc:
        raise Problem(400, f"query parameter 'cursor': {exc}") from exc
    return SuggestionPage(
        items=[SuggestionOut.of(s) for s in page.items], total=page.total, next_cursor=page.next_cursor
    )


@router.post("/{suggestion_id}/decisions", response_model=DecisionOut, status_code=201)
def decide(suggestion_id: Id, body: DecisionIn, repo: Repo = Depends(scoped(*REVIEWERS))) -> DecisionOut:
    if body.status == SuggestionStatus.edited and not (body.label or body.authority_uri):
        raise Problem(422, "body field 'label' or 'authority_uri': an edit must change one of them")
    suggestion = repo.suggestion(suggestion_id)
    decision = take_decision(repo, suggestion, body.status, body.label, body.authority_uri, body.reason)
    repo.session.commit()
    return DecisionOut(**{k: getattr(decision, k) for k in DecisionOut.model_fields})


@router.get("/{suggestion_id}/decisions", response_model=list[DecisionOut])
def decisions(suggestion_id: Id, repo: Repo = Depends(scoped(*ALL_ROLES))) -> list[DecisionOut]:
    repo.suggestion(suggestion_id)
    return [
        DecisionOut(**{k: getattr(d, k) for k in DecisionOut.model_fields}) for d in repo.decisions_for(suggestion_id)
    ]

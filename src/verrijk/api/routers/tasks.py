"""/tasks: small volunteer tasks (confirm, reject, correct, add a missing tag) with consensus."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from verrijk.api.deps import current_principal, scoped
from verrijk.api.errors import Problem
from verrijk.api.routers.review import QueueItem, items_for
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Proposal, suggestion_key
from verrijk.review.tasks import TaskRefused, TaskSettings, next_task, vote
from verrijk.store.accounts import Principal
from verrijk.store.repo import Repo
from verrijk.store.tables import Suggestion

router = APIRouter(prefix="/tasks", tags=["volunteers"])
VOLUNTEERS = ("volunteer", "admin")
HUMAN = "human.volunteer"


class VoteIn(BaseModel):
    verdict: Literal["accept", "reject", "edit"]
    label: str | None = Field(None, max_length=1000)
    authority_uri: str | None = Field(None, max_length=1000, pattern=r"^https?://")


class VoteOut(BaseModel):
    suggestion_id: int
    verdict: str
    consensus: str | None


class MissingIn(BaseModel):
    record_id: int
    field: str = Field("subject", pattern=r"^[a-z_]+(\.\d+)?$")
    label: str = Field(min_length=1, max_length=500)
    authority_uri: str | None = Field(None, max_length=1000, pattern=r"^https?://")


def task_settings(request: Request) -> TaskSettings:
    s = request.app.state.settings
    return TaskSettings(s.votes_per_item, s.agreement, s.review_lease_minutes, s.volunteer_votes_per_minute)


@router.get("/next", response_model=QueueItem | None)
def task_next(
    request: Request, repo: Repo = Depends(scoped(*VOLUNTEERS)), principal: Principal = Depends(current_principal)
) -> QueueItem | None:
    found = next_task(repo, principal.user_id, task_settings(request))
    return items_for(repo, [found])[0] if found else None


@router.post("/{suggestion_id}/vote", response_model=VoteOut)
def task_vote(
    suggestion_id: int,
    body: VoteIn,
    request: Request,
    repo: Repo = Depends(scoped(*VOLUNTEERS)),
    principal: Principal = Depends(current_principal),
) -> VoteOut:
    try:
        ballot, outcome = vote(
            repo, principal.user_id, suggestion_id, body.verdict, body.label, body.authority_uri, task_settings(request)
        )
    except TaskRefused as exc:
        raise Problem(exc.status, str(exc)) from exc
    return VoteOut(suggestion_id=suggestion_id, verdict=ballot.verdict, consensus=outcome)


@router.post("/missing", response_model=QueueItem, status_code=201)
def add_missing(
    body: MissingIn, repo: Repo = Depends(scoped(*VOLUNTEERS)), principal: Principal = Depends(current_principal)
) -> QueueItem:
    """A volunteer adds a tag the machine missed; other volunteers confirm it, never its author."""
    record = repo.record(body.record_id)
    proposal = Proposal(
        SuggestionKind.link if body.authority_uri else SuggestionKind.tag,
        body.label,
        1.0,
        authority_uri=body.authority_uri,
    )
    key = suggestion_key(record.id, body.field, f"{HUMAN}:{principal.user_id}", proposal)
    suggestion = Suggestion(
        organisation_id=repo.org_id,
        record_id=record.id,
        key=key,
        field=body.field,
        kind=proposal.kind.value,
        label=body.label,
        authority_uri=body.authority_uri,
        score=1.0,
        enricher=HUMAN,
        enricher_version="1",
        created_by=principal.user_id,
    )
    repo.session.add(suggestion)
    repo.audit("suggestion.add", "record", record.id, label=body.label)
    repo.session.commit()
    return items_for(repo, [suggestion])[0]

"""/tasks: small volunteer tasks (confirm, reject, correct, add a missing tag) with consensus."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from verrijk.api.errors import described
from verrijk.api.routers.review import QueueItem, queue_items
from verrijk.api.schemas import HTTP_URI, edit_gives_a_correction
from verrijk.deps import current_principal, scoped
from verrijk.domain import VOLUNTEERS, Id, SuggestionKind
from verrijk.review import tasks as volunteer_tasks
from verrijk.review.tasks import next_task, task_settings, vote
from verrijk.store.accounts import Principal
from verrijk.store.repo import Repo

router = APIRouter(prefix="/tasks", tags=["volunteers"])


class VoteIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=edit_gives_a_correction("verdict"))

    verdict: Literal["accept", "reject", "edit"]
    label: str | None = Field(None, max_length=1000)
    authority_uri: str | None = Field(None, max_length=1000, pattern=HTTP_URI)


class VoteOut(BaseModel):
    suggestion_id: int
    verdict: str
    consensus: str | None


class MissingIn(BaseModel):
    record_id: Id
    field: str = Field("subject", pattern=described(r"^[a-z_]+(\.\d+)?$", "a field name such as subject or creator.1"))
    label: str = Field(min_length=1, max_length=500)
    authority_uri: str | None = Field(None, max_length=1000, pattern=HTTP_URI)


@router.get("/next", response_model=QueueItem | None)
def task_next(
    request: Request,
    kind: Annotated[
        SuggestionKind | None, Query(description="only this kind: transcript for texts to correct (OCR lines, speech)")
    ] = None,
    repo: Repo = Depends(scoped(*VOLUNTEERS)),
    principal: Principal = Depends(current_principal),
) -> QueueItem | None:
    """A suggestion to answer. For a text read from a medium (kind transcript), `media.url` with `?region=` and
    the `selector` show the line's crop or the segment's span; a corrected text is an `edit` vote with the text
    as its label."""
    found = next_task(repo, principal.user_id, task_settings(request.app.state.settings), kind)
    return queue_items(repo, [found])[0] if found else None


@router.post("/{suggestion_id}/vote", response_model=VoteOut)
def task_vote(
    suggestion_id: Id,
    body: VoteIn,
    request: Request,
    repo: Repo = Depends(scoped(*VOLUNTEERS)),
    principal: Principal = Depends(current_principal),
) -> VoteOut:
    cfg = task_settings(request.app.state.settings)
    ballot, outcome = vote(repo, principal.user_id, suggestion_id, body.verdict, body.label, body.authority_uri, cfg)
    return VoteOut(suggestion_id=suggestion_id, verdict=ballot.verdict, consensus=outcome)


@router.post("/missing", response_model=QueueItem, status_code=201)
def add_missing(
    body: MissingIn, repo: Repo = Depends(scoped(*VOLUNTEERS)), principal: Principal = Depends(current_principal)
) -> QueueItem:
    """A volunteer adds a tag the machine missed; other volunteers confirm it, never its author."""
    suggestion = volunteer_tasks.add_missing(
        repo, principal.user_id, body.record_id, body.field, body.label, body.authority_uri
    )
    return queue_items(repo, [suggestion])[0]

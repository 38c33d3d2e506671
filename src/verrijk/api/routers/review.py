"""/review: the cataloger queue (leases, single and bulk decisions, thresholds) and its statistics."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, model_validator

from verrijk.api.deps import current_principal, scoped
from verrijk.api.errors import Problem
from verrijk.api.schemas import SuggestionOut
from verrijk.review.queue import Conflict, QueueFilter, decide, give_back, next_batch, volunteer_view
from verrijk.review.stats import review_stats
from verrijk.review.thresholds import set_threshold, thresholds
from verrijk.store.accounts import Principal
from verrijk.store.repo import Repo

router = APIRouter(prefix="/review", tags=["review"])
REVIEWERS = ("admin", "cataloger")


class QueueItem(SuggestionOut):
    record_id: int
    record_title: str
    text: str = Field(description="the text of the field the suggestion points into")
    volunteer_votes: dict[str, int]
    consensus: str | None


class QueueBatch(BaseModel):
    items: list[QueueItem]
    lease_minutes: float


class DecisionItem(BaseModel):
    id: int
    status: Literal["accepted", "rejected", "edited", "suggested"]
    label: str | None = Field(None, max_length=1000)
    authority_uri: str | None = Field(None, max_length=1000, pattern=r"^https?://")
    reason: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _edit_changes_something(self):
        if self.status == "edited" and not (self.label or self.authority_uri):
            raise ValueError("an edit must give the corrected label or authority_uri")
        return self


class Bulk(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=500)
    status: Literal["accepted", "rejected"]
    min_score: float | None = Field(None, ge=0, le=1, description="only items scoring at least this")
    enricher: str | None = Field(None, description="only items of this enricher")


class DecisionsIn(BaseModel):
    decisions: list[DecisionItem] = Field(default_factory=list, max_length=500)
    bulk: Bulk | None = None

    @model_validator(mode="after")
    def _one_of(self):
        if bool(self.decisions) == bool(self.bulk):
            raise ValueError("give either 'decisions' (a list) or 'bulk', not both or neither")
        return self


class DecisionsOut(BaseModel):
    decided: list[int]
    decision_ids: list[int]


class ThresholdIn(BaseModel):
    enricher: str
    threshold: float | None = Field(None, ge=0, le=1, description="null removes it")


def queue_filter(
    collection: str | None = None,
    enricher: str | None = None,
    kind: str | None = None,
    language: str | None = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    record_id: int | None = None,
    order: Literal["uncertainty", "record"] = "uncertainty",
) -> QueueFilter:
    return QueueFilter(collection, enricher, kind, language, min_score, max_score, record_id, order)


def items_for(repo: Repo, suggestions) -> list[QueueItem]:
    votes = volunteer_view(repo, [s.id for s in suggestions])
    records = repo.records_by_id([s.record_id for s in suggestions])
    out = []
    for s in suggestions:
        record = records[s.record_id]
        name, _, index = s.field.partition(".")
        value = getattr(record, name, "") if hasattr(record, name) else ""
        text = value[int(index)] if index.isdigit() and isinstance(value, list) and int(index) < len(value) else value
        out.append(
            QueueItem(
                **SuggestionOut.of(s).model_dump(),
                record_id=record.id,
                record_title=record.title,
                text=text if isinstance(text, str) else "",
                volunteer_votes=votes.get(s.id, {}),
                consensus=s.consensus,
            )
        )
    return out


@router.get("/next", response_model=QueueBatch)
def review_next(
    request: Request,
    flt: QueueFilter = Depends(queue_filter),
    size: Annotated[int, Query(ge=1, le=100)] = 10,
    repo: Repo = Depends(scoped(*REVIEWERS)),
    principal: Principal = Depends(current_principal),
) -> QueueBatch:
    minutes = request.app.state.settings.review_lease_minutes
    batch = next_batch(repo, principal.user_id, flt, size, minutes)
    return QueueBatch(items=items_for(repo, batch), lease_minutes=minutes)


@router.post("/decisions", response_model=DecisionsOut)
def review_decisions(
    body: DecisionsIn, repo: Repo = Depends(scoped(*REVIEWERS)), principal: Principal = Depends(current_principal)
) -> DecisionsOut:
    if body.bulk:
        chosen = [repo.suggestion(i) for i in body.bulk.ids]
        chosen = [
            s
            for s in chosen
            if (body.bulk.min_score is None or s.score >= body.bulk.min_score)
            and (body.bulk.enricher is None or s.enricher == body.bulk.enricher)
        ]
        items = [{"id": s.id, "status": body.bulk.status, "reason": "bulk"} for s in chosen]
    else:
        items = [d.model_dump() for d in body.decisions]
    try:
        made = decide(repo, principal.user_id, items)
    except Conflict as exc:
        raise Problem(409, str(exc)) from exc
    return DecisionsOut(decided=[i["id"] for i in items], decision_ids=made)


@router.post("/release")
def review_release(
    ids: list[int], repo: Repo = Depends(scoped(*REVIEWERS)), principal: Principal = Depends(current_principal)
) -> dict:
    return {"released": give_back(repo, principal.user_id, ids)}


@router.get("/stats")
def stats(repo: Repo = Depends(scoped(*REVIEWERS))) -> dict:
    return review_stats(repo) | {"thresholds": thresholds(repo.organisation())}


@router.put("/thresholds")
def put_threshold(body: ThresholdIn, repo: Repo = Depends(scoped(*REVIEWERS))) -> dict:
    accepted, undone = set_threshold(repo, body.enricher, body.threshold)
    repo.session.commit()
    return {
        "enricher": body.enricher,
        "threshold": body.threshold,
        "auto_accepted": accepted,
        "returned_to_queue": undone,
    }

"""/review: the cataloger queue (leases, single and bulk decisions, thresholds) and its statistics."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from verrijk.api.schemas import HTTP_URI, DecisionStatus, SuggestionOut, edit_gives_a_correction
from verrijk.deps import current_principal, queue_filter, scoped
from verrijk.domain import REVIEWERS, Id, SuggestionStatus
from verrijk.review.items import ReviewItem, items_for
from verrijk.review.queue import QueueFilter, bulk_decide, decide, give_back, next_batch, order_measurement
from verrijk.review.stats import review_stats
from verrijk.review.thresholds import set_threshold, thresholds
from verrijk.store.accounts import Principal
from verrijk.store.repo import Repo
from verrijk.store.tables import Suggestion

router = APIRouter(prefix="/review", tags=["review"])


class ShownMedium(BaseModel):
    url: str = Field(description="path of the medium served by verrijk (an image preview takes ?size= and ?region=)")
    kind: str
    width: int | None
    height: int | None


class QueueItem(SuggestionOut):
    record_id: int
    record_title: str
    text: str = Field(description="the text of the field the suggestion points into")
    volunteer_votes: dict[str, int]
    consensus: str | None
    media: ShownMedium | None = Field(None, description="the medium a suggestion on an image or recording is about")

    @classmethod
    def of_item(cls, item: ReviewItem) -> QueueItem:
        s, m = item.suggestion, item.media
        return cls(
            **SuggestionOut.of(s).model_dump(),
            record_id=s.record_id,
            record_title=item.record_title,
            text=item.text,
            volunteer_votes=item.volunteer_votes,
            consensus=s.consensus,
            media=ShownMedium(url=m.url, kind=m.kind, width=m.width, height=m.height) if m else None,
        )


def queue_items(repo: Repo, suggestions: list[Suggestion]) -> list[QueueItem]:
    return [QueueItem.of_item(item) for item in items_for(repo, suggestions)]


class OrderMeasurement(BaseModel):
    model: str
    scenario: str = Field(description="what the simulated reviewers did")
    decisions: int = Field(description="reviewed decisions after which the figures are taken")
    f1_before: float = Field(description="held-out F1 of the model before any decision")
    f1_uncertainty: float = Field(description="after retraining on that many decisions, least-confident-first")
    f1_random: float = Field(description="the same, reviewed in random order")
    decisions_for_one_point: dict[str, int | None] = Field(description="per order: decisions to gain one F1 point")
    command: str


class QueueBatch(BaseModel):
    items: list[QueueItem]
    lease_minutes: float
    order: str = Field(description="uncertainty: least confident first by calibrated score; record: by record")
    order_measured: OrderMeasurement | None = Field(
        None, description="what reviewing in this queue's orders was measured to teach a model"
    )


class DecisionItem(BaseModel):
    model_config = ConfigDict(json_schema_extra=edit_gives_a_correction("status"))

    id: Id
    status: DecisionStatus
    label: str | None = Field(None, max_length=1000)
    authority_uri: str | None = Field(None, max_length=1000, pattern=HTTP_URI)
    reason: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _edit_changes_something(self):
        if self.status == SuggestionStatus.edited and not (self.label or self.authority_uri):
            raise ValueError("an edit must give the corrected label or authority_uri")
        return self


class Bulk(BaseModel):
    ids: list[Id] = Field(min_length=1, max_length=500)
    status: Literal[SuggestionStatus.accepted, SuggestionStatus.rejected]
    min_score: float | None = Field(None, ge=0, le=1, description="only items scoring at least this")
    enricher: str | None = Field(None, description="only items of this enricher")


class DecisionsIn(BaseModel):
    # one of the two: a non-empty list of decisions, or a bulk decision
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["decisions"], "properties": {"decisions": {"minItems": 1}, "bulk": {"type": "null"}}},
                {"required": ["bulk"], "properties": {"bulk": {"type": "object"}, "decisions": {"maxItems": 0}}},
            ]
        }
    )

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
    measured = order_measurement(request.app.state.settings.models_dir)
    return QueueBatch(items=queue_items(repo, batch), lease_minutes=minutes, order=flt.order, order_measured=measured)


@router.post("/decisions", response_model=DecisionsOut)
def review_decisions(
    body: DecisionsIn, repo: Repo = Depends(scoped(*REVIEWERS)), principal: Principal = Depends(current_principal)
) -> DecisionsOut:
    if body.bulk:
        bulk = body.bulk
        decided, made = bulk_decide(repo, principal.user_id, bulk.ids, bulk.status, bulk.min_score, bulk.enricher)
    else:
        items = [d.model_dump() for d in body.decisions]
        decided, made = [i["id"] for i in items], decide(repo, principal.user_id, items)
    return DecisionsOut(decided=decided, decision_ids=made)


@router.post("/release")
def review_release(
    ids: Annotated[list[Id], Body(max_length=500)],
    repo: Repo = Depends(scoped(*REVIEWERS)),
    principal: Principal = Depends(current_principal),
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

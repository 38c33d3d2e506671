"""/review/calibration: auto-accept thresholds calibrated from the organisation's review decisions for a target
precision, with held-out figures and reliability diagrams (reviewers read them, admins apply them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from verrijk.deps import scoped
from verrijk.domain import REVIEWERS, Role
from verrijk.review.calibration import apply_calibration, calibrate
from verrijk.store.repo import Repo

router = APIRouter(prefix="/review/calibration", tags=["review"])


class FiguresOut(BaseModel):
    precision: float | None = Field(description="accepted or edited among judged suggestions scoring >= threshold")
    support: int = Field(description="judged suggestions scoring >= threshold")
    wilson_lower: float | None = Field(description="95% Wilson lower bound of that precision")


class BucketOut(BaseModel):
    lower: float
    upper: float
    count: int
    mean_score: float | None
    acceptance: float | None = Field(description="observed share accepted or edited")


class CalibrationOut(BaseModel):
    enricher: str
    target: float
    decisions: int = Field(description="suggestions a person accepted, edited or rejected")
    accepted: int
    threshold: float | None = Field(description="lowest threshold reaching the target on the fit half")
    fit: FiguresOut
    held_out: FiguresOut = Field(description="the threshold on the other half of the decisions")
    meets_target: bool = Field(description="the held-out precision reaches the target: apply sets this threshold")
    reliability: list[BucketOut]


class CalibrationList(BaseModel):
    items: list[CalibrationOut]


class AppliedOut(CalibrationOut):
    applied: bool
    auto_accepted: int
    returned_to_queue: int


class ApplyIn(BaseModel):
    target: float = Field(0.95, gt=0, le=1)
    enricher: str | None = Field(None, description="only this enricher; all with decisions when left out")


class AppliedList(BaseModel):
    items: list[AppliedOut]


Target = Annotated[float, Query(gt=0, le=1, description="the precision auto-accepted suggestions must reach")]


@router.get("", response_model=CalibrationList)
def calibration(
    enricher: str | None = None, target: Target = 0.95, repo: Repo = Depends(scoped(*REVIEWERS))
) -> CalibrationList:
    # `enricher=` left empty (a form, or the docs' example) means every enricher, as when it is left out
    return CalibrationList(items=[CalibrationOut(**c.as_dict()) for c in calibrate(repo, target, enricher or None)])


@router.post("/apply", response_model=AppliedList)
def apply(body: ApplyIn, repo: Repo = Depends(scoped(Role.admin))) -> AppliedList:
    items = apply_calibration(repo, body.target, body.enricher)
    repo.session.commit()
    return AppliedList(items=[AppliedOut(**item) for item in items])

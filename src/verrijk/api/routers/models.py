"""/models: the model registry: every shipped model with its active version and headline metric, and one model's
card, full metrics and versions (what each suggestion's `model_card` points at)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from verrijk.deps import allow
from verrijk.domain import ALL_ROLES
from verrijk.enrich.models import Model, get_model, list_models

router = APIRouter(prefix="/models", tags=["models"])


class VersionOut(BaseModel):
    version: str
    date: str
    command: str = Field(description="the command that trained or measured it")
    data: str = Field(description="what it was trained and measured on")
    metrics: dict[str, Any] = Field(description="headline measurements of this version")
    active: bool
    status: str | None = Field(
        None, description="a version trained from review decisions: active, rejected, superseded or shipped"
    )


class ModelOut(BaseModel):
    name: str
    active_version: str | None
    headline_metric: str | None
    headline_value: float | None
    enrichers: list[str] = Field(description="the enrichers whose suggestions link to this model's card")
    versions: list[VersionOut]
    card: str | None = Field(None, description="the model card (Markdown), on GET /models/{name}")
    metrics: dict[str, Any] | None = Field(None, description="the active version's measurements, on GET /models/{name}")

    @classmethod
    def of(cls, model: Model, full: bool = False) -> ModelOut:
        return cls(
            name=model.name,
            active_version=model.active,
            headline_metric=model.headline,
            headline_value=model.headline_value,
            enrichers=model.enrichers,
            versions=[
                VersionOut(
                    version=v.version, date=v.date, command=v.command, data=v.data, metrics=v.metrics,
                    active=v.version == model.active, status=v.status,
                )
                for v in model.versions
            ],
            card=model.card() if full else None,
            metrics=model.metrics() if full else None,
        )  # fmt: skip


class ModelList(BaseModel):
    items: list[ModelOut]


@router.get("", response_model=ModelList)
def models(request: Request, _=Depends(allow(*ALL_ROLES))) -> ModelList:
    settings = request.app.state.settings
    return ModelList(items=[ModelOut.of(m) for m in list_models(settings.models_dir, settings.trained_dir)])


@router.get("/{name}", response_model=ModelOut)
def model(name: str, request: Request, _=Depends(allow(*ALL_ROLES))) -> ModelOut:
    settings = request.app.state.settings
    return ModelOut.of(get_model(settings.models_dir, name, settings.trained_dir), full=True)

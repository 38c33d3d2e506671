"""/enrichers and /config/enrichers: what enrichers this installation has (what they read, their parameters,
their model cards), and which of them run for the organisation with which parameters (admins change that)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, StrictBool

from verrijk.deps import scoped
from verrijk.domain import ALL_ROLES, Role
from verrijk.enrich import config
from verrijk.enrich.registry import REGISTRY, EnricherSpec
from verrijk.errors import NotFound
from verrijk.store.repo import Repo

router = APIRouter(tags=["enrichers"])


class EnricherOut(BaseModel):
    name: str
    version: str = Field(description="code version; each suggestion also names the models the enricher loaded")
    description: str
    accepts: list[str] = Field(description="what it reads: text, image, audio, video")
    reads_protected_content: bool = Field(description="copies or transcribes content: subject to the rights gate")
    source: str = Field(description="the package that provides it")
    parameters: dict[str, dict[str, Any]] = Field(description="JSON Schema of each parameter, with its default")
    enabled: bool = Field(description="runs for this organisation when a job names no enrichers")
    params: dict[str, Any] = Field(description="the parameters in effect for this organisation")
    model_card: str | None = Field(None, description="the model card (Markdown), on GET /enrichers/{name}")
    metrics: dict[str, Any] | None = Field(None, description="measured quality, on GET /enrichers/{name}")

    @classmethod
    def of(cls, spec: EnricherSpec, cfg: config.EnrichmentConfig, card: tuple[str, dict] | None = None):
        return cls(
            name=spec.name,
            version=spec.version,
            description=spec.description,
            accepts=sorted(spec.accepts),
            reads_protected_content=spec.reads_protected_content,
            source=spec.source,
            parameters=spec.schema(),
            enabled=spec.name in cfg.enabled,
            params=cfg.params_for(spec.name),
            model_card=card[0] if card else None,
            metrics=card[1] if card else None,
        )


class EnricherList(BaseModel):
    items: list[EnricherOut]
    source: str = Field(description="where the organisation's choice comes from: organisation, file or deployment")


class EnricherPatch(BaseModel):
    enabled: StrictBool | None = Field(None, description="switch it on or off for this organisation; null keeps it")
    params: dict[str, Any] | None = Field(None, description="its parameters for this organisation; null keeps them")


class ConfigIn(BaseModel):
    enabled: list[str] = Field(description="the enrichers a job runs when it names none")
    params: dict[str, dict[str, Any]] = Field(default_factory=dict, description="parameters per enricher")


class ConfigOut(ConfigIn):
    source: str


def _config_out(cfg: config.EnrichmentConfig) -> ConfigOut:
    return ConfigOut(**cfg.as_dict(), source=cfg.source)


@router.get("/enrichers", response_model=EnricherList)
def list_enrichers(request: Request, repo: Repo = Depends(scoped(*ALL_ROLES))) -> EnricherList:
    cfg = config.organisation_config(repo, request.app.state.settings)
    return EnricherList(items=[EnricherOut.of(s, cfg) for s in REGISTRY.specs().values()], source=cfg.source)


def installed(name: str) -> EnricherSpec:
    """The enricher a path names: one that is not installed is a resource that does not exist (404)."""
    if name not in REGISTRY.specs():
        raise NotFound(f"no enricher {name!r}; installed: {', '.join(REGISTRY.specs())}")
    return REGISTRY.get(name)


@router.get("/enrichers/{name}", response_model=EnricherOut)
def get_enricher(name: str, request: Request, repo: Repo = Depends(scoped(*ALL_ROLES))) -> EnricherOut:
    settings = request.app.state.settings
    spec = installed(name)
    return EnricherOut.of(spec, config.organisation_config(repo, settings), spec.model_card(settings.models_dir))


@router.patch("/enrichers/{name}", response_model=EnricherOut)
def configure_enricher(
    name: str, body: EnricherPatch, request: Request, repo: Repo = Depends(scoped(Role.admin))
) -> EnricherOut:
    installed(name)
    cfg = config.configure(repo, request.app.state.settings, name, body.enabled, body.params)
    repo.session.commit()
    return EnricherOut.of(REGISTRY.get(name), cfg)


@router.get("/config/enrichers", response_model=ConfigOut)
def get_config(request: Request, repo: Repo = Depends(scoped(*ALL_ROLES))) -> ConfigOut:
    return _config_out(config.organisation_config(repo, request.app.state.settings))


@router.put("/config/enrichers", response_model=ConfigOut)
def put_config(body: ConfigIn, repo: Repo = Depends(scoped(Role.admin))) -> ConfigOut:
    cfg = config.save(repo, config.EnrichmentConfig.parse(body.model_dump(), "body", "organisation"))
    repo.session.commit()
    return _config_out(cfg)


@router.delete("/config/enrichers", response_model=ConfigOut)
def reset_config(request: Request, repo: Repo = Depends(scoped(Role.admin))) -> ConfigOut:
    config.reset(repo)
    repo.session.commit()
    return _config_out(config.organisation_config(repo, request.app.state.settings))

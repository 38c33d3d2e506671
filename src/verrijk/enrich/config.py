"""Which enrichers run for an organisation, and with which parameters: configuration, not code.

Three layers, the first found wins: the organisation's own configuration (stored with the organisation, edited
by its admins through the API and CLI), the deployment's file (VERRIJK_ENRICHERS_FILE, TOML or JSON), and the
deployment's list of names (VERRIJK_ENRICHERS) with every enricher's default parameters. The file and the API
share one shape:

    enabled = ["link.creators", "ner", "subjects.demo"]

    [params."subjects.demo"]
    limit = 3

Every name and parameter is checked against the registry when configuration is read or written, so a typo
fails when it is made, saying where, and not in the middle of a job.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from verrijk.enrich.base import Enricher
from verrijk.enrich.registry import REGISTRY, EnricherContext
from verrijk.errors import BadInput, Invalid

if TYPE_CHECKING:
    from verrijk.config import Settings
    from verrijk.store.repo import Repo

E = TypeVar("E", bound=Enricher)
ORGANISATION_KEY = "enrichers"  # where an organisation's configuration sits in its settings


@dataclass
class EnrichmentConfig:
    enabled: list[str]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = "deployment"  # organisation | file | deployment: which layer it came from

    @classmethod
    def parse(cls, data: Any, where: str, source: str) -> EnrichmentConfig:
        """A configuration from its mapping form; Invalid saying where when a name or parameter is wrong."""
        if not isinstance(data, dict) or set(data) - {"enabled", "params"}:
            raise Invalid(f"{where}: expected a mapping with 'enabled' (a list of names) and 'params' (per name)")
        enabled, params = data.get("enabled", []), data.get("params", {})
        if not isinstance(enabled, list) or not all(isinstance(n, str) for n in enabled):
            raise Invalid(f"{where}: 'enabled' must be a list of enricher names")
        if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
            raise Invalid(f"{where}: 'params' must map enricher names to tables of parameters")
        config = cls(list(dict.fromkeys(enabled)), {}, source)
        for name in [*config.enabled, *params]:
            try:
                REGISTRY.get(name)
            except Invalid as exc:
                raise Invalid(f"{where}: {exc}") from None
        for name, values in params.items():
            try:
                REGISTRY.get(name).validate(values)
            except Invalid as exc:
                raise Invalid(f"{where}: {exc}") from None
            config.params[name] = dict(values)
        return config

    def as_dict(self) -> dict[str, Any]:
        return {"enabled": list(self.enabled), "params": {k: dict(v) for k, v in self.params.items() if v}}

    def params_for(self, name: str) -> dict[str, Any]:
        """The enricher's parameters with its defaults filled in."""
        return REGISTRY.get(name).validate(self.params.get(name))


def read_file(path: Path) -> EnrichmentConfig:
    """A deployment's configuration file (.toml or .json); BadInput when it cannot be read as one."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError and JSONDecodeError are ValueErrors
        raise BadInput(f"{path}: {exc}") from None
    return EnrichmentConfig.parse(data, str(path), "file")


def deployment_config(settings: Settings) -> EnrichmentConfig:
    if settings.enrichers_file:
        return read_file(settings.enrichers_file)
    return EnrichmentConfig.parse({"enabled": settings.enrichers}, "VERRIJK_ENRICHERS", "deployment")


def organisation_config(repo: Repo, settings: Settings) -> EnrichmentConfig:
    stored = (repo.organisation().settings or {}).get(ORGANISATION_KEY)
    if stored is None:
        return deployment_config(settings)
    return EnrichmentConfig.parse(stored, f"configuration of organisation {repo.org_id}", "organisation")


def save(repo: Repo, config: EnrichmentConfig) -> EnrichmentConfig:
    """Store an organisation's configuration (validated again) in the caller's transaction, audited."""
    checked = EnrichmentConfig.parse(config.as_dict(), "configuration", "organisation")
    org = repo.organisation()
    org.settings = {**(org.settings or {}), ORGANISATION_KEY: checked.as_dict()}  # a new dict: JSON column changes
    repo.audit("enrichers.configure", "organisation", repo.org_id, **checked.as_dict())
    return checked


def configure(
    repo: Repo, settings: Settings, name: str, enabled: bool | None = None, params: dict[str, Any] | None = None
) -> EnrichmentConfig:
    """Switch one enricher on or off for the organisation and/or replace its parameters (None: keep them)."""
    REGISTRY.get(name)
    config = organisation_config(repo, settings)
    if enabled is True and name not in config.enabled:
        config.enabled.append(name)
    elif enabled is False:
        config.enabled = [n for n in config.enabled if n != name]
    if params is not None:
        REGISTRY.get(name).validate(params)
        config.params[name] = dict(params)  # as given: defaults the code improves later still reach this organisation
    return save(repo, config)


def reset(repo: Repo) -> None:
    """Forget the organisation's own configuration: the deployment's applies again."""
    org = repo.organisation()
    org.settings = {k: v for k, v in (org.settings or {}).items() if k != ORGANISATION_KEY}
    repo.audit("enrichers.reset", "organisation", repo.org_id)


def job_plan(repo: Repo, settings: Settings, names: list[str] | None) -> dict[str, dict[str, Any]]:
    """Enricher name -> validated parameters for a job: the given names (or the organisation's enabled ones)
    with the organisation's parameters. Checked now, so a job never starts with a name that cannot be built."""
    config = organisation_config(repo, settings)
    chosen = list(dict.fromkeys(names)) if names else config.enabled
    if not chosen:
        raise Invalid("no enrichers: name some, or enable some for this organisation")
    return {name: config.params_for(name) for name in chosen}


def build(repo: Repo, settings: Settings, plan: dict[str, dict[str, Any]]) -> list[Enricher]:
    """The enrichers of a plan, built by their factories with the organisation's store and the settings."""
    context = EnricherContext(repo, settings)
    return [REGISTRY.get(name).build(params, context) for name, params in plan.items()]


def upload_enrichers(
    repo: Repo, settings: Settings, names: list[str] | None, reads: str, defaults: tuple[str, ...], kind: type[E]
) -> list[E]:
    """The enrichers for one uploaded medium: the named ones (each must read `reads`), else the organisation's
    enabled ones that read it, else `defaults`; built with the organisation's parameters. Each must be a `kind`
    (one that reads a single upload, not only a record's media)."""
    if not names:
        enabled = [n for n in organisation_config(repo, settings).enabled if reads in REGISTRY.get(n).accepts]
        names = enabled or list(defaults)
    what = {"image": "images"}.get(reads, reads)
    for name in names:
        if reads not in REGISTRY.get(name).accepts:
            raise Invalid(f"enricher {name!r} does not read {what}")
    enrichers = build(repo, settings, job_plan(repo, settings, names))
    for enricher in enrichers:
        if not isinstance(enricher, kind):
            raise Invalid(f"enricher {enricher.name!r} reads {what} only from a record's media, not from one upload")
    return enrichers

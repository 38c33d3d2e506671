"""The model registry: each folder of the models directory with its card, its metrics and its versions
(versions.json: every version with its headline metrics, date, training command and data; which one is active),
and the link from an enricher to the card of the model it runs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from verrijk.config import Settings
from verrijk.enrich.registry import CARD_FILES, REGISTRY, card_text
from verrijk.errors import Invalid, NotFound

VERSIONS_FILE = "versions.json"


@dataclass(frozen=True)
class ModelVersion:
    version: str
    date: str
    command: str
    data: str
    metrics: dict[str, Any]
    metrics_file: str | None = None  # the version's full measurements, in the model's folder
    status: str | None = None  # versions trained from decisions: active, rejected, superseded (shipped: none)
    compared_with: dict[str, Any] | None = None  # the version it was measured against, on the same held-out data


@dataclass(frozen=True)
class Model:
    name: str
    folder: Path
    headline: str | None  # the metric a list shows
    active: str | None
    versions: list[ModelVersion] = field(default_factory=list)
    enrichers: list[str] = field(default_factory=list)  # the enrichers whose card this is
    trained_folder: Path | None = None  # its versions trained from decisions

    @property
    def active_version(self) -> ModelVersion | None:
        return next((v for v in self.versions if v.version == self.active), None)

    @property
    def headline_value(self) -> float | None:
        active = self.active_version
        return active.metrics.get(self.headline) if active and self.headline else None

    def card(self) -> str:
        return card_text(self.folder)

    def metrics(self) -> dict[str, Any]:
        """The active version's full measurements (its metrics file), else its headline metrics."""
        active = self.active_version
        folder = self.folder if not active or active.status is None else self.trained_folder
        path = folder / (active.metrics_file if active and active.metrics_file else "metrics.json")
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        return dict(active.metrics) if active else {}


def _versions(path: Path) -> tuple[dict[str, Any], list[ModelVersion]]:
    doc = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    try:
        return doc, [ModelVersion(**v) for v in doc.get("versions", [])]
    except TypeError as exc:
        raise Invalid(f"{path}: each version needs version, date, command, data and metrics ({exc})") from None


def _read(folder: Path, card_of: dict[str, list[str]], trained_dir: Path | None) -> Model:
    """A shipped model; with a trained directory, the versions trained from decisions follow the shipped ones
    (the one shipped version they record is not repeated) and the active trained version is the active one."""
    path = folder / VERSIONS_FILE
    doc, versions = _versions(path)
    active = doc.get("active")
    if trained_dir is not None and (trained_dir / folder.name / VERSIONS_FILE).exists():
        trained_doc, trained = _versions(trained_dir / folder.name / VERSIONS_FILE)
        shipped = {v.version for v in versions}
        versions += [v for v in trained if not (v.status == "shipped" and v.version in shipped)]
        active = trained_doc.get("active") or active
    if active is not None and active not in {v.version for v in versions}:
        raise Invalid(f"{path}: the active version {active!r} is not among its versions")
    trained_folder = trained_dir / folder.name if trained_dir is not None else None
    enrichers = card_of.get(folder.name, [])
    return Model(folder.name, folder, doc.get("headline"), active, versions, enrichers, trained_folder)


def active_trained(trained_dir: Path, name: str) -> tuple[str, Path] | None:
    """The active version trained from decisions of a model and its folder, None while the shipped one serves."""
    doc, _ = _versions(trained_dir / name / VERSIONS_FILE)
    active = doc.get("active")
    return (active, trained_dir / name / active) if active else None


def _is_model(folder: Path) -> bool:
    return folder.is_dir() and any((folder / n).exists() for n in (*CARD_FILES, "metrics.json", VERSIONS_FILE))


def _cards(models_dir: Path) -> dict[str, list[str]]:
    """Model folder name -> the enrichers that point at it."""
    out: dict[str, list[str]] = {}
    for spec in REGISTRY.specs().values():
        folder = spec.card_folder(models_dir)
        if folder is not None:
            out.setdefault(folder.name, []).append(spec.name)
    return out


def list_models(models_dir: Path, trained_dir: Path | None = None) -> list[Model]:
    """Every model the installation ships, by name, with the versions trained from decisions in trained_dir."""
    if not models_dir.is_dir():
        return []
    cards = _cards(models_dir)
    return [_read(folder, cards, trained_dir) for folder in sorted(models_dir.iterdir()) if _is_model(folder)]


def get_model(models_dir: Path, name: str, trained_dir: Path | None = None) -> Model:
    folder = models_dir / name
    if "/" in name or name.startswith(".") or not _is_model(folder):
        known = [f.name for f in sorted(models_dir.iterdir()) if _is_model(f)] if models_dir.is_dir() else []
        raise NotFound(f"no model {name!r}; known: {', '.join(known) or 'none'}")
    return _read(folder, _cards(models_dir), trained_dir)


@lru_cache(maxsize=1)
def _deployment_models_dir() -> Path:
    return Settings().models_dir


@lru_cache(maxsize=256)  # asked once per suggestion an API answer lists; model folders do not move while serving
def card_link(enricher: str, models_dir: Path | None = None) -> str | None:
    """The path of the card of the model an enricher runs (/models/<folder>), None when it has no card; the
    deployment's models directory (VERRIJK_MODELS_DIR) unless another is given."""
    spec = REGISTRY.specs().get(enricher)
    folder = spec.card_folder(models_dir or _deployment_models_dir()) if spec else None
    return f"/models/{folder.name}" if folder else None

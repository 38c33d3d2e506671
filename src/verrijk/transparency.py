"""What an organisation publishes about its use of machine suggestions: enrichers, model cards, decisions. The
public page /about/{organisation} and GET /organisations/{organisation}/transparency both show it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from verrijk.config import Settings
from verrijk.domain import SuggestionStatus
from verrijk.enrich.registry import REGISTRY
from verrijk.errors import NotFound
from verrijk.store.accounts import AccountError, organisation_by_slug
from verrijk.store.repo import PUBLISHED_STATES, Repo, Scope
from verrijk.store.tables import Organisation


@dataclass
class EnricherReport:
    name: str
    versions: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    card: str = ""
    metrics: dict = field(default_factory=dict)

    @property
    def decided(self) -> int:
        return sum(v for k, v in self.counts.items() if k != SuggestionStatus.suggested)

    @property
    def acceptance_rate(self) -> float | None:
        accepted = sum(self.counts.get(k, 0) for k in PUBLISHED_STATES)
        return round(accepted / self.decided, 3) if self.decided else None


def transparency_of(session: Session, slug: str, settings: Settings) -> tuple[Organisation, list[EnricherReport]]:
    """An organisation's public account, read as anyone may: NotFound for an organisation that does not exist."""
    try:
        org = organisation_by_slug(session, slug)
    except AccountError as exc:
        raise NotFound(str(exc)) from exc
    return org, report(Repo(session, Scope(org.id, role="client")), settings.enrichers, settings.models_dir)


def report(repo: Repo, configured: list[str], models_dir: Path) -> list[EnricherReport]:
    rows = repo.suggestion_counts()
    reports: dict[str, EnricherReport] = {n: EnricherReport(n) for n in configured if n in REGISTRY.specs()}
    for name, version, status, count in rows:
        r = reports.setdefault(name, EnricherReport(name))
        if version not in r.versions:
            r.versions.append(version)
        r.counts[status] = r.counts.get(status, 0) + count
    for r in reports.values():
        folder = model_folder(models_dir, r.name)
        if folder is None:
            continue
        card = next((folder / n for n in ("card.md", "README.md") if (folder / n).exists()), None)
        r.card = card.read_text(encoding="utf-8") if card else ""
        if (folder / "metrics.json").exists():
            r.metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    return sorted(reports.values(), key=lambda r: r.name)


def model_folder(models_dir: Path, enricher: str) -> Path | None:
    """An enricher's card and metrics: models/<name>/, else its family's (models/subjects/ for subjects.demo)."""
    for name in (enricher, enricher.split(".")[0]):
        if (models_dir / name).is_dir():
            return models_dir / name
    return None

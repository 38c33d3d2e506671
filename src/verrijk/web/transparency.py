"""What an organisation publishes about its use of machine suggestions: enrichers, model cards, decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from verrijk.enrich.registry import REGISTRY
from verrijk.store.repo import Repo
from verrijk.store.tables import Suggestion


@dataclass
class EnricherReport:
    name: str
    versions: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    card: str = ""
    metrics: dict = field(default_factory=dict)

    @property
    def decided(self) -> int:
        return sum(v for k, v in self.counts.items() if k != "suggested")

    @property
    def acceptance_rate(self) -> float | None:
        accepted = self.counts.get("accepted", 0) + self.counts.get("edited", 0) + self.counts.get("auto", 0)
        return round(accepted / self.decided, 3) if self.decided else None


def report(repo: Repo, configured: list[str], models_dir: Path) -> list[EnricherReport]:
    rows = repo.session.execute(
        select(Suggestion.enricher, Suggestion.enricher_version, Suggestion.status, func.count(Suggestion.id))
        .where(Suggestion.organisation_id == repo.org_id)
        .group_by(Suggestion.enricher, Suggestion.enricher_version, Suggestion.status)
    )
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

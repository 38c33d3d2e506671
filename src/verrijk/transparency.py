"""What an organisation publishes about its use of machine suggestions: enrichers, model cards, decisions. The
public page /about/{organisation} and GET /organisations/{organisation}/transparency both show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from verrijk.config import Settings
from verrijk.domain import SuggestionStatus
from verrijk.enrich.config import organisation_config
from verrijk.enrich.registry import REGISTRY, card_folder, read_card
from verrijk.store.accounts import organisation_by_slug
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
    org = organisation_by_slug(session, slug)
    repo = Repo(session, Scope(org.id, role="client"))
    return org, report(repo, organisation_config(repo, settings).enabled, settings.models_dir)


def report(repo: Repo, configured: list[str], models_dir: Path) -> list[EnricherReport]:
    """Every enricher the organisation runs or has suggestions of: versions, suggestions per state, model card."""
    rows = repo.suggestion_counts()
    specs = REGISTRY.specs()
    reports: dict[str, EnricherReport] = {n: EnricherReport(n) for n in configured if n in specs}
    for name, version, status, count in rows:
        r = reports.setdefault(name, EnricherReport(name))
        if version not in r.versions:
            r.versions.append(version)
        r.counts[status] = r.counts.get(status, 0) + count
    for r in reports.values():
        spec = specs.get(r.name)
        r.card, r.metrics = read_card(card_folder(models_dir, r.name, spec.card if spec else None))
    return sorted(reports.values(), key=lambda r: r.name)

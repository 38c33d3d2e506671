"""Per-enricher auto-accept thresholds: set, apply to waiting suggestions (never to living people), and undo when
lowered or removed."""

from __future__ import annotations

from verrijk.domain import SuggestionStatus
from verrijk.review.decisions import decide
from verrijk.store.repo import Repo
from verrijk.store.tables import Organisation

LIVING = "names a living person: waits for a person's review"


def thresholds(org: Organisation) -> dict[str, float]:
    return dict((org.settings or {}).get("auto_accept", {}))


def set_threshold(repo: Repo, enricher: str, value: float | None) -> tuple[int, int]:
    """Store the threshold and bring suggestions in line; returns (auto-accepted, returned to the queue)."""
    org = repo.organisation()
    current = thresholds(org)
    if value is None:
        current.pop(enricher, None)
    else:
        current[enricher] = value
    org.settings = {**(org.settings or {}), "auto_accept": current}
    repo.audit("threshold.set", "enricher", enricher, value=value)
    return apply(repo, enricher, value)


def apply(repo: Repo, enricher: str, value: float | None) -> tuple[int, int]:
    """Bring one enricher's suggestions in line with its threshold. A suggestion naming a presumably living person
    (store presumed_living: PER without a death date, or born within 110 years) is never accepted automatically:
    it waits for a person's decision, and one a threshold had accepted returns to the queue."""
    undone = 0
    living = {s.id for s in repo.enricher_suggestions(enricher, SuggestionStatus.auto, living=True)}
    for s in repo.enricher_suggestions(enricher, SuggestionStatus.auto):
        if value is None or s.score < value or s.id in living:
            reason = LIVING if s.id in living else "auto-accept threshold lowered or removed"
            decide(repo, s, SuggestionStatus.suggested, reason=reason, by_person=False)
            undone += 1
    accepted = 0
    if value is not None:
        for s in repo.enricher_suggestions(enricher, SuggestionStatus.suggested, min_score=value, living=False):
            decide(repo, s, SuggestionStatus.auto, reason=f"auto-accept threshold {value}", by_person=False)
            accepted += 1
    return accepted, undone


def apply_all(repo: Repo, enrichers: list[str]) -> None:
    """After an enrichment run: new suggestions above their enricher's threshold are accepted automatically."""
    current = thresholds(repo.organisation())
    for name in enrichers:
        if name in current:
            apply(repo, name, current[name])

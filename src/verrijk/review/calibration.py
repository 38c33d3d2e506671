"""Auto-accept thresholds calibrated from review data: per enricher, the lowest score threshold whose precision
(accepted or edited among what a person judged) reaches a target on one half of the decisions, checked on the
other half (its precision, support and Wilson lower bound), and the reliability diagram (mean score against
observed acceptance per score bucket). Applying sets the thresholds that hold on the held-out half through the
thresholds service. The review queue orders by calibrated scores: an isotonic fit of acceptance on score per
enricher."""

from __future__ import annotations

import math
import threading
import zlib
from collections import OrderedDict, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from verrijk.domain import SuggestionStatus
from verrijk.review.thresholds import set_threshold
from verrijk.store.repo import Repo

ACCEPTED = (SuggestionStatus.accepted, SuggestionStatus.edited)
JUDGED = (*ACCEPTED, SuggestionStatus.rejected)
GRID = [i / 100 for i in range(101)]  # candidate thresholds
MIN_SUPPORT = 10  # judged suggestions above a threshold before its precision counts
BUCKETS = 10  # of the reliability diagram
Z95 = 1.959964
FITS_KEPT = 64  # isotonic fits cached per process (one per organisation and state of its decisions)
_fits: OrderedDict[tuple, dict[str, list[tuple[float, float]]]] = OrderedDict()
_fits_lock = threading.Lock()


@dataclass(frozen=True)
class Bucket:
    lower: float
    upper: float
    count: int
    mean_score: float | None
    acceptance: float | None


@dataclass(frozen=True)
class Figures:
    """Precision of `score >= threshold` on a set of decisions, with its support and 95% Wilson lower bound."""

    precision: float | None
    support: int
    wilson_lower: float | None


@dataclass
class Calibration:
    enricher: str
    target: float
    decisions: int
    accepted: int
    threshold: float | None  # None when no threshold reaches the target on the fit half
    fit: Figures
    held_out: Figures
    reliability: list[Bucket] = field(default_factory=list)

    @property
    def meets_target(self) -> bool:
        """The threshold also reaches the target on decisions it was not chosen on."""
        p = self.held_out.precision
        return self.threshold is not None and p is not None and p >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "meets_target": self.meets_target}


def wilson_lower(successes: int, n: int, z: float = Z95) -> float | None:
    if n == 0:
        return None
    p = successes / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n)


def figures(decisions: list[tuple[float, bool]], threshold: float | None) -> Figures:
    if threshold is None:
        return Figures(None, 0, None)
    above = [ok for score, ok in decisions if score >= threshold]
    hits = sum(above)
    return Figures(round(hits / len(above), 4) if above else None, len(above), _round(wilson_lower(hits, len(above))))


def held_out(suggestion_id: int) -> bool:
    """The deterministic half a decision belongs to (a hash of its suggestion's id, not its order or score)."""
    return zlib.crc32(str(suggestion_id).encode()) % 2 == 1


def lowest_threshold(decisions: list[tuple[float, bool]], target: float) -> float | None:
    """The lowest grid threshold at which the decisions scoring at least it (MIN_SUPPORT or more) have the target
    precision."""
    for t in GRID:
        found = figures(decisions, t)
        if found.support >= MIN_SUPPORT and found.precision >= target:
            return t
    return None


def reliability(decisions: list[tuple[float, bool]], buckets: int = BUCKETS) -> list[Bucket]:
    """Mean score against observed acceptance in equal-width score buckets (empty buckets included)."""
    grouped: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for score, ok in decisions:
        grouped[min(int(score * buckets), buckets - 1)].append((score, ok))
    out = []
    for i in range(buckets):
        group = grouped.get(i, [])
        mean = sum(s for s, _ in group) / len(group) if group else None
        rate = sum(ok for _, ok in group) / len(group) if group else None
        out.append(Bucket(i / buckets, (i + 1) / buckets, len(group), _round(mean), _round(rate)))
    return out


def calibrate(repo: Repo, target: float = 0.95, enricher: str | None = None) -> list[Calibration]:
    """Per enricher with judged suggestions: the threshold for the target precision and its figures."""
    per_enricher: dict[str, list[tuple[int, float, bool]]] = defaultdict(list)
    for suggestion_id, name, score, status in repo.scores_with_status(JUDGED, enricher):
        per_enricher[name].append((suggestion_id, score, status in ACCEPTED))
    out = []
    for name, rows in sorted(per_enricher.items()):
        fit = [(score, ok) for sid, score, ok in rows if not held_out(sid)]
        test = [(score, ok) for sid, score, ok in rows if held_out(sid)]
        threshold = lowest_threshold(fit, target)
        everything = [(score, ok) for _, score, ok in rows]
        out.append(
            Calibration(
                enricher=name,
                target=target,
                decisions=len(rows),
                accepted=sum(ok for _, ok in everything),
                threshold=threshold,
                fit=figures(fit, threshold),
                held_out=figures(test, threshold),
                reliability=reliability(everything),
            )
        )
    return out


def apply_calibration(repo: Repo, target: float = 0.95, enricher: str | None = None) -> list[dict[str, Any]]:
    """Set each threshold that meets the target on held-out decisions; the others are left as they are."""
    results = []
    for c in calibrate(repo, target, enricher):
        applied = {"applied": False, "auto_accepted": 0, "returned_to_queue": 0}
        if c.meets_target:
            accepted, undone = set_threshold(repo, c.enricher, c.threshold)
            applied = {"applied": True, "auto_accepted": accepted, "returned_to_queue": undone}
        results.append(c.as_dict() | applied)
    return results


def isotonic(decisions: list[tuple[float, bool]]) -> list[tuple[float, float]]:
    """Acceptance as a non-decreasing step function of score (pool adjacent violators): (highest score of the
    step, its acceptance) per step, the last step reaching 1.0."""
    per_score: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for score, ok in decisions:
        per_score[score][0] += ok
        per_score[score][1] += 1
    steps: list[list[float]] = []  # [highest score, accepted, judged]
    for score, (hits, n) in sorted(per_score.items()):
        steps.append([score, hits, n])
        while len(steps) > 1 and steps[-2][1] / steps[-2][2] >= steps[-1][1] / steps[-1][2]:
            upper, hits, n = steps.pop()
            steps[-1] = [upper, steps[-1][1] + hits, steps[-1][2] + n]
    if steps:
        steps[-1][0] = 1.0
    return [(upper, round(hits / n, 4)) for upper, hits, n in steps]


def calibrated_scores(repo: Repo) -> dict[str, list[tuple[float, float]]]:
    """Per enricher with enough judged suggestions (twice MIN_SUPPORT), its isotonic calibration; refitted only
    when the organisation's decisions changed (kept per database, organisation, decision count and last id)."""
    key = (str(repo.session.get_bind().url), repo.org_id, *repo.decisions_fingerprint())
    with _fits_lock:
        if key in _fits:
            _fits.move_to_end(key)
            return _fits[key]
    fitted = _fit_scores(repo)
    with _fits_lock:
        _fits[key] = fitted
        while len(_fits) > FITS_KEPT:
            _fits.popitem(last=False)
    return fitted


def _fit_scores(repo: Repo) -> dict[str, list[tuple[float, float]]]:
    per_enricher: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for _, name, score, status in repo.scores_with_status(JUDGED):
        per_enricher[name].append((score, status in ACCEPTED))
    return {name: isotonic(rows) for name, rows in per_enricher.items() if len(rows) >= 2 * MIN_SUPPORT}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)

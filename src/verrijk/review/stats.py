"""Review statistics: acceptance per enricher and score bucket (for calibration), waiting items, decisions a day."""

from __future__ import annotations

from typing import Any

from verrijk.domain import SuggestionStatus
from verrijk.store.repo import Repo

HUMAN_ACCEPT = (SuggestionStatus.accepted, SuggestionStatus.edited)


def review_stats(repo: Repo) -> dict[str, Any]:
    enrichers: dict[str, dict[str, Any]] = {}
    for enricher, score, status in repo.suggestion_scores():
        e = enrichers.setdefault(enricher, {"counts": {}, "buckets": {}})
        e["counts"][status] = e["counts"].get(status, 0) + 1
        bucket = f"{min(int(score * 10), 9) / 10:.1f}"
        b = e["buckets"].setdefault(bucket, {"accepted": 0, "rejected": 0, "waiting": 0})
        if status in HUMAN_ACCEPT:
            b["accepted"] += 1
        elif status == SuggestionStatus.rejected:
            b["rejected"] += 1
        elif status == SuggestionStatus.suggested:
            b["waiting"] += 1
    for e in enrichers.values():
        accepted = sum(e["counts"].get(s, 0) for s in HUMAN_ACCEPT)
        judged = accepted + e["counts"].get(SuggestionStatus.rejected, 0)
        e["acceptance_rate"] = round(accepted / judged, 3) if judged else None
        for b in e["buckets"].values():
            judged = b["accepted"] + b["rejected"]
            b["acceptance_rate"] = round(b["accepted"] / judged, 3) if judged else None
        e["buckets"] = dict(sorted(e["buckets"].items()))
    waiting = sum(e["counts"].get(SuggestionStatus.suggested, 0) for e in enrichers.values())
    per_day = repo.decisions_per_day(30)
    return {"waiting": waiting, "enrichers": enrichers, "decisions_per_day": {str(d): n for d, n in per_day}}

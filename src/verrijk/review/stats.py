"""Review statistics: acceptance per enricher and score bucket (for calibration), waiting items, decisions a day."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from verrijk.store.repo import Repo
from verrijk.store.tables import Decision, Suggestion

HUMAN_ACCEPT = ("accepted", "edited")


def review_stats(repo: Repo) -> dict[str, Any]:
    rows = repo.session.execute(
        select(Suggestion.enricher, Suggestion.score, Suggestion.status).where(
            Suggestion.organisation_id == repo.org_id
        )
    )
    enrichers: dict[str, dict[str, Any]] = {}
    for enricher, score, status in rows:
        e = enrichers.setdefault(enricher, {"counts": {}, "buckets": {}})
        e["counts"][status] = e["counts"].get(status, 0) + 1
        bucket = f"{min(int(score * 10), 9) / 10:.1f}"
        b = e["buckets"].setdefault(bucket, {"accepted": 0, "rejected": 0, "waiting": 0})
        if status in HUMAN_ACCEPT:
            b["accepted"] += 1
        elif status == "rejected":
            b["rejected"] += 1
        elif status == "suggested":
            b["waiting"] += 1
    for e in enrichers.values():
        accepted = sum(e["counts"].get(s, 0) for s in HUMAN_ACCEPT)
        judged = accepted + e["counts"].get("rejected", 0)
        e["acceptance_rate"] = round(accepted / judged, 3) if judged else None
        for b in e["buckets"].values():
            judged = b["accepted"] + b["rejected"]
            b["acceptance_rate"] = round(b["accepted"] / judged, 3) if judged else None
        e["buckets"] = dict(sorted(e["buckets"].items()))
    day = func.date(Decision.created_at)
    per_day = repo.session.execute(
        select(day, func.count(Decision.id))
        .where(Decision.organisation_id == repo.org_id)
        .group_by(day)
        .order_by(day.desc())
        .limit(30)
    )
    waiting = sum(e["counts"].get("suggested", 0) for e in enrichers.values())
    return {"waiting": waiting, "enrichers": enrichers, "decisions_per_day": {str(d): n for d, n in per_day}}

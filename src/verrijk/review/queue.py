"""The cataloger queue: batches of suggestions under a lease, decisions one by one or in bulk."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from verrijk.domain import SuggestionStatus
from verrijk.errors import Conflict
from verrijk.review.calibration import calibrated_scores
from verrijk.review.decisions import decide as decide_one
from verrijk.store.db import write_lock
from verrijk.store.repo import REVIEW_SLOT, QueueFilter, Repo
from verrijk.store.tables import Suggestion, utcnow

__all__ = [
    "QueueFilter",
    "bulk_decide",
    "decide",
    "give_back",
    "next_batch",
    "order_measurement",
    "volunteer_view",
]
MEASUREMENT = Path("subjects") / "active-learning.json"  # benchmarks/active_learning.py writes it


@lru_cache(maxsize=4)
def order_measurement(models_dir: Path) -> dict[str, Any] | None:
    """What the queue's order was measured to gain (benchmarks/active_learning.py on the demo subject model):
    held-out F1 after the most decisions measured when reviewed least-confident-first and at random; None when
    it was not measured."""
    path = models_dir / MEASUREMENT
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    decisions = max(data["f1"]["uncertainty"], key=int)
    return {
        "model": "subjects",
        "scenario": data["scenario"],
        "decisions": int(decisions),
        "f1_before": data["f1_before"],
        "f1_uncertainty": data["f1"]["uncertainty"][decisions],
        "f1_random": data["f1"]["random"][decisions],
        "decisions_for_one_point": data["decisions_for_one_point"],
        "command": data["command"],
    }


def next_batch(repo: Repo, user_id: int, flt: QueueFilter, size: int, lease_minutes: float) -> list[Suggestion]:
    """Up to `size` suggestions for this reviewer, each now leased to them (their own live leases first); the
    least confident first by the enrichers' calibrated scores."""
    if flt.order == "uncertainty":
        flt = replace(flt, calibration=calibrated_scores(repo))
    with write_lock(repo.session):
        now = utcnow()
        until = now + timedelta(minutes=lease_minutes)
        got: list[Suggestion] = []
        for s in repo.review_candidates(flt, user_id, now, size):
            if len(got) == size:
                break
            if repo.take_lease(s.id, REVIEW_SLOT, user_id, now, until):
                got.append(s)
        repo.session.commit()
    return got


def decide(repo: Repo, user_id: int, decisions: list[dict[str, Any]]) -> list[int]:
    """Apply decisions (all or none): each {id, status, label?, authority_uri?, reason?}. Returns decision ids.

    An item leased to another reviewer is refused (Conflict); the reviewer's own lease on it is finished.
    """
    session = repo.session
    with write_lock(session):
        held = repo.review_holders([d["id"] for d in decisions], utcnow())
        made = []
        try:
            for d in decisions:
                if held.get(d["id"], user_id) != user_id:
                    raise Conflict(f"suggestion {d['id']} is leased to another reviewer until its lease ends")
                suggestion = repo.suggestion(d["id"])
                decision = decide_one(
                    repo, suggestion, d["status"], d.get("label"), d.get("authority_uri"), d.get("reason") or ""
                )
                repo.finish_lease(suggestion.id, user_id)
                made.append(decision.id)
            session.commit()
        except Exception:
            session.rollback()
            raise
    return made


def bulk_decide(
    repo: Repo,
    user_id: int,
    ids: list[int],
    status: SuggestionStatus,
    min_score: float | None = None,
    enricher: str | None = None,
) -> tuple[list[int], list[int]]:
    """One decision for many suggestions, in one transaction: those among ids scoring at least min_score, made by
    the enricher (when given) and not in that status already, so a bulk cut short (a crash rolls all of it back)
    or sent twice can be sent again to completion. Returns the ids decided and the decision ids."""
    chosen = [
        s
        for s in (repo.suggestion(i) for i in ids)
        if (min_score is None or s.score >= min_score)
        and (enricher is None or s.enricher == enricher)
        and s.status != status
    ]
    items = [{"id": s.id, "status": status, "reason": "bulk"} for s in chosen]
    return [s.id for s in chosen], decide(repo, user_id, items)


def give_back(repo: Repo, user_id: int, suggestion_ids: list[int]) -> int:
    with write_lock(repo.session):
        count = repo.release_leases(user_id, suggestion_ids)
        repo.session.commit()
    return count


def volunteer_view(repo: Repo, suggestion_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per suggestion, the volunteers' votes so far: what a cataloger sees next to the machine score."""
    return repo.vote_counts(suggestion_ids)

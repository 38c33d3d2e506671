"""The cataloger queue: batches of suggestions under a lease, decisions one by one or in bulk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, select

from verrijk.review.leases import REVIEW_SLOT, active, finish, release, take
from verrijk.store.db import write_lock
from verrijk.store.repo import Repo
from verrijk.store.tables import Lease, Record, Suggestion, Vote, utcnow


class Conflict(Exception):
    """The item is held by someone else, or the request contradicts the item's state."""


@dataclass
class QueueFilter:
    collection: str | None = None
    enricher: str | None = None
    kind: str | None = None
    language: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    record_id: int | None = None
    order: str = "uncertainty"  # or "record"


def _filtered(repo: Repo, flt: QueueFilter):
    stmt = (
        select(Suggestion)
        .join(Record, Record.id == Suggestion.record_id)
        .where(Suggestion.organisation_id == repo.org_id, Suggestion.status == "suggested")
    )
    if flt.collection:
        stmt = stmt.where(Record.collection_id == repo.collection(flt.collection).id)
    if flt.enricher:
        stmt = stmt.where(Suggestion.enricher == flt.enricher)
    if flt.kind:
        stmt = stmt.where(Suggestion.kind == flt.kind)
    if flt.language:
        stmt = stmt.where(Record.language == flt.language)
    if flt.min_score is not None:
        stmt = stmt.where(Suggestion.score >= flt.min_score)
    if flt.max_score is not None:
        stmt = stmt.where(Suggestion.score <= flt.max_score)
    if flt.record_id is not None:
        stmt = stmt.where(Suggestion.record_id == flt.record_id)
    if flt.order == "record":
        return stmt.order_by(Suggestion.record_id, Suggestion.field, Suggestion.span_start, Suggestion.id)
    disputed_first = case((Suggestion.consensus == "disputed", 0), else_=1)
    return stmt.order_by(disputed_first, func.abs(Suggestion.score - 0.5), Suggestion.id)


def next_batch(repo: Repo, user_id: int, flt: QueueFilter, size: int, lease_minutes: float) -> list[Suggestion]:
    """Up to `size` suggestions for this reviewer, each now leased to them (their own live leases first)."""
    session = repo.session
    with write_lock(session):
        now = utcnow()
        until = now + timedelta(minutes=lease_minutes)
        held_by_others = select(Lease.suggestion_id).where(
            Lease.slot == REVIEW_SLOT, active(now), Lease.holder_id != user_id
        )
        mine = select(Lease.suggestion_id).where(Lease.slot == REVIEW_SLOT, active(now), Lease.holder_id == user_id)
        base = _filtered(repo, flt).where(Suggestion.id.not_in(held_by_others))
        candidates = list(session.scalars(base.where(Suggestion.id.in_(mine)).limit(size)))
        # on PostgreSQL, SKIP LOCKED lets concurrent reviewers pass over rows another is leasing right now,
        # instead of queueing behind each other on the same least-confident items (SQLite ignores it)
        fresh = base.where(Suggestion.id.not_in(mine)).limit(size * 2).with_for_update(skip_locked=True, of=Suggestion)
        candidates += list(session.scalars(fresh))
        got: list[Suggestion] = []
        for s in candidates:
            if len(got) == size:
                break
            if take(session, repo.org_id, s.id, REVIEW_SLOT, user_id, now, until):
                got.append(s)
        session.commit()
    return got


def decide(repo: Repo, user_id: int, decisions: list[dict[str, Any]]) -> list[int]:
    """Apply decisions (all or none): each {id, status, label?, authority_uri?, reason?}. Returns decision ids.

    An item leased to another reviewer is refused (Conflict); the reviewer's own lease on it is finished.
    """
    session = repo.session
    with write_lock(session):
        now = utcnow()
        ids = [d["id"] for d in decisions]
        held = dict(
            session.execute(
                select(Lease.suggestion_id, Lease.holder_id).where(
                    Lease.suggestion_id.in_(ids), Lease.slot == REVIEW_SLOT, active(now)
                )
            ).all()
        )
        made = []
        try:
            for d in decisions:
                if held.get(d["id"], user_id) != user_id:
                    raise Conflict(f"suggestion {d['id']} is leased to another reviewer until its lease ends")
                suggestion = repo.suggestion(d["id"])
                decision = repo.decide(
                    suggestion, d["status"], d.get("label"), d.get("authority_uri"), d.get("reason") or ""
                )
                finish(session, suggestion.id, user_id)
                made.append(decision.id)
            session.commit()
        except Exception:
            session.rollback()
            raise
    return made


def give_back(repo: Repo, user_id: int, suggestion_ids: list[int]) -> int:
    with write_lock(repo.session):
        count = release(repo.session, user_id, suggestion_ids)
        repo.session.commit()
    return count


def volunteer_view(repo: Repo, suggestion_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per suggestion, the volunteers' votes so far: what a cataloger sees next to the machine score."""
    votes: dict[int, dict[str, Any]] = {}
    for sid, verdict, count in repo.session.execute(
        select(Vote.suggestion_id, Vote.verdict, func.count(Vote.id))
        .where(Vote.organisation_id == repo.org_id, Vote.suggestion_id.in_(suggestion_ids))
        .group_by(Vote.suggestion_id, Vote.verdict)
    ):
        votes.setdefault(sid, {})[verdict] = count
    return votes

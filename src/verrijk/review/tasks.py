"""Volunteer tasks: each suggestion goes to N volunteers; weighted agreement retires it, disagreement goes on
to a cataloger. Reputation is how often a volunteer agreed with catalogers' final decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from verrijk.review.leases import REVIEW_SLOT, active, finish, take
from verrijk.store.db import write_lock
from verrijk.store.repo import Repo
from verrijk.store.tables import Decision, Lease, Suggestion, Vote, utcnow

VERDICT_STATUS = {"accept": "accepted", "reject": "rejected", "edit": "edited"}


class TaskRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class TaskSettings:
    votes_per_item: int = 3
    agreement: float = 0.75  # share of the reputation-weighted votes the winning answer needs (2 of 3 newcomers: no)
    lease_minutes: float = 15
    votes_per_minute: int = 30


def next_task(repo: Repo, user_id: int, cfg: TaskSettings) -> Suggestion | None:
    """A suggestion for this volunteer to answer: never their own contribution, never one they answered."""
    session = repo.session
    with write_lock(session):
        now = utcnow()
        until = now + timedelta(minutes=cfg.lease_minutes)
        held = list(
            session.scalars(
                select(Suggestion)
                .join(Lease, Lease.suggestion_id == Suggestion.id)
                .where(
                    Lease.holder_id == user_id,
                    Lease.slot > REVIEW_SLOT,
                    active(now),
                    Suggestion.organisation_id == repo.org_id,
                )
                .limit(1)
            )
        )
        if held:
            take(session, repo.org_id, held[0].id, _slot_of(repo, held[0].id, user_id), user_id, now, until)
            session.commit()
            return held[0]
        answered = select(Vote.suggestion_id).where(Vote.user_id == user_id)
        taken = (
            select(Lease.suggestion_id, func.count(Lease.id).label("n"))
            .where(Lease.slot > REVIEW_SLOT, or_(Lease.done.is_(True), Lease.expires_at >= now))
            .group_by(Lease.suggestion_id)
            .subquery()
        )
        query = (
            select(Suggestion)
            .outerjoin(taken, taken.c.suggestion_id == Suggestion.id)
            .where(
                Suggestion.organisation_id == repo.org_id,
                Suggestion.status == "suggested",
                Suggestion.consensus.is_(None),
                or_(Suggestion.created_by.is_(None), Suggestion.created_by != user_id),
                Suggestion.id.not_in(answered),
                func.coalesce(taken.c.n, 0) < cfg.votes_per_item,
            )
            .order_by(func.coalesce(taken.c.n, 0).desc(), Suggestion.id)  # finish started items first
        )
        tried: list[int] = []
        while True:  # others may take the slots we saw free; look further until nothing is left
            candidates = session.scalars(query.where(Suggestion.id.not_in(tried)).limit(20)).all()
            if not candidates:
                break
            for s in candidates:
                for slot in range(1, cfg.votes_per_item + 1):
                    if take(session, repo.org_id, s.id, slot, user_id, now, until):
                        session.commit()
                        return s
            tried += [s.id for s in candidates]
        session.commit()
    return None


def _slot_of(repo: Repo, suggestion_id: int, user_id: int) -> int:
    return repo.session.scalar(
        select(Lease.slot).where(Lease.suggestion_id == suggestion_id, Lease.holder_id == user_id)
    )


def vote(
    repo: Repo, user_id: int, suggestion_id: int, verdict: str, label: str | None, uri: str | None, cfg: TaskSettings
) -> tuple[Vote, str | None]:
    """Record a volunteer's answer; returns it and the consensus when this answer completed the item."""
    if verdict not in VERDICT_STATUS:
        raise TaskRefused(422, f"verdict {verdict!r} is not one of {', '.join(VERDICT_STATUS)}")
    if verdict == "edit" and not (label or uri):
        raise TaskRefused(422, "an edit needs the corrected label or authority_uri")
    session = repo.session
    with write_lock(session):
        now = utcnow()
        recent = session.scalar(
            select(func.count(Vote.id)).where(Vote.user_id == user_id, Vote.created_at >= now - timedelta(minutes=1))
        )
        if recent >= cfg.votes_per_minute:
            raise TaskRefused(429, f"at most {cfg.votes_per_minute} answers a minute; take a short break")
        # the row lock makes concurrent last answers settle one after the other, each seeing the others' votes
        suggestion = repo.suggestion(suggestion_id, lock=True)
        if suggestion.created_by == user_id:
            raise TaskRefused(403, "volunteers do not review their own contributions")
        if not finish(session, suggestion_id, user_id):
            session.rollback()
            raise TaskRefused(409, f"you hold no task on suggestion {suggestion_id} (it expired or was never yours)")
        ballot = Vote(
            organisation_id=repo.org_id,
            suggestion_id=suggestion_id,
            user_id=user_id,
            verdict=verdict,
            label=label,
            authority_uri=uri,
        )
        try:
            with session.begin_nested():
                session.add(ballot)
        except IntegrityError:
            session.rollback()
            raise TaskRefused(409, f"you already answered suggestion {suggestion_id}") from None
        outcome = _settle(repo, suggestion, cfg)
        session.commit()
    return ballot, outcome


def reputation(repo: Repo, user_ids: list[int]) -> dict[int, float]:
    """(agreements + 1) / (comparisons + 2) with catalogers' final decisions: 0.5 for a newcomer."""
    final = (
        select(Decision.suggestion_id, func.max(Decision.id).label("last"))
        .where(Decision.organisation_id == repo.org_id, Decision.user_id.is_not(None))
        .group_by(Decision.suggestion_id)
        .subquery()
    )
    rows = repo.session.execute(
        select(Vote.user_id, Vote.verdict, Decision.action)
        .join(final, final.c.suggestion_id == Vote.suggestion_id)
        .join(Decision, Decision.id == final.c.last)
        .where(Vote.user_id.in_(user_ids), Vote.organisation_id == repo.org_id)
    )
    agreed: dict[int, list[int]] = {u: [0, 0] for u in user_ids}
    for uid, verdict, action in rows:
        agreed[uid][1] += 1
        agreed[uid][0] += VERDICT_STATUS[verdict] == action
    return {u: (a + 1) / (n + 2) for u, (a, n) in agreed.items()}


def _settle(repo: Repo, suggestion: Suggestion, cfg: TaskSettings) -> str | None:
    """When the item has all its answers: weigh them by reputation, record consensus exactly once."""
    ballots = list(repo.session.scalars(select(Vote).where(Vote.suggestion_id == suggestion.id)))
    if len(ballots) < cfg.votes_per_item:
        return None
    weights = reputation(repo, [b.user_id for b in ballots])
    tally: dict[tuple, float] = {}
    for b in ballots:
        key = (b.verdict, b.label, b.authority_uri) if b.verdict == "edit" else (b.verdict, None, None)
        tally[key] = tally.get(key, 0.0) + weights[b.user_id]
    (verdict, label, uri), top = max(tally.items(), key=lambda kv: kv[1])
    share = top / sum(tally.values())
    outcome = VERDICT_STATUS[verdict] if share >= cfg.agreement else "disputed"
    claimed = repo.session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion.id, Suggestion.consensus.is_(None))
        .values(consensus=outcome)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None  # settled already by another answer
    repo.session.refresh(suggestion)
    if outcome != "disputed":
        repo.decide(
            suggestion,
            outcome,
            label,
            uri,
            reason=f"volunteer consensus: {len(ballots)} answers, weighted agreement {share:.2f}",
            by_person=False,
        )
    return outcome

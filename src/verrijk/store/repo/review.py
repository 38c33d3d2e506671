"""Review work in the database: the cataloger queue's query, leases (holds on a suggestion's slots), volunteers'
votes and the consensus they reach. Slot 0 is the cataloger's review, slots 1..N the volunteers' task copies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from verrijk.domain import SuggestionStatus
from verrijk.store.repo.collections import Collections
from verrijk.store.tables import Decision, Lease, Record, Suggestion, Vote

REVIEW_SLOT = 0  # the cataloger's slot; volunteers hold slots 1..N
DISPUTED = "disputed"  # the consensus when volunteers disagree: a cataloger decides, and sees it first


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
    # enricher -> steps (highest score, calibrated score): uncertainty is measured on calibrated scores
    calibration: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def active(now: datetime):
    """The condition 'this lease still blocks others' for use in queries."""
    return and_(Lease.done.is_(False), Lease.expires_at >= now)


class Review(Collections):
    # the cataloger queue -----------------------------------------------------------------------------------------
    def _queue_query(self, flt: QueueFilter):
        stmt = (
            select(Suggestion)
            .join(Record, Record.id == Suggestion.record_id)
            .where(Suggestion.organisation_id == self.org_id, Suggestion.status == SuggestionStatus.suggested)
        )
        if flt.collection:
            stmt = stmt.where(Record.collection_id == self.collection(flt.collection).id)
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
        disputed_first = case((Suggestion.consensus == DISPUTED, 0), else_=1)
        raw = func.abs(Suggestion.score - 0.5)
        if not flt.calibration:
            return stmt.order_by(disputed_first, raw, Suggestion.id)
        steps = [
            (and_(Suggestion.enricher == name, Suggestion.score <= upper), value)
            for name, fitted in flt.calibration.items()
            for upper, value in fitted
        ]
        calibrated = case(*steps, else_=Suggestion.score)
        return stmt.order_by(disputed_first, func.abs(calibrated - 0.5), raw, Suggestion.id)

    def review_candidates(self, flt: QueueFilter, user_id: int, now: datetime, size: int) -> list[Suggestion]:
        """Waiting suggestions a reviewer may lease, in queue order: up to `size` they hold already, then up to
        twice `size` nobody holds (the caller leases what it can of them)."""
        review_leases = select(Lease.suggestion_id).where(
            Lease.organisation_id == self.org_id, Lease.slot == REVIEW_SLOT, active(now)
        )
        held_by_others = review_leases.where(Lease.holder_id != user_id)
        mine = review_leases.where(Lease.holder_id == user_id)
        base = self._queue_query(flt).where(Suggestion.id.not_in(held_by_others))
        candidates = list(self.session.scalars(base.where(Suggestion.id.in_(mine)).limit(size)))
        # on PostgreSQL, SKIP LOCKED lets concurrent reviewers pass over rows another is leasing right now,
        # instead of queueing behind each other on the same least-confident items (SQLite ignores it)
        fresh = base.where(Suggestion.id.not_in(mine)).limit(size * 2).with_for_update(skip_locked=True, of=Suggestion)
        return candidates + list(self.session.scalars(fresh))

    def review_holders(self, suggestion_ids: Sequence[int], now: datetime) -> dict[int, int]:
        """Suggestion id -> the reviewer holding a live review lease on it."""
        return dict(
            self.session.execute(
                select(Lease.suggestion_id, Lease.holder_id).where(
                    Lease.organisation_id == self.org_id,
                    Lease.suggestion_id.in_(suggestion_ids),
                    Lease.slot == REVIEW_SLOT,
                    active(now),
                )
            ).all()
        )

    # leases ------------------------------------------------------------------------------------------------------
    def take_lease(self, suggestion_id: int, slot: int, holder_id: int, now: datetime, until: datetime) -> bool:
        """Hold a slot: renew one's own, take over an expired unfinished one, or create it. One holder wins."""
        renewed = self.session.execute(
            update(Lease)
            .where(
                Lease.organisation_id == self.org_id,
                Lease.suggestion_id == suggestion_id,
                Lease.slot == slot,
                Lease.done.is_(False),
                or_(Lease.holder_id == holder_id, Lease.expires_at < now),
            )
            .values(holder_id=holder_id, expires_at=until)
            .execution_options(synchronize_session=False)
        )
        if renewed.rowcount == 1:
            return True
        try:
            with self.session.begin_nested():
                self.session.add(
                    Lease(
                        organisation_id=self.org_id,
                        suggestion_id=suggestion_id,
                        slot=slot,
                        holder_id=holder_id,
                        expires_at=until,
                    )
                )
        except IntegrityError:
            return False  # someone else holds this slot, or this holder holds another slot of it
        return True

    def finish_lease(self, suggestion_id: int, holder_id: int) -> bool:
        """Mark the holder's slot answered; False when they hold no live slot on it (expired or never taken)."""
        result = self.session.execute(
            update(Lease)
            .where(
                Lease.organisation_id == self.org_id,
                Lease.suggestion_id == suggestion_id,
                Lease.holder_id == holder_id,
                Lease.done.is_(False),
            )
            .values(done=True)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def release_leases(self, holder_id: int, suggestion_ids: Sequence[int]) -> int:
        """Give up the holder's unanswered slots on these suggestions; returns how many were released."""
        result = self.session.execute(
            delete(Lease)
            .where(
                Lease.organisation_id == self.org_id,
                Lease.holder_id == holder_id,
                Lease.suggestion_id.in_(suggestion_ids),
                Lease.done.is_(False),
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount

    def lease_slot(self, suggestion_id: int, holder_id: int) -> int | None:
        return self.session.scalar(
            select(Lease.slot).where(
                Lease.organisation_id == self.org_id, Lease.suggestion_id == suggestion_id, Lease.holder_id == holder_id
            )
        )

    # volunteer tasks ---------------------------------------------------------------------------------------------
    def held_task(self, user_id: int, now: datetime, kind: str | None = None) -> Suggestion | None:
        """A suggestion (of the kind, when given) the volunteer holds a live task slot on, if any."""
        stmt = (
            select(Suggestion)
            .join(Lease, Lease.suggestion_id == Suggestion.id)
            .where(
                Lease.holder_id == user_id,
                Lease.slot > REVIEW_SLOT,
                active(now),
                Suggestion.organisation_id == self.org_id,
            )
            .limit(1)
        )
        return self.session.scalar(stmt if kind is None else stmt.where(Suggestion.kind == kind))

    def open_tasks(
        self,
        user_id: int,
        votes_per_item: int,
        now: datetime,
        skip: Sequence[int],
        limit: int,
        kind: str | None = None,
    ) -> list[Suggestion]:
        """Waiting suggestions (of the kind, when given) with a free task slot that the volunteer neither made nor
        answered, those with the most slots taken first (finish started items first); ids in `skip` left out."""
        answered = select(Vote.suggestion_id).where(Vote.organisation_id == self.org_id, Vote.user_id == user_id)
        taken = (
            select(Lease.suggestion_id, func.count(Lease.id).label("n"))
            .where(
                Lease.organisation_id == self.org_id,
                Lease.slot > REVIEW_SLOT,
                or_(Lease.done.is_(True), Lease.expires_at >= now),
            )
            .group_by(Lease.suggestion_id)
            .subquery()
        )
        query = (
            select(Suggestion)
            .outerjoin(taken, taken.c.suggestion_id == Suggestion.id)
            .where(
                Suggestion.organisation_id == self.org_id,
                Suggestion.status == SuggestionStatus.suggested,
                Suggestion.consensus.is_(None),
                or_(Suggestion.created_by.is_(None), Suggestion.created_by != user_id),
                Suggestion.id.not_in(answered),
                func.coalesce(taken.c.n, 0) < votes_per_item,
                Suggestion.id.not_in(skip),
            )
            .order_by(func.coalesce(taken.c.n, 0).desc(), Suggestion.id)
            .limit(limit)
        )
        return list(self.session.scalars(query if kind is None else query.where(Suggestion.kind == kind)))

    def votes_since(self, user_id: int, since: datetime) -> int:
        return self.session.scalar(
            select(func.count(Vote.id)).where(
                Vote.organisation_id == self.org_id, Vote.user_id == user_id, Vote.created_at >= since
            )
        )

    def add_vote(
        self, suggestion_id: int, user_id: int, verdict: str, label: str | None, authority_uri: str | None
    ) -> Vote | None:
        """Store a volunteer's answer; None when they answered this suggestion already."""
        ballot = Vote(
            organisation_id=self.org_id,
            suggestion_id=suggestion_id,
            user_id=user_id,
            verdict=verdict,
            label=label,
            authority_uri=authority_uri,
        )
        try:
            with self.session.begin_nested():
                self.session.add(ballot)
        except IntegrityError:
            return None
        return ballot

    def votes_on(self, suggestion_id: int) -> list[Vote]:
        return list(
            self.session.scalars(
                select(Vote).where(Vote.organisation_id == self.org_id, Vote.suggestion_id == suggestion_id)
            )
        )

    def vote_counts(self, suggestion_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Per suggestion, how many volunteers gave each verdict so far."""
        votes: dict[int, dict[str, Any]] = {}
        for sid, verdict, count in self.session.execute(
            select(Vote.suggestion_id, Vote.verdict, func.count(Vote.id))
            .where(Vote.organisation_id == self.org_id, Vote.suggestion_id.in_(suggestion_ids))
            .group_by(Vote.suggestion_id, Vote.verdict)
        ):
            votes.setdefault(sid, {})[verdict] = count
        return votes

    def decisions_fingerprint(self) -> tuple[int, int | None]:
        """(count, highest id) of the organisation's decisions: changes whenever a suggestion's state does."""
        count, last = self.session.execute(
            select(func.count(Decision.id), func.max(Decision.id)).where(Decision.organisation_id == self.org_id)
        ).one()
        return int(count), last

    def verdicts_and_final_decisions(self, user_ids: Sequence[int]) -> list[Row[tuple[int, str, str]]]:
        """(user id, verdict, action) for each vote of these volunteers on a suggestion a person decided last:
        the action is that person's latest decision."""
        final = (
            select(Decision.suggestion_id, func.max(Decision.id).label("last"))
            .where(Decision.organisation_id == self.org_id, Decision.user_id.is_not(None))
            .group_by(Decision.suggestion_id)
            .subquery()
        )
        return list(
            self.session.execute(
                select(Vote.user_id, Vote.verdict, Decision.action)
                .join(final, final.c.suggestion_id == Vote.suggestion_id)
                .join(Decision, Decision.id == final.c.last)
                .where(Vote.user_id.in_(user_ids), Vote.organisation_id == self.org_id)
            )
        )

    def claim_consensus(self, suggestion: Suggestion, outcome: str) -> bool:
        """Record the volunteers' outcome on a suggestion exactly once: False when another answer settled it."""
        claimed = self.session.execute(
            update(Suggestion)
            .where(
                Suggestion.organisation_id == self.org_id,
                Suggestion.id == suggestion.id,
                Suggestion.consensus.is_(None),
            )
            .values(consensus=outcome)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return False
        self.session.refresh(suggestion)
        return True

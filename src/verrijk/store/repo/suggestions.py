"""Suggestions of an organisation and the decisions on them: pages, lookups (optionally row-locked), the
append-only decision row, what is published or exported, idempotent inserts, and review statistics' rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Row, func, select

from verrijk.domain import SuggestionStatus
from verrijk.errors import NotFound
from verrijk.store.repo.base import Page, Scoped, batches, presumed_living, published
from verrijk.store.tables import Decision, Suggestion


class Suggestions(Scoped):
    def suggestions_for(self, record_id: int, published_only: bool = False) -> list[Suggestion]:
        """A record's suggestions (only those published with it, when published_only), in text order."""
        stmt = select(Suggestion).where(Suggestion.organisation_id == self.org_id, Suggestion.record_id == record_id)
        if published_only:
            stmt = stmt.where(published())
        return list(self.session.scalars(stmt.order_by(Suggestion.field, Suggestion.span_start, Suggestion.id)))

    def suggestions(
        self,
        record_id: int | None = None,
        status: str | None = None,
        enricher: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        stmt = select(Suggestion).where(Suggestion.organisation_id == self.org_id)
        if record_id is not None:
            stmt = stmt.where(Suggestion.record_id == record_id)
        if status:
            stmt = stmt.where(Suggestion.status == status)
        if enricher:
            stmt = stmt.where(Suggestion.enricher == enricher)
        return self._page(stmt, Suggestion.id, limit, cursor)

    def suggestion(self, suggestion_id: int, lock: bool = False) -> Suggestion:
        """One suggestion; with lock, its row stays locked to this transaction (PostgreSQL) until commit."""
        stmt = select(Suggestion).where(Suggestion.organisation_id == self.org_id, Suggestion.id == suggestion_id)
        found = self.session.scalar(stmt.with_for_update() if lock else stmt)
        if found is None:
            said = f"suggestion {suggestion_id} does not exist in this organisation"
            raise NotFound(said, code="no_suggestion", id=suggestion_id)
        return found

    def _with_status(self, statuses: Iterable[str]):
        return select(Suggestion).where(Suggestion.organisation_id == self.org_id, Suggestion.status.in_(statuses))

    def suggestions_with_status(
        self, statuses: Iterable[str], offset: int = 0, limit: int | None = None
    ) -> list[Suggestion]:
        """Suggestions in any of these states, by id, from `offset` on (at most `limit`)."""
        stmt = self._with_status(statuses).order_by(Suggestion.id).offset(offset)
        return list(self.session.scalars(stmt if limit is None else stmt.limit(limit)))

    def count_with_status(self, statuses: Iterable[str]) -> int:
        return self._count(self._with_status(statuses))

    def enricher_suggestions(
        self, enricher: str, status: str, min_score: float | None = None, living: bool | None = None
    ) -> list[Suggestion]:
        """One enricher's suggestions in a state (with at least min_score; naming a presumably living person or
        not, when `living` says which)."""
        stmt = select(Suggestion).where(
            Suggestion.organisation_id == self.org_id, Suggestion.enricher == enricher, Suggestion.status == status
        )
        if min_score is not None:
            stmt = stmt.where(Suggestion.score >= min_score)
        if living is not None:
            stmt = stmt.where(presumed_living() if living else ~presumed_living())
        return list(self.session.scalars(stmt))

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of the idempotency keys that a stored suggestion has already."""
        found: set[str] = set()
        for part in batches(keys):
            found.update(
                self.session.scalars(
                    select(Suggestion.key).where(Suggestion.organisation_id == self.org_id, Suggestion.key.in_(part))
                )
            )
        return found

    def add_suggestions(self, suggestions: Iterable[Suggestion]) -> None:
        """Store new suggestions made for this organisation's records (their ids are set when this returns)."""
        self.session.add_all(suggestions)
        self.session.flush()

    def record_decision(
        self,
        suggestion: Suggestion,
        status: str,
        label: str | None = None,
        authority_uri: str | None = None,
        reason: str = "",
        by_person: bool = True,
    ) -> Decision:
        """Change a suggestion's state through an append-only decision row; any decision can be undone by another.

        Only the state: what a decision also causes (stream, audit) is verrijk.review.decisions.decide's work."""
        if suggestion.organisation_id != self.org_id:
            raise NotFound(f"suggestion {suggestion.id} does not exist in this organisation")
        before = {"status": suggestion.status, "label": suggestion.label, "authority_uri": suggestion.authority_uri}
        suggestion.status = status
        if status == SuggestionStatus.edited:
            suggestion.label = label or suggestion.label
            suggestion.authority_uri = authority_uri if authority_uri is not None else suggestion.authority_uri
        after = {"status": suggestion.status, "label": suggestion.label, "authority_uri": suggestion.authority_uri}
        decision = Decision(
            organisation_id=self.org_id,
            suggestion_id=suggestion.id,
            user_id=self.scope.user_id if by_person else None,  # None: a rule (threshold, consensus) decided
            action=status,
            before=before,
            after=after,
            reason=reason,
        )
        self.session.add(decision)
        self.session.flush()
        return decision

    def decisions_for(self, suggestion_id: int) -> list[Decision]:
        return list(
            self.session.scalars(
                select(Decision)
                .where(Decision.organisation_id == self.org_id, Decision.suggestion_id == suggestion_id)
                .order_by(Decision.id)
            )
        )

    def accepted(self, record_ids: Sequence[int]) -> dict[int, list[Suggestion]]:
        """Accepted, edited and auto-accepted suggestions of records that get published with them (published())."""
        found: dict[int, list[Suggestion]] = {}
        for ids in batches(record_ids):
            for s in self.session.scalars(
                select(Suggestion)
                .where(
                    Suggestion.organisation_id == self.org_id,
                    Suggestion.record_id.in_(ids),
                    published(),
                )
                .order_by(Suggestion.id)
            ):
                found.setdefault(s.record_id, []).append(s)
        return found

    def latest_decisions(self, suggestion_ids: Sequence[int]) -> dict[int, Decision]:
        found: dict[int, Decision] = {}
        for ids in batches(suggestion_ids):
            for d in self.session.scalars(
                select(Decision)
                .where(Decision.organisation_id == self.org_id, Decision.suggestion_id.in_(ids))
                .order_by(Decision.id)
            ):
                found[d.suggestion_id] = d
        return found

    def suggestion_scores(self) -> Iterator[Row[tuple[str, float, str]]]:
        """(enricher, score, status) of every suggestion of the organisation."""
        return iter(
            self.session.execute(
                select(Suggestion.enricher, Suggestion.score, Suggestion.status).where(
                    Suggestion.organisation_id == self.org_id
                )
            )
        )

    def suggestion_counts(self) -> list[Row[tuple[str, str, str, int]]]:
        """(enricher, enricher version, status, how many) over the organisation's suggestions."""
        return list(
            self.session.execute(
                select(Suggestion.enricher, Suggestion.enricher_version, Suggestion.status, func.count(Suggestion.id))
                .where(Suggestion.organisation_id == self.org_id)
                .group_by(Suggestion.enricher, Suggestion.enricher_version, Suggestion.status)
            )
        )

    def decisions_per_day(self, days: int = 30) -> list[Row[tuple[Any, int]]]:
        """(day, decisions taken) for the latest `days` days with decisions, newest first."""
        day = func.date(Decision.created_at)
        return list(
            self.session.execute(
                select(day, func.count(Decision.id))
                .where(Decision.organisation_id == self.org_id)
                .group_by(day)
                .order_by(day.desc())
                .limit(days)
            )
        )

    def scores_with_status(
        self, statuses: Iterable[str], enricher: str | None = None
    ) -> list[Row[tuple[int, str, float, str]]]:
        """(id, enricher, score, status) of the organisation's suggestions in any of these states, by id."""
        stmt = select(Suggestion.id, Suggestion.enricher, Suggestion.score, Suggestion.status).where(
            Suggestion.organisation_id == self.org_id, Suggestion.status.in_(statuses)
        )
        if enricher is not None:
            stmt = stmt.where(Suggestion.enricher == enricher)
        return list(self.session.execute(stmt.order_by(Suggestion.id)))

"""Volunteer tasks: each suggestion goes to N volunteers; weighted agreement retires it, disagreement goes on
to a cataloger. Reputation is how often a volunteer agreed with catalogers' final decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from verrijk.config import Settings
from verrijk.domain import SuggestionKind, SuggestionStatus
from verrijk.enrich.base import Proposal, suggestion_key
from verrijk.errors import Conflict, Forbidden, Invalid, QuotaExceeded
from verrijk.review.decisions import decide
from verrijk.store.db import write_lock
from verrijk.store.repo import DISPUTED, Repo
from verrijk.store.tables import Suggestion, Vote, utcnow

VERDICT_STATUS = {
    "accept": SuggestionStatus.accepted,
    "reject": SuggestionStatus.rejected,
    "edit": SuggestionStatus.edited,
}
HUMAN = "human.volunteer"  # the enricher name of what volunteers add themselves


@dataclass
class TaskSettings:
    votes_per_item: int = 3
    agreement: float = 0.75  # share of the reputation-weighted votes the winning answer needs (2 of 3 newcomers: no)
    lease_minutes: float = 15
    votes_per_minute: int = 30


def task_settings(settings: Settings) -> TaskSettings:
    """The deployment's task rules (VERRIJK_VOTES_PER_ITEM, _AGREEMENT, _REVIEW_LEASE_MINUTES, …)."""
    return TaskSettings(
        settings.votes_per_item, settings.agreement, settings.review_lease_minutes, settings.volunteer_votes_per_minute
    )


def next_task(repo: Repo, user_id: int, cfg: TaskSettings, kind: str | None = None) -> Suggestion | None:
    """A suggestion (of a kind, when given: `transcript` for text to correct) for this volunteer to answer: never
    their own contribution, never one they answered."""
    session = repo.session
    with write_lock(session):
        now = utcnow()
        until = now + timedelta(minutes=cfg.lease_minutes)
        held = repo.held_task(user_id, now, kind)
        if held is not None:
            repo.take_lease(held.id, repo.lease_slot(held.id, user_id), user_id, now, until)
            session.commit()
            return held
        tried: list[int] = []
        while True:  # others may take the slots we saw free; look further until nothing is left
            candidates = repo.open_tasks(user_id, cfg.votes_per_item, now, tried, 20, kind)
            if not candidates:
                break
            for s in candidates:
                for slot in range(1, cfg.votes_per_item + 1):
                    if repo.take_lease(s.id, slot, user_id, now, until):
                        session.commit()
                        return s
            tried += [s.id for s in candidates]
        session.commit()
    return None


def vote(
    repo: Repo, user_id: int, suggestion_id: int, verdict: str, label: str | None, uri: str | None, cfg: TaskSettings
) -> tuple[Vote, str | None]:
    """Record a volunteer's answer; returns it and the consensus when this answer completed the item."""
    if verdict not in VERDICT_STATUS:
        raise Invalid(f"verdict {verdict!r} is not one of {', '.join(VERDICT_STATUS)}")
    if verdict == "edit" and not (label or uri):
        raise Invalid("an edit needs the corrected label or authority_uri", code="edit_needs_label")
    session = repo.session
    with write_lock(session):
        now = utcnow()
        if repo.votes_since(user_id, now - timedelta(minutes=1)) >= cfg.votes_per_minute:
            raise QuotaExceeded(
                f"at most {cfg.votes_per_minute} answers a minute; take a short break",
                code="votes_per_minute",
                limit=cfg.votes_per_minute,
            )
        # the row lock makes concurrent last answers settle one after the other, each seeing the others' votes
        suggestion = repo.suggestion(suggestion_id, lock=True)
        verdict, label = _as_answer(suggestion, verdict, label)
        if suggestion.created_by == user_id:
            raise Forbidden("volunteers do not review their own contributions", code="own_contribution")
        if not repo.finish_lease(suggestion_id, user_id):
            session.rollback()
            raise Conflict(
                f"you hold no task on suggestion {suggestion_id} (it expired or was never yours)",
                code="no_task",
                id=suggestion_id,
            )
        ballot = repo.add_vote(suggestion_id, user_id, verdict, label, uri)
        if ballot is None:
            session.rollback()
            raise Conflict(f"you already answered suggestion {suggestion_id}", code="answered", id=suggestion_id)
        outcome = _settle(repo, suggestion, cfg)
        session.commit()
    return ballot, outcome


def _as_answer(suggestion: Suggestion, verdict: str, label: str | None) -> tuple[str, str | None]:
    """Corrections of a text (an OCR line, a transcript segment) are compared with their whitespace folded, so two
    volunteers typing the same words agree; a correction that changes nothing confirms the machine's text."""
    if suggestion.kind != SuggestionKind.transcript or verdict != "edit" or label is None:
        return verdict, label
    folded = " ".join(label.split())
    if not folded:
        raise Invalid("a corrected text cannot be empty; answer 'reject' when there is no text", code="empty_text")
    return ("accept", None) if folded == suggestion.label else ("edit", folded)


def add_missing(
    repo: Repo, user_id: int, record_id: int, field: str, label: str, authority_uri: str | None
) -> Suggestion:
    """A tag the machine missed, added by a volunteer as a suggestion: other volunteers confirm it, never its author.
    A link when it names an authority entry, a plain tag otherwise."""
    record = repo.record(record_id)
    proposal = Proposal(
        SuggestionKind.link if authority_uri else SuggestionKind.tag, label, 1.0, authority_uri=authority_uri
    )
    key = suggestion_key(record.id, field, f"{HUMAN}:{user_id}", proposal)
    if repo.existing_keys([key]):
        raise Conflict(f"you already added {label!r} to field {field!r} of record {record.id}")
    suggestion = Suggestion(
        organisation_id=repo.org_id,
        record_id=record.id,
        key=key,
        field=field,
        kind=proposal.kind.value,
        label=label,
        authority_uri=authority_uri,
        score=1.0,
        enricher=HUMAN,
        enricher_version="1",
        created_by=user_id,
    )
    repo.add_suggestions([suggestion])
    repo.audit("suggestion.add", "record", record.id, label=label)
    repo.session.commit()
    return suggestion


def reputation(repo: Repo, user_ids: list[int]) -> dict[int, float]:
    """(agreements + 1) / (comparisons + 2) with catalogers' final decisions: 0.5 for a newcomer."""
    rows = repo.verdicts_and_final_decisions(user_ids)
    agreed: dict[int, list[int]] = {u: [0, 0] for u in user_ids}
    for uid, verdict, action in rows:
        agreed[uid][1] += 1
        agreed[uid][0] += VERDICT_STATUS[verdict] == action
    return {u: (a + 1) / (n + 2) for u, (a, n) in agreed.items()}


def _settle(repo: Repo, suggestion: Suggestion, cfg: TaskSettings) -> str | None:
    """When the item has all its answers: weigh them by reputation, record consensus exactly once."""
    ballots = repo.votes_on(suggestion.id)
    if len(ballots) < cfg.votes_per_item:
        return None
    weights = reputation(repo, [b.user_id for b in ballots])
    tally: dict[tuple, float] = {}
    for b in ballots:
        key = (b.verdict, b.label, b.authority_uri) if b.verdict == "edit" else (b.verdict, None, None)
        tally[key] = tally.get(key, 0.0) + weights[b.user_id]
    (verdict, label, uri), top = max(tally.items(), key=lambda kv: kv[1])
    share = top / sum(tally.values())
    outcome = VERDICT_STATUS[verdict] if share >= cfg.agreement else DISPUTED
    if not repo.claim_consensus(suggestion, outcome):
        return None  # settled already by another answer
    if outcome != DISPUTED:
        decide(
            repo,
            suggestion,
            outcome,
            label,
            uri,
            reason=f"volunteer consensus: {len(ballots)} answers, weighted agreement {share:.2f}",
            by_person=False,
        )
    return outcome

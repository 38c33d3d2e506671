"""Taking a decision on a suggestion, and what it causes: the record's published form changes, so the record is
marked changed, the decided enrichment joins the event stream, and the audit log says who did it."""

from __future__ import annotations

from verrijk.store.repo import Repo
from verrijk.store.tables import Decision, Suggestion


def decide(
    repo: Repo,
    suggestion: Suggestion,
    status: str,
    label: str | None = None,
    authority_uri: str | None = None,
    reason: str = "",
    by_person: bool = True,
) -> Decision:
    """Change a suggestion's state (any decision can be undone by another); by_person False: a rule decided."""
    decision = repo.record_decision(suggestion, status, label, authority_uri, reason, by_person)
    record = repo.touch_record(suggestion.record_id)  # harvesters asking "from" must see the record again
    repo.add_stream_member(
        record,
        "annotation",
        {
            "status": status,
            "field": suggestion.field,
            "start": suggestion.span_start,
            "end": suggestion.span_end,
            "kind": suggestion.kind,
            "entity_type": suggestion.entity_type,
            "label": suggestion.label,
            "authority_uri": suggestion.authority_uri,
            "score": suggestion.score,
            "enricher": suggestion.enricher,
            "enricher_version": suggestion.enricher_version,
            "decided_by": repo.scope.user_id,
            "reason": reason,
        },
        at=record.updated_at,
        suggestion_id=suggestion.id,
    )
    repo.audit(f"suggestion.{status}", "suggestion", suggestion.id, before=decision.before, after=decision.after)
    return decision

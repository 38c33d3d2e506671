"""Decided suggestions in bulk: a W3C AnnotationCollection with pages, CSV, training feedback, and import."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from verrijk.domain import SuggestionKind, SuggestionStatus
from verrijk.enrich.base import Proposal, suggestion_key
from verrijk.errors import NotFound
from verrijk.export.annotation import annotation, canvas_of
from verrijk.records import field_text
from verrijk.review.decisions import decide
from verrijk.review.media import Fragment, medium_of
from verrijk.store.repo import PUBLISHED_STATES, Repo
from verrijk.store.tables import Record, Suggestion

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
EXPORTED = (*PUBLISHED_STATES, SuggestionStatus.rejected)
CSV_COLUMNS = (
    "annotation",
    "record",
    "source_id",
    "collection",
    "field",
    "start",
    "end",
    "selector",
    "kind",
    "entity_type",
    "label",
    "authority_uri",
    "score",
    "status",
    "enricher",
    "enricher_version",
    "decided_by",
    "decided_at",
)
# a cell a spreadsheet would run as a formula (a label a volunteer typed, text read from an image): written with a
# leading apostrophe, which spreadsheets show as text (OWASP's advice on CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
KINDS = {
    "linking": "link",
    "identifying": "entity",
    "tagging": "tag",
    "classifying": "subject",
    "describing": "transcript",
}


def iter_annotations(
    repo: Repo, base_url: str, statuses: tuple[str, ...] = EXPORTED, offset: int = 0, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    suggestions = repo.suggestions_with_status(statuses, offset, limit)
    decisions = repo.latest_decisions([s.id for s in suggestions])
    records = repo.records_by_id((s.record_id for s in suggestions), media=True)
    slugs = repo.collection_slugs()
    for s in suggestions:
        record = records[s.record_id]
        yield annotation(s, record, decisions.get(s.id), base_url, slugs[record.collection_id])


def collection_page(
    repo: Repo, base_url: str, page: int | None, size: int, statuses: tuple[str, ...] = EXPORTED
) -> dict[str, Any]:
    """The AnnotationCollection (page None) or one AnnotationPage, as the Web Annotation Protocol pages them."""
    total = repo.count_with_status(statuses)
    pages = max(1, -(-total // size))
    url = f"{base_url}/annotations"
    if page is None:
        return {
            "@context": ANNO_CONTEXT,
            "id": url,
            "type": "AnnotationCollection",
            "label": f"Decided suggestions of {repo.organisation().name}",
            "total": total,
            "first": f"{url}?page=0",
            "last": f"{url}?page={pages - 1}",
        }
    if page >= pages:
        raise NotFound(f"query parameter 'page': there is no page {page}; the last is {pages - 1}")
    doc: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": f"{url}?page={page}",
        "type": "AnnotationPage",
        "partOf": url,
        "startIndex": page * size,
        "items": list(iter_annotations(repo, base_url, statuses, page * size, size)),
    }
    if page + 1 < pages:
        doc["next"] = f"{url}?page={page + 1}"
    if page > 0:
        doc["prev"] = f"{url}?page={page - 1}"
    return doc


def to_csv(annotations: Iterator[dict[str, Any]]) -> str:
    """One row per annotation; text that a spreadsheet would take for a formula is kept as text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS)
    writer.writeheader()
    for a in annotations:
        target, body = a["target"], a["body"]
        selector = target.get("selector", {})
        record, _, field = record_field(target).partition("#")
        row = {
            "annotation": a["id"],
            "record": record,
            "source_id": target.get("verrijk:sourceId"),
            "collection": target.get("verrijk:collection"),
            "field": field,
            "start": selector.get("start"),
            "end": selector.get("end"),
            "selector": selector.get("value"),
            "kind": KINDS.get(a["motivation"]),
            "entity_type": a.get("verrijk:entityType"),
            "label": body.get("label") or body.get("value"),
            "authority_uri": body.get("id"),
            "score": a["verrijk:score"],
            "status": a["verrijk:status"],
            "enricher": a["verrijk:enricher"],
            "enricher_version": a["verrijk:enricherVersion"],
            "decided_by": (a.get("creator") or {}).get("id"),
            "decided_at": a.get("modified"),
        }
        writer.writerow({k: _as_text(v) for k, v in row.items()})
    return out.getvalue()


def _as_text(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def feedback(repo: Repo) -> Iterator[dict[str, Any]]:
    """Training examples from decisions: accepted positive, rejected negative, edited both."""
    judged = (SuggestionStatus.accepted, SuggestionStatus.rejected, SuggestionStatus.edited)
    suggestions = repo.suggestions_with_status(judged)
    decisions = repo.latest_decisions([s.id for s in suggestions])
    records = repo.records_by_id(s.record_id for s in suggestions)
    for s in suggestions:
        record, decision = records[s.record_id], decisions.get(s.id)
        base = {
            "record": record.id,
            "source_id": record.source_id,
            "field": s.field,
            "text": field_text(record, s.field),
            "start": s.span_start,
            "end": s.span_end,
            "kind": s.kind,
            "entity_type": s.entity_type,
            "enricher": s.enricher,
            "enricher_version": s.enricher_version,
            "score": s.score,
        }
        if s.status == SuggestionStatus.edited and decision is not None:
            yield base | {
                "label": decision.before.get("label"),
                "authority_uri": decision.before.get("authority_uri"),
                "polarity": "negative",
                "status": SuggestionStatus.edited,
            }
            yield base | {
                "label": s.label,
                "authority_uri": s.authority_uri,
                "polarity": "positive",
                "status": SuggestionStatus.edited,
            }
        else:
            yield base | {
                "label": s.label,
                "authority_uri": s.authority_uri,
                "status": s.status,
                "polarity": "positive" if s.status == SuggestionStatus.accepted else "negative",
            }


RECORD_URI = re.compile(r"/records/(\d+)#(.+)$")
GENERATOR = re.compile(r"/ (?P<name>\S+) (?P<version>\S+)$")


def import_annotations(repo: Repo, items: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    """Store Web Annotations made by verrijk (here or elsewhere) as suggestions with their status.

    The record is found by collection and source id when the annotation carries them, else by the record URI.
    Returns (created, already present, problems); a problem names the annotation and what is wrong.
    """
    created = present = 0
    problems: list[str] = []
    for a in items:
        where = a.get("id", "annotation without id")
        try:
            record, field = _record_of(repo, a["target"])
            body = a["body"]
            label = body.get("label") or body.get("value")
            generator = GENERATOR.search(a["generator"]["name"])
            enricher, version = (generator["name"], generator["version"]) if generator else ("import", "1")
            selector = a["target"].get("selector", {})
            proposal = Proposal(
                SuggestionKind(KINDS.get(a["motivation"], "tag")),
                label,
                float(a["verrijk:score"]),
                selector.get("start"),
                selector.get("end"),
                body.get("id"),
                entity_type=a.get("verrijk:entityType"),
            )
            if selector.get("type") == "FragmentSelector":
                _place(proposal, Fragment.parse(selector["value"]), record, field, a["target"])
        except (KeyError, TypeError, ValueError, LookupError) as exc:
            problems.append(f"{where}: {exc.__class__.__name__}: {exc}")
            continue
        key = suggestion_key(record.id, field, enricher, proposal)
        if repo.existing_keys([key]):
            present += 1
            continue
        suggestion = Suggestion(
            organisation_id=repo.org_id,
            record_id=record.id,
            key=key,
            field=field,
            span_start=proposal.start,
            span_end=proposal.end,
            region=proposal.region,
            time_start=proposal.time_start,
            time_end=proposal.time_end,
            extra=proposal.extra,
            kind=proposal.kind.value,
            entity_type=proposal.entity_type,
            label=label,
            authority_uri=proposal.authority_uri,
            score=proposal.score,
            enricher=enricher,
            enricher_version=version,
        )
        repo.add_suggestions([suggestion])
        status = a.get("verrijk:status", SuggestionStatus.suggested)
        if status != SuggestionStatus.suggested:
            decide(repo, suggestion, status, reason=f"imported from {where}", by_person=False)
        created += 1
    return created, present, problems


def record_field(target: dict[str, Any]) -> str:
    """The record field URI an annotation is about: the target's source, or its scope when the source is a medium."""
    return target.get("scope") or target["source"]


def _place(proposal: Proposal, fragment: Fragment, record: Record, field: str, target: dict[str, Any]) -> None:
    """A FragmentSelector back in a suggestion's terms: a time span, a region in percent (kept as the selector),
    or a region in the image's pixels (from the canvas's, when the target is a IIIF Canvas)."""
    if fragment.region is None:
        proposal.time_start, proposal.time_end = fragment.start, fragment.end
    elif fragment.percent:
        proposal.extra["selector"] = fragment.value
    else:
        source, medium = target.get("source"), medium_of(record, field)
        canvas = canvas_of(record, medium) if medium is not None and isinstance(source, dict) else None
        if canvas is not None and source.get("type") == "Canvas":
            fx, fy = canvas[1]
            fragment = fragment.scaled(1 / fx, 1 / fy)
        proposal.region = [int(v) for v in fragment.region]  # type: ignore[union-attr]


def _record_of(repo: Repo, target: dict[str, Any]) -> tuple[Record, str]:
    where = record_field(target)
    match = RECORD_URI.search(where)
    if not match:
        raise ValueError(f"target {where!r} is not a verrijk record URI with a #field")
    if target.get("verrijk:collection") and target.get("verrijk:sourceId"):
        collection = repo.collection(target["verrijk:collection"])
        return repo.record_by_source_id(collection, target["verrijk:sourceId"]), match.group(2)
    return repo.record(int(match.group(1))), match.group(2)

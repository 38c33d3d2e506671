"""A suggestion as a W3C Web Annotation (JSON-LD, http://www.w3.org/ns/anno.jsonld) with verrijk's provenance."""

from __future__ import annotations

from typing import Any

from verrijk import __version__
from verrijk.export.oslo import VERRIJK_NS
from verrijk.store.tables import Decision, Record, Suggestion

MOTIVATION = {
    "link": "linking",
    "entity": "identifying",
    "tag": "tagging",
    "subject": "classifying",
    "transcript": "describing",
}


def annotation(
    s: Suggestion, record: Record, decision: Decision | None, base_url: str, collection: str | None = None
) -> dict[str, Any]:
    record_uri = f"{base_url}/records/{record.id}"
    target: dict[str, Any] = {
        "type": "SpecificResource",
        "source": f"{record_uri}#{s.field}",
        "verrijk:sourceId": record.source_id,
    }
    if collection:
        target["verrijk:collection"] = collection
    if s.span_start is not None and s.span_end is not None:
        target["selector"] = {"type": "TextPositionSelector", "start": s.span_start, "end": s.span_end}
    elif s.region:
        target["selector"] = {
            "type": "FragmentSelector",
            "conformsTo": "http://www.w3.org/TR/media-frags/",
            "value": "xywh=" + ",".join(str(int(v)) for v in s.region),
        }
    elif s.time_start is not None:
        target["selector"] = {
            "type": "FragmentSelector",
            "conformsTo": "http://www.w3.org/TR/media-frags/",
            "value": f"t={s.time_start},{s.time_end or s.time_start}",
        }
    body: dict[str, Any] = (
        {"id": s.authority_uri, "type": "SpecificResource", "label": s.label}
        if s.authority_uri
        else {"type": "TextualBody", "value": s.label, "purpose": "tagging"}
    )
    doc: dict[str, Any] = {
        "@context": ["http://www.w3.org/ns/anno.jsonld", {"verrijk": VERRIJK_NS}],
        "id": f"{base_url}/annotations/{s.id}",
        "type": "Annotation",
        "motivation": MOTIVATION.get(s.kind, "describing"),
        "created": s.created_at.isoformat(),
        "generator": {
            "id": f"{base_url}/enrichers/{s.enricher}",
            "type": "Software",
            "name": f"verrijk {__version__} / {s.enricher} {s.enricher_version}",
        },
        "body": body,
        "target": target,
        "verrijk:score": s.score,
        "verrijk:status": s.status,
        "verrijk:enricher": s.enricher,
        "verrijk:enricherVersion": s.enricher_version,
    }
    if s.entity_type:
        doc["verrijk:entityType"] = s.entity_type
    if decision is not None and decision.user_id is not None:
        doc["creator"] = {"id": f"{base_url}/users/{decision.user_id}", "type": "Person"}
        doc["modified"] = decision.created_at.isoformat()
    if record.rights:
        doc["rights"] = record.rights
    return doc

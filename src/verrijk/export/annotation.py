"""A suggestion as a W3C Web Annotation (JSON-LD, http://www.w3.org/ns/anno.jsonld) with verrijk's provenance.

A suggestion on text targets the record's field with a TextPositionSelector. One on a medium targets the medium
itself (the image or recording's URL, or the IIIF Canvas that paints it) with a FragmentSelector conforming to Media
Fragments (`xywh=` in the image's or canvas's pixels, `t=` in seconds), and names the record's field as the
target's `scope`, the context the medium is shown in.
"""

from __future__ import annotations

from typing import Any

from verrijk import __version__
from verrijk.export.oslo import VERRIJK_NS
from verrijk.ingest.iiif import canvas_bodies
from verrijk.review.media import Fragment, medium_of, selector_of
from verrijk.store.tables import Decision, Media, Record, Suggestion

MOTIVATION = {
    "link": "linking",
    "entity": "identifying",
    "tag": "tagging",
    "subject": "classifying",
    "transcript": "describing",
}
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"
MEDIA_TYPES = {"image": "Image", "audio": "Sound", "video": "Video"}


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
    fragment = selector_of(s)
    if s.span_start is not None and s.span_end is not None:
        target["selector"] = {"type": "TextPositionSelector", "start": s.span_start, "end": s.span_end}
    elif fragment is not None:
        target |= media_target(record, record_uri, s.field, fragment)
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


def media_target(record: Record, record_uri: str, field: str, fragment: Fragment) -> dict[str, Any]:
    """The source, scope and FragmentSelector of a target on a record's medium: the medium (its web URL, verrijk's
    served copy, or its IIIF Canvas) is the source, the record's field the scope (the field stays the source when
    the record has no such medium)."""
    selector = {"type": "FragmentSelector", "conformsTo": MEDIA_FRAGMENTS, "value": fragment.value}
    medium = medium_of(record, field)
    if medium is None:
        return {"selector": selector}
    # a medium read from a server file is published as the copy verrijk serves: its path never leaves the server
    url = medium.url if medium.url.startswith(("http://", "https://")) else f"{record_uri}/media/{medium.position}"
    source: dict[str, Any] = {"id": url, "type": MEDIA_TYPES.get(medium.kind, "Dataset")}
    canvas = canvas_of(record, medium)
    if canvas is not None:
        source, (fx, fy) = canvas
        selector["value"] = fragment.scaled(fx, fy).value
    return {"source": source, "scope": f"{record_uri}#{field}", "selector": selector}


def canvas_of(record: Record, medium: Media) -> tuple[dict[str, Any], tuple[float, float]] | None:
    """The IIIF Canvas that paints the medium, for a record read from a manifest, and the factors from the image's
    pixels to the canvas's (1 when either size is unknown)."""
    manifest = record.raw or {}
    if manifest.get("type") != "Manifest":
        return None
    painted = list(canvas_bodies(manifest))
    if medium.position >= len(painted):
        return None
    canvas, body = painted[medium.position]
    if not canvas.get("id"):
        return None
    source = {"id": canvas["id"], "type": "Canvas", "partOf": [{"id": manifest.get("id"), "type": "Manifest"}]}
    width, height = body.get("width") or medium.width, body.get("height") or medium.height
    if width and height and canvas.get("width") and canvas.get("height"):
        return source, (canvas["width"] / width, canvas["height"] / height)
    return source, (1.0, 1.0)

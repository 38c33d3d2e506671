"""IIIF Presentation 3 input: manifests (label, summary, metadata, rights, canvases) into records with media."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from verrijk import fetch
from verrijk.ingest.base import IngestError, SourceItem

PREFERRED_LANGUAGES = ("nl", "none", "en", "fr", "de")
METADATA_FIELDS = {
    "creator": {
        "creator",
        "maker",
        "artist",
        "author",
        "vervaardiger",
        "maker(s)",
        "kunstenaar",
        "auteur",
        "créateur",
        "artiste",
        "urheber",
        "künstler",
    },
    "date": {"date", "datum", "datering", "dating", "created", "date created"},
    "place": {"place", "plaats", "location", "locatie", "lieu", "ort", "place of origin", "vervaardigingsplaats"},
    "subject": {"subject", "subjects", "onderwerp", "trefwoord", "sujet", "keywords"},
    "type": {"type", "object type", "objectnaam", "objecttype", "genre", "object name"},
    "language": {"language", "taal", "langue"},
}


def pick(value: Any) -> tuple[str, str | None]:
    """The text of a IIIF language map in the preferred language, and that language."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    if not isinstance(value, dict) or not value:
        return "", None
    for lang in (*PREFERRED_LANGUAGES, *value.keys()):
        texts = value.get(lang)
        if texts:
            return " ".join(str(t) for t in texts), (None if lang == "none" else lang)
    return "", None


def _all_values(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [str(t) for texts in value.values() for t in texts]
    return [str(value)] if value else []


def read_iiif(data: bytes, name: str) -> Iterator[SourceItem]:
    """The manifests of a IIIF Presentation 3 file (a manifest, a collection, or a list of them)."""
    yield from _items(_json(data, name), name, None)


def harvest_iiif(url: str, policy: fetch.Policy) -> Iterator[SourceItem]:
    """A IIIF Presentation 3 manifest or collection at a URL, and the manifests and collections it only
    references by id, each fetched through verrijk.fetch within the policy (a private host only when allowed)."""

    def resolve(location: str) -> Any:
        try:
            response = fetch.get(location, policy)
        except fetch.FetchError as exc:
            raise IngestError(f"cannot read IIIF document {location}: {exc}", status=exc.status) from None
        if response.status != 200:
            raise IngestError(f"IIIF document {location} answered HTTP {response.status}")
        return _json(response.content, location)

    yield from _items(resolve(url), url, resolve)


def _items(doc: Any, name: str, resolve: Callable[[str], Any] | None) -> Iterator[SourceItem]:
    docs = doc if isinstance(doc, list) else [doc]
    for number, manifest in enumerate(_manifests(docs, name, resolve, set()), start=1):
        yield manifest_item(manifest, f"{name}:manifest {number}")


def _json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{name}: not a JSON document: {exc}") from exc


def _manifests(docs: list[Any], name: str, resolve: Callable[[str], Any] | None, seen: set[str]) -> Iterator[dict]:
    for doc in docs:
        if not isinstance(doc, dict):
            raise IngestError(f"{name}: expected a IIIF manifest (a JSON object)")
        if "@type" in doc:
            raise IngestError(
                f"{name}: this is a IIIF Presentation 2 document ({doc.get('@type')}); "
                "verrijk reads Presentation 3 (convert it, e.g. with the IIIF upgrader)"
            )
        kind = doc.get("type")
        if resolve and kind in ("Manifest", "Collection") and "items" not in doc and isinstance(doc.get("id"), str):
            if doc["id"] in seen:
                continue
            seen.add(doc["id"])
            doc = resolve(doc["id"])  # referenced only: fetched (once, whatever loops the collections make)
            yield from _manifests([doc], doc.get("id", name) if isinstance(doc, dict) else name, resolve, seen)
        elif kind == "Collection":
            yield from _manifests(
                [m for m in doc.get("items", []) if m.get("type") in ("Manifest", "Collection")], name, resolve, seen
            )
        elif kind == "Manifest":
            yield doc
        else:
            raise IngestError(f"{name}: expected a IIIF Presentation 3 Manifest or Collection, found type {kind!r}")


def manifest_item(manifest: dict, location: str) -> SourceItem:
    if "items" not in manifest:
        return SourceItem(
            location,
            {"source_id": manifest.get("id")},
            problem=("items", "the manifest is only referenced here, not embedded; ingest its own file"),
        )
    title, language = pick(manifest.get("label"))
    summary, _ = pick(manifest.get("summary"))
    fields: dict[str, Any] = {
        "source_id": manifest.get("id"),
        "uri": (manifest.get("homepage") or [{}])[0].get("id") if manifest.get("homepage") else manifest.get("id"),
        "title": title,
        "description": summary,
        "rights": manifest.get("rights"),
        "language": language,
    }
    extra: dict[str, Any] = {}
    for entry in manifest.get("metadata", []):
        label, _ = pick(entry.get("label"))
        values = _all_values(entry.get("value"))
        target = next((f for f, names in METADATA_FIELDS.items() if label.strip().lower() in names), None)
        if target in ("creator", "place", "subject", "type"):
            fields.setdefault(target, []).extend(values)
        elif target and values and not fields.get(target):
            fields[target] = values[0]
        elif values:
            extra[label] = values if len(values) > 1 else values[0]
    statement = manifest.get("requiredStatement")
    if statement:
        extra["required_statement"] = pick(statement.get("value"))[0]
    if extra:
        fields["extra"] = extra
    return SourceItem(location, fields, raw=manifest, media=list(_canvas_media(manifest)))


def canvas_bodies(manifest: dict) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(canvas, body) for each medium a Presentation 3 manifest paints, in the order records keep their media."""
    for canvas in manifest.get("items", []):
        if canvas.get("type") != "Canvas":
            continue
        for page in canvas.get("items", []):
            for annotation in page.get("items", []):
                body = annotation.get("body") or {}
                bodies = body.get("items", []) if body.get("type") == "Choice" else [body]
                for b in bodies[:1]:
                    if b.get("id"):
                        yield canvas, b


def _canvas_media(manifest: dict) -> Iterator[dict[str, Any]]:
    for canvas, b in canvas_bodies(manifest):
        kind = {"Image": "image", "Sound": "audio", "Audio": "audio", "Video": "video"}.get(b.get("type"), "other")
        yield {
            "url": b["id"],
            "kind": kind,
            "label": pick(canvas.get("label"))[0],
            "width": b.get("width") or canvas.get("width"),
            "height": b.get("height") or canvas.get("height"),
            "duration": b.get("duration") or canvas.get("duration"),
        }

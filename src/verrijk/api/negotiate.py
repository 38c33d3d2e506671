"""Content negotiation for linked-data resources: ?format= wins, then the Accept header's first known type."""

from __future__ import annotations

from fastapi import Request

from verrijk.api.errors import Problem

MEDIA_TYPES = {
    "html": "text/html",
    "json": "application/json",
    "jsonld": "application/ld+json",
    "turtle": "text/turtle",
}
ACCEPTED = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "application/ld+json": "jsonld",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "*/*": "json",
    "application/*": "json",
}


def choose(request: Request, offered: tuple[str, ...]) -> str:
    asked = request.query_params.get("format")
    if asked is not None:
        if asked not in offered:
            raise Problem(422, f"query parameter 'format': {asked!r} is not one of {', '.join(offered)}")
        return asked
    header = request.headers.get("accept", "")
    if not header:
        return "json"
    ranked = []
    for position, part in enumerate(header.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = next((float(p[2:]) for p in params if p.startswith("q=") and _is_float(p[2:])), 1.0)
        ranked.append((-q, position, media.lower()))
    for _, _, media in sorted(ranked):
        fmt = ACCEPTED.get(media)
        if fmt in offered:
            return fmt
    raise Problem(
        406, f"none of the accepted types ({header}) is offered; offered: " + ", ".join(MEDIA_TYPES[f] for f in offered)
    )


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

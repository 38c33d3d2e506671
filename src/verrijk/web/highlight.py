"""Text with its mentions marked, each saying what was found and by which model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from markupsafe import Markup, escape


class Span(NamedTuple):
    start: int
    end: int
    kind: str  # css class: per, loc, org, misc, date, ...
    title: str  # what the reader sees on hover: type, label, score, model


def mark_spans(text: str, spans: Iterable[Span]) -> Markup:
    """Escaped text with <mark> around every span; a span overlapping an earlier one is left out."""
    parts, position = [], 0
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if s.start < position or s.end > len(text) or s.start >= s.end:
            continue
        parts.append(escape(text[position : s.start]))
        parts.append(
            Markup('<mark class="entity {}" title="{}">{}</mark>').format(s.kind, s.title, text[s.start : s.end])
        )
        position = s.end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def highlight(text: str, suggestions, field: str) -> Markup:
    """A record field with the spans of its suggestions marked."""
    return mark_spans(
        text,
        (
            Span(
                s.span_start,
                s.span_end,
                (s.entity_type or s.kind).lower(),
                f"{s.entity_type or s.kind}: {s.label} · {s.score:.2f} · {s.enricher} {s.enricher_version}",
            )
            for s in suggestions
            if s.field == field and s.span_start is not None and s.span_end is not None
        ),
    )


def highlight_entities(text: str, entities) -> Markup:
    """A text analysed on the fly (verrijk.enrich.text.analysis.Entity) with its mentions marked."""
    return mark_spans(
        text,
        (
            Span(
                e.mention.start,
                e.mention.end,
                e.mention.type.lower(),
                f"{e.mention.type} · {e.mention.score:.2f}"
                + (f" → {e.link.entry.label} ({e.link.score:.2f})" if e.link else " → NIL"),
            )
            for e in entities
        ),
    )

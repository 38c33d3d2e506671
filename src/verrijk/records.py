"""What a record says in words: the texts enrichers, search and training data read, built from its fields.

Works on anything with a record's fields (the store's rows, ingest's dictionaries turned objects, test doubles),
so every layer can use it without importing the store.
"""

from __future__ import annotations

from typing import Protocol


class RecordFields(Protocol):
    title: str | None
    description: str | None
    creator: list[str]
    place: list[str]
    subject: list[str]


def record_text(title: str | None, description: str | None) -> str:
    """A record's title and description as one text, the title left out when the description repeats it: what
    subject suggesters read (and were trained on)."""
    title, description = (title or "").strip(), (description or "").strip()
    if title and description.startswith(title):
        return description
    return ". ".join(t for t in (title.rstrip("."), description) if t)


def index_text(record: RecordFields, labels: list[str]) -> str:
    """What search indexes of a record: title, description, creators, places, subjects and published labels."""
    parts = [record.title, record.description, *record.creator, *record.place, *record.subject, *labels]
    return "\n".join(p for p in parts if p)


def field_text(record: object, field: str) -> str | None:
    """The text a suggestion's field points into: "title", or "creator.2" for the third creator; None when the
    record has no such text."""
    name, _, index = field.partition(".")
    value = getattr(record, name, None)
    if index.isdigit() and isinstance(value, list):
        value = value[int(index)] if int(index) < len(value) else None
    return value if isinstance(value, str) else None

"""The values entity linking passes around: authority entries, candidates, the context of a mention, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verrijk.errors import AuthorityFormatError, UnknownAuthority

__all__ = [
    "ENTITY_TYPES",
    "AuthorityFormatError",
    "Candidate",
    "Entry",
    "LinkContext",
    "LinkResult",
    "UnknownAuthority",
]

ENTITY_TYPES = ("PER", "LOC", "ORG", "MISC", "CONCEPT")


@dataclass(frozen=True)
class Entry:
    """One concept, person or place of an authority."""

    uri: str
    label: str
    alt_labels: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    description: str = ""
    # population, country, lat, lon, notation, broader (list of uris), born, died, wikidata/rkd/viaf uris,
    # labels per language {"nl": [...], "fr": [...]}
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def names(self) -> tuple[str, ...]:
        """Preferred label first, then the alternatives, without repeats."""
        return tuple(dict.fromkeys((self.label, *self.alt_labels)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "label": self.label,
            "alt_labels": list(self.alt_labels),
            "types": list(self.types),
            "description": self.description,
            "properties": self.properties,
        }


@dataclass(frozen=True)
class Candidate:
    """An entry proposed for a mention, with a calibrated score (0.9: right nine times in ten)."""

    entry: Entry
    authority: str
    score: float
    match: str  # the alias that matched
    features: dict[str, float] = field(default_factory=dict, hash=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "uri": self.entry.uri,
            "label": self.entry.label,
            "types": list(self.entry.types),
            "authority": self.authority,
            "score": round(self.score, 4),
            "match": self.match,
        }


@dataclass(frozen=True)
class LinkContext:
    """What is known around a mention: the text, the record's other mentions, its dates, country and language."""

    text: str = ""
    mentions: tuple[tuple[str, str | None], ...] = ()  # (surface form, entity type) of the record's other entities
    year_from: int | None = None
    year_to: int | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 of the collection, when known
    language: str | None = None


@dataclass(frozen=True)
class LinkResult:
    candidates: list[Candidate]
    link: Candidate | None  # None: NIL, no entry of the authorities is meant

    @property
    def is_nil(self) -> bool:
        return self.link is None

"""The Enricher interface every model sits behind, what it reads and proposes, and the rights policy that gates it.

Enrichers are built by the registry (verrijk.enrich.registry) from their parameters and context; an instance
is ready to enrich as soon as it exists."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from verrijk.domain import SuggestionKind, is_in_copyright


@dataclass(frozen=True)
class Item:
    """One piece of a record an enricher reads: a text field, or a medium by URL."""

    record_id: int
    field: str  # "title", "description", "creator", "media:0", ...
    kind: str  # "text", "image", "audio", "video"
    text: str | None = None
    url: str | None = None
    language: str | None = None
    rights: str | None = None
    years: tuple[int | None, int | None] = (None, None)  # the record's date range: context for linking


@dataclass
class Proposal:
    """What an enricher suggests for an item; the pipeline stores it with the enricher's name and version."""

    kind: SuggestionKind
    label: str
    score: float
    start: int | None = None
    end: int | None = None
    authority_uri: str | None = None
    entity_type: str | None = None  # PER, LOC, ORG, MISC, DATE
    region: list[float] | None = None
    time_start: float | None = None
    time_end: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Enricher(ABC):
    """Annif-style: `enrich` validates and batches; each backend implements `_enrich`."""

    name: ClassVar[str]
    version: str  # a class attribute, or set per instance when it names the models the instance loaded
    accepts: ClassVar[frozenset[str]]
    # True when the enricher copies or transcribes the content itself (speech to text, OCR, image tagging):
    # such enrichers never read in-copyright items unless the organisation allows it by name.
    reads_protected_content: ClassVar[bool] = False

    def enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        wrong = [i for i in items if i.kind not in self.accepts]
        if wrong:
            raise ValueError(f"{self.name} reads {sorted(self.accepts)}, not {wrong[0].kind} ({wrong[0].field})")
        results = self._enrich(items)
        if len(results) != len(items):
            raise RuntimeError(f"{self.name} returned {len(results)} results for {len(items)} items")
        for proposals in results:
            for p in proposals:
                if not 0.0 <= p.score <= 1.0:
                    raise RuntimeError(f"{self.name} gave score {p.score} outside 0..1")
        return results

    @classmethod
    def create(cls, params: dict[str, Any], context: Any) -> Enricher:
        """The registry's factory for an enricher that is a plain class: its parameters become keyword arguments.
        Enrichers that need the organisation's store or the settings override this (context: EnricherContext)."""
        return cls(**params)

    @abstractmethod
    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]: ...


def permitted(enricher: Enricher, item: Item, org_settings: dict[str, Any]) -> bool:
    """The rights gate: may this enricher read this item for this organisation?"""
    if not enricher.reads_protected_content:
        return True
    allowed = set(org_settings.get("allow_in_copyright", []))
    protected = is_in_copyright(item.rights or "") or (
        org_settings.get("treat_unknown_rights_as_protected", False)
        and (item.rights is None or any(s in item.rights for s in ("/CNE/", "/UND/")))
    )
    return not protected or enricher.name in allowed


def suggestion_key(record_id: int, field: str, enricher: str, p: Proposal) -> str:
    """Idempotency key: the same enricher suggesting the same thing at the same place is stored once."""
    parts = [
        record_id,
        field,
        enricher,
        p.kind,
        p.label,
        p.authority_uri,
        p.start,
        p.end,
        p.region,
        p.time_start,
        p.time_end,
    ]
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()

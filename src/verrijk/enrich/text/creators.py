"""link.creators: links the names in a record's creator field to a person authority (the shared VKC creators).

It goes the same way as every other link: the authority's alias index (name forms, inverted "Surname,
Forename", initials, particles, OCR-tolerant fuzzy keys) and the calibrated linker, with the record's dates as
context. Only the structured creator field is read, never free text; a name no entry fits gets no suggestion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Enricher, Item, Proposal
from verrijk.enrich.registry import EnricherContext
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.model import LinkContext
from verrijk.enrich.text.linking.store import open_index

CODE_VERSION = "link.creators-3"


class CreatorFieldLinker(Enricher):
    """A record's creator names linked to a person authority; the other candidates go along for the reviewer."""

    name = "link.creators"
    accepts = frozenset({"text"})

    def __init__(self, linker: Linker, min_score: float | None = None):
        self.linker = linker
        self.min_score = linker.model.threshold_for("PER") if min_score is None else min_score
        self.version = CODE_VERSION + "+" + ",".join(f"{i.name}@{i.version[:12]}" for i in linker.indexes)

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        return [self._link(item) if item.field.startswith("creator.") and item.text else [] for item in items]

    def _link(self, item: Item) -> list[Proposal]:
        context = LinkContext(year_from=item.years[0], year_to=item.years[1])
        candidates = self.linker.candidates(item.text, "PER", context)[: self.linker.limit]
        if not candidates or candidates[0].score < self.min_score:
            return []
        best = candidates[0]
        others = [{"uri": c.entry.uri, "label": c.entry.label, "score": round(c.score, 4)} for c in candidates[1:]]
        extra = {"mention": item.text, "authority": best.authority, "alternatives": others}
        score = round(best.score, 4)
        return [
            Proposal(
                SuggestionKind.link, best.entry.label, score, 0, len(item.text), best.entry.uri, "PER", extra=extra
            )
        ]


def create(params: dict[str, Any], context: EnricherContext) -> CreatorFieldLinker:
    """The registry's factory: the named authority as the organisation sees it (its own, else the shared one)."""
    index = open_index(context.repo.session, context.repo.org_id, params["authority"])
    return CreatorFieldLinker(Linker([index]), params["min_score"])

"""The text pipeline a media enricher runs on the text it read or heard (image.ocr's lines, audio.transcript's
words): the organisation's language detection, NER and linking, built once from the enricher's `entities`
parameter and the organisation's configuration, and each entity found handed back with the pieces of the medium
(words with a box or a time) its mention spans."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from verrijk.enrich.base import Proposal
from verrijk.enrich.text.analysis import TextAnalyser, TextIn
from verrijk.enrich.text.entities import Piece, placed, proposals_of
from verrijk.enrich.text.language import SUPPORTED
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.model import LinkContext
from verrijk.enrich.text.service import organisation_analyser


@dataclass(frozen=True)
class MediaText:
    """A media enricher's text pipeline: the analyser (None when its `entities` is off), the linker behind it, and
    the link context (the organisation's country)."""

    analyser: TextAnalyser | None = None
    linker: Linker | None = None
    context: LinkContext = field(default_factory=LinkContext)

    def entities(
        self,
        text: str,
        language: str | None,
        pieces: Sequence[tuple[int, int, Piece]],
        refine: Callable[[list[Proposal]], list[Proposal]] | None = None,
    ) -> list[tuple[Proposal, list[Piece]]]:
        """Entities and links in `text` (in `language` when verrijk reads it, else detected), each with the pieces
        its mention spans (`refine` may change the proposals first); none when the pipeline is off."""
        if self.analyser is None or not text:
            return []
        analysis = self.analyser.analyse([TextIn(text, language if language in SUPPORTED else None, self.context)])
        found = proposals_of(analysis[0])
        return list(placed(refine(found) if refine else found, pieces))


def media_text(params: dict[str, Any], context: Any) -> MediaText:
    """A media enricher's text pipeline from its parameters (the `entities` switch, taken out of them) and its
    organisation (the models and authorities of its `ner` enricher, its country)."""
    wanted = params.pop("entities")
    analyser, linker = organisation_analyser(context.repo, context.settings) if wanted else (None, None)
    return MediaText(analyser, linker, LinkContext(country=context.organisation_settings.get("country")))

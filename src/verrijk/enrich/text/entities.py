"""The `ner` enricher: named entities in a record's free text, linked to the organisation's authorities.

A linked mention becomes a `link` suggestion (the authority's label and URI); a mention no entry fits (NIL)
becomes an `entity` suggestion with the words themselves, so a cataloger can still add it to an authority.
Its score is the chance that the suggestion is right: the recogniser's precision for the mention's type times
the linker's calibrated score.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Enricher, Item, Proposal
from verrijk.enrich.registry import EnricherContext
from verrijk.enrich.text.analysis import Analysis, TextAnalyser, TextIn
from verrijk.enrich.text.dates import parse_date
from verrijk.enrich.text.language import SUPPORTED
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.model import LinkContext
from verrijk.enrich.text.linking.store import open_index

Piece = TypeVar("Piece")


def analyser_for(
    session: Session,
    org_id: int,
    settings: Settings,
    authorities: list[str] | None = None,
    models: dict[str, str] | None = None,
):
    """The text pipeline with the given models (per language; the deployment's for languages left out), linking
    to the given (or the deployment's) authorities.

    Raises UnknownAuthority for a name the organisation cannot read."""
    names = settings.link_authorities if authorities is None else authorities
    linker = Linker([open_index(session, org_id, name) for name in names]) if names else None
    analyser = TextAnalyser(
        {**settings.ner_models, **(models or {})}, settings.models_dir, linker.link if linker else None
    )
    return analyser, linker


def pipeline_version(analyser: TextAnalyser, linker: Linker | None, languages: list[str] | None = None) -> str:
    """What made a suggestion: the routed models (all, or those of `languages`) and the authorities the linker
    reads, each with the (shortened) content hash of its loaded data."""
    link = ",".join(f"{index.name}@{index.version[:12]}" for index in linker.indexes) if linker else ""
    return analyser.version(languages) + (f";link={link}" if link else "")


def proposals_of(analysis: Analysis) -> list[Proposal]:
    proposals = []
    for entity in analysis.entities:
        m = entity.mention
        extra = {"mention": m.text, "language": analysis.language.language}
        if m.type == "DATE" and (date := parse_date(m.text)):
            extra["edtf"] = date.edtf
        if entity.link:
            entry = entity.link.entry
            proposals.append(
                Proposal(
                    SuggestionKind.link,
                    entry.label,
                    round(m.score * entity.link.score, 4),
                    m.start,
                    m.end,
                    entry.uri,
                    entity_type=m.type,
                    extra={**extra, "authority": entity.link.authority},
                )
            )
        else:
            proposals.append(
                Proposal(SuggestionKind.entity, m.text, m.score, m.start, m.end, None, m.type, extra=extra)
            )
    return proposals


def placed(
    proposals: list[Proposal], pieces: Sequence[tuple[int, int, Piece]]
) -> Iterator[tuple[Proposal, list[Piece]]]:
    """Each proposal with the pieces of a medium's text (a recording's words, an image's words) its mention
    overlaps, given each piece's character span in the analysed text; the mention's offsets move to
    extra["offsets"], as the place in the medium (a time, a region) is what locates it. A proposal that overlaps
    no piece is left out."""
    for p in proposals:
        covered = [piece for start, end, piece in pieces if start < (p.end or 0) and end > (p.start or 0)]
        if covered:
            p.extra["offsets"] = [p.start, p.end]
            p.start = p.end = None
            yield p, covered


class EntityEnricher(Enricher):
    """Named entities in a record's free text, linked to the organisation's authorities (or NIL)."""

    name = "ner"
    accepts = frozenset({"text"})

    def __init__(
        self, analyser: TextAnalyser, linker: Linker | None, fields: Sequence[str], country: str | None = None
    ) -> None:
        self.analyser, self.fields, self.country = analyser, frozenset(fields), country  # country: ISO 3166-1
        self.version = pipeline_version(analyser, linker)

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        wanted = [i for i, item in enumerate(items) if item.field in self.fields and item.text]
        inputs = [
            TextIn(
                items[i].text,
                items[i].language if items[i].language in SUPPORTED else None,
                LinkContext(year_from=items[i].years[0], year_to=items[i].years[1], country=self.country),
            )
            for i in wanted
        ]
        results: list[list[Proposal]] = [[] for _ in items]
        for i, analysis in zip(wanted, self.analyser.analyse(inputs), strict=True):
            results[i] = proposals_of(analysis)
        return results


def create(params: dict[str, Any], context: EnricherContext) -> EntityEnricher:
    """The registry's factory: the organisation's authorities and models, or the deployment's."""
    repo = context.repo
    analyser, linker = analyser_for(
        repo.session, repo.org_id, context.settings, params["authorities"], params["models"]
    )
    return EntityEnricher(analyser, linker, params["fields"], context.organisation_settings.get("country"))

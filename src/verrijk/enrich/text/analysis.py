"""The text pipeline behind POST /enrich and the `ner` enricher: language -> named entities -> authority links.

Each text is routed by its language (given, or detected) to that language's recogniser; every person, place and
organisation it finds is handed to the linker with the text and the other mentions as context. A language
without a configured model still gets its language detected, with no entities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from verrijk.enrich.loading import once
from verrijk.enrich.text.language import Detected, detect_many
from verrijk.enrich.text.linking.model import Candidate, LinkContext
from verrijk.enrich.text.ner.backends import Mention, Recogniser, load_recogniser

LINKED_TYPES = frozenset({"PER", "LOC", "ORG"})
Link = Callable[[str, str | None, LinkContext], Any]  # Linker.link: (mention, type, context) -> LinkResult


@dataclass
class Entity:
    mention: Mention
    candidates: list[Candidate] = field(default_factory=list)
    link: Candidate | None = None

    def as_dict(self) -> dict[str, Any]:
        m = self.mention
        return {
            "start": m.start,
            "end": m.end,
            "text": m.text,
            "type": m.type,
            "score": m.score,
            "candidates": [c.as_dict() for c in self.candidates],
            "link": self.link.as_dict() if self.link else None,
        }


@dataclass
class Analysis:
    language: Detected
    entities: list[Entity]


@dataclass(frozen=True)
class TextIn:
    text: str
    language: str | None = None  # given by the caller or the record; detected when None
    context: LinkContext = field(default_factory=LinkContext)


@once(maxsize=8)
def _recogniser(spec: str, models_dir: Path) -> Recogniser:
    return load_recogniser(spec, models_dir)


class TextAnalyser:
    """Languages routed to recognisers (loaded once per process), mentions linked by `link` when given."""

    def __init__(self, models: dict[str, str], models_dir: Path, link: Link | None = None):
        self.models, self.models_dir, self.link = dict(models), models_dir, link

    def recogniser(self, language: str) -> Recogniser | None:
        spec = self.models.get(language)
        return _recogniser(spec, self.models_dir) if spec else None

    def version(self, languages: Sequence[str] | None = None) -> str:
        """The routed models' names and versions (all, or those of `languages`): what made a suggestion."""
        parts = []
        for language in sorted(set(self.models if languages is None else languages) & set(self.models)):
            r = self.recogniser(language)
            parts.append(f"{language}={r.name}@{r.version}")
        return ";".join(parts)

    def analyse(self, inputs: Sequence[TextIn]) -> list[Analysis]:
        unknown = [i for i, t in enumerate(inputs) if not t.language]
        detected = dict(zip(unknown, detect_many([inputs[i].text for i in unknown]), strict=True))
        languages = [Detected(t.language, 1.0) if t.language else detected[i] for i, t in enumerate(inputs)]
        mentions: list[list[Mention]] = [[] for _ in inputs]
        for language in {d.language for d in languages}:
            recogniser = self.recogniser(language)
            if recogniser is None:
                continue
            positions = [i for i, d in enumerate(languages) if d.language == language]
            for i, found in zip(positions, recogniser.recognise([inputs[i].text for i in positions]), strict=True):
                mentions[i] = found
        return [
            Analysis(language, self._link(text, found))
            for text, language, found in zip(inputs, languages, mentions, strict=True)
        ]

    def _link(self, text: TextIn, mentions: list[Mention]) -> list[Entity]:
        entities = [Entity(m) for m in mentions]
        if self.link is None:
            return entities
        others = tuple((m.text, m.type) for m in mentions)
        context = replace(text.context, text=text.text, mentions=others)
        for entity in entities:
            if entity.mention.type in LINKED_TYPES:
                result = self.link(entity.mention.text, entity.mention.type, context)
                entity.candidates, entity.link = list(result.candidates), result.link
        return entities

"""subjects.demo and subjects.iconclass: subject concepts suggested for a record from its title and description.

A record's title and description are read together (one text per record, as the models were trained), and the
suggestions are attached to its title item (the description when it has no title), so each record gets one list.
Concepts the record already carries in its subject field are not suggested again. Models load once per process,
on first use: constructing the enricher costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Enricher, Item, Proposal
from verrijk.enrich.loading import once
from verrijk.enrich.models import active_trained
from verrijk.enrich.registry import EnricherContext
from verrijk.enrich.text.subjects.base import Encoder, use_encoder
from verrijk.enrich.text.subjects.bundle import MODEL_VERSION, SubjectModel, load_model
from verrijk.enrich.text.subjects.lexical import LexicalBackend
from verrijk.enrich.text.subjects.trained import KnnBackend, LinearBackend
from verrijk.enrich.text.subjects.vocab import DEMO_TTL, Vocabulary, demo_vocabulary, iconclass_vocabulary
from verrijk.folding import fold
from verrijk.records import record_text

BACKENDS_VERSION = "+".join(f"{b.name}-{b.version}" for b in (LexicalBackend, KnnBackend, LinearBackend))


@once(maxsize=1)
def shared_encoder() -> Encoder:
    return use_encoder()


def open_model(name: str, directory: Path) -> SubjectModel:
    """The model for a vocabulary ("demo" or "iconclass") saved in a directory (models_dir/subjects, or a version
    trained from decisions)."""
    vocabulary = demo_vocabulary(directory / DEMO_TTL.name) if name == "demo" else iconclass_vocabulary()
    return load_model(name, vocabulary, shared_encoder(), directory)


@once(maxsize=4)
def shared_model(name: str, directory: Path) -> SubjectModel:
    """open_model, once per process."""
    return open_model(name, directory)


@dataclass
class _Record:
    title: str | None = None
    description: str | None = None
    at: int | None = None  # index of the item the suggestions are attached to
    language: str | None = None
    existing: set[str] = field(default_factory=set)  # folded subject values the record already has


class SubjectEnricher(Enricher):
    """Ensemble of lexical label matching, nearest labelled records and per-concept logistic regression."""

    model_name: ClassVar[str]
    accepts = frozenset({"text"})

    def __init__(
        self, models_dir: Path, limit: int = 5, model: SubjectModel | None = None, trained_dir: Path | None = None
    ):
        """The shipped model under models_dir/subjects, or the active version trained from decisions (trained_dir:
        the enricher's version then names it)."""
        self.limit, self._model = limit, model
        trained = active_trained(trained_dir, "subjects") if trained_dir is not None else None
        self.directory = trained[1] if trained else models_dir / "subjects"
        if trained:
            self.version = f"{self.version}+{trained[0]}"

    @property
    def model(self) -> SubjectModel:
        if self._model is None:
            self._model = shared_model(self.model_name, self.directory)
        return self._model

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        records: dict[int, _Record] = {}
        for i, item in enumerate(items):
            record = records.setdefault(item.record_id, _Record(language=item.language))
            if item.field in ("title", "description") and item.text:
                setattr(record, item.field, item.text)
                if record.at is None or item.field == "title":
                    record.at = i
            elif item.field.startswith("subject.") and item.text:
                record.existing.add(fold(item.text))
        results: list[list[Proposal]] = [[] for _ in items]
        readable = [r for r in records.values() if r.at is not None]
        for language in sorted({r.language or "" for r in readable}):
            group = [r for r in readable if (r.language or "") == language]
            for record, proposals in zip(group, self._propose(group, language or None), strict=True):
                results[record.at] = proposals  # type: ignore[index]
        return results

    def _propose(self, records: list[_Record], language: str | None) -> list[list[Proposal]]:
        model, vocabulary = self.model, self.model.vocabulary
        ensemble = model.ensemble()
        threshold = model.thresholds.get("ensemble", 0.0)
        texts = [record_text(r.title, r.description) for r in records]
        out = []
        for record, (combined, members) in zip(records, ensemble.explained_scores(texts, language), strict=True):
            proposals = []
            for suggestion in ensemble.ranked(combined, self.limit + len(record.existing), language):
                if len(proposals) == self.limit or suggestion.score < threshold:
                    break
                if _already_has(vocabulary, suggestion.uri, record.existing):
                    continue
                concept = vocabulary.get(suggestion.uri)
                by_backend = {
                    m.name: round(s.get(suggestion.uri, 0.0), 4) for m, s in zip(ensemble.members, members, strict=True)
                }
                proposals.append(
                    Proposal(
                        SuggestionKind.subject,
                        suggestion.label,
                        suggestion.score,
                        authority_uri=suggestion.uri,
                        extra={
                            "vocabulary": vocabulary.name,
                            "notation": concept.notation if concept else None,
                            "backends": by_backend,
                        },
                    )
                )
            out.append(proposals)
        return out


def _already_has(vocabulary: Vocabulary, uri: str, existing: set[str]) -> bool:
    if not existing:
        return False
    concept = vocabulary.get(uri)
    names = {fold(uri)} | ({fold(text) for _, text, _ in concept.all_labels()} if concept else set())
    if concept and concept.notation:
        names.add(fold(concept.notation))
    return bool(names & existing)


class DemoSubjects(SubjectEnricher):
    """Subject terms of the demo collection's own vocabulary (models/subjects/demo-subjects.ttl)."""

    name = "subjects.demo"
    version = f"{BACKENDS_VERSION}+demo-subjects-model-{MODEL_VERSION}"
    model_name = "demo"


class IconclassSubjects(SubjectEnricher):
    """Iconclass notations; labels in the record's language where Iconclass has one (no Dutch: English then)."""

    name = "subjects.iconclass"
    version = f"{BACKENDS_VERSION}+iconclass-model-{MODEL_VERSION}"
    model_name = "iconclass"


def create_demo(params: dict[str, Any], context: EnricherContext) -> DemoSubjects:
    return DemoSubjects(context.settings.models_dir, params["limit"], trained_dir=context.settings.trained_dir)


def create_iconclass(params: dict[str, Any], context: EnricherContext) -> IconclassSubjects:
    return IconclassSubjects(context.settings.models_dir, params["limit"], trained_dir=context.settings.trained_dir)

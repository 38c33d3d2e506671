"""Reviews simulated from gold labels, for the learning-loop test, the active-learning measurement and the
notebooks: what a reviewer decides on a subject model's suggestions for records whose subjects are known."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from verrijk.enrich.text.subjects.bundle import SubjectModel
from verrijk.enrich.text.subjects.data import LabelledRecord
from verrijk.learning.examples import Example
from verrijk.learning.subjects import ranked_concepts


@dataclass(frozen=True)
class Reviewed:
    """One suggestion and what the reviewer made of it: accepted, rejected, or edited into another concept (its
    examples: the suggestion right or wrong, and for an edit the concept it became, right)."""

    score: float
    examples: tuple[Example, ...]


def review_suggestions(
    model: SubjectModel, records: Sequence[LabelledRecord], renamed: dict[str, str] | None = None, limit: int = 5
) -> list[Reviewed]:
    """Each record's suggestions (its `limit` best at or above the ensemble threshold) judged against its gold
    subjects: a gold concept is accepted, another is edited into a gold concept the model missed (rejected when
    none is left). `renamed` (concept slug -> slug) is an organisation's own practice: every suggestion of the
    first is edited into the second."""
    texts = [r.text for r in records]
    ranked = ranked_concepts(model, texts)
    threshold = model.thresholds.get("ensemble", 0.0)
    out = []
    for i, record in enumerate(records):
        gold = set(record.gold(model.vocabulary))
        proposed = [(uri, score) for uri, score in ranked[record.text][:limit] if score >= threshold]
        missing = sorted(gold - {uri for uri, _ in proposed})
        for uri, score in proposed:
            said = Example(i, "subject", record.text, None, None, None, "", uri, "subjects.demo", uri in gold)
            slug = uri.rsplit("/", 1)[-1]
            if renamed and slug in renamed:
                edited = replace(said, uri=uri[: -len(slug)] + renamed[slug], right=True)
                out.append(Reviewed(score, (replace(said, right=False), edited)))
            elif not said.right and missing:
                out.append(Reviewed(score, (said, replace(said, uri=missing.pop(), right=True))))
            else:
                out.append(Reviewed(score, (said,)))
    return out


def examples_of(reviewed: Sequence[Reviewed]) -> list[Example]:
    return [e for r in reviewed for e in r.examples]

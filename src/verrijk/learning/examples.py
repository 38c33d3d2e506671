"""Review decisions as labelled examples (the export's training feedback), split by record into a part to train
on and a held-out part to score on, and the agreement of a model with the reviewers on them."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from verrijk.export.annotations import feedback
from verrijk.records import record_text
from verrijk.store.repo import Repo

HELD_OUT_SHARE = 3  # one record in three is held out


@dataclass(frozen=True)
class Example:
    """One judged suggestion: right (accepted, or what an edit made of it) or wrong (rejected, or an edit's before)."""

    record: int
    kind: str  # entity, link, subject
    text: str  # the field's text (entities, links) or the record's title and description (subjects)
    start: int | None
    end: int | None
    entity_type: str | None
    label: str
    uri: str | None
    enricher: str
    right: bool


def is_held_out(record_id: int) -> bool:
    """The deterministic held-out third: a hash of the record's id, so one record's decisions stay together."""
    return zlib.crc32(f"record-{record_id}".encode()) % HELD_OUT_SHARE == 0


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(train, held out)."""
    return [e for e in examples if not is_held_out(e.record)], [e for e in examples if is_held_out(e.record)]


def decision_examples(repo: Repo, kind: str, enrichers: Iterable[str] | None = None) -> list[Example]:
    """The organisation's judged suggestions of one kind (optionally of some enrichers) as examples."""
    wanted = set(enrichers) if enrichers is not None else None
    rows = [r for r in feedback(repo) if r["kind"] == kind and (wanted is None or r["enricher"] in wanted)]
    records = repo.records_by_id({r["record"] for r in rows}) if kind == "subject" else {}
    out = []
    for r in rows:
        if kind == "subject":
            record = records[r["record"]]
            text = record_text(record.title, record.description)
        else:
            text = r["text"] or ""
        out.append(
            Example(
                r["record"],
                kind,
                text,
                r["start"],
                r["end"],
                r["entity_type"],
                r["label"] or "",
                r["authority_uri"],
                r["enricher"],
                r["polarity"] == "positive",
            )
        )
    return out


def agreement(examples: Sequence[Example], predicts: Callable[[Sequence[Example]], list[bool]]) -> dict[str, float]:
    """How far a model agrees with the reviewers: it should propose what they accepted and not what they rejected.
    Precision, recall and F1 with accepted as positives, accuracy over all decisions."""
    predicted = predicts(examples) if examples else []
    tp = sum(p and e.right for p, e in zip(predicted, examples, strict=True))
    fp = sum(p and not e.right for p, e in zip(predicted, examples, strict=True))
    fn = sum(not p and e.right for p, e in zip(predicted, examples, strict=True))
    agree = sum(p == e.right for p, e in zip(predicted, examples, strict=True))
    return {
        "f1": round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
        "accuracy": round(agree / len(examples), 4) if examples else 0.0,
        "decisions": len(examples),
    }

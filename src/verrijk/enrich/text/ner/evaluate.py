"""Entity-level scoring of a named-entity recogniser on gold CoNLL sentences (seqeval, strict IOB2).

The recogniser sees the gold tokenisation, never its own: a spaCy pipeline gets a ``Doc`` built from the gold
words and only its components run. Scores are then about recognition, not about tokeniser agreement, and they
are comparable with published CoNLL figures (exact span and type match, micro-averaged).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from verrijk.enrich.text.ner.conll import LabelMap, Sentence, normalise_tags, spans_to_tags

Tagger = Callable[[list[str]], list[str]]
"""Any recogniser as a function: words -> one IOB2 tag per word."""


def spacy_tagger(nlp: Any, batch_size: int = 256) -> Callable[[Sequence[list[str]]], list[list[str]]]:
    """Batch tagger around a spaCy Language that keeps the given tokens (no tokeniser run)."""
    from spacy.tokens import Doc

    def tag(batch: Sequence[list[str]]) -> list[list[str]]:
        docs = (Doc(nlp.vocab, words=words) for words in batch)
        return [
            spans_to_tags(len(doc), ((e.start, e.end, e.label_) for e in doc.ents))
            for doc in nlp.pipe(docs, batch_size=batch_size)
        ]

    return tag


def _score(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, Any]:
    with warnings.catch_warnings():  # seqeval warns about labels with no predictions; zero_division covers it
        warnings.simplefilter("ignore")
        report = classification_report(gold, predicted, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    per_type = {label: _round(values) for label, values in sorted(report.items()) if not label.endswith(" avg")}
    micro = report.get("micro avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0})
    return {"overall": _round(micro), "per_type": per_type}


def _round(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "precision": round(float(values["precision"]), 4),
        "recall": round(float(values["recall"]), 4),
        "f1": round(float(values["f1-score"]), 4),
        "support": int(values["support"]),
    }


def evaluate_ner(
    nlp_or_callable: Any, sentences: Iterable[Sentence], label_map: LabelMap | None = None, *, batched: bool = False
) -> dict[str, Any]:
    """Scores a recogniser on gold sentences; returns overall and per-type precision, recall, F1, support.

    ``nlp_or_callable`` is a spaCy Language (its components run on the gold tokens) or a function from a word
    list to IOB2 tags. ``label_map`` renames or (with ``None``) drops entity types on both sides before scoring,
    so a recogniser with another label set (say ``PERSON``/``GPE``) can be scored against CoNLL's. With
    ``batched`` the callable takes all word lists at once (a recogniser that batches, such as
    ``backends.word_tagger``). Speed is words per second of the recogniser alone, in this process's threads.
    """
    sentences = list(sentences)
    if hasattr(nlp_or_callable, "pipe") and hasattr(nlp_or_callable, "vocab"):
        tag_batch = spacy_tagger(nlp_or_callable)
    elif callable(nlp_or_callable) and batched:
        tag_batch = nlp_or_callable
    elif callable(nlp_or_callable):
        tag_batch = lambda batch: [list(nlp_or_callable(words)) for words in batch]  # noqa: E731
    else:
        raise TypeError("evaluate_ner needs a spaCy Language or a callable words -> tags")
    words = [s.words for s in sentences]
    started = time.perf_counter()
    raw = tag_batch(words)
    elapsed = time.perf_counter() - started
    predicted: list[list[str]] = []
    for sentence, tags in zip(sentences, raw, strict=True):
        if len(tags) != len(sentence.words):
            raise ValueError(f"recogniser returned {len(tags)} tags for {len(sentence.words)} words")
        predicted.append(normalise_tags(tags, label_map))
    gold = [normalise_tags(s.tags, label_map) for s in sentences]
    tokens = sum(len(w) for w in words)
    result = _score(gold, predicted)
    result.update(
        sentences=len(sentences),
        tokens=tokens,
        words_per_second=round(tokens / elapsed, 1) if elapsed > 0 else None,
    )
    return result

"""Silver data for distilling ner-e5 into the CNN (training/distill_ner.py): the teacher's confident spans become
entities, its less confident ones leave their words unlabelled, and an aligned record sentence keeps its own spans."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import spacy

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training"))

from distill_ner import label, word_spans  # noqa: E402
from ner_data import Example, to_doc  # noqa: E402

from verrijk.enrich.text.ner.backends import Mention  # noqa: E402

WORDS = ["Jan", "de", "Vries", "woont", "in", "Leiden", "bij", "Philips", "."]
TEXT = " ".join(WORDS)


def mention(text: str, kind: str, score: float) -> Mention:
    start = TEXT.index(text)
    return Mention(start, start + len(text), text, kind, score)


@pytest.fixture
def spans() -> list[tuple]:
    found = [mention("Jan de Vries", "PER", 0.95), mention("Leiden", "LOC", 0.93), mention("Philips", "ORG", 0.6)]
    return word_spans(WORDS, [*found, mention("woont", "DATE", 0.99)])


def test_mentions_become_word_spans_of_the_four_types(spans):
    assert spans == [(0, 3, "PER", 0.95), (5, 6, "LOC", 0.93), (7, 8, "ORG", 0.6)]


def test_raw_text_keeps_confident_spans_and_leaves_the_rest_unlabelled(spans):
    silver = label(WORDS, spans, threshold=0.9)
    assert silver.tags == ["B-PER", "I-PER", "I-PER", "O", "O", "B-LOC", "O", "O", "O"]
    assert silver.missing == [7]  # "Philips" at 0.6: neither taught as ORG nor as no name
    doc = to_doc(spacy.blank("nl").vocab, silver)
    assert [t.ent_iob_ for t in doc][6:8] == ["O", ""]


def test_an_aligned_sentence_keeps_its_spans_and_the_teacher_fills_its_gaps(spans):
    aligned = Example(WORDS, ["O"] * 5 + ["B-ORG", "O", "O", "O"], [True] * 9, missing=[2, 7])
    silver = label(WORDS, spans, threshold=0.9, base=aligned)
    assert silver.tags[:6] == ["B-PER", "I-PER", "I-PER", "O", "O", "B-ORG"]  # the record's own span wins
    assert silver.missing == [7] and silver.spaces == aligned.spaces

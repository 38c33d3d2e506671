"""The shipped transformer NER (models/ner-e5, ONNX int8) through the ONNX backend, and choosing it per organisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from verrijk.config import Settings
from verrijk.enrich.text.entities import analyser_for
from verrijk.enrich.text.ner.backends import OnnxTokenClassifier

MODEL = Path(__file__).resolve().parents[2] / "models" / "ner-e5"
SENTENCE = "Rembrandt van Rijn woonde in Amsterdam en schilderde de Nachtwacht."


@pytest.fixture(scope="module")
def e5() -> OnnxTokenClassifier:
    return OnnxTokenClassifier(MODEL)


def test_tags_a_dutch_sentence(e5):
    [mentions] = e5.recognise([SENTENCE])
    found = {(m.text, m.type) for m in mentions}
    assert {("Rembrandt van Rijn", "PER"), ("Amsterdam", "LOC")} <= found
    for m in mentions:
        assert SENTENCE[m.start : m.end] == m.text and 0 < m.score <= 1


def test_long_text_is_tagged_in_windows(e5):
    text = " ".join([SENTENCE] * 12)  # ~200 pieces: more than the 128-piece window the model was trained on
    [mentions] = e5.recognise([text])
    places = [m for m in mentions if m.text == "Amsterdam"]
    assert len(places) >= 10 and places[-1].start > len(text) - len(SENTENCE)


def test_organisation_chooses_the_transformer_per_language():
    settings = Settings()
    analyser, linker = analyser_for(None, 0, settings, authorities=[], models={"nl": "ner-e5"})
    assert linker is None
    assert isinstance(analyser.recogniser("nl"), OnnxTokenClassifier)
    assert analyser.models["fr"] == settings.ner_models["fr"]  # languages it leaves out keep the deployment's

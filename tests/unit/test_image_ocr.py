"""image.ocr on captions rendered in Dutch and French with accents: the words read, the character error rate
measured, each line's box, and a clear Unavailable when Tesseract is missing."""

from __future__ import annotations

import pytesseract
import pytest
from media_material import CAPTIONS, caption, cer

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.image import ocr
from verrijk.enrich.image.ocr import OcrEnricher
from verrijk.errors import Unavailable


@pytest.fixture(scope="module")
def enricher() -> OcrEnricher:
    return OcrEnricher(Settings())


def test_captions_are_read_with_their_accents(enricher):
    errors = characters = 0
    read = []
    for lines in CAPTIONS:
        image = caption(lines)
        proposals = enricher.propose(image, None)
        text = " ".join(p.label for p in proposals)
        reference = " ".join(lines)
        errors += cer(reference, text) * len(reference)
        characters += len(reference)
        read.append(text)
        assert all(p.kind == SuggestionKind.transcript and 0.5 < p.score <= 1 for p in proposals)
    assert errors / characters <= 0.02, read
    words = {word.strip(",.:;") for word in " ".join(read).split()}
    assert {"Sainte-Dévotion", "Liège", "geëtst", "côté", "été", "répétition", "générale", "décembre"} <= words
    assert {"Café", "maîtres", "Théâtre", "Jordaens", "Groenplaats"} <= words


def test_each_line_has_its_box(enricher):
    image = caption(CAPTIONS[1], size=32)
    first, second = enricher.propose(image, None)
    for p in (first, second):
        x, y, w, h = p.region
        assert 0 <= x < 60 and w > image.width * 0.5 and 20 <= h <= 60 and y + h <= image.height
    assert second.region[1] > first.region[1] + first.region[3] - 5
    assert first.label.startswith("Procession") and "glise Saint-Jacques" in second.label


def test_noisy_and_rotated_captions_are_still_read(enricher):
    reference = " ".join(CAPTIONS[2])
    for image in (caption(CAPTIONS[2], noise=25), caption(CAPTIONS[2], angle=2)):
        assert cer(reference, " ".join(p.label for p in enricher.propose(image, None))) <= 0.05


def test_missing_tesseract_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr.tesseract.cache_clear()
    try:
        with pytest.raises(Unavailable, match="apt-get install tesseract-ocr tesseract-ocr-nld tesseract-ocr-fra"):
            OcrEnricher(Settings())
    finally:
        ocr.tesseract.cache_clear()


def test_missing_language_data_is_named():
    with pytest.raises(Unavailable, match="no data for deu"):
        OcrEnricher(Settings(), language="nld+deu")

"""Language detection per field: the four languages verrijk routes, short catalogue strings, and bad codes."""

from __future__ import annotations

import pytest

from verrijk.enrich.text.language import UNDETERMINED, UnsupportedLanguage, check_code, detect, detect_many


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Gezicht op de suikerplantage Marienburg aan de Commewijne", "nl"),
        ("Portret van een onbekende vrouw", "nl"),
        ("Vue de la ville de Paramaribo prise du fleuve", "fr"),
        ("Femme assise avec un enfant", "fr"),
        ("View of the town of Paramaribo from the river", "en"),
        ("Portrait of an unknown woman", "en"),
        ("Ansicht der Stadt Paramaribo vom Fluss aus", "de"),
    ],
)
def test_short_catalogue_strings(text, language):
    found = detect(text)
    assert found.language == language
    assert 0.3 < found.confidence <= 1


def test_batch_keeps_order_and_marks_unusable_text_undetermined():
    found = detect_many(["Een man met een hoed", "", "12", "Un homme au chapeau", "a."])
    assert [d.language for d in found] == ["nl", UNDETERMINED, UNDETERMINED, "fr", UNDETERMINED]
    assert found[1].confidence == 0.0


def test_language_codes_are_checked():
    assert check_code(" NL ") == "nl"
    with pytest.raises(UnsupportedLanguage, match="use one of nl, fr, en, de"):
        check_code("xx")

"""A record's texts: what subject suggesters read, what search indexes, and the text a suggestion points into."""

from __future__ import annotations

from types import SimpleNamespace

from verrijk.records import field_text, index_text, record_text

RECORD = SimpleNamespace(
    title="Plantage Mariënburg",
    description="Gezicht op de suikerfabriek.",
    creator=["Augusta Curiel", "Anna Curiel"],
    place=["Commewijne"],
    subject=[],
)


def test_record_text_joins_title_and_description_once():
    assert record_text("Portret", "Portret van een man.") == "Portret van een man."
    assert record_text("Haven.", "Gezicht op de haven.") == "Haven. Gezicht op de haven."
    assert record_text(None, " Alleen beschrijving ") == "Alleen beschrijving" and record_text("", None) == ""


def test_index_text_holds_every_field_and_the_published_labels():
    assert index_text(RECORD, ["Suriname"]).split("\n") == [
        "Plantage Mariënburg",
        "Gezicht op de suikerfabriek.",
        "Augusta Curiel",
        "Anna Curiel",
        "Commewijne",
        "Suriname",
    ]


def test_field_text_follows_a_suggestions_field():
    assert field_text(RECORD, "title") == "Plantage Mariënburg"
    assert field_text(RECORD, "creator.1") == "Anna Curiel"
    assert field_text(RECORD, "creator.2") is None  # past the end
    assert field_text(RECORD, "creator") is None and field_text(RECORD, "media.0") is None

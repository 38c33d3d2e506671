"""Context in the linker's ranking: a record's or sentence's years against life years (not a portrait's date), the
roles a text names against the authority's descriptions, region and nationality words for places; and look-alike
place names."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from verrijk.enrich.text.linking import context as words
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.loaders import load
from verrijk.enrich.text.linking.model import Entry, LinkContext

MONS, BERGEN_NO = "https://sws.geonames.org/2790869/", "https://sws.geonames.org/3161732/"
A = "https://authority.example/"


def test_roles_regions_and_years_in_words():
    assert words.roles("de Antwerpse portretschilder") == {"painter"}
    assert words.roles("imprimeur et graveur à Lille") == {"printer", "printmaker"}
    assert words.roles("Photograph of the harbour") == {"photographer"}
    assert words.roles("iets over de stad") == frozenset()
    assert words.regions("een Vlaamse stad") == {"BE"} and words.regions("peintre flamand") == {"BE"}
    assert words.regions("Frans Hals") == frozenset()  # a forename, not a nationality
    assert words.years("gedrukt in 1890, herdrukt 1902") == (1890, 1902) and words.years("nr. 12345") is None


@pytest.fixture(scope="module")
def namesakes() -> Linker:
    """Two people named alike, as an authority with life years and descriptions gives them, and one painter."""
    entries = [
        Entry(A + "sanders-1", "Jan Sanders", (), ("PER",), "Vlaams schilder", {"born": 1500, "died": 1560}),
        Entry(A + "sanders-2", "Jan Sanders", (), ("PER",), "Belgian photographer", {"born": 1850, "died": 1920}),
        Entry(A + "cuyp", "Benjamin Cuyp", (), ("PER",), "Dutch painter", {"born": 1612, "died": 1652}),
    ]
    return Linker([AuthorityIndex("people", entries)])


def top(result) -> str:
    return result.candidates[0].entry.uri


def test_years_of_the_record_or_the_sentence_pick_the_namesake(namesakes):
    assert top(namesakes.link("Jan Sanders", "PER", LinkContext(year_from=1890, year_to=1890))) == A + "sanders-2"
    assert top(namesakes.link("Jan Sanders", "PER", LinkContext(year_from=1540, year_to=1545))) == A + "sanders-1"
    sentence = LinkContext(text="Gezicht op de haven door Jan Sanders, 1895")
    found = namesakes.link("Jan Sanders", "PER", sentence)
    assert top(found) == A + "sanders-2" and found.candidates[0].features["date_fit"] == 1.0


def test_the_role_the_text_names_picks_the_namesake(namesakes):
    painter = namesakes.link("Jan Sanders", "PER", LinkContext(text="een schilderij van Jan Sanders"))
    photographer = namesakes.link("Jan Sanders", "PER", LinkContext(text="photographie de Jan Sanders"))
    assert top(painter) == A + "sanders-1" and painter.candidates[0].features["role"] == 1.0
    assert top(photographer) == A + "sanders-2"
    assert {c.entry.uri: c.features["role"] for c in photographer.candidates}[A + "sanders-1"] == -1.0


def test_a_painter_dead_in_1652_did_not_make_an_1890_photo(namesakes):
    then = namesakes.link("Benjamin Cuyp", "PER", LinkContext(text="Landschap", year_from=1640, year_to=1645))
    later = namesakes.link("Benjamin Cuyp", "PER", LinkContext(text="Foto", year_from=1890, year_to=1890))
    assert then.link and then.link.entry.uri == A + "cuyp"
    assert later.is_nil and later.candidates[0].features["date_conflict"] == 1.0
    assert later.candidates[0].score < then.link.score


def test_a_flemish_text_means_the_flemish_bergen():
    bergens = Linker([AuthorityIndex("places", load(FIXTURES / "authorities" / "places.tsv"))])
    assert top(bergens.link("Bergen", "LOC", LinkContext(text="Bergen ligt aan de fjord"))) == BERGEN_NO
    flemish = bergens.link("Bergen", "LOC", LinkContext(text="Bergen, een stad in Wallonië"))
    assert top(flemish) == MONS and flemish.candidates[0].features["cooccur"] == 1.0


def test_look_alikes_share_by_importance_and_likeness():
    entries = [
        Entry("urn:x:darmstadt-de", "Darmstadt", (), ("LOC",), "", {"population": 159_000, "country": "DE"}),
        Entry("urn:x:darmstadt-us", "Darmstadt", (), ("LOC",), "", {"population": 1_400, "country": "US"}),
    ]
    found = Linker([AuthorityIndex("places", entries)]).link("Darmshtat", "LOC", LinkContext())
    shares = {c.entry.uri: c.features["share"] for c in found.candidates}
    assert top(found) == "urn:x:darmstadt-de" and shares["urn:x:darmstadt-de"] > 0.9 > shares["urn:x:darmstadt-us"]


def test_a_portrait_is_dated_by_the_picture_not_by_the_life(namesakes):
    """A lone exact name in a record of 1890, two centuries after the painter died: made by him, it is someone
    else (NIL); shown in it ("Portret van"), it is still him."""
    assert words.depicted("Portret van Benjamin Cuyp, 1890", "Benjamin Cuyp")
    assert words.depicted("buste de Cuyp", "Cuyp") and not words.depicted("Werk van de beeldhouwer Cuyp", "Cuyp")
    assert not words.depicted("Portret van een vrouw. Door Benjamin Cuyp", "Benjamin Cuyp")
    shown = namesakes.link("Benjamin Cuyp", "PER", LinkContext(text="Portret van Benjamin Cuyp", year_from=1890))
    made = namesakes.link("Benjamin Cuyp", "PER", LinkContext(text="Werk van Benjamin Cuyp", year_from=1890))
    assert shown.candidates[0].features["date_conflict"] == 0.0 and shown.link is not None
    assert made.candidates[0].features["date_conflict"] == 1.0 and made.is_nil

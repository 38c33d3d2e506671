"""Alias index and linker: ranking, context, NIL, fuzzy OCR matches, autocomplete, calibrated scores."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from verrijk.enrich.text.linking.evaluate import calibration, evaluate, read_mentions
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import FEATURES, Linker, Model, default_model
from verrijk.enrich.text.linking.loaders import load
from verrijk.enrich.text.linking.model import LinkContext
from verrijk.enrich.text.linking.normalise import FUZZY
from verrijk.enrich.text.linking.shipped import geonames_entries, vkc_creator_entries

AUTH = FIXTURES / "authorities"
GOGH, VERMEER = "http://www.wikidata.org/entity/Q5582", "http://www.wikidata.org/entity/Q41264"
ELDER, YOUNGER = "http://www.wikidata.org/entity/Q43270", "http://www.wikidata.org/entity/Q334209"
MONS, BERGEN_NO = "https://sws.geonames.org/2790869/", "https://sws.geonames.org/3161732/"
BRUSSELS, ANTWERP = "https://sws.geonames.org/2800866/", "https://sws.geonames.org/2803138/"
ALBINA_SR, PARAMARIBO = "https://sws.geonames.org/3384792/", "https://sws.geonames.org/3383330/"


@pytest.fixture(scope="module")
def people() -> AuthorityIndex:
    return AuthorityIndex("people", load(AUTH / "people.csv"))


@pytest.fixture(scope="module")
def places() -> AuthorityIndex:
    return AuthorityIndex("places", load(AUTH / "geonames.txt"))


@pytest.fixture(scope="module")
def linker(people, places) -> Linker:
    return Linker([people, places])


def uris(candidates) -> list[str]:
    return [c.entry.uri for c in candidates]


def test_get_len_and_types(people, places):
    assert len(people) == 7 and people.get(GOGH).label == "Vincent van Gogh" and people.get("nope") is None
    assert places.search("Bergen", types=["PER"]) == []
    assert uris(people.search("Rijksmuseum", types=["ORG"])) == ["http://www.wikidata.org/entity/Q190"]


@pytest.mark.parametrize(
    "mention,uri",
    [
        ("Vincent Van Gogh", GOGH),
        ("Gogh, Vincent van", GOGH),
        ("J. Vermeer", VERMEER),
        ("Pieter Brueghel de Jonge", YOUNGER),
        ("Pieter Bruegel the Elder", ELDER),
    ],
)
def test_name_variants_rank_first(people, mention, uri):
    found = people.search(mention)
    assert found and found[0].entry.uri == uri
    assert all(0.0 <= c.score <= 1.0 for c in found)
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_exact_outscores_initials_and_the_match_is_named(people):
    exact, initials = people.search("Johannes Vermeer")[0], people.search("J. Vermeer")[0]
    assert exact.score > initials.score and exact.match == "Johannes Vermeer"
    assert people.search("Eyck, Jan van")[0].match in ("Jan van Eyck", "Eyck, Jan van")


def test_ocr_errors_match_fuzzily_below_exact(places):
    found = places.search("Paramarlbo")
    assert uris(found)[:1] == [PARAMARIBO] and found[0].features["fuzzy"] == 1.0
    assert found[0].score < places.search("Paramaribo")[0].score
    assert places.lookup("Paramarlbo", fuzzy=False) == []
    assert {m.level for m in places.lookup("Paramarlbo")} == {FUZZY}


def test_collection_country_and_cooccurring_places_decide(linker):
    bergens = Linker([AuthorityIndex("places", load(AUTH / "places.tsv"))])  # Mons labelled with its Dutch name
    assert bergens.link("Bergen", "LOC", LinkContext(country="BE")).link.entry.uri == MONS
    assert bergens.link("Bergen", "LOC", LinkContext(country="NO")).link.entry.uri == BERGEN_NO
    # no country given: the record also names Paramaribo, so the Albina in Suriname is meant
    near = linker.link("Albina", "LOC", LinkContext(mentions=(("Paramaribo", "LOC"),)))
    assert near.candidates[0].entry.uri == ALBINA_SR and near.candidates[0].features["cooccur"] == 1.0
    far = linker.link("Albina", "LOC", LinkContext(mentions=(("Paramaribo", "LOC"),), country="IT"))
    assert far.candidates[0].score < near.candidates[0].score


def test_life_years_against_record_dates(linker):
    early = linker.link("Pieter Brueghel", "PER", LinkContext(year_from=1540, year_to=1545))
    features = {c.entry.uri: c.features for c in early.candidates}
    assert features[YOUNGER]["date_conflict"] == 1.0 and features[ELDER]["date_conflict"] == 0.0
    assert early.candidates[0].entry.uri == ELDER


def test_nil_when_nothing_fits(linker):
    assert linker.link("Zanderij", "LOC", LinkContext()).candidates == []
    stranger = linker.link("Theodoor Vermeer", "PER", LinkContext())  # only the surname agrees
    assert stranger.link is None and stranger.is_nil
    assert linker.link("Vincent van Gogh", "PER", LinkContext()).link.entry.uri == GOGH


def test_type_mismatch_lowers_the_score(linker):
    as_place = linker.link("Rijksmuseum", "LOC", LinkContext()).candidates[0]
    as_org = linker.link("Rijksmuseum", "ORG", LinkContext()).candidates[0]
    assert as_place.features["type"] == -1.0 and as_org.features["type"] == 1.0 and as_place.score < as_org.score


def test_complete(people, places):
    assert [e.uri for e in people.complete("verm")] == [VERMEER]
    assert [e.label for e in places.complete("Par")] == ["Paramaribo"]
    assert places.complete("Berg", types=["LOC"])[0].uri == BERGEN_NO  # the larger first
    assert places.complete("") == [] and places.complete("qq") == []


def test_vkc_creators_authority():
    index = AuthorityIndex("vkc-creators", vkc_creator_entries())
    aachen = index.search("Hans von Aachen")[0]
    assert aachen.entry.uri == "http://www.wikidata.org/entity/Q152835"
    assert aachen.entry.properties["rkd"] == "https://rkd.nl/explore/artists/272"
    assert index.search("Johann von Achen")[0].entry.uri == aachen.entry.uri  # a VIAF alternate name
    assert aachen.entry.uri not in uris(index.search("Jan"))  # one-word VIAF forms are not indexed
    assert len({e.uri for e in index.entries}) == len(index)


def test_shipped_geonames_exonyms_and_countries():
    index = AuthorityIndex("geonames", geonames_entries(min_population=15000))
    linker = Linker([index])
    expected = {"Luik": "BE", "Parijs": "FR", "Londen": "GB", "Den Haag": "NL", "Nederland": "NL"}
    for name, country in expected.items():
        link = linker.link(name, "LOC", LinkContext(country="BE")).link
        assert link and link.entry.properties["country"] == country, name
    assert linker.link("Bergen", "LOC", LinkContext(country="BE")).link.entry.uri == MONS
    assert index.get("https://sws.geonames.org/2750405/").label == "Nederland"
    # districts list "Brussel (Anderlecht)" among their names: the city itself must still be the clear link
    for name, uri in (("Brussel", BRUSSELS), ("Antwerpen", ANTWERP)):
        link = linker.link(name, "LOC", LinkContext()).link
        assert link and link.entry.uri == uri and link.score >= 0.9, name


def test_model_file_and_calibration():
    model = default_model()
    assert set(model.weights) == set(FEATURES) and 0.0 < model.threshold < 1.0
    assert model.calibration_x, "models/linking/model.json is fitted and calibrated"
    values = [model.calibrate(p / 20) for p in range(21)]
    assert values == sorted(values) and 0.0 <= values[0] and values[-1] <= 1.0
    plain = Model({f: 0.0 for f in FEATURES})
    assert plain.score({"bias": 1.0}) == 0.5


def test_calibration_error():
    table = calibration([(0.95, True), (0.95, False), (0.15, False), (0.15, False)])
    assert table["ece"] == pytest.approx(0.5 * 0.45 + 0.5 * 0.15)
    assert [b["count"] for b in table["bins"]] == [2, 2]


def test_evaluate_counts(tmp_path, linker):
    rows = [
        {"mention": "Vincent van Gogh", "type": "PER", "gold": GOGH, "split": "test"},
        {"mention": "Albina", "type": "LOC", "gold": ALBINA_SR, "country": "SR", "split": "test"},
        {"mention": "Theodoor Vermeer", "type": "PER", "gold": None, "split": "test"},
        {"mention": "Zanderij", "type": "LOC", "gold": None, "split": "test"},
        {"mention": "Paramaribo", "type": "LOC", "gold": PARAMARIBO, "split": "train"},
    ]
    path = tmp_path / "links.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    items = read_mentions(path, "test")
    metrics = evaluate(linker, items)
    assert (metrics["mentions"], metrics["linkable"], metrics["nil"]) == (4, 2, 2)
    assert metrics["accuracy_linkable"] == 1.0 and metrics["nil_recall"] == 1.0 and metrics["nil_precision"] == 1.0
    assert set(metrics["per_type"]) == {"LOC", "PER"} and metrics["per_type"]["PER"]["mentions"] == 2
    assert sum(b["count"] for b in metrics["calibration"]["bins"]) == 4 and metrics["mentions_per_s"] > 0

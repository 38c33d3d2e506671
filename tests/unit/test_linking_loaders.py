"""Loaders: each vocabulary format read from a small hand-written file, and bad input named by file and line."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from verrijk.enrich.text.linking.aliases import usable_name
from verrijk.enrich.text.linking.loaders import detect_format, load
from verrijk.enrich.text.linking.model import AuthorityFormatError

AUTH = FIXTURES / "authorities"


def by_uri(path, fmt=None):
    return {e.uri: e for e in load(path, fmt)}


@pytest.mark.parametrize("name", ["thesaurus.ttl", "thesaurus.rdf", "thesaurus.jsonld"])
def test_skos_formats(name):
    entries = by_uri(AUTH / name)
    prent = entries["https://example.org/objecttypes/prent"]
    assert prent.label == "prent" and prent.types == ("CONCEPT",)  # Dutch preferred
    assert prent.properties["notation"] == "OT-1"
    assert prent.properties["labels"]["nl"] == ["prent"]
    ets = entries["https://example.org/objecttypes/ets"]
    assert ets.properties["broader"] == ["https://example.org/objecttypes/prent"]
    assert "https://example.org/objecttypes/scheme" not in entries  # a ConceptScheme is not a concept


def test_skos_labels_notes_and_language_fallback():
    entries = by_uri(AUTH / "thesaurus.ttl")
    prent = entries["https://example.org/objecttypes/prent"]
    assert set(prent.alt_labels) == {"print", "estampe", "grafiek", "prnt"}  # other languages, alt, hidden
    assert prent.description == "Afdruk van een drukvorm op papier."  # Dutch scope note first
    assert entries["https://example.org/objecttypes/schilderij"].label == "schilderij"
    assert entries["https://example.org/objecttypes/foto"].label == "photograph"  # no Dutch prefLabel: English


def test_csv_and_tsv():
    people = by_uri(AUTH / "people.csv")
    gogh = people["http://www.wikidata.org/entity/Q5582"]
    assert gogh.alt_labels == ("Gogh, Vincent van", "V. van Gogh") and gogh.types == ("PER",)
    assert gogh.properties == {"born": 1853, "died": 1890, "wikidata": "http://www.wikidata.org/entity/Q5582"}
    assert people["http://www.wikidata.org/entity/Q190"].types == ("ORG",)
    places = by_uri(AUTH / "places.tsv")
    assert places["https://sws.geonames.org/2790869/"].properties == {"population": 95299, "country": "BE"}


def test_geonames_dump():
    places = by_uri(AUTH / "geonames.txt")
    paramaribo = places["https://sws.geonames.org/3383330/"]
    assert paramaribo.label == "Paramaribo" and paramaribo.types == ("LOC",)
    assert "PBM" not in paramaribo.alt_labels  # airport codes are no names
    assert paramaribo.properties["country"] == "SR" and paramaribo.properties["population"] == 223757
    assert paramaribo.properties["lat"] == pytest.approx(5.86638)
    assert "Bergen" in places["https://sws.geonames.org/2790869/"].alt_labels


def test_wikidata_json_lines():
    entities = by_uri(AUTH / "wikidata.jsonl")
    gogh = entities["http://www.wikidata.org/entity/Q5582"]
    assert gogh.types == ("PER",) and gogh.label == "Vincent van Gogh"
    assert gogh.description == "Nederlands kunstschilder"
    assert gogh.properties["born"] == 1853 and gogh.properties["died"] == 1890
    assert gogh.properties["rkd"] == "https://rkd.nl/explore/artists/32439"
    assert "Vincent Willem van Gogh" in gogh.alt_labels
    assert all(name.isascii() for name in gogh.alt_labels)  # the Japanese label is not indexed
    city = entities["http://www.wikidata.org/entity/Q3001"]
    assert city.types == ("LOC",) and city.label == "Paramaribo"  # no Dutch label: English
    assert city.properties["population"] == 240924 and city.properties["lat"] == pytest.approx(5.852)
    assert entities["http://www.wikidata.org/entity/Q190804"].types == ("ORG",)
    mona = entities["http://www.wikidata.org/entity/Q12418"]
    assert mona.types == ("MISC",) and mona.label == "Mona Lisa" and "La Joconde" in mona.alt_labels


@pytest.mark.parametrize(
    "name,fmt",
    [
        ("thesaurus.ttl", "turtle"),
        ("thesaurus.rdf", "xml"),
        ("thesaurus.jsonld", "json-ld"),
        ("people.csv", "csv"),
        ("places.tsv", "tsv"),
        ("wikidata.jsonl", "wikidata"),
    ],
)
def test_format_by_suffix(name, fmt):
    assert detect_format(AUTH / name) == fmt


def test_format_by_content(tmp_path):
    """Without a telling suffix the first line decides."""
    ttl = "\n".join(line for line in (AUTH / "thesaurus.ttl").read_text().splitlines() if not line.startswith("#"))
    sources = {"geonames": (AUTH / "geonames.txt").read_text(), "turtle": ttl}
    sources["wikidata"] = (AUTH / "wikidata.jsonl").read_text()
    for fmt, source in sources.items():
        path = tmp_path / f"{fmt}.data"
        path.write_text(source)
        assert detect_format(path) == fmt


@pytest.mark.parametrize(
    "name,content,message",
    [
        (
            "bad.ttl",
            '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<a> skos:prefLabel "x\n',
            "not valid turtle",
        ),
        ("bad.csv", "uri,name\nhttp://x/1,One\n", "line 1: no column label"),
        ("bad2.csv", "uri,label\nhttp://x/1,One\n,Two\n", "line 3: uri is empty"),
        ("bad3.csv", "uri,label,population\nhttp://x/1,One,many\n", "line 2: population 'many' is not a number"),
        ("bad4.csv", "uri,label\nnot a uri,One\n", "line 2: uri 'not a uri' is not a URI"),
        ("bad.jsonl", '{"id": "Q1", "labels": {}}\n{"id": "Q2", \n', "line 2: not JSON"),
        ("bad2.jsonl", '{"name": "no id"}\n', "line 1: not a Wikidata entity"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AuthorityFormatError, match=message) as caught:
        list(load(path))
    assert str(path) in str(caught.value)


def test_bad_geonames_line(tmp_path):
    path = tmp_path / "cities.txt"
    good = (AUTH / "geonames.txt").read_text().splitlines()
    path.write_text("\n".join([good[0], good[1].replace("\t", " ", 3)]) + "\n")
    with pytest.raises(AuthorityFormatError, match=r"cities.txt: line 2: not a GeoNames dump line"):
        list(load(path, "geonames"))


def test_unknown_format_and_missing_file(tmp_path):
    odd = tmp_path / "notes.txt"
    odd.write_text("just some words\n")
    with pytest.raises(AuthorityFormatError, match="cannot tell the format"):
        detect_format(odd)
    with pytest.raises(AuthorityFormatError, match="no such file"):
        load(tmp_path / "missing.ttl")


def test_usable_names():
    assert usable_name("Paramaribo") and usable_name("'s-Gravenhage") and usable_name("Liège")
    assert not any(usable_name(n) for n in ("PBM", "ba la ma li bo", "Парамарибо", "Route 66", "x"))

"""Linking and reconciliation against the shipped authorities as a new user meets them: places named in English and
French, historical spellings of Flemish names, one candidate per person, aliases that belong to someone else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from verrijk.enrich.text.linking import normalise, phonetic
from verrijk.enrich.text.linking.aliases import clean_aliases, merge_same
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.model import Entry, LinkContext
from verrijk.enrich.text.linking.shipped import geonames_entries, vkc_creator_entries
from verrijk.enrich.text.linking.store import stored_entries
from verrijk.reconcile.protocol import Query
from verrijk.reconcile.service import ReconcileService
from verrijk.store.db import make_engine, session_factory
from verrijk.store.tables import Authority

GEONAMES = "https://sws.geonames.org/{}/"
BERLIN, VIENNA, DUBLIN, LILLE_FR = (GEONAMES.format(i) for i in (2950159, 2761369, 2964574, 2998324))
PARIS, OSTEND, BRUGGE = (GEONAMES.format(i) for i in (2988507, 2789786, 2800931))
FLORENCE, LEUVEN = GEONAMES.format(3176959), GEONAMES.format(2792482)
VAN_DYCK = "http://www.wikidata.org/entity/Q150679"
VAN_DER_WEYDEN = "http://www.wikidata.org/entity/Q68631"


@pytest.fixture(scope="module")
def places() -> AuthorityIndex:
    return AuthorityIndex("geonames", geonames_entries(min_population=5000))


@pytest.fixture(scope="module")
def creators() -> AuthorityIndex:
    return AuthorityIndex("vkc-creators", vkc_creator_entries())


@pytest.mark.parametrize(
    ("text", "mention", "language", "uri"),
    [
        ("He was born in Berlin in 1885.", "Berlin", "en", BERLIN),
        ("The exhibition travelled to Vienna.", "Vienna", "en", VIENNA),
        ("She left Dublin in 1920.", "Dublin", "en", DUBLIN),
        ("Il est né à Lille en 1850.", "Lille", "fr", LILLE_FR),
        ("Une exposition à Paris.", "Paris", "fr", PARIS),
    ],
)
def test_big_cities_named_in_english_and_french_link(places, text, mention, language, uri):
    result = Linker([places]).link(mention, "LOC", LinkContext(text=text, language=language))
    assert result.link is not None, [(c.entry.label, round(c.score, 3)) for c in result.candidates]
    assert result.link.entry.uri == uri


def test_historical_spellings_share_a_variant_key():
    assert normalise.historic("anthonie van dijck") == normalise.historic("anthony van dyck")
    assert normalise.historic("weijden") == normalise.historic("weyden") == "weyden"
    assert normalise.historic("philips") == normalise.historic("filips")
    assert normalise.historic("schaep") == normalise.historic("saap")
    exact = normalise.keys("Anthonie van Dijck")
    meeting = set(exact) & set(normalise.keys("Anthony van Dyck"))
    assert meeting and all(exact[k] == normalise.VARIANT for k in meeting)


def test_historical_spellings_reconcile(creators):
    svc = ReconcileService(creators, "http://test/reconcile/vkc-creators")
    answer = svc.reconcile({"dijck": Query("Anthonie van Dijck", ("PER",)), "weijden": Query("Rogier van der Weijden")})
    dijck, weijden = answer["dijck"]["result"], answer["weijden"]["result"]
    # a variant of a variant ("Anthonie Dijck" is the authority's form): the one candidate
    assert [c["id"] for c in dijck] == [VAN_DYCK] and dijck[0]["score"] >= 85
    assert weijden[0]["id"] == VAN_DER_WEYDEN and weijden[0]["match"]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Peter Rysbraeck", "Pieter Rijsbraeck"),  # forename and historical spelling
        ("Karel Doudelet", "Charles Doudelet"),  # the forename in another language
        ("Carolus Ooms", "Karel Ooms"),
        ("Camille Wauters", "Camiel Wauters"),
        ("Quinten Metsys", "Quinten Massys"),  # ts/s, e/a
        ("Adam Villars", "Adam Willaerts"),  # v/w, ae/a, ts/s
        ("Jacob Jordans", "Jacob Jordaens"),  # what a speech recogniser writes
        ("Anthony Van Dick", "Anthony van Dyck"),
        ("Jan van Ike", "Jan van Eyck"),
        ("Antwerpon", "Antwerpen"),
        ("Jent", "Gent"),
        ("Rubens, Peter Paul", "Pieter Paul Rubbens"),  # sorting form
    ],
)
def test_names_that_sound_alike_share_a_phonetic_key(written, meant):
    assert phonetic.keys(written) & phonetic.keys(meant)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Emile Wauters", "Camiel Wauters"), ("Jules Brouwers", "Jeroen Brouwers"), ("Jan Thomas", "Gerard Thomas"),
     ("Pieter Bruegel", "Pieter Brouwer"), ("Gent", "Kent")],
)  # fmt: skip
def test_other_names_do_not(one, other):
    assert not phonetic.keys(one) & phonetic.keys(other)


def test_one_person_is_one_candidate(creators):
    candidates = creators.search("Jacob Jordaens I", types=["PER"], limit=10)
    assert [c.entry.label for c in candidates].count("Jacob Jordaens I") == 1
    entry = candidates[0].entry
    assert entry.properties["rkd"] == "https://rkd.nl/explore/artists/42880"


def test_other_peoples_names_and_relations_are_not_aliases(creators):
    report: list = []
    entries = {e.label: e for e in vkc_creator_entries(report=report)}
    assert "Jan van Eyck" not in entries["Gustave Vanaise"].alt_labels
    assert "Jan Brueghel I" not in entries["Ange de Baets"].alt_labels
    assert "Jean Fouquet" not in entries["Théo Van Rysselberghe"].alt_labels
    relations = [alias for e in entries.values() for alias in e.alt_labels if "navolger van" in alias.lower()]
    assert relations == []
    assert len(report) >= 10 and {why for _, _, why in report} == {"relation", "another person's label"}


def test_clean_aliases_reports_what_it_drops():
    rubens = Entry("u:1", "Peter Paul Rubens", ("Rubens, Peter Paul", "follower of Rubens"), ("PER",))
    vanaise = Entry("u:2", "Gustave Vanaise", ("Peter Paul Rubens", "Gustaaf Vanaise"), ("PER",))
    brugge = Entry("u:3", "Brugge", ("Peter Paul Rubens",), ("LOC",))  # places are not people's aliases
    cleaned, dropped = clean_aliases([rubens, vanaise, brugge])
    assert [e.alt_labels for e in cleaned] == [("Rubens, Peter Paul",), ("Gustaaf Vanaise",), ("Peter Paul Rubens",)]
    assert dropped == [
        ("Peter Paul Rubens", "follower of Rubens", "relation"),
        ("Gustave Vanaise", "Peter Paul Rubens", "another person's label"),
    ]


def test_rows_sharing_an_identifier_are_one_entry_unless_of_another_kind():
    q = "http://www.wikidata.org/entity/Q5599"
    rows = [
        Entry("u:1", "Peter Paul Rubens", (), ("PER",), "", {"wikidata": q}),
        Entry("u:2", "Pieter Pauwel Rubens", ("P.P. Rubens",), ("PER",), "painter", {"viaf": "http://viaf.org/viaf/1"}),
        Entry("u:3", "Rubens", (), ("PER",), "", {"wikidata": q.replace("http:", "https:"), "viaf": "viaf.org/viaf/1"}),
        Entry("u:4", "Rubenshuis", (), ("LOC",), "", {"wikidata": q}),  # a data error: not merged into a person
    ]
    entries, merged = merge_same(rows)
    # u:3 has u:1's Wikidata id and u:2's VIAF id: all three are one person
    assert [(e.uri, e.alt_labels, e.description) for e in entries] == [
        ("u:1", ("Pieter Pauwel Rubens", "P.P. Rubens", "Rubens"), "painter"),
        ("u:4", (), ""),
    ]
    assert merged == [
        ("Peter Paul Rubens", "Pieter Pauwel Rubens", "http://viaf.org/viaf/1"),
        ("Peter Paul Rubens", "Rubens", "viaf.org/viaf/1"),
    ]


# reconciliation as OpenRefine users meet it --------------------------------------------------------------------
def test_exact_big_foreign_cities_score_high_in_the_services_language(places):
    svc = ReconcileService(places, "http://test/reconcile/geonames")
    answer = svc.reconcile(
        {"paris": Query("Paris", ("LOC",)), "ostend": Query("Oostende", ("LOC",)), "bruges": Query("Bruges", ("LOC",))}
    )
    paris, ostend, bruges = (answer[k]["result"][0] for k in ("paris", "ostend", "bruges"))
    assert paris["id"] == PARIS and paris["score"] >= 80  # 11 before
    assert (ostend["id"], ostend["name"]) == (OSTEND, "Oostende")
    assert bruges["id"] == BRUGGE


def test_exact_names_that_dwarf_their_namesakes_auto_match(places, creators):
    """What OpenRefine auto-matches (the first candidate's match flag), both ways: an exact name of a place or
    person that dwarfs its namesakes does; namesakes of comparable weight, and a type not asked for, do not."""
    svc = ReconcileService(places, "http://test/reconcile/geonames")
    queries = ("Paris", "Berlin", "Vienna", "Lille", "Dublin", "Florence", "Leuven")
    queries += ("Valencia", "Cambridge", "Springfield")
    answer = svc.reconcile({q: Query(q, ("LOC",)) for q in queries} | {"untyped": Query("Paris")})
    matched = {q: a["result"][0]["id"] for q, a in answer.items() if a["result"] and a["result"][0]["match"]}
    # Florence, Italy: 40 names against the US Florences' 2-8; Leuven's sections named "Leuven" too are its parts
    assert matched == {"Paris": PARIS, "Berlin": BERLIN, "Vienna": VIENNA, "Lille": LILLE_FR, "Dublin": DUBLIN,
                       "Florence": FLORENCE, "Leuven": LEUVEN}  # fmt: skip
    people = ReconcileService(creators, "http://test/reconcile/vkc-creators")
    answer = people.reconcile({q: Query(q, ("PER",)) for q in ("Anthonie van Dijck", "Jan Brueghel", "Pieter Bruegel")})
    matched = {q: a["result"][0]["id"] for q, a in answer.items() if a["result"] and a["result"][0]["match"]}
    # a historical spelling (a variant match, not an exact name) matches only from the score of 90 up: linking
    # model version 3 gave van Dyck 0.90, versions 4 and 5 give him 0.87 and leave the cell to the user (on the
    # fitting splits, lone variant matches scoring 0.5-0.9 are right 8 times in 12: too few to auto-match)
    assert matched == {}
    assert answer["Anthonie van Dijck"]["result"][0]["id"] == VAN_DYCK
    assert answer["Anthonie van Dijck"]["result"][0]["score"] >= 85


def test_manifest_identifier_space_types_and_flyout(places, creators):
    geonames = ReconcileService(places, "http://test/reconcile/geonames").manifest()
    assert geonames["identifierSpace"] == "https://sws.geonames.org/"
    assert geonames["defaultTypes"] == [{"id": "https://schema.org/Place", "name": "Place"}]
    assert geonames["suggest"]["entity"]["flyout_service_path"] == "/flyout/entity?id=${id}"
    people = ReconcileService(creators, "http://test/reconcile/vkc-creators").manifest()
    assert people["defaultTypes"] == [{"id": "https://schema.org/Person", "name": "Person"}]


def test_suggest_from_two_letters_by_importance(places):
    svc = ReconcileService(places, "http://test/reconcile/geonames")

    def names(prefix: str) -> list[str]:
        return [r["name"] for r in svc.suggest_entities(prefix, types=("LOC",))["result"]]

    assert names("Br")[0] == "Brazilië" and "Brussel" in names("Br")  # the largest first, not alphabetical
    assert names("Brug")[0] == "Brugge"


def test_extend_proposes_what_it_returns(creators):
    svc = ReconcileService(creators, "http://test/reconcile/vkc-creators")
    proposed = {p["id"] for p in svc.propose("https://schema.org/Person", None)["properties"]}
    assert {"born", "died", "description"}.isdisjoint(proposed) and {"rkd", "wikidata"} <= proposed
    ids = [e.uri for e in creators.entries if "rkd" in e.properties][:50]
    from verrijk.reconcile.protocol import ExtendQuery

    rows = svc.extend(ExtendQuery(tuple(ids), (("rkd", {}),)))["rows"]
    cells = [cell for row in rows.values() for cell in row["rkd"]]
    assert cells and all(set(cell) == {"str"} for cell in cells)


def test_authority_add_merges_rows_of_one_person_and_reports_the_aliases_it_drops(cli, db_url, tmp_path):
    table = tmp_path / "makers.csv"
    table.write_text(
        "uri,label,alt_labels,type,wikidata\n"
        "https://example.org/rubens,Peter Paul Rubens,Rubens Peter Paul|navolger van Rubens,PER,\n"
        "https://example.org/vanaise,Gustave Vanaise,Gustaaf Vanaise|Peter Paul Rubens,PER,\n"
        "https://example.org/brugge,Brugge,Peter Paul Rubens,LOC,\n"
        "https://example.org/dyck,Anthony van Dyck,,PER,http://www.wikidata.org/entity/Q150679\n"
        "https://example.org/dijck,Anthonie van Dijck,Antonio van Dyck,PER,https://www.wikidata.org/wiki/Q150679\n",
        encoding="utf-8",
    )
    r = cli("authority", "add", "makers", table)
    assert r.exit_code == 0, r.output
    assert "makers registered (private): 4 entries" in r.output
    assert r.output.splitlines()[1] == (
        "merged 1 entries that share an identifier: 'Anthonie van Dijck' into Anthony van Dyck "
        "(https://www.wikidata.org/wiki/Q150679)"
    )
    assert r.output.splitlines()[2] == (
        "dropped 2 alternative labels that are not the entry's own: 'navolger van Rubens' of Peter Paul Rubens "
        "(relation); 'Peter Paul Rubens' of Gustave Vanaise (another person's label)"
    )
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        makers = session.scalar(select(Authority).filter_by(name="makers"))
        stored = {e.label: e.alt_labels for e in stored_entries(session, makers)}
    engine.dispose()
    assert stored == {
        "Peter Paul Rubens": ("Rubens Peter Paul",),
        "Gustave Vanaise": ("Gustaaf Vanaise",),
        "Brugge": ("Peter Paul Rubens",),  # a place's names are not people's labels
        "Anthony van Dyck": ("Anthonie van Dijck", "Antonio van Dyck"),
    }

"""Authorities in the database: loading replaces entries whole, failures leave the old ones, indexes follow the
version, and an organisation's private authority stays invisible to others (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES
from sqlalchemy import func, select

from verrijk.enrich.text.linking.loaders import load
from verrijk.enrich.text.linking.model import AuthorityFormatError, Entry, UnknownAuthority
from verrijk.enrich.text.linking.shipped import register_shared
from verrijk.enrich.text.linking.store import open_index
from verrijk.store.repo import NotFound, Repo, Scope, authority_load, count_entries
from verrijk.store.tables import AuthorityEntry

AUTH = FIXTURES / "authorities"
VERMEER = "http://www.wikidata.org/entity/Q41264"


def add(session, org_id, name, path, version, shared=False):
    _, count = Repo(session, Scope(org_id)).load_authority(
        name, load(path), version, path.suffix, name.title(), str(path), None, shared
    )
    session.commit()
    return count


def test_re_adding_replaces_entries_and_the_index(session, org):
    assert add(session, org.id, "eigen", AUTH / "thesaurus.ttl", "v1") == 4
    first = open_index(session, org.id, "eigen")
    assert len(first) == 4 and first.search("grafiek")[0].entry.label == "prent"
    assert open_index(session, org.id, "eigen") is first  # cached while the version stands
    assert add(session, org.id, "eigen", AUTH / "people.csv", "v2") == 7
    second = open_index(session, org.id, "eigen")
    assert second is not first and len(second) == 7 and second.version == "v2"
    assert second.search("prent") == [] and second.search("Jan Vermeer")[0].entry.uri == VERMEER
    authority = Repo(session, Scope(org.id)).authority("eigen")
    assert count_entries(session, authority) == 7 and authority_load(session, authority).version == "v2"


def test_an_index_is_named_after_the_authority_it_was_opened_for(session, org):
    # the same id and data under another name (a renamed authority; a database emptied and loaded again, as the
    # PostgreSQL tests do) is another index, so links name the authority the caller asked for
    add(session, org.id, "eerste", AUTH / "people.csv", "v1")
    assert open_index(session, org.id, "eerste").name == "eerste"
    Repo(session, Scope(org.id)).authority("eerste").name = "tweede"
    session.commit()
    assert open_index(session, org.id, "tweede").name == "tweede"


def test_a_failed_load_leaves_the_previous_entries(session, org):
    add(session, org.id, "eigen", AUTH / "people.csv", "v1")

    def half_good():
        yield from load(AUTH / "thesaurus.ttl")
        raise AuthorityFormatError("thes.ttl: line 9: broken")

    repo = Repo(session, Scope(org.id))
    with pytest.raises(AuthorityFormatError, match="line 9"):
        repo.load_authority("eigen", half_good(), "v2", "turtle", "Eigen", "thes.ttl")
    session.rollback()
    authority = repo.authority("eigen")
    assert count_entries(session, authority) == 7 and authority_load(session, authority).version == "v1"
    assert len(open_index(session, org.id, "eigen")) == 7


def test_duplicate_uris_are_refused(session, org):
    twice = [Entry("http://x/1", "Een"), Entry("http://x/1", "Nog een")]
    with pytest.raises(AuthorityFormatError, match="http://x/1 occurs twice"):
        Repo(session, Scope(org.id)).load_authority("dubbel", iter(twice), "v1", "csv", "Dubbel", "d.csv")
    session.rollback()


def test_private_authorities_are_invisible_to_other_organisations(session, org, other_org):
    add(session, org.id, "eigen", AUTH / "people.csv", "v1")
    with pytest.raises(UnknownAuthority, match="'eigen'"):
        open_index(session, other_org.id, "eigen")
    with pytest.raises(NotFound):
        Repo(session, Scope(other_org.id)).authority("eigen")
    add(session, org.id, "gedeeld", AUTH / "places.tsv", "v1", shared=True)
    assert len(open_index(session, other_org.id, "gedeeld")) == 3
    # an organisation's own authority goes before a shared one of the same name
    add(session, other_org.id, "gedeeld", AUTH / "thesaurus.ttl", "v1")
    assert len(open_index(session, other_org.id, "gedeeld")) == 4 and len(open_index(session, org.id, "gedeeld")) == 3


def test_shared_authorities_load_once(session):
    assert register_shared(session, geonames=False) == {"vkc-creators": 3125}
    session.commit()
    assert register_shared(session, geonames=False) == {}  # same version: nothing reloaded
    index = open_index(session, None, "vkc-creators")
    assert index.search("Hans von Aachen")[0].entry.uri == "http://www.wikidata.org/entity/Q152835"
    assert session.scalar(select(func.count(AuthorityEntry.id))) == 3125


# the command line ----------------------------------------------------------------------------------------------
def test_authority_add_list_and_replace(cli):
    r = cli("authority", "add", "objecttypen", AUTH / "thesaurus.ttl", "--label", "Objecttypen", "--license", "CC0")
    assert r.exit_code == 0 and "objecttypen registered (private): 4 entries" in r.output
    r = cli("authority", "add", "mensen", AUTH / "wikidata.jsonl", "--shared")
    assert r.exit_code == 0 and "(shared): 4 entries" in r.output
    listed = cli("authority", "list").output
    assert "objecttypen" in listed and "mensen" in listed and "vkc-creators" in listed and "3125" in listed
    r = cli("authority", "add", "objecttypen", AUTH / "thesaurus.rdf")
    assert r.exit_code == 0 and "2 entries" in r.output
    row = next(line for line in cli("authority", "list").output.splitlines() if "objecttypen" in line)
    assert [cell.strip() for cell in row.split("│") if cell.strip()][3] == "2"  # name, label, owner, entries


@pytest.mark.parametrize(
    "content,args,message",
    [
        ("uri,label\nhttp://x/1,Een\n,Twee\n", [], "bad.csv: line 3: uri is empty"),
        ("uri,label\nhttp://x/1,Een\n", ["--format", "pdf"], "--format 'pdf' is not one of"),
    ],
)
def test_authority_add_bad_input_is_one_line_exit_2(cli, tmp_path, content, args, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    r = cli("authority", "add", "slecht", path, *args)
    assert r.exit_code == 2 and message in r.stderr and r.stderr.count("error:") == 1
    assert "slecht" not in cli("authority", "list").output  # nothing half-written
    assert cli("authority", "add", "x", tmp_path / "missing.ttl").exit_code == 2


def test_eval_link_prints_json_metrics(cli, tmp_path):
    rows = [
        {"mention": "J. Vermeer", "type": "PER", "gold": VERMEER, "split": "test"},
        {"mention": "Albina", "type": "LOC", "gold": "https://sws.geonames.org/3384792/", "country": "SR"},
        {"mention": "Theodoor Vermeer", "type": "PER", "gold": None, "split": "test"},
    ]
    data = tmp_path / "links.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["eval", "link", "--data", data, "-a", AUTH / "people.csv", "-a", AUTH / "geonames.txt"]
    r = cli(*args, "--split", "all")
    metrics = json.loads(r.stdout)
    assert r.exit_code == 0 and metrics["mentions"] == 3 and metrics["accuracy_linkable"] == 1.0
    assert metrics["nil_recall"] == 1.0 and "ece" in metrics["calibration"] and metrics["mentions_per_s"] > 0
    assert json.loads(cli(*args).stdout)["mentions"] == 2  # the test split by default
    bad = cli("eval", "link", "--data", data, "--split", "later")
    assert bad.exit_code == 2 and "--split 'later'" in bad.stderr

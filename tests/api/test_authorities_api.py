"""/authorities: metadata, entry counts and search over an authority's entries, scoped to the organisation."""

from __future__ import annotations

from conftest import FIXTURES

from verrijk.enrich.text.linking.loaders import load
from verrijk.store.repo import Repo, Scope

AUTH = FIXTURES / "authorities"
VERMEER = "http://www.wikidata.org/entity/Q41264"


def load_into(session, org_id, name, file, shared=False):
    repo = Repo(session, Scope(org_id))
    repo.load_authority(name, load(AUTH / file), f"{file}-v1", "csv", name.title(), file, "CC0", shared)
    session.commit()


def test_list_and_detail(client, session, org, other_org):
    load_into(session, org.id, "mensen", "people.csv")
    listed = {a["name"]: a for a in client.get("/authorities", headers=org.headers()).json()}
    assert listed["mensen"]["entries"] == 7 and listed["mensen"]["owner"] == "museum-a"
    detail = client.get("/authorities/mensen", headers=org.headers("volunteer"))
    assert detail.status_code == 200
    body = detail.json()
    assert body["entries"] == 7 and body["version"] == "people.csv-v1" and body["format"] == "csv"
    assert body["label"] == "Mensen" and body["loaded_at"]


def test_search_prefix_and_listing(client, session, org):
    load_into(session, org.id, "mensen", "people.csv")
    hits = client.get("/authorities/mensen/entries", params={"q": "J. Vermeer"}, headers=org.headers()).json()
    assert hits[0]["uri"] == VERMEER and 0 < hits[0]["score"] <= 1 and hits[0]["match"] == "Johannes Vermeer"
    assert hits[0]["properties"]["born"] == 1632
    typed = {"q": "Rijksmuseum", "type": "PER"}
    assert client.get("/authorities/mensen/entries", params=typed, headers=org.headers()).json() == []
    prefix = client.get("/authorities/mensen/entries", params={"prefix": "pieter b"}, headers=org.headers()).json()
    assert {e["label"] for e in prefix} == {"Pieter Bruegel de Oude", "Pieter Brueghel de Jonge"}
    first = client.get("/authorities/mensen/entries", params={"limit": 2}, headers=org.headers()).json()
    assert [e["label"] for e in first] == ["Vincent van Gogh", "Johannes Vermeer"]


def test_unknown_and_private_authorities_are_404(client, session, org, other_org):
    load_into(session, org.id, "mensen", "people.csv")
    for path in ("/authorities/mensen", "/authorities/mensen/entries?q=Vermeer", "/authorities/nope"):
        r = client.get(path, headers=other_org.headers())
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert "is neither this organisation's nor a shared one" in r.json()["detail"]
    load_into(session, org.id, "plaatsen", "places.tsv", shared=True)
    hits = client.get("/authorities/plaatsen/entries?q=Bergen", headers=other_org.headers()).json()
    assert {h["uri"] for h in hits} == {"https://sws.geonames.org/2790869/", "https://sws.geonames.org/3161732/"}


def test_bad_parameters_are_422(client, session, org):
    load_into(session, org.id, "mensen", "people.csv")
    r = client.get("/authorities/mensen/entries", params={"q": "x", "type": "PLACE"}, headers=org.headers())
    assert r.status_code == 422 and "'PLACE' is not one of PER, LOC, ORG, MISC, CONCEPT" in r.json()["detail"]
    r = client.get("/authorities/mensen/entries", params={"limit": 0}, headers=org.headers())
    assert r.status_code == 422 and "limit" in r.json()["detail"]
    assert client.get("/authorities/mensen").status_code == 401

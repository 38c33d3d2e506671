"""OSLO JSON-LD and Turtle by content negotiation, checked with rdflib against the official contexts;
open access to published records; Web Annotations for decided suggestions."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES
from rdflib import Graph, Literal, URIRef

from verrijk.domain import SuggestionStatus
from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.export.oslo import EVENT_CONTEXT, OBJECT_CONTEXT, inline_contexts
from verrijk.ingest.service import ingest
from verrijk.review.decisions import decide
from verrijk.store.repo import Repo, Scope

CRM = "http://www.cidoc-crm.org/cidoc-crm/"
RECORDS = (
    '{"source_id": "SK-A-4118", "title": "Gezicht op Paramaribo", "description": "Plantage aan de rivier.",'
    ' "creator": ["Valck, Gerard", "anoniem"], "date": "1700-1750", "place": ["Paramaribo"],'
    ' "subject": ["plantage"], "type": ["prent"], "language": "nl",'
    ' "rights": "http://creativecommons.org/publicdomain/mark/1.0/", "extra": {"material": ["papier"]}}\n'
)


@pytest.fixture
def linked(session, org, settings, shipped_creators):
    repo = Repo(session, Scope(org.id, user_id=None))
    ingest(
        session,
        repo,
        "prenten",
        "p.jsonl",
        data=RECORDS.encode(),
        collection_attrs={"metadata_license": "http://creativecommons.org/publicdomain/zero/1.0/"},
    )
    execute(session, repo.scope, create_enrich_job(repo, "prenten", ["link.creators"], settings).id, settings=settings)
    suggestion = repo.suggestions().items[0]
    decide(repo, suggestion, SuggestionStatus.accepted)
    session.commit()
    return {"record_id": suggestion.record_id, "suggestion": suggestion.id, "uri": suggestion.authority_uri}


def defined_terms() -> set[str]:
    terms: set[str] = set()
    for name in ("cultureel-erfgoed-event-ap.jsonld", "cultureel-erfgoed-object-ap.jsonld"):
        terms |= set(json.loads((FIXTURES / "oslo" / name).read_text(encoding="utf-8"))["@context"])
    return terms


def used_keys(node) -> set[str]:
    keys: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":
                keys.add(key)
                keys |= used_keys(value)
    elif isinstance(node, list):
        for value in node:
            keys |= used_keys(value)
    return keys


def types_used(node) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("@type"), str) and ":" not in node["@type"]:
            found.add(node["@type"])
        for key, value in node.items():
            if key not in ("@context", "@value"):
                found |= types_used(value)
    elif isinstance(node, list):
        for value in node:
            found |= types_used(value)
    return found


def test_oslo_jsonld_uses_only_official_terms_and_parses(client, org, linked):
    r = client.get(f"/records/{linked['record_id']}", headers=org.headers() | {"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert doc["@context"][:2] == [EVENT_CONTEXT, OBJECT_CONTEXT]
    official = defined_terms()
    own = {k for k in used_keys(doc) if k.startswith("@") or "://" in k or k.startswith("verrijk:")}
    assert used_keys(doc) - own <= official, used_keys(doc) - own - official
    assert types_used(doc) <= official
    # the same document, expanded with the saved official contexts, gives the CIDOC-CRM graph we promise
    graph = Graph().parse(data=json.dumps(inline_contexts(doc)), format="json-ld")
    subject = URIRef(doc["@id"])
    assert (subject, URIRef(CRM + "P102_has_title"), Literal("Gezicht op Paramaribo", lang="nl")) in graph
    production = graph.value(subject, URIRef(CRM + "P108i_was_produced_by"))
    agents = set(graph.objects(production, URIRef(CRM + "P14_carried_out_by")))
    assert URIRef(linked["uri"]) in agents and len(agents) == 2  # the accepted link, and "anoniem" as a name
    time = graph.value(production, URIRef(CRM + "P4_has_time-span"))
    assert str(time) == "1700/1750" and str(time.datatype) == "http://id.loc.gov/datatypes/edtf/EDTF"
    rights = [
        graph.value(r, URIRef(CRM + "P2_has_type")) for r in graph.objects(subject, URIRef(CRM + "P104_is_subject_to"))
    ]
    assert rights == [URIRef("http://creativecommons.org/publicdomain/mark/1.0/")]
    assignment = URIRef(f"http://testserver/annotations/{linked['suggestion']}")
    assert (subject, URIRef(CRM + "P140i_was_attributed_by"), assignment) in graph
    assert graph.value(assignment, URIRef("https://w3id.org/verrijk/ns#enricher")) == Literal("link.creators")


def test_turtle_and_negotiation(client, org, linked):
    path = f"/records/{linked['record_id']}"
    ttl = client.get(path, headers=org.headers() | {"Accept": "text/turtle"})
    assert ttl.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=ttl.text, format="turtle")
    assert (None, URIRef(CRM + "P102_has_title"), None) in graph
    assert "@prefix adms: <http://www.w3.org/ns/adms#> ." in ttl.text and "ns1:" not in ttl.text  # named prefixes
    assert (
        client.get(path + "?format=jsonld", headers=org.headers())
        .headers["content-type"]
        .startswith("application/ld+json")
    )
    plain = client.get(path, headers=org.headers() | {"Accept": "application/json"})
    assert plain.json()["title"] == "Gezicht op Paramaribo" and plain.headers["vary"] == "Accept"
    weighted = client.get(path, headers=org.headers() | {"Accept": "text/turtle;q=0.5, application/ld+json"})
    assert weighted.headers["content-type"].startswith("application/ld+json")
    refused = client.get(path, headers=org.headers() | {"Accept": "application/pdf"})
    assert refused.status_code == 406 and "offered" in refused.json()["detail"]
    assert client.get(path + "?format=xml", headers=org.headers()).status_code == 422


def test_published_records_and_annotations_are_open(client, org, linked):
    path = f"/records/{linked['record_id']}"
    assert client.get(path).status_code == 401
    assert client.get(f"/annotations/{linked['suggestion']}").status_code == 401
    client.patch("/collections/prenten", json={"public": True}, headers=org.headers())
    open_record = client.get(path)
    assert open_record.status_code == 200 and [s["status"] for s in open_record.json()["suggestions"]] == ["accepted"]
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 200
    anno = client.get(f"/annotations/{linked['suggestion']}").json()
    assert anno["@context"][0] == "http://www.w3.org/ns/anno.jsonld" and anno["type"] == "Annotation"
    assert anno["motivation"] == "linking" and anno["body"]["id"] == linked["uri"]
    assert anno["target"]["source"] == f"http://testserver{path}#creator.0"
    assert anno["target"]["selector"] == {"type": "TextPositionSelector", "start": 0, "end": 13}
    assert anno["generator"]["type"] == "Software" and "link.creators" in anno["generator"]["name"]
    assert anno["verrijk:status"] == "accepted" and 0 < anno["verrijk:score"] <= 1
    assert anno["rights"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    graph = Graph().parse(
        data=json.dumps(
            {
                **anno,
                "@context": [
                    {
                        "@vocab": "http://www.w3.org/ns/oa#",
                        "id": "@id",
                        "type": "@type",
                        "verrijk": "https://w3id.org/verrijk/ns#",
                    }
                ],
            }
        ),
        format="json-ld",
    )
    assert len(graph) > 5

"""The OAI-PMH provider: harvested with Sickle (a real OAI-PMH client) across resumptionTokens, every verb,
errors, EDM with accepted enrichments, and nothing of unpublished collections or other organisations."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from serving import serving
from sickle import Sickle
from sickle.oaiexceptions import CannotDisseminateFormat, IdDoesNotExist, NoRecordsMatch

from verrijk.demo import ingest_demo
from verrijk.domain import SuggestionStatus
from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.export.oai import NS
from verrijk.ingest.service import ingest
from verrijk.review.decisions import decide
from verrijk.store.repo import Repo, Scope

DC = "{http://purl.org/dc/elements/1.1/}"


def _load(session, org, public: bool):
    repo = Repo(session, Scope(org.id))
    ingest_demo(
        session,
        repo,
        "suriname",
        public=public,
        name="Suriname",
        default_rights="http://rightsstatements.org/vocab/CNE/1.0/",
    )
    ingest(session, repo, "private", "p.jsonl", data=b'{"source_id": "secret", "title": "Intern document"}')
    return repo


@pytest.fixture
def oai_server(db_url, tmp_path, session, org, other_org, settings, shipped_creators):
    repo = _load(session, org, public=True)
    execute(session, repo.scope, create_enrich_job(repo, "suriname", ["link.creators"], settings).id, settings=settings)
    for s in repo.suggestions(limit=5).items:
        decide(repo, s, SuggestionStatus.accepted)
    session.commit()
    ingest(
        session,
        Repo(session, Scope(other_org.id)),
        "kaarten",
        "b.jsonl",
        collection_attrs={"public": True},
        data=b'{"source_id": "b1", "title": "Kaart van B"}\n{"source_id": "b2", "title": "Atlas van B"}\n',
    )
    with serving(db_url, tmp_path / "srv") as base:
        yield base


def test_sickle_harvest_gets_every_record_once(oai_server):
    sickle = Sickle(f"{oai_server}/oai/museum-a", max_retries=0)
    identifiers = [r.header.identifier for r in sickle.ListRecords(metadataPrefix="oai_dc")]
    assert len(identifiers) == len(set(identifiers)) == 3668
    assert all(i.startswith("oai:verrijk:museum-a:") for i in identifiers)
    headers = list(sickle.ListIdentifiers(metadataPrefix="edm", set="suriname"))
    assert [h.identifier for h in headers] == identifiers
    assert {s.setSpec for s in sickle.ListSets()} == {"suriname"}
    assert {f.metadataPrefix for f in sickle.ListMetadataFormats()} == {"oai_dc", "edm"}
    identify = sickle.Identify()
    assert identify.protocolVersion == "2.0" and identify.baseURL == f"{oai_server}/oai/museum-a"


def test_get_record_with_accepted_enrichments_in_edm(oai_server):
    sickle = Sickle(f"{oai_server}/oai/museum-a", max_retries=0)
    dc_records = list(sickle.ListRecords(metadataPrefix="oai_dc"))
    linked = [
        r
        for r in dc_records
        if any(
            c.startswith(("http://www.wikidata.org/", "https://rkd.nl/", "http://viaf"))
            for c in r.metadata.get("creator", [])
        )
    ]
    assert 1 <= len(linked) <= 5
    record = sickle.GetRecord(identifier=linked[0].header.identifier, metadataPrefix="edm")
    rdf = record.xml.find(".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF")
    about = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
    resource = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource"
    cho = rdf.find(f"{{{NS['edm']}}}ProvidedCHO")
    creators = [c.get(resource) for c in cho.findall(f"{DC}creator") if c.get(resource)]
    agents = [a.get(about) for a in rdf.findall(f"{{{NS['edm']}}}Agent")]
    assert creators and creators == agents
    aggregation = rdf.find("{http://www.openarchives.org/ore/terms/}Aggregation")
    rights = aggregation.find(f"{{{NS['edm']}}}rights").get(resource)
    assert rights == "http://rightsstatements.org/vocab/CNE/1.0/"
    assert cho.find(f"{{{NS['edm']}}}type").text == "IMAGE"


def test_errors_and_isolation(oai_server):
    sickle = Sickle(f"{oai_server}/oai/museum-a", max_retries=0)
    import httpx

    assert 'code="badVerb"' in httpx.get(f"{oai_server}/oai/museum-a", params={"verb": "Dance"}).text
    with pytest.raises(CannotDisseminateFormat):
        list(sickle.ListRecords(metadataPrefix="marc21"))
    assert (
        'code="badArgument">missing argument(s): metadataPrefix'
        in httpx.get(f"{oai_server}/oai/museum-a", params={"verb": "ListRecords"}).text
    )
    with pytest.raises(IdDoesNotExist):
        sickle.GetRecord(identifier="oai:verrijk:archive-b:1", metadataPrefix="oai_dc")
    with pytest.raises(NoRecordsMatch):
        list(sickle.ListRecords(metadataPrefix="oai_dc", set="private"))
    with pytest.raises(NoRecordsMatch):
        list(sickle.ListRecords(**{"metadataPrefix": "oai_dc", "from": "2999-01-01"}))
    bad = httpx.get(f"{oai_server}/oai/museum-a", params={"verb": "ListRecords", "resumptionToken": "xyz"})
    assert 'code="badResumptionToken"' in bad.text
    other = Sickle(f"{oai_server}/oai/archive-b", max_retries=0)
    b_ids = {h.identifier for h in other.ListIdentifiers(metadataPrefix="oai_dc")}
    assert len(b_ids) == 2 and all(i.startswith("oai:verrijk:archive-b:") for i in b_ids)
    a_first = next(iter(sickle.ListIdentifiers(metadataPrefix="oai_dc"))).identifier
    with pytest.raises(IdDoesNotExist):  # museum-a's record number asked of archive-b
        other.GetRecord(identifier=a_first.replace("museum-a", "archive-b"), metadataPrefix="oai_dc")
    assert httpx.get(f"{oai_server}/oai/nobody", params={"verb": "Identify"}).status_code == 404
    text = httpx.get(
        f"{oai_server}/oai/museum-a", params={"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "suriname"}
    ).text
    assert "Intern document" not in text
    ET.fromstring(text.encode())


def test_unpublished_collection_is_not_harvestable(client, session, org):
    _load(session, org, public=False)
    r = client.get("/oai/museum-a", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert 'code="noRecordsMatch"' in r.text
    assert client.patch("/collections/suriname", json={"public": True}, headers=org.headers()).json()["public"]
    r = client.get("/oai/museum-a", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    assert r.text.count("<header>") == 100 and 'completeListSize="3668"' in r.text
    post = client.post("/oai/museum-a", data={"verb": "Identify"})
    assert "<protocolVersion>2.0</protocolVersion>" in post.text

"""The Linked Data Event Stream: structure a client can rely on, immutable pages, retention, and reading a
stream back (ours over HTTP, and a real heritage member from Antwerp's stream), resuming where it stopped."""

from __future__ import annotations

import json
from collections import deque

import httpx
import pytest
from conftest import FIXTURES
from serving import serving

from verrijk.config import Settings
from verrijk.domain import SuggestionStatus
from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.ingest.ldes import member_item
from verrijk.ingest.service import ingest
from verrijk.review.decisions import decide
from verrijk.store.repo import RecordFilter, Repo, Scope
from verrijk.store.tables import Organisation


def records(n: int, start: int = 0) -> bytes:
    lines = [
        json.dumps(
            {
                "source_id": f"obj-{i}",
                "title": f"Prent nummer {i}",
                "creator": ["Valck, Gerard"],
                "date": str(1700 + i % 50),
                "language": "nl",
                "rights": "http://creativecommons.org/publicdomain/mark/1.0/",
            }
        )
        for i in range(start, start + n)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def published(session, org, settings, shipped_creators):
    repo = Repo(session, Scope(org.id))
    assert (
        ingest(session, repo, "prenten", "p.jsonl", data=records(230), collection_attrs={"public": True}).created == 230
    )
    ingest(session, repo, "intern", "i.jsonl", data=b'{"source_id": "x", "title": "Niet gepubliceerd"}\n')
    execute(session, repo.scope, create_enrich_job(repo, "prenten", ["link.creators"], settings).id, settings=settings)
    for s in repo.suggestions(limit=30).items:
        decide(repo, s, SuggestionStatus.accepted)
    session.commit()
    return repo


def follow(get, root_url: str) -> tuple[list[dict], dict[str, dict]]:
    """A plain TREE client: from the root, follow every tree:node once; collect members and pages."""
    root = get(root_url)
    start = root["tree:view"]["@id"]
    pages: dict[str, dict] = {}
    members: list[dict] = []
    queue = deque([start])
    while queue:
        url = queue.popleft()
        if url in pages:
            continue
        doc = get(url)
        pages[url] = doc
        node, stream = doc["@graph"]
        members.extend(stream["tree:member"])
        queue.extend(r["tree:node"] for r in node["tree:relation"])
    return members, pages


def test_event_stream_structure(client, published):
    get = lambda url: client.get(url.removeprefix("http://testserver")).json()  # noqa: E731
    root = get("/ldes/museum-a")
    assert root["@type"] == "ldes:EventStream" and root["ldes:timestampPath"] == "prov:generatedAtTime"
    assert root["ldes:versionOfPath"] == "dcterms:isVersionOf"
    members, pages = follow(get, "http://testserver/ldes/museum-a")
    ids = [m["@id"] for m in members]
    assert len(ids) == len(set(ids)) == 230 + 30  # every record version and every decision, exactly once
    assert len(pages) == 3
    for url, doc in pages.items():
        node, stream = doc["@graph"]
        assert node["@id"] == url and node["tree:relation"], url
        for relation in node["tree:relation"]:
            assert relation["tree:path"] == "prov:generatedAtTime" and relation["tree:value"]["@value"]
        for m in stream["tree:member"]:
            assert m["prov:generatedAtTime"] and m["dcterms:isVersionOf"].startswith("http://testserver/")
    kinds = {m.get("@type") for m in members}
    assert kinds == {"MensgemaaktObject", "oa:Annotation"}
    assert not any("Niet gepubliceerd" in json.dumps(m) for m in members)
    annotation = next(m for m in members if m["@type"] == "oa:Annotation")
    assert annotation["verrijk:status"] == "accepted" and annotation["verrijk:enricher"] == "link.creators"
    times = [m["prov:generatedAtTime"] for m in members]
    assert times == sorted(times)


def test_full_pages_are_immutable_and_members_resolve(client, published):
    first = client.get("/ldes/museum-a/pages/0")
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.headers["content-type"].startswith("application/ld+json")
    node, stream = first.json()["@graph"]
    last_url = node["tree:relation"][0]["tree:node"]
    while True:
        page = client.get(last_url.removeprefix("http://testserver"))
        forward = [
            r for r in page.json()["@graph"][0]["tree:relation"] if r["@type"].endswith("GreaterThanOrEqualToRelation")
        ]
        if not forward:
            break
        last_url = forward[0]["tree:node"]
    assert page.headers["cache-control"] == "public, max-age=10"
    member_id = stream["tree:member"][0]["@id"]
    one = client.get(member_id.removeprefix("http://testserver")).json()
    assert one["@id"] == member_id and one["MensgemaaktObject.titel"][0]["@value"] == "Prent nummer 0"
    assert client.get("/ldes/museum-a/members/999999").status_code == 404
    assert client.get("/ldes/nobody").status_code == 404


def test_retention_policy(client, session, published):
    org = session.get(Organisation, published.org_id)
    org.settings = {"ldes_retention_days": 30}
    session.commit()
    view = client.get("/ldes/museum-a").json()["tree:view"]
    policy = view["tree:viewDescription"]["ldes:retentionPolicy"]
    assert policy == {"@type": "ldes:DurationAgoPolicy", "tree:value": {"@value": "P30D", "@type": "xsd:duration"}}


def test_other_organisations_stream_is_separate(client, published, other_org):
    assert client.get("/ldes/archive-b/pages/0").json()["@graph"][1]["tree:member"] == []


def test_antwerp_heritage_member_maps_to_a_record():
    member = json.loads((FIXTURES / "ldes" / "antwerpen-rubenshuis-ldes-member.jsonld").read_text(encoding="utf-8"))
    item = member_item(member, "antwerp member 1")
    assert item is not None and item.fields["title"]
    assert item.fields["source_id"].startswith("http")
    assert item.fields["creator"] or item.fields["date"]


@pytest.fixture
def stream_server(db_url, tmp_path, published):
    with serving(db_url, tmp_path / "srv") as base:
        yield base


def test_reading_a_stream_back_and_resuming(session, published, other_org, stream_server):
    reader = Repo(session, Scope(other_org.id))
    url = f"{stream_server}/ldes/museum-a"
    loopback = Settings(harvest_allowed_hosts=["127.0.0.1"])  # a test server; refused without (test_harvest_safety)
    first = ingest(session, reader, "van-a", url, settings=loopback)
    assert first.format == "ldes" and first.ok and first.created == 230, first.as_dict()
    got = reader.records(RecordFilter(collection="van-a"), limit=5)
    assert got.total == 230 and got.items[0].title == "Prent nummer 0" and got.items[0].creator == ["Valck, Gerard"]
    assert got.items[0].rights == "http://creativecommons.org/publicdomain/mark/1.0/"
    # new versions arrive at the source; the second read starts at the page where the first one stopped
    ingest(session, published, "prenten", "p2.jsonl", data=records(5, start=230))
    session.commit()
    second = ingest(session, reader, "van-a", url, settings=loopback)
    assert second.created == 5 and second.read < 100, second.as_dict()
    assert httpx.get(url).status_code == 200

"""The records, collections and jobs API as a client sees it: paging, filters, errors, uploads."""

from __future__ import annotations

import random

import pytest
from conftest import DEMO_DIR, snapshot

from verrijk.demo import ingest_demo
from verrijk.store.repo import Repo, Scope

PROBLEM = "application/problem+json"


@pytest.fixture
def demo(session, org):
    repo = Repo(session, Scope(org.id))
    assert ingest_demo(session, repo, "suriname").created == 3668
    return org


def all_pages(client, headers, **params):
    seen, cursor, pages = [], None, 0
    while True:
        query = dict(params, limit=100) | ({"cursor": cursor} if cursor else {})
        body = client.get("/records", params=query, headers=headers).json()
        seen.extend(body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return seen, body["total"], pages


def test_records_limit_five(client, demo):
    r = client.get("/records?limit=5", headers=demo.headers())
    assert r.status_code == 200
    body = r.json()
    assert len(body["items"]) == 5 and body["total"] == 3668 and body["next_cursor"]
    first = body["items"][0]
    assert first["source_id"] == "SK-A-1671" and first["collection"] == "suriname"
    assert first["uri"] == f"http://testserver/records/{first['id']}"
    assert first["rights"] == "http://rightsstatements.org/vocab/CNE/1.0/" or first["rights"] is None


def test_cursor_paging_never_repeats_or_skips(client, demo):
    items, total, pages = all_pages(client, demo.headers())
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)) == total == 3668 and pages == 37
    assert ids == sorted(ids)


def test_filters_match_a_brute_force_check(client, demo):
    everything, _, _ = all_pages(client, demo.headers())
    rng = random.Random(7)
    sample = rng.sample(everything, 5)
    cases = [("creator", s["creator"][0]) for s in sample if s["creator"]]
    cases += [("place", s["place"][0]) for s in sample if s["place"]]
    cases += [("type", "foto"), ("subject", "portret"), ("q", "plantage")]
    for name, value in cases:
        got, total, _ = all_pages(client, demo.headers(), **{name: value})
        if name == "q":
            want = [i for i in everything if value in (i["title"] + " " + i["description"]).lower()]
        else:
            want = [i for i in everything if value in i[name]]
        assert [i["id"] for i in got] == [i["id"] for i in want] and total == len(want), (name, value)
    got, _, _ = all_pages(client, demo.headers(), date_from=1900, date_to=1910)
    want = [
        i
        for i in everything
        if i["date_from"] is not None
        and i["date_from"] <= 1910
        and (i["date_to"] if i["date_to"] is not None else i["date_from"]) >= 1900
    ]
    assert [i["id"] for i in got] == [i["id"] for i in want] and want


def test_record_detail_and_html_negotiation(client, demo):
    listing = client.get("/records?limit=1", headers=demo.headers()).json()["items"][0]
    r = client.get(f"/records/{listing['id']}?include_raw=true", headers=demo.headers())
    assert r.status_code == 200 and r.json()["suggestions"] == [] and r.json()["raw"]["objectnummer"] == "SK-A-1671"
    html = client.get(
        f"/records/{listing['id']}", headers=demo.headers() | {"Accept": "text/html"}, follow_redirects=False
    )
    assert html.status_code == 303 and html.headers["location"] == f"/web/records/{listing['id']}"


def test_a_record_stored_without_its_lists_reads_as_empty_lists(client, org, session):
    """Records written by code other than ingest (a plugin, a migration) may hold null where a list belongs: a
    reader gets empty lists, never a 500."""
    repo = Repo(session, Scope(org.id))
    columns = {"title": "Kaart", "description": "", "date": "", "creator": None, "place": None, "subject": None}
    item = {"source_id": "k1", **columns, "type": None, "extra": None}
    [rid] = repo.upsert_records(repo.ensure_collection("kaarten"), [item]).ids
    session.commit()
    r = client.get(f"/records/{rid}", headers=org.headers())
    assert r.status_code == 200, r.text
    assert [r.json()[f] for f in ("creator", "place", "subject", "type", "extra")] == [[], [], [], [], {}]


@pytest.mark.parametrize(
    "path,status,fragment",
    [
        ("/records?limit=1000", 422, "query parameter 'limit'"),
        ("/records?limit=0", 422, "query parameter 'limit'"),
        ("/records?cursor=garbage", 400, "query parameter 'cursor'"),
        ("/records?date_from=1900&date_to=1800", 422, "'date_to' (1800) lies before 'date_from' (1900)"),
        ("/records?collection=nope", 404, "collection 'nope' does not exist"),
        ("/records/999999", 404, "record 999999 does not exist"),
        ("/records/abc", 422, "path parameter 'record_id'"),
        ("/jobs/424242", 404, "job 424242 does not exist"),
        ("/jobs?status=sleeping", 422, "query parameter 'status'"),
        ("/nowhere", 404, "no route GET /nowhere"),
    ],
)
def test_errors_are_problem_details(client, org, path, status, fragment):
    r = client.get(path, headers=org.headers())
    assert r.status_code == status and r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status and body["title"] and fragment in body["detail"], body


def test_authentication_errors(client, org):
    assert client.get("/records").status_code == 401
    bad = client.get("/records", headers={"X-API-Key": "vk_not-a-key"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.json()["detail"]
    assert client.get("/health").json()["status"] == "ok"


def test_create_collection_and_upload(client, org, session):
    body = {"slug": "brieven", "name": "Brieven", "default_rights": "http://rightsstatements.org/vocab/InC/1.0/"}
    assert client.post("/collections", json=body, headers=org.headers()).status_code == 201
    again = client.post("/collections", json=body, headers=org.headers())
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    bad = client.post("/collections", json=body | {"slug": "x2", "default_rights": "mine"}, headers=org.headers())
    assert bad.status_code == 422 and "body field 'default_rights'" in bad.json()["detail"]
    data = b"source_id,title\nb1,Brief aan de gouverneur\nb2,Brief uit Paramaribo\nb1,dubbel\n"
    r = client.post(
        "/collections/brieven/ingest", files={"file": ("brieven.csv", data, "text/csv")}, headers=org.headers()
    )
    report = r.json()
    assert r.status_code == 200 and report["created"] == 2 and report["rejected_count"] == 1
    assert report["rejected"][0] == {
        "location": "brieven.csv:line 4",
        "field": "source_id",
        "message": report["rejected"][0]["message"],
    }
    records = client.get("/records?collection=brieven", headers=org.headers()).json()["items"]
    assert {r["rights"] for r in records} == {"http://rightsstatements.org/vocab/InC/1.0/"}
    jobs = client.get("/jobs", headers=org.headers()).json()
    assert jobs["items"][0]["kind"] == "ingest" and jobs["items"][0]["status"] == "done"
    assert jobs["items"][0]["result"]["created"] == 2


def test_upload_with_mapping_file(client, org):
    mapping = (DEMO_DIR / "rijksmuseum_suriname.mapping.csv").read_bytes()
    data = (DEMO_DIR / "rijksmuseum_suriname.csv").read_bytes()
    r = client.post(
        "/collections/s/ingest?dry_run=true",
        headers=org.headers(),
        files={"file": ("export.csv", data, "text/csv"), "mapping": ("m.csv", mapping, "text/csv")},
    )
    assert r.status_code == 200 and r.json()["created"] == 3668 and r.json()["dry_run"]
    assert client.get("/records", headers=org.headers()).json()["total"] == 0


def test_upload_of_50_mb_is_refused_and_nothing_changes(client, org, session):
    ok = client.post(
        "/collections/c/ingest", files={"file": ("a.csv", b"source_id,title\nk1,Kept\n")}, headers=org.headers()
    )
    assert ok.json()["created"] == 1
    before = snapshot(session, org.id)
    big = b"source_id,title\n" + b"x,y" * (50 * 1024 * 1024 // 3)
    r = client.post("/collections/c/ingest", files={"file": ("big.csv", big, "text/csv")}, headers=org.headers())
    assert r.status_code == 413 and r.headers["content-type"].startswith(PROBLEM)
    assert "at most 25.0 MB" in r.json()["detail"]
    assert snapshot(session, org.id) == before


def test_malformed_upload_gets_400(client, org):
    r = client.post(
        "/collections/c/ingest", files={"file": ("x.xml", b"<OAI-PMH><unclosed></OAI-PMH>")}, headers=org.headers()
    )
    assert r.status_code == 400 and "malformed XML at line 1" in r.json()["detail"]
    r = client.post("/collections/c/ingest?format=pdf", files={"file": ("x.pdf", b"%PDF")}, headers=org.headers())
    assert r.status_code == 422 and "'format'" in r.json()["detail"]


def test_oversized_json_body_is_refused(client, org):
    r = client.post(
        "/collections",
        content=b"{" + b" " * 3_000_000 + b"}",
        headers=org.headers() | {"Content-Type": "application/json"},
    )
    assert r.status_code == 413


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/collections", "/records", "/records/{record_id}", "/jobs"} <= set(paths)

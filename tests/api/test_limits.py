"""The limits of docs/SECURITY.md (API4) that no other test holds to: page sizes, ids, bulk sizes, texts per
POST /enrich, jobs and records per organisation, an upload refused by its declared size, the result cache's age and
size 0; and the inputs schemathesis once turned into server errors (issue 15), each now a clear 4xx."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from verrijk.api.cache import ResultCache
from verrijk.api.lanes import Lane
from verrijk.api.limits import BodySizeLimit
from verrijk.domain import ID_MAX
from verrijk.store.counters import SqliteCounters
from verrijk.store.repo import Repo, Scope
from verrijk.store.repo.base import encode_cursor
from verrijk.store.tables import Organisation, Suggestion

PROBLEM = "application/problem+json"


def _ingest(client, org, slug: str = "c") -> int:
    data = b"source_id,title\nr1,Kaart van Suriname\n"
    r = client.post(f"/collections/{slug}/ingest", headers=org.headers(), files={"file": ("c.csv", data, "text/csv")})
    assert r.json()["created"] == 1, r.text
    return client.get("/records", headers=org.headers()).json()["items"][0]["id"]


@pytest.mark.parametrize(
    "path, parameter, largest",
    [
        ("/records", "limit", 100),
        ("/jobs", "limit", 100),
        ("/suggestions", "limit", 100),
        ("/authorities/vkc-creators/entries", "limit", 100),
        ("/review/next", "size", 100),
        ("/annotations", "size", 1000),
    ],
)
def test_page_sizes_are_bounded(client, org, path, parameter, largest):
    over = client.get(path, params={parameter: largest + 1}, headers=org.headers())
    assert over.status_code == 422 and over.headers["content-type"] == PROBLEM
    assert f"query parameter '{parameter}'" in over.json()["detail"]
    assert client.get(path, params={parameter: 0}, headers=org.headers()).status_code == 422
    if not path.startswith("/authorities"):  # no authority loaded here: 404 once the parameters pass
        assert client.get(path, params={parameter: largest}, headers=org.headers()).status_code == 200


def test_ids_stay_within_the_databases_integers(client, org):
    assert ID_MAX == 2**31 - 1  # PostgreSQL's `integer`, the type of every id column
    assert client.get(f"/records/{ID_MAX}", headers=org.headers()).status_code == 404
    assert client.post("/review/release", json=[ID_MAX], headers=org.headers()).status_code == 200
    for too_big in (ID_MAX + 1, 2**53 - 1, 2**64):  # once a 500 on PostgreSQL: an overflow in the database
        r = client.get(f"/records/{too_big}", headers=org.headers())
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
        assert client.post("/review/release", json=[too_big], headers=org.headers()).status_code == 422
        forged = client.get("/records", params={"cursor": encode_cursor(too_big)}, headers=org.headers())
        assert forged.status_code == 400 and "not a cursor returned by this API" in forged.json()["detail"]


def test_bulk_decisions_and_releases_take_at_most_500_ids(client, org):
    ids = list(range(1, 502))
    bulk = client.post("/review/decisions", json={"bulk": {"ids": ids, "status": "accepted"}}, headers=org.headers())
    assert bulk.status_code == 422 and "500" in bulk.json()["detail"]
    listed = {"decisions": [{"id": i, "status": "accepted"} for i in ids]}
    assert client.post("/review/decisions", json=listed, headers=org.headers()).status_code == 422
    assert client.post("/review/release", json=ids, headers=org.headers()).status_code == 422
    assert client.post("/review/release", json=ids[:500], headers=org.headers()).status_code == 200


def test_post_enrich_takes_at_most_the_configured_number_of_texts(client, org, settings):
    models = client.get("/openapi.json").json()["components"]["schemas"]  # the schema says what the settings say
    assert models["EnrichIn"]["properties"]["texts"]["maxItems"] == settings.enrich_max_texts == 32
    assert models["TextItem"]["properties"]["text"]["maxLength"] == settings.enrich_max_chars
    texts = [{"text": f"Brief {i} aan Jan Vermeer", "language": "nl"} for i in range(settings.enrich_max_texts + 1)]
    r = client.post("/enrich", json={"texts": texts}, headers=org.headers())
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert f"has 33 texts; a synchronous call takes at most {settings.enrich_max_texts}" in r.json()["detail"]


def test_jobs_at_once_per_organisation(client, session, org):
    _ingest(client, org)
    session.get(Organisation, org.id).quota_jobs = 1
    Repo(session, Scope(org.id)).create_job("enrich")  # queued: it counts until it ends
    session.commit()
    r = client.post("/jobs", json={"collection": "c", "enrichers": ["link.creators"]}, headers=org.headers())
    assert r.status_code == 429 and r.headers["content-type"] == PROBLEM
    assert "may run 1 jobs at once; 1 are queued or running" in r.json()["detail"]


def test_records_per_organisation_stop_the_ingest_and_its_report_says_why(client, session, org):
    session.get(Organisation, org.id).quota_records = 1
    session.commit()
    _ingest(client, org)
    more = b"source_id,title\nr2,Twee\n"
    r = client.post("/collections/c/ingest", headers=org.headers(), files={"file": ("d.csv", more, "text/csv")})
    assert r.status_code == 200 and r.json()["created"] == 0
    assert "would pass this organisation's quota of 1 records" in r.json()["error"]


def test_what_schemathesis_once_made_a_server_error_is_a_clear_answer(client, session, org):
    record_id = _ingest(client, org)
    for change in ({"public": 0}, {"public": "yes"}, {"attribution": None}, {"name": None}):
        r = client.patch("/collections/c", json=change, headers=org.headers())
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, (change, r.text)
    assert client.patch("/collections/c", json={"public": True}, headers=org.headers()).json()["public"] is True
    tag = {"record_id": record_id, "label": "0"}
    assert client.post("/tasks/missing", json=tag, headers=org.headers("volunteer")).status_code == 201
    again = client.post("/tasks/missing", json=tag, headers=org.headers("volunteer"))
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert len(session.scalars(select(Suggestion).where(Suggestion.label == "0")).all()) == 1


def test_an_upload_declared_too_large_is_refused_before_its_body_is_read():
    """At the ASGI level: the 413 goes out on the Content-Length alone; neither the body nor the app is touched."""
    received, sent = [], []

    async def receive():
        received.append(True)
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message):
        sent.append(message)

    async def app(scope, receive, send):
        raise AssertionError("the app was called")

    headers = [(b"content-type", b"multipart/form-data; boundary=b"), (b"content-length", str(50 * 2**20).encode())]
    scope = {"type": "http", "method": "POST", "path": "/collections/c/ingest", "headers": headers}
    asyncio.run(BodySizeLimit(app, max_upload=25 * 2**20, max_other=2 * 2**20)(scope, receive, send))
    assert sent[0]["status"] == 413 and received == []


def test_cached_answers_expire_and_a_size_of_0_caches_nothing(tmp_path):
    counters = SqliteCounters(tmp_path / "counters.db")
    lane = Lane("search", 1, 1, "")
    aging = ResultCache(counters, max_bytes=1000, max_age=0.3, lane=lane)  # VERRIJK_RESULT_CACHE_MB / _SECONDS
    for _ in range(2):
        asyncio.run(aging.answer(1, ("a",), lambda: b"answer"))
    assert (aging.hits, aging.misses) == (1, 1)
    time.sleep(0.35)
    asyncio.run(aging.answer(1, ("a",), lambda: b"answer"))
    assert (aging.hits, aging.misses) == (1, 2)  # older than max_age: made again
    off, made = ResultCache(counters, max_bytes=0, max_age=300, lane=lane), []
    for _ in range(2):
        asyncio.run(off.answer(1, ("a",), lambda: made.append(1) or b"answer"))
    assert len(made) == 2 and off.hits == 0

"""Serving with several workers and caches: a key's cached principal honours revocation (at once in the process, within
the cache's lifetime across processes), a request writes nothing, two real uvicorn workers share the per-key rate
limit, two engines (two machines) count against one limit in the shared counters, repeated searches and listings
(records, collections) are answered from the result cache until a change to the organisation's data made by this or
another process (another organisation's change leaves them), tokens read off the event loop are never older than the
request, a full lane refuses at once, connections are closed now and then to spread them over the workers, and a
worker reads the search index another worker saved instead of embedding again."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from test_search import HashEmbedder, add_records

from verrijk.api.cache import ResultCache, TokenReader
from verrijk.api.lanes import Lane
from verrijk.app import create_app
from verrijk.errors import Overloaded
from verrijk.search.query import SearchRequest
from verrijk.search.service import SearchService, SearchSettings
from verrijk.store.accounts import revoke_api_key
from verrijk.store.counters import (
    CHANGES,
    SharedWindow,
    SqliteCounters,
    announce_changes,
    changes_of,
    open_counters,
)
from verrijk.store.db import make_engine
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import ApiKey, Collection, Record, User


def _key_id(session, username: str) -> int:
    query = select(ApiKey.id).join(User, User.id == ApiKey.user_id).where(User.username == username)
    return session.scalars(query).one()


def test_a_key_revoked_elsewhere_is_refused_once_the_cache_entry_expires(client, app, session, org, db_url):
    app.state.keys.ttl = 0.5
    headers = org.headers("client")
    assert client.get("/collections", headers=headers).status_code == 200
    other_process = make_engine(db_url)  # another worker or the command line: its writes are not watched here
    with Session(other_process) as elsewhere:
        revoke_api_key(elsewhere, org.id, _key_id(session, "museum-a-client"))
        elsewhere.commit()
    other_process.dispose()
    assert client.get("/collections", headers=headers).status_code == 200  # cached, for at most the TTL
    time.sleep(0.6)
    assert client.get("/collections", headers=headers).status_code == 401


def test_a_request_writes_nothing_and_listing_keys_shows_the_last_use(client, session, org):
    key_id = _key_id(session, "museum-a-volunteer")
    assert client.get("/collections", headers=org.headers("volunteer")).status_code == 200
    session.expire_all()
    assert session.get(ApiKey, key_id).last_used_at is None  # kept in memory, not written on the request path
    listed = {k["id"]: k for k in client.get("/keys", headers=org.headers("admin")).json()}
    assert listed[key_id]["last_used_at"] is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_workers_share_the_per_key_rate_limit_and_see_a_revocation(org, db_url, tmp_path):
    port = _free_port()
    env = os.environ | {
        "VERRIJK_DATABASE_URL": db_url,
        "VERRIJK_DATA_DIR": str(tmp_path / "served"),
        "VERRIJK_SECRET_KEY": "test",
        "VERRIJK_KEY_REQUESTS_PER_MINUTE": "6",
        "VERRIJK_KEY_CACHE_SECONDS": "1",
        "VERRIJK_JOB_RECOVERY_SECONDS": "0",
    }
    command = [sys.executable, "-m", "verrijk.cli", "serve", "--port", str(port), "--workers", "2"]
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while len(re.findall(r"Application startup complete", log.read_text())) < 2:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        # a new connection per request, so that both workers answer
        codes = [httpx.get(f"{base}/collections", headers=org.headers("admin")).status_code for _ in range(10)]
        assert codes.count(200) == 6 and codes.count(429) == 4, codes
        assert httpx.get(f"{base}/collections", headers=org.headers("cataloger")).status_code == 200  # its own count
        mine = httpx.get(f"{base}/keys", headers=org.headers("cataloger")).json()[0]["id"]
        assert httpx.delete(f"{base}/keys/{mine}", headers=org.headers("cataloger")).status_code == 204
        time.sleep(1.1)  # the other worker may have had the key cached for VERRIJK_KEY_CACHE_SECONDS
        codes = {httpx.get(f"{base}/collections", headers=org.headers("cataloger")).status_code for _ in range(6)}
        assert codes == {401}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_worker_reads_the_index_another_worker_saved(session, org, settings):
    add_records(session, org.id, "objects", [{"source_id": "a", "title": "zilveren theepot"}])
    repo = Repo(session, Scope(org.id))
    now = SearchSettings(check_seconds=0)
    first, second = HashEmbedder(), HashEmbedder()
    worker_a = SearchService(settings.data_dir, first, now)
    worker_b = SearchService(settings.data_dir, second, now)
    worker_a.sync(repo)
    request = SearchRequest("kandelaar", mode="semantic")
    assert worker_b.search(repo, request).top(10)  # read from disk: nothing embedded
    add_records(session, org.id, "objects", [{"source_id": "b", "title": "koperen kandelaar"}])
    new_id = max(worker_a.search(repo, request).top(10), key=lambda hit: hit[1])[0]  # worker A syncs and saves
    assert worker_b.search(repo, request).top(1)[0][0] == new_id
    assert second.calls == 1  # the query only: worker B took worker A's index instead of embedding the records


def test_two_engines_count_against_one_limit_and_share_generations(db_url, tmp_path):
    engines = [make_engine(db_url) for _ in range(2)]  # two pools: on PostgreSQL, as two machines would have
    try:
        counters = [open_counters(engine, tmp_path) for engine in engines]
        windows = [SharedWindow(c, "requests", 60) for c in counters]
        with ThreadPoolExecutor(8) as pool:
            waits = list(pool.map(lambda i: windows[i % 2].hit(("key", 1), 25), range(60)))
        assert waits.count(None) == 25, waits
        assert all(0 < wait <= 60 for wait in waits if wait is not None)
        assert windows[0].wait(("key", 1), 25) > 0 and windows[1].wait(("key", 2), 25) is None
        windows[1].forget(("key", 1))
        assert windows[0].hit(("key", 1), 25) is None
        token = counters[0].generation(CHANGES)
        assert counters[1].generation(CHANGES) == token
        counters[1].bump(CHANGES)
        assert counters[0].generation(CHANGES) not in ("", token)
    finally:
        for engine in engines:
            engine.dispose()


def test_a_short_window_forgets_its_events(tmp_path):
    window = SharedWindow(SqliteCounters(tmp_path / "counters.db"), "logins", 0.3)
    assert [window.hit("an", 2) for _ in range(2)] == [None, None]
    assert 0 < window.hit("an", 2) <= 0.3
    time.sleep(0.35)
    assert window.hit("an", 2) is None


def test_repeated_searches_and_listings_come_from_the_cache_until_something_changes(
    client, app, session, org, other_org, db_url, settings
):
    app.state.search = SearchService(settings.data_dir, HashEmbedder(), SearchSettings(check_seconds=0.3))
    add_records(session, org.id, "objects", [{"source_id": "a", "title": "zilveren theepot"}])
    add_records(session, other_org.id, "objects", [{"source_id": "a", "title": "koperen theepot"}])
    cache: ResultCache = app.state.results
    search = {"query": "theepot", "mode": "lexical"}

    def ask(path, params, who=org, role="cataloger"):
        r = client.get(path, params=params, headers=who.headers(role))
        assert r.status_code == 200, r.text
        return r.json()

    first = ask("/search", search)
    hits = cache.hits
    assert ask("/search", search) == first and ask("/records", {"q": "theepot"}) and cache.hits == hits + 1
    assert ask("/records", {"q": "theepot"})["total"] == 1 and cache.hits == hits + 2
    assert ask("/collections", {}) == ask("/collections", {}) and cache.hits == hits + 3
    assert [i["title"] for i in ask("/search", search, other_org)["items"]] == ["koperen theepot"]  # its own
    add_records(session, org.id, "objects", [{"source_id": "b", "title": "tinnen theepot"}])  # this process
    assert ask("/records", {"q": "theepot"})["total"] == 2 and ask("/search", search)["total"] == 2
    assert ask("/collections", {})[0]["records"] == 2
    elsewhere = make_engine(db_url)  # another worker, machine or the command line, which announce their commits
    announce_changes(elsewhere, open_counters(elsewhere, settings.data_dir))
    with Session(elsewhere) as other:
        add_records(other, org.id, "objects", [{"source_id": "c", "title": "gouden theepot"}])
    elsewhere.dispose()
    assert ask("/records", {"q": "theepot"})["total"] == 3  # at once
    time.sleep(0.35)  # the index compares itself with the database every check_seconds, cached answers or not
    assert ask("/search", search)["total"] == 3
    hits = cache.hits
    assert ask("/search", search, role="client") == ask("/search", search, role="client") and cache.hits == hits + 1
    revoked = client.delete(f"/keys/{_key_id(session, 'museum-a-client')}", headers=org.headers("admin"))
    assert revoked.status_code == 204
    assert client.get("/search", params=search, headers=org.headers("client")).status_code == 401  # checked first


def test_the_cache_keeps_to_its_size(tmp_path):
    import asyncio

    cache = ResultCache(SqliteCounters(tmp_path / "counters.db"), max_bytes=100, max_age=60, lane=Lane("t", 1, 1, ""))
    for name in ("a", "b", "c", "a"):
        asyncio.run(cache.answer(1, (name,), lambda name=name: name.encode() * 40))
    assert (cache.hits, cache.misses) == (0, 4)  # "a" (40 bytes) went when "c" came: 120 > 100
    asyncio.run(cache.answer(1, ("c",), lambda: b"never made"))
    assert cache.hits == 1


def test_one_organisations_writes_leave_the_others_cached_answers(
    client, app, session, org, other_org, db_url, settings
):
    add_records(session, org.id, "objects", [{"source_id": "a", "title": "zilveren theepot"}])
    add_records(session, other_org.id, "objects", [{"source_id": "a", "title": "koperen theepot"}])
    cache: ResultCache = app.state.results

    def total(who) -> int:
        r = client.get("/records", params={"q": "theepot"}, headers=who.headers())
        assert r.status_code == 200, r.text
        return r.json()["total"]

    assert (total(org), total(other_org)) == (1, 1)
    hits = cache.hits
    add_records(session, other_org.id, "objects", [{"source_id": "b", "title": "tinnen theepot"}])  # this process
    assert total(org) == 1 and cache.hits == hits + 1  # kept
    assert total(other_org) == 2 and cache.hits == hits + 1  # made again
    elsewhere = make_engine(db_url)  # another worker, machine or the command line
    announce_changes(elsewhere, open_counters(elsewhere, settings.data_dir))
    with Session(elsewhere) as other:
        add_records(other, other_org.id, "objects", [{"source_id": "c", "title": "gouden theepot"}])
    assert total(org) == 1 and cache.hits == hits + 2
    assert total(other_org) == 3 and cache.hits == hits + 2
    # published by its owner: the records others may read without a key are read fresh, the others' answers stay
    slug = "objects"
    assert client.patch(f"/collections/{slug}", json={"public": True}, headers=other_org.headers("admin")).is_success
    record = session.scalar(select(Record.id).where(Record.organisation_id == other_org.id, Record.source_id == "c"))
    public = client.get(f"/records/{record}")
    assert public.status_code == 200 and public.json()["title"] == "gouden theepot"
    assert total(org) == 1 and cache.hits == hits + 3
    # a change whose organisation is not known (SQL without a repository) drops every organisation's answers
    with Session(elsewhere) as other:
        other.execute(update(Collection).where(Collection.organisation_id == org.id).values(public=True))
        other.commit()
    elsewhere.dispose()
    assert (total(org), total(other_org)) == (1, 3) and cache.hits == hits + 3


def test_tokens_read_off_the_event_loop_are_never_older_than_the_request(db_url, tmp_path):
    engine = make_engine(db_url)
    try:
        counters = open_counters(engine, tmp_path)
        counters.remote = True  # read in the reader's thread on SQLite too
        calls = []
        read = counters.generations
        counters.generations = lambda names: calls.append(names) or read(names)
        reader = TokenReader(counters)
        names = (CHANGES, changes_of(1))

        async def asked_at_once(n: int) -> list[tuple[str, ...]]:
            return await asyncio.gather(*(reader.read(names) for _ in range(n)))

        first = asyncio.run(asked_at_once(20))
        assert len(set(first)) == 1 and len(calls) == 1  # one read for every request that waited for it
        counters.bump(changes_of(1))
        again = asyncio.run(asked_at_once(3))
        assert again[0][0] == first[0][0] and again[0][1] != first[0][1] and len(set(again)) == 1
    finally:
        engine.dispose()


def test_a_full_lane_refuses_at_once_and_says_when_to_retry():
    lane = Lane("search", size=1, queue=1, setting="VERRIJK_LANE_SEARCH_QUEUE")
    release = threading.Event()

    async def scenario() -> list:
        running = asyncio.create_task(lane.run(lambda: release.wait(30) and "first"))
        while lane._for_this_loop().borrowed_tokens < 1:
            await asyncio.sleep(0.01)
        waiting = asyncio.create_task(lane.run(lambda: "second"))
        while lane._for_this_loop().statistics().tasks_waiting < 1:
            await asyncio.sleep(0.01)
        with pytest.raises(Overloaded) as refused:
            await lane.run(lambda: "third")
        assert refused.value.status == 503 and refused.value.retry_after == 1
        assert "VERRIJK_LANE_SEARCH_QUEUE" in str(refused.value)
        release.set()
        return [await running, await waiting]

    assert asyncio.run(scenario()) == ["first", "second"]


def test_connections_are_closed_now_and_then_to_spread_over_the_workers(settings, org):
    for every, closed in ((1, {"close"}), (0, {None})):
        app = create_app(settings.model_copy(update={"keepalive_requests": every}))
        with TestClient(app) as client:
            answers = [client.get("/collections", headers=org.headers()) for _ in range(5)]
        app.state.engine.dispose()
        assert {r.status_code for r in answers} == {200}
        assert {r.headers.get("connection") for r in answers} == closed

"""Serving with several workers and caches: a key's cached principal honours revocation (at once in the process, within
the cache's lifetime across processes), a request writes nothing, two real uvicorn workers share the per-key rate
limit, and a worker reads the search index another worker saved instead of embedding again."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_search import HashEmbedder, add_records

from verrijk.search.query import SearchRequest
from verrijk.search.service import SearchService, SearchSettings
from verrijk.store.accounts import revoke_api_key
from verrijk.store.db import make_engine
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import ApiKey, User


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

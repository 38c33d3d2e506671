"""kill -9 in the middle of work: an enrichment job resumes by itself when the server comes back, an ingest run
again completes; nothing is lost, stored twice or half-written (real subprocesses, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest
from serving import free_port, server_env, start, stop, wait_until_up
from sqlalchemy import func, select

from verrijk.ingest.service import ingest
from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.db import make_engine, session_factory
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Job, Record, Suggestion

RECORDS = 60
PLUGIN = '''
"""A slow enricher for crash tests: one tag per title, a pause per batch so a kill lands mid-job."""

import time

from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Enricher, Proposal


class SlowTagger(Enricher):
    """Tags every title, slowly."""

    name = "test.slow-tagger"
    version = "1"
    accepts = frozenset({"text"})

    def _enrich(self, items):
        time.sleep(0.3)
        return [[Proposal(SuggestionKind.tag, f"tag {i.record_id}", 0.5)] if i.field == "title" else [] for i in items]
'''


@pytest.fixture
def plugin_path(tmp_path) -> str:
    site = tmp_path / "site"
    site.mkdir()
    (site / "verrijk_slow_tagger.py").write_text(PLUGIN)
    info = site / "verrijk_slow_tagger-1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: verrijk-slow-tagger\nVersion: 1\n")
    (info / "entry_points.txt").write_text("[verrijk.enrichers]\ntest.slow-tagger = verrijk_slow_tagger:SlowTagger\n")
    return os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)


@pytest.fixture
def store(db_url):
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    yield sessions
    engine.dispose()


def counts(sessions, *columns):
    with sessions() as session:
        return [session.scalar(select(func.count()).select_from(c)) for c in columns]


def test_an_enrichment_job_resumes_by_itself_after_kill_9(db_url, tmp_path, store, plugin_path):
    with store() as session:
        org = ensure_organisation(session, "museum", "Museum")
        key, _ = create_api_key(session, org, "admin", "beheer")
        lines = "".join(json.dumps({"source_id": str(i), "title": f"Prent {i}"}) + "\n" for i in range(RECORDS))
        ingest(session, Repo(session, Scope(org.id)), "c", "r.jsonl", data=lines.encode())
        session.commit()
    port = free_port()
    base, headers = f"http://127.0.0.1:{port}", {"X-API-Key": key}
    env = server_env(db_url, tmp_path / "data", port) | {
        "PYTHONPATH": plugin_path,
        "VERRIJK_ENRICH_BATCH_SIZE": "5",
        "VERRIJK_JOB_STALE_SECONDS": "1",
        "VERRIJK_JOB_RECOVERY_SECONDS": "0.5",
    }
    server = start(["serve", "--port", str(port)], env, tmp_path / "first.log")
    try:
        wait_until_up(server, base, tmp_path / "first.log")
        job = httpx.post(f"{base}/jobs", json={"collection": "c", "enrichers": ["test.slow-tagger"]}, headers=headers)
        assert job.status_code == 202, job.text
        job_id = job.json()["id"]
        deadline = time.monotonic() + 60
        while httpx.get(f"{base}/jobs/{job_id}", headers=headers).json()["done"] < 15:
            assert time.monotonic() < deadline, "the job made no progress"
            time.sleep(0.1)
    finally:
        server.kill()  # SIGKILL: no shutdown, no cleanup
        server.wait()

    with store() as session:
        crashed = session.get(Job, job_id)
        stored = session.scalar(select(func.count(Suggestion.id)))
        assert crashed.status == "running" and 15 <= crashed.done < RECORDS
        assert stored == crashed.done == crashed.result["created"]  # whole batches only, each with its position

    server = start(["serve", "--port", str(port)], env, tmp_path / "second.log")
    try:
        wait_until_up(server, base, tmp_path / "second.log")
        deadline = time.monotonic() + 90
        while (job := httpx.get(f"{base}/jobs/{job_id}", headers=headers).json())["status"] != "done":
            assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
            time.sleep(0.2)
    finally:
        stop(server)
    assert job["done"] == RECORDS and job["result"]["created"] == RECORDS
    with store() as session:
        labels = session.scalars(select(Suggestion.label)).all()
        keys = session.scalars(select(Suggestion.key)).all()
    assert sorted(labels) == sorted(f"tag {i}" for i in _record_ids(store)) and len(set(keys)) == len(keys) == RECORDS
    assert "job recovered after its process died" in (tmp_path / "second.log").read_text()


def _record_ids(store) -> list[int]:
    with store() as session:
        return list(session.scalars(select(Record.id)))


def test_an_ingest_killed_mid_file_leaves_whole_batches_and_completes_when_run_again(db_url, tmp_path, store):
    total, batch = 6000, 200
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({"source_id": f"r{i}", "title": f"Foto {i}"}) + "\n" for i in range(total)))
    env = server_env(db_url, tmp_path / "data", 0) | {"VERRIJK_INGEST_BATCH_SIZE": str(batch)}
    assert start(["init", "--org", "museum", "--no-geonames"], env, tmp_path / "init.log").wait() == 0
    proc = start(["ingest", str(path), "-c", "groot"], env, tmp_path / "ingest.log")
    deadline = time.monotonic() + 120
    while (stored := counts(store, Record)[0]) == 0:
        assert proc.poll() is None and time.monotonic() < deadline, Path(tmp_path / "ingest.log").read_text()[-2000:]
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    stored = counts(store, Record)[0]
    assert 0 < stored < total and stored % batch == 0  # a batch is one transaction: all of it or none

    again = start(["ingest", str(path), "-c", "groot", "--json"], env, tmp_path / "again.log")
    assert again.wait(timeout=300) == 0, (tmp_path / "again.log").read_text()[-2000:]
    output = (tmp_path / "again.log").read_text()  # the progress bar (stderr), then the JSON report (stdout)
    report = json.loads(output[output.index("{") :])
    assert report["unchanged"] == stored and report["created"] == total - stored
    with store() as session:
        assert session.scalar(select(func.count(func.distinct(Record.source_id)))) == counts(store, Record)[0] == total

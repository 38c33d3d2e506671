"""kill -9 in the middle of work: an enrichment job resumes by itself when the server comes back, an ingest run
again completes, a bulk review leaves no half-applied decision and completes when sent again; nothing is lost,
stored twice or half-written (real subprocesses, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import httpx
import pytest
from seeding import seed
from serving import free_port, server_env, start, stop, wait_until_up
from sqlalchemy import func, select

from verrijk.ingest.service import ingest
from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.db import make_engine, session_factory
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import AuditEntry, Decision, Job, Record, StreamMember, Suggestion

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


SLOW_DECISIONS = '''
"""Slows each decision of a bulk down and says how far the bulk got, so that a kill lands mid-transaction."""

import sys
import time

from verrijk.review import queue

_decide = queue.decide_one
_made = 0


def _slowly(*args, **kwargs):
    global _made
    decision = _decide(*args, **kwargs)
    _made += 1
    print(f"bulk decision {_made} made", file=sys.stderr, flush=True)
    time.sleep(0.02)
    return decision


queue.decide_one = _slowly
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


def test_a_bulk_review_killed_mid_way_leaves_nothing_half_applied_and_completes_when_sent_again(
    db_url, tmp_path, store
):
    with store() as session:
        org = ensure_organisation(session, "museum", "Museum")
        key, _ = create_api_key(session, org, "cataloger", "beheer")
        ids = seed(session, org, 120)
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(SLOW_DECISIONS)  # imported by the server's Python at start
    port = free_port()
    base, headers = f"http://127.0.0.1:{port}", {"X-API-Key": key}
    env = server_env(db_url, tmp_path / "data", port)
    bulk = {"bulk": {"ids": ids, "status": "accepted"}}
    log = tmp_path / "first.log"
    server = start(["serve", "--port", str(port)], env | {"PYTHONPATH": os.pathsep.join([str(slow), *_paths()])}, log)
    try:
        wait_until_up(server, base, log)
        sending = threading.Thread(target=_post_ignoring_the_crash, args=(f"{base}/review/decisions", bulk, headers))
        sending.start()
        deadline = time.monotonic() + 60
        while "bulk decision 40 made" not in log.read_text():
            assert time.monotonic() < deadline and server.poll() is None, log.read_text()[-2000:]
            time.sleep(0.02)
    finally:
        server.kill()  # SIGKILL in the middle of the bulk's transaction
        server.wait()
    sending.join()
    assert "bulk decision 120 made" not in log.read_text()
    assert _review_state(store) == ({"suggested": 120}, 0, 0, 0)  # not one of the 40 made it: all or none

    server = start(["serve", "--port", str(port)], env, tmp_path / "second.log")
    try:
        wait_until_up(server, base, tmp_path / "second.log")
        again = httpx.post(f"{base}/review/decisions", json=bulk, headers=headers, timeout=120)
        assert again.status_code == 200 and sorted(again.json()["decided"]) == sorted(ids), again.text
        once_more = httpx.post(f"{base}/review/decisions", json=bulk, headers=headers, timeout=120)
        assert once_more.status_code == 200 and once_more.json()["decided"] == []  # already done: nothing twice
    finally:
        stop(server)
    assert _review_state(store) == ({"accepted": 120}, 120, 120, 120)
    with store() as session:
        per_suggestion = session.execute(select(Decision.suggestion_id, func.count()).group_by(Decision.suggestion_id))
        assert sorted(per_suggestion) == [(i, 1) for i in sorted(ids)]  # each with its own decision, once


def _paths() -> list[str]:
    return [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]


def _post_ignoring_the_crash(url: str, body: dict, headers: dict) -> None:
    try:
        httpx.post(url, json=body, headers=headers, timeout=120)
    except httpx.HTTPError:
        pass  # the server died under the request: that is the point


def _review_state(store) -> tuple[dict[str, int], int, int, int]:
    """Suggestions per status; decisions; audit entries of decisions; stream members of decisions."""
    with store() as session:
        statuses = dict(session.execute(select(Suggestion.status, func.count()).group_by(Suggestion.status)).all())
        audited = select(func.count(AuditEntry.id)).where(AuditEntry.action.like("suggestion.%"))
        streamed = select(func.count(StreamMember.id)).where(StreamMember.kind == "annotation")
        return (
            statuses,
            session.scalar(select(func.count(Decision.id))),
            session.scalar(audited),
            session.scalar(streamed),
        )

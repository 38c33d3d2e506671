"""Enrichment jobs: rights gate, idempotency, resume after a crash, cancel, provenance, decisions."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Enricher, Item, Proposal
from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.enrich.pipeline import run_job
from verrijk.enrich.registry import REGISTRY, EnricherSpec
from verrijk.ingest.service import ingest
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Organisation, Suggestion

INC = "http://rightsstatements.org/vocab/InC/1.0/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
RECORDS = (
    b'{"source_id": "open", "title": "Gezicht op Paramaribo", "rights": "' + CC0.encode() + b'",'
    b' "media": ["https://x.org/open.mp3"], "creator": ["Valck, Gerard"]}\n'
    b'{"source_id": "closed", "title": "Interview met een planter", "rights": "' + INC.encode() + b'",'
    b' "media": ["https://x.org/closed.mp3"]}\n'
    b'{"source_id": "unknown", "title": "Lied zonder rechten", "media": ["https://x.org/unknown.mp3"]}\n'
)


class Transcriber(Enricher):
    """Stands in for speech to text: reads the content itself, and remembers every item it was given."""

    name = "test.transcriber"
    version = "1"
    accepts = frozenset({"image", "audio"})
    reads_protected_content = True
    seen: list[Item] = []

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        type(self).seen.extend(items)
        return [[Proposal(SuggestionKind.transcript, f"transcript of {i.url}", 0.5)] for i in items]


@pytest.fixture
def transcriber():
    REGISTRY.add(EnricherSpec.of(Transcriber, source="tests"))
    Transcriber.seen = []
    yield Transcriber
    REGISTRY.remove(Transcriber.name)


@pytest.fixture
def repo(session, org, shipped_creators):
    r = Repo(session, Scope(org.id))
    assert ingest(session, r, "audio", "r.jsonl", data=RECORDS).created == 3
    return r


def _run(session, repo, names, settings):
    job = create_enrich_job(repo, "audio", names, settings)
    return execute(session, repo.scope, job.id, batch_size=2, settings=settings)


def test_in_copyright_items_never_reach_a_content_reading_enricher(session, repo, transcriber, settings):
    job = _run(session, repo, ["test.transcriber"], settings)
    assert {i.url for i in transcriber.seen} == {"https://x.org/open.mp3", "https://x.org/unknown.mp3"}
    assert job.result["skipped_by_rights"] == {"test.transcriber": 1}
    org = repo.organisation()
    org.settings = {"treat_unknown_rights_as_protected": True}
    session.commit()
    transcriber.seen.clear()
    _run(session, repo, ["test.transcriber"], settings)
    assert {i.url for i in transcriber.seen} == {"https://x.org/open.mp3"}
    org.settings = {"allow_in_copyright": ["test.transcriber"]}
    session.commit()
    transcriber.seen.clear()
    _run(session, repo, ["test.transcriber"], settings)
    assert {i.url for i in transcriber.seen} == {
        "https://x.org/open.mp3",
        "https://x.org/closed.mp3",
        "https://x.org/unknown.mp3",
    }


def test_metadata_enrichers_are_not_gated(session, repo, settings):
    job = _run(session, repo, ["link.creators"], settings)
    assert job.status == "done" and job.result["skipped_by_rights"] == {}
    s = session.scalar(select(Suggestion).where(Suggestion.enricher == "link.creators"))
    assert s.label == "Gerard Valck" and s.field == "creator.0" and (s.span_start, s.span_end) == (0, 13)
    assert s.authority_uri.startswith(("http://www.wikidata.org/entity/Q", "https://rkd.nl/", "http://viaf.org/"))
    assert s.enricher_version and 0 < s.score <= 1
    assert s.extra["mention"] == "Valck, Gerard" and s.extra["authority"] == "vkc-creators"


def test_rerun_adds_nothing_and_resume_continues_after_a_crash(session, repo, transcriber, monkeypatch, settings):
    first = _run(session, repo, ["test.transcriber"], settings)
    count = session.scalar(select(func.count(Suggestion.id)))
    assert first.result["created"] == count == 2
    assert _run(session, repo, ["test.transcriber"], settings).result["created"] == 0
    assert session.scalar(select(func.count(Suggestion.id))) == count

    session.execute(Suggestion.__table__.delete())
    session.commit()
    job = create_enrich_job(repo, "audio", ["test.transcriber"], settings)
    calls = {"n": 0}
    original = Transcriber._enrich

    def crash_on_second_batch(self, items):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return original(self, items)

    monkeypatch.setattr(Transcriber, "_enrich", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        execute(session, repo.scope, job.id, batch_size=2, settings=settings)
    session.expire_all()
    crashed = repo.job(job.id)
    assert crashed.status == "failed" and "power cut" in crashed.error and crashed.done == 2
    assert session.scalar(select(func.count(Suggestion.id))) == 1  # the first batch's, committed
    monkeypatch.setattr(Transcriber, "_enrich", original)
    transcriber.seen.clear()
    resumed = execute(session, repo.scope, job.id, batch_size=2, settings=settings)
    assert resumed.status == "done" and resumed.result["created"] == 2
    assert [i.url for i in transcriber.seen] == ["https://x.org/unknown.mp3"]  # only what was left
    assert session.scalar(select(func.count(Suggestion.id))) == 2


class Hanger(Enricher):
    """A model that never answers (until the test lets it go)."""

    name = "test.hanger"
    version = "1"
    accepts = frozenset({"text"})
    release = threading.Event()

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        type(self).release.wait()
        return [[] for _ in items]


@pytest.fixture
def hanger():
    REGISTRY.add(EnricherSpec.of(Hanger, source="tests"))
    Hanger.release.clear()
    yield Hanger
    Hanger.release.set()  # the abandoned calls end, and their threads with them
    REGISTRY.remove(Hanger.name)


def test_a_hanging_model_fails_its_items_after_the_timeout_and_the_job_ends(
    session, repo, transcriber, hanger, settings
):
    quick = settings.model_copy(update={"enrich_timeout_s": 0.2})
    started = time.monotonic()
    job = execute(
        session,
        repo.scope,
        create_enrich_job(repo, "audio", ["test.hanger", "test.transcriber"], quick).id,
        batch_size=2,
        settings=quick,
    )
    assert job.status == "done" and time.monotonic() - started < 10
    assert job.result["created"] == 2  # the transcriber's, beside the hung model
    failed = job.result["failed"]  # every text item (3 titles, 1 creator), in 2 batches: the second waited its turn
    assert job.result["failed_count"] == 4 and {f["enricher"] for f in failed} == {"test.hanger"}
    assert "test.hanger gave no answer for 3 items within 0.2 s (VERRIJK_ENRICH_TIMEOUT_S)" == failed[0]["reason"]


def test_cancelled_job_stops(session, repo, transcriber, settings):
    job = create_enrich_job(repo, "audio", ["test.transcriber"], settings)
    job.status = "cancelled"
    session.commit()
    assert run_job(session, repo, job, [Transcriber()]).status == "cancelled"
    assert transcriber.seen == []


def test_enrich_over_the_api_with_decisions(client, org, session, shipped_creators):
    client.post("/collections/audio/ingest", headers=org.headers(), files={"file": ("r.jsonl", RECORDS)})
    r = client.post("/jobs", json={"collection": "audio"}, headers=org.headers())
    assert r.status_code == 202 and r.json()["kind"] == "enrich"
    for _ in range(50):
        job = client.get(f"/jobs/{r.json()['id']}", headers=org.headers()).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "done" and job["result"]["created"] == 1 and job["progress"] == 1.0
    suggestions = client.get("/suggestions", headers=org.headers()).json()
    assert suggestions["total"] == 1
    sid = suggestions["items"][0]["id"]
    assert suggestions["items"][0]["enricher"] == "link.creators"
    assert suggestions["items"][0]["extra"]["mention"] == "Valck, Gerard"  # what it read, over the API too
    d = client.post(f"/suggestions/{sid}/decisions", json={"status": "accepted"}, headers=org.headers())
    assert d.status_code == 201 and d.json()["before"]["status"] == "suggested"
    e = client.post(
        f"/suggestions/{sid}/decisions",
        json={"status": "edited", "label": "Gerard Valck (1652-1726)", "reason": "dates"},
        headers=org.headers(),
    )
    assert e.json()["after"]["label"] == "Gerard Valck (1652-1726)"
    bad = client.post(f"/suggestions/{sid}/decisions", json={"status": "edited"}, headers=org.headers())
    assert bad.status_code == 422 and "an edit must change" in bad.json()["detail"]
    history = client.get(f"/suggestions/{sid}/decisions", headers=org.headers()).json()
    assert [h["action"] for h in history] == ["accepted", "edited"]
    assert (
        client.post(
            f"/suggestions/{sid}/decisions", json={"status": "accepted"}, headers=org.headers("volunteer")
        ).status_code
        == 403
    )


def refused(r, status: int, says: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert says in r.json()["detail"], r.json()


def test_bad_job_requests(client, org):
    client.post("/collections/audio/ingest", headers=org.headers(), files={"file": ("r.jsonl", RECORDS)})
    refused(client.post("/jobs", json={"collection": "nope"}, headers=org.headers()), 404, "'nope'")
    for collection in ("audio", "nope"):  # the enricher is checked first, and nothing is queued
        r = client.post("/jobs", json={"collection": collection, "enrichers": ["magic"]}, headers=org.headers())
        refused(r, 422, "unknown enricher 'magic'")
    assert [j["kind"] for j in client.get("/jobs", headers=org.headers()).json()["items"]] == ["ingest"]


def test_finished_and_ingest_jobs_cannot_be_cancelled_or_resumed(client, org, session, settings, shipped_creators):
    client.post("/collections/audio/ingest", headers=org.headers(), files={"file": ("r.jsonl", RECORDS)})
    (ingest_job,) = client.get("/jobs", headers=org.headers()).json()["items"]
    started = client.post("/jobs", json={"collection": "audio"}, headers=org.headers()).json()
    done = client.get(f"/jobs/{started['id']}", headers=org.headers()).json()  # the test client ran it already
    assert (ingest_job["kind"], ingest_job["status"], done["status"]) == ("ingest", "done", "done")

    def act(job_id: int, action: str):
        return client.post(f"/jobs/{job_id}/{action}", headers=org.headers())

    refused(act(done["id"], "cancel"), 409, f"job {done['id']} is already done")
    refused(act(done["id"], "resume"), 409, f"job {done['id']} is already done")
    refused(act(ingest_job["id"], "cancel"), 409, f"job {ingest_job['id']} is already done")
    refused(act(ingest_job["id"], "resume"), 409, f"job {ingest_job['id']} is an ingest job")
    queued = create_enrich_job(Repo(session, Scope(org.id)), "audio", ["link.creators"], settings).id
    assert act(queued, "cancel").json()["status"] == "cancelled"
    refused(act(queued, "cancel"), 409, f"job {queued} is already cancelled")
    resumed = act(queued, "resume")
    assert resumed.status_code == 202 and resumed.json()["status"] == "queued"
    assert client.get(f"/jobs/{queued}", headers=org.headers()).json()["status"] == "done"
    refused(act(queued, "resume"), 409, f"job {queued} is already done")


def test_jobs_quota(session, repo, settings):
    session.get(Organisation, repo.org_id).quota_jobs = 1
    session.commit()
    create_enrich_job(repo, "audio", ["link.creators"], settings)
    from verrijk.store.repo import QuotaExceeded

    with pytest.raises(QuotaExceeded, match="1 jobs at once"):
        create_enrich_job(repo, "audio", ["link.creators"], settings)


def test_an_orphaned_job_is_claimed_by_exactly_one_recoverer(session, repo, settings):
    from datetime import timedelta

    from verrijk.store.repo.jobs import claim_job, orphaned_jobs
    from verrijk.store.tables import utcnow

    job = create_enrich_job(repo, "audio", ["link.creators"], settings)
    job.status, job.updated_at = "running", utcnow() - timedelta(minutes=10)
    session.commit()
    stale_before = utcnow() - timedelta(minutes=5)
    assert orphaned_jobs(session, "enrich", stale_before) == [(job.id, repo.org_id)]
    assert claim_job(session, job.id, stale_before) is True
    assert claim_job(session, job.id, stale_before) is False  # the first claim made it fresh: nobody else gets it
    session.commit()
    session.refresh(job)
    assert job.status == "queued" and orphaned_jobs(session, "enrich", stale_before) == []

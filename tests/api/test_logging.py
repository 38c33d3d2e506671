"""What the running service logs: a request id per call, access lines, jobs and ingests with organisation and job
id, unhandled errors with their traceback, and never a secret (API key, password, session cookie, DB password)."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient
from webforms import sign_in

from verrijk import logs
from verrijk.config import Settings
from verrijk.enrich.text.linking.loaders import load
from verrijk.store.accounts import set_membership, set_password
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Organisation

RECORDS = (
    b'{"source_id": "r1", "title": "Gezicht op Paramaribo", "creator": ["Valck, Gerard"], "language": "nl"}\n'
    b'{"source_id": "r2", "title": "Plantage Marienburg", "language": "nl"}\n'
    b'{"source_id": "r3", "title": "Kaart van Suriname", "language": "nl"}\n'
    b'{"source_id": "", "title": "no identifier"}\n'
)
PASSWORD = "correct horse battery staple"
DB_PASSWORD = "pg-pass-0451"


@pytest.fixture(autouse=True)
def restore_logging():
    """configure() changes process-wide logging; put back what the test found."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in logs.OWN_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, own in levels.items():
        logging.getLogger(name).setLevel(own)


@pytest.fixture
def settings(settings):
    settings.log_format = "json"
    settings.ingest_batch_size = settings.enrich_batch_size = 2
    return settings


def logged(capsys) -> list[dict]:
    """The JSON records written to stderr since the last call."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]


def test_every_request_gets_an_id_and_one_access_line_with_the_organisation(client, org, capsys):
    capsys.readouterr()
    r = client.get("/jobs?limit=5", headers=org.headers())
    assert r.status_code == 200
    request_id = r.headers["x-request-id"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    (line,) = [e for e in logged(capsys) if e["logger"] == "verrijk.access"]
    assert line["request_id"] == request_id and line["organisation_id"] == org.id
    assert (line["method"], line["path"], line["status"], line["level"]) == ("GET", "/jobs", 200, "INFO")
    assert line["duration_ms"] >= 0 and "limit" not in line["message"]
    assert "museum-a-cataloger" not in str(line)  # the organisation, never the person


def test_a_valid_incoming_request_id_is_echoed_and_any_other_replaced(client, capsys):
    capsys.readouterr()
    assert client.get("/health", headers={"X-Request-ID": "trace-42.a:b"}).headers["x-request-id"] == "trace-42.a:b"
    for unsafe in ("has space", "x" * 200, "<script>"):
        echoed = client.get("/health", headers={"X-Request-ID": unsafe}).headers["x-request-id"]
        assert echoed != unsafe and len(echoed) == 32
    ids = [e["request_id"] for e in logged(capsys) if e["logger"] == "verrijk.access"]
    assert ids[0] == "trace-42.a:b" and len(set(ids)) == 4


def test_ingest_logs_start_batches_rejects_and_done(client, org, capsys):
    capsys.readouterr()
    report = client.post("/collections/c/ingest", headers=org.headers(), files={"file": ("r.jsonl", RECORDS)}).json()
    assert report["created"] == 3 and report["rejected_count"] == 1
    entries = [e for e in logged(capsys) if e["logger"] == "verrijk.ingest.service"]
    assert [e["message"].split(":")[0] for e in entries] == [
        "ingest of r.jsonl (jsonl) started",
        "ingest batch stored",
        "ingest batch stored",
        "ingest done",
    ]
    assert all(e["organisation_id"] == org.id and e["job_id"] == report["job_id"] for e in entries)
    assert entries[-1]["level"] == "WARNING" and entries[-1]["rejected"] == 1 and entries[-1]["new"] == 3


def test_enrichment_progress_is_logged_per_batch(client, org, capsys, shipped_creators):
    client.post("/collections/c/ingest", headers=org.headers(), files={"file": ("r.jsonl", RECORDS)})
    capsys.readouterr()
    job = client.post("/jobs", json={"collection": "c", "enrichers": ["link.creators"]}, headers=org.headers()).json()
    assert client.get(f"/jobs/{job['id']}", headers=org.headers()).json()["status"] == "done"
    batches = [e for e in logged(capsys) if e["logger"] == "verrijk.enrich.pipeline"]
    assert [(e["done"], e["total"], e["suggestions"]) for e in batches] == [(2, 3, 1), (3, 3, 1)]
    assert all(e["organisation_id"] == org.id and e["job_id"] == job["id"] for e in batches)
    assert batches[-1]["message"] == "enriched 3 of 3 records, 1 suggestions created"


def test_an_authority_load_and_its_index_build_are_logged_with_their_size(client, org, session, capsys):
    capsys.readouterr()
    version = f"people-{uuid.uuid4().hex}"  # a new version: the index cache of this process cannot hold it yet
    Repo(session, Scope(org.id)).load_authority(
        "mensen", load(FIXTURES / "authorities" / "people.csv"), version, "csv", "Mensen", "people.csv"
    )
    session.commit()
    r = client.get("/authorities/mensen/entries", params={"q": "Vermeer"}, headers=org.headers())
    assert r.status_code == 200 and r.json()
    entries = logged(capsys)
    (loaded,) = [e for e in entries if e["logger"] == "verrijk.store.repo.authorities"]
    (indexed,) = [e for e in entries if e["logger"] == "verrijk.enrich.text.linking.store"]
    assert loaded["message"].startswith("authority mensen loaded: ") and loaded["organisation_id"] == org.id
    assert indexed["message"].startswith("authority mensen indexed: ") and indexed["version"] == version
    assert indexed["request_id"] == r.headers["x-request-id"] and indexed["organisation_id"] == org.id
    assert loaded["seconds"] >= 0 and indexed["seconds"] >= 0


def test_a_failing_background_job_logs_the_failure_with_organisation_and_job(client, org, settings, capsys):
    client.post("/collections/c/ingest", headers=org.headers(), files={"file": ("r.jsonl", RECORDS)})
    settings.ner_models, settings.link_authorities = {"nl": "no-such-ner-model"}, []  # a deployment's typo
    capsys.readouterr()
    r = client.post("/jobs", json={"collection": "c", "enrichers": ["ner"]}, headers=org.headers())
    assert r.status_code == 202
    job = client.get(f"/jobs/{r.json()['id']}", headers=org.headers()).json()
    assert job["status"] == "failed" and "no-such-ner-model" in job["error"]
    (failure,) = [e for e in logged(capsys) if e["message"] == "job failed"]
    assert failure["level"] == "ERROR" and failure["logger"] == "verrijk.enrich.jobs"
    assert (failure["organisation_id"], failure["job_id"]) == (org.id, job["id"])
    assert failure["request_id"] == r.headers["x-request-id"]  # the request that started it
    assert "ModelError: cannot load spaCy model no-such-ner-model" in failure["exception"]


def test_an_unhandled_error_is_logged_with_its_traceback_and_request_id(app, capsys):
    def crash():
        raise RuntimeError(f"lost postgresql://verrijk:{DB_PASSWORD}@db/verrijk")

    app.add_api_route("/crash", crash)
    capsys.readouterr()
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/crash", headers={"X-Request-ID": "crash-1"}).status_code == 500
    err = capsys.readouterr().err
    error, access = [json.loads(line) for line in err.splitlines() if '"verrijk.access"' in line]
    assert (error["level"], error["request_id"]) == ("ERROR", "crash-1")
    assert error["message"] == "unhandled error in GET /crash"
    assert "Traceback" in error["exception"] and "RuntimeError: lost postgresql://verrijk:***@db" in error["exception"]
    assert (access["status"], access["request_id"]) == (500, "crash-1")
    assert DB_PASSWORD not in err


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_reaches_the_log(client, org, settings, session, log_format, capsys):
    settings.log_format, settings.log_level = log_format, "DEBUG"
    logs.configure(settings)
    set_membership(session, set_password(session, "an", PASSWORD), session.get(Organisation, org.id), "cataloger")
    session.commit()
    key, unknown = org.keys["admin"], "vk_" + "u" * 43
    capsys.readouterr()

    assert client.get(f"/jobs?api_key={key}", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/jobs", headers={"X-API-Key": unknown}).status_code == 401
    form = {"username": "an", "password": PASSWORD}
    assert sign_in(client, **form).status_code == 303
    cookie = client.cookies["verrijk_session"]
    assert client.get("/", headers={"accept": "text/html"}).status_code == 200
    log = logging.getLogger("verrijk.test")
    log.info(
        "request headers %s; password=%s; database %s",
        {"x-api-key": key, "cookie": f"verrijk_session={cookie}"},
        PASSWORD,
        f"postgresql://verrijk:{DB_PASSWORD}@db:5432/verrijk",
        extra={"api_key": key, "password": PASSWORD, "detail": {"X-API-Key": unknown, "seen": [key]}},
    )
    try:
        raise PermissionError(f"key {key} may not do this")
    except PermissionError:
        log.exception("refused")

    err = capsys.readouterr().err
    assert "request headers" in err and "refused" in err and err.count("GET /jobs ") == 2 and "***" in err
    for secret in (key, unknown, PASSWORD, cookie, DB_PASSWORD):
        assert secret not in err


def test_configure_is_idempotent_and_takes_level_and_format_from_settings(monkeypatch):
    monkeypatch.setenv("VERRIJK_LOG_LEVEL", "debug")
    monkeypatch.setenv("VERRIJK_LOG_FORMAT", "JSON")
    settings = Settings()
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    logs.configure(settings)
    logs.configure(settings)
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, logs.StderrHandler)]
    assert isinstance(handler.formatter, logs.JsonFormatter)
    assert logging.getLogger("verrijk").level == logging.DEBUG and logging.getLogger().level == logging.WARNING
    monkeypatch.delenv("VERRIJK_LOG_LEVEL")
    logs.configure(Settings(), default_level="WARNING")  # the CLI's default
    assert logging.getLogger("verrijk").getEffectiveLevel() == logging.WARNING
    assert len([h for h in logging.getLogger().handlers if isinstance(h, logs.StderrHandler)]) == 1

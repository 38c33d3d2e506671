"""Schemathesis against the app's own OpenAPI schema, in process: every operation, at least 1,000 generated requests,
no server error, and every answer as the schema says (status, content type, body); schema-valid requests accepted.
Then schema-invalid requests: still no server error. An admin key so that authorisation passes
(tests/api/test_access.py proves who may call what)."""

from __future__ import annotations

import time

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from verrijk.app import create_app
from verrijk.config import Settings
from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.db import migrate

EXAMPLES_PER_OPERATION = 25  # fewer where the inputs run out first: about 1,350 requests over 66 operations
INVALID_EXAMPLES_PER_OPERATION = 5  # schema-invalid requests: about 190 more
MIN_REQUESTS = 1_000

# Whether a schema-valid request is accepted here depends on what is stored or installed, which no schema can say;
# a 400 or 422 naming the problem is the right answer. Only the positive-data check is off for these: server errors,
# statuses, content types and bodies are checked as everywhere.
STATE_DEPENDENT = {
    "GET /records": "a cursor must be one this API returned",
    "GET /jobs": "a cursor must be one this API returned",
    "GET /suggestions": "a cursor must be one this API returned",
    "GET /search": "a cursor must be one this API returned, for the same query",
    "POST /jobs": "enricher names are those installed (GET /enrichers)",
    "GET /enrichers/{name}": "enricher names are those installed",
    "PATCH /enrichers/{name}": "enricher names are those installed, parameters each enricher's own",
    "PUT /config/enrichers": "enricher names are those installed, parameters each enricher's own",
    "POST /collections/{slug}/ingest": "the file must be in one of the input formats, with a header row",
    "POST /enrich/media": "the media must be readable: a file under VERRIJK_MEDIA_DIRS or a public http(s) URL",
    "POST /suggestions/{suggestion_id}/decisions": "an edit must change the suggestion's label or link",
}


@pytest.fixture
def fuzzed_app(tmp_path):
    app = create_app(
        Settings(data_dir=tmp_path / "data", secret_key="fuzz", enrichers=["link.creators"], log_level="WARNING")
    )
    migrate(app.state.engine)
    with app.state.sessions() as session:
        org = ensure_organisation(session, "fuzz", "Fuzz")
        key, _ = create_api_key(session, org, "admin", "fuzzer")
        session.commit()
    with TestClient(app) as client:  # a few records, so that ids 1..3 exist and the fuzzer reaches past 404s
        data = b"source_id,title,creator\nf1,Kaart van Suriname,\nf2,Portret,Rembrandt\nf3,Plantage,\n"
        r = client.post("/collections/fuzz/ingest", headers={"X-API-Key": key}, files={"file": ("f.csv", data)})
        assert r.status_code == 200
        # the first text enrichment (per language, and detecting one) and search load their models: 20 s on a busy
        # machine, past schemathesis' 10 s per request (a model load, not an answer, is what a first call measures)
        headers = {"X-API-Key": key}
        texts = [{"text": "Kaart"}, *({"text": "Kaart", "language": language} for language in ("nl", "fr", "en", "de"))]
        assert client.post("/enrich", headers=headers, json={"texts": texts, "authorities": []}).status_code == 200
        assert client.get("/search", headers=headers, params={"query": "kaart"}).status_code == 200
    yield app, key
    app.state.engine.dispose()


def test_every_operation_survives_schemathesis(fuzzed_app):
    app, key = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    calls: dict[str, int] = {}
    invalid: dict[str, int] = {}
    failures: dict[str, str] = {}
    started = time.monotonic()
    for operation in operations:
        try:
            _fuzz(operation, key, calls)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation's failure is reported together
            failures[operation.label] = _describe(exc)[:3000]
        try:
            _fuzz(operation, key, invalid, GenerationMode.NEGATIVE)
        except Unsatisfiable:  # nothing in this operation's input can be made invalid (no parameters, free strings)
            pass
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
            failures[f"{operation.label} (invalid input)"] = _describe(exc)[:3000]
    elapsed = time.monotonic() - started
    total = sum(calls.values())
    print(
        f"schemathesis: {total} schema-valid and {sum(invalid.values())} invalid requests over {len(operations)} "
        f"operations in {elapsed:.0f} s; {len(failures)} failed"
    )
    for label, failure in failures.items():
        print(f"--- {label}\n{failure}")
    assert failures == {}
    assert len(operations) == len(calls) and total >= MIN_REQUESTS


def _describe(exc: BaseException) -> str:
    """The failure and, for a group (Hypothesis' FlakyFailure among them), each failure in it: what check failed."""
    inner = getattr(exc, "exceptions", ())
    return "\n".join([f"{type(exc).__name__}: {exc}", *(_describe(e) for e in inner)])


def _fuzz(operation, key: str, calls: dict[str, int], mode: GenerationMode = GenerationMode.POSITIVE) -> None:
    if mode == GenerationMode.POSITIVE:
        examples, checks = EXAMPLES_PER_OPERATION, {}
        if operation.label in STATE_DEPENDENT:
            checks = {"excluded_checks": [positive_data_acceptance]}
    else:
        examples, checks = INVALID_EXAMPLES_PER_OPERATION, {"checks": [not_a_server_error]}

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case):
        calls[operation.label] = calls.get(operation.label, 0) + 1
        case.call_and_validate(headers={"X-API-Key": key}, **checks)

    fuzz()

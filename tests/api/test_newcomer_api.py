"""What a newcomer meets over the API: when a request is wrong, what a value must look like, in words (never a raw
regex); a server on another port than 8000 names its records with that port."""

from __future__ import annotations

import httpx
import pytest
from serving import free_port, server_env, start, stop, wait_until_up


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "words"),
    [
        ("get", "/records/1/media/0", {"params": {"region": "abc"}}, "'abc' is not a Media Fragments region: xywh="),
        ("get", "/suggestions", {"params": {"status": "done"}}, "'done' is not one of suggested, accepted"),
        ("get", "/search", {"params": {"query": "   "}}, "is not a text to find"),
        ("post", "/collections", {"json": {"slug": "Bad Slug", "name": "x"}}, "'Bad Slug' is not a slug: up to 100"),
        ("post", "/jobs", {"json": {"kind": "train", "collection": "c"}}, "'train' is not 'enrich'"),
    ],
)
def test_a_value_of_the_wrong_form_is_said_in_words(client, org, method, path, kwargs, words):
    answer = getattr(client, method)(path, headers=org.headers(), **kwargs)
    assert answer.status_code == 422
    problem = answer.json()
    assert words in problem["detail"] and "pattern" not in problem["detail"] and "^" not in problem["detail"]
    assert problem["errors"][0]["where"].split()[0] in ("query", "body")


def test_a_server_on_another_port_gives_its_records_uris_on_that_port(db_url, org, tmp_path):
    port = free_port()
    env = server_env(db_url, tmp_path / "data", port)
    del env["VERRIJK_BASE_URL"]  # as `make demo PORT=8123` runs it
    proc = start(["serve", "--port", str(port)], env, tmp_path / "server.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base, tmp_path / "server.log")
        data = b"source_id,title\nr1,Suikerriet\n"
        headers = org.headers()
        assert httpx.post(f"{base}/collections/c/ingest", headers=headers, files={"file": ("r.csv", data)}).is_success
        [record] = httpx.get(f"{base}/records", headers=headers).json()["items"]
        assert record["uri"] == f"{base}/records/{record['id']}"
    finally:
        stop(proc)

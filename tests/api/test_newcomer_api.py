"""What a newcomer meets over the API: when a request is wrong, what a value must look like, in words (never a raw
regex); a server on another port than 8000 names its records with that port."""

from __future__ import annotations

import httpx
import pytest
from seeding import seed
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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # where the server listens is the same on either
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


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        (
            "records.xlsx",
            b"PK\x03\x04\x14\x00\x06\x00" + bytes(64),
            "records.xlsx is a ZIP archive (an Excel or OpenDocument spreadsheet?), not an input",
        ),
        ("scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "scan.pdf is a PDF, not an input verrijk reads"),
        ("dump.bin", b"\x00\x01\x02source_id", "dump.bin is a binary file"),
    ],
)
def test_a_spreadsheet_or_pdf_upload_is_named_for_what_it_is(client, org, name, data, said):
    answer = client.post("/collections/c/ingest", headers=org.headers(), files={"file": (name, data)})
    assert answer.status_code == 400 and said in answer.json()["detail"]
    assert "CSV" in answer.json()["detail"] and "source_id" not in answer.json()["detail"]


def test_a_utf16_csv_is_still_read_as_csv(client, org):
    data = "source_id,title\nr1,Suikerriet\n".encode("utf-16")
    url = "/collections/c/ingest?encoding=utf-16"
    answer = client.post(url, headers=org.headers(), files={"file": ("r.txt", data)})
    assert answer.status_code == 200, answer.text


def test_a_validators_message_comes_without_pydantics_prefix(client, org):
    body = {"slug": "c", "name": "C", "default_rights": "free"}
    problem = client.post("/collections", headers=org.headers(), json=body).json()
    assert problem["errors"][0]["message"] == "'free' is not a rightsstatements.org or Creative Commons URI"


def test_calibration_with_an_empty_enricher_filter_covers_every_enricher(client, session, org):
    ids = seed(session, org, n=4)
    body = {"decisions": [{"id": i, "status": "accepted"} for i in ids]}
    assert client.post("/review/decisions", headers=org.headers(), json=body).status_code == 200
    every = client.get("/review/calibration", headers=org.headers()).json()["items"]
    assert every and client.get("/review/calibration?enricher=", headers=org.headers()).json()["items"] == every

"""Harvesting from URLs (OAI-PMH, LDES, IIIF) goes through the safe fetch: a loopback endpoint is refused until
an admin allows its host (VERRIJK_HARVEST_ALLOWED_HOSTS), a redirect is checked again, a page over the cap stops."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import FIXTURES
from sqlalchemy import func, select

from verrijk.config import Settings
from verrijk.ingest.service import ingest
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Record

OAI_PAGE = (FIXTURES / "oai" / "ListRecords.xml").read_bytes()
ALLOWED = Settings(harvest_allowed_hosts=["127.0.0.1"])


def manifest(base: str, n: int) -> dict:
    return {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{base}/iiif/m{n}.json",
        "type": "Manifest",
        "label": {"nl": [f"Prent {n}"]},
        "items": [],
    }


class Endpoint(BaseHTTPRequestHandler):
    seen: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).seen.append(self.path)
        base = f"http://127.0.0.1:{self.server.server_port}"
        path = self.path.split("?")[0]
        if path == "/elsewhere":  # a redirect to the same server under a name that is not allowed
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_port}/oai")
            self.end_headers()
            return
        if path == "/oai":
            body, kind = re.sub(rb"<resumptionToken[^<]*</resumptionToken>", b"", OAI_PAGE), "text/xml"  # one page
        elif path == "/iiif/collection.json":
            items = [{"id": f"{base}/iiif/m1.json", "type": "Manifest"}, manifest(base, 2)]  # one only referenced
            body, kind = json.dumps({"id": f"{base}{path}", "type": "Collection", "items": items}).encode(), "json"
        elif path == "/iiif/m1.json":
            body, kind = json.dumps(manifest(base, 1)).encode(), "application/json"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def stored(session) -> int:
    return session.scalar(select(func.count(Record.id)))


@pytest.mark.parametrize("path,fmt", [("/oai", "oai-dc"), ("/ldes/stream", "ldes"), ("/iiif/collection.json", "iiif")])
def test_a_loopback_endpoint_is_refused_by_default_and_never_asked(session, org, endpoint, path, fmt):
    Endpoint.seen.clear()
    report = ingest(session, Repo(session, Scope(org.id)), "c", endpoint + path, fmt=fmt, settings=Settings())
    assert not report.ok and "private, loopback or link-local" in report.error
    assert "VERRIJK_HARVEST_ALLOWED_HOSTS" in report.error and stored(session) == 0 and Endpoint.seen == []


def test_an_allowed_host_is_harvested_with_what_its_collections_reference(session, org, endpoint):
    repo = Repo(session, Scope(org.id))
    oai = ingest(session, repo, "oai", f"{endpoint}/oai", settings=ALLOWED)
    assert oai.ok and oai.format == "oai-dc" and oai.created > 0, oai.as_dict()
    iiif = ingest(session, repo, "iiif", f"{endpoint}/iiif/collection.json", settings=ALLOWED)
    assert iiif.ok and iiif.format == "iiif" and iiif.created == 2, iiif.as_dict()
    assert {r.title for r in session.scalars(select(Record).where(Record.source_id.like("%/iiif/m%")))} == {
        "Prent 1",
        "Prent 2",
    }


def test_redirects_are_checked_again_and_pages_are_capped(session, org, endpoint):
    repo = Repo(session, Scope(org.id))
    moved = ingest(session, repo, "c", f"{endpoint}/elsewhere", fmt="oai-dc", settings=ALLOWED)
    assert not moved.ok and "host 'localhost' resolves to" in moved.error
    tiny = Settings(harvest_allowed_hosts=["127.0.0.1"], harvest_max_mb=0.001)
    capped = ingest(session, repo, "c", f"{endpoint}/oai", settings=tiny)
    assert not capped.ok and "bytes, more than the limit of 1048" in capped.error and stored(session) == 0

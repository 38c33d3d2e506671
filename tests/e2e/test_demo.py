"""`verrijk demo` end to end, as `make demo` runs it: set up, ingest, print a key, serve; then call the API."""

from __future__ import annotations

import re

import httpx
from serving import free_port, server_env, start, stop, wait_until_up


def test_demo_sets_up_and_serves(db_url, tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    proc = start(["demo", "--port", str(port)], server_env(db_url, tmp_path / "data", port), log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(proc, base, log, timeout=300)
        output = log.read_text()
        assert "read 3668, stored 3668 new" in output, output
        key = re.search(r"cataloger API key: (vk_\S+)", output).group(1)
        r = httpx.get(f"{base}/records?limit=5", headers={"X-API-Key": key})
        body = r.json()
        assert r.status_code == 200 and len(body["items"]) == 5 and body["total"] == 3668
        assert body["items"][0]["title"].startswith("Cornelis van Aerssen")
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        stop(proc)

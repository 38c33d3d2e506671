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
        wait_until_up(proc, base, log, timeout=360)  # the demo transcribes its two clips too (~10 CPU-s)
        output = log.read_text()
        assert "read 3668, stored 3668 new" in output, output
        key = re.search(r"cataloger API key: (vk_\S+)", output).group(1)
        headers = {"X-API-Key": key}
        r = httpx.get(f"{base}/records?limit=5&collection=rijksmuseum-suriname", headers=headers)
        body = r.json()
        assert r.status_code == 200 and len(body["items"]) == 5 and body["total"] == 3668
        assert body["items"][0]["title"].startswith("Cornelis van Aerssen")
        assert httpx.get(f"{base}/docs").status_code == 200
        # the media collections: index cards read by OCR, a photo scanned twice found as a near-duplicate
        assert "cards.jsonl: read 3, stored 3 new" in output and "photos.jsonl: read 6, stored 6 new" in output
        cards = httpx.get(f"{base}/records?collection=fiches&limit=10", headers=headers).json()["items"]
        read = {
            s["label"]
            for c in cards
            for s in httpx.get(f"{base}/records/{c['id']}", headers=headers).json()["suggestions"]
            if s["kind"] == "transcript"
        }
        assert "Procession de la Sainte-Dévotion, été 1905" in read and "Gezicht op de Schelde, één zomerdag" in read
        photos = {
            r["id"]: r["source_id"]
            for r in httpx.get(f"{base}/records?collection=beelden", headers=headers).json()["items"]
        }
        groups = httpx.get(f"{base}/collections/beelden/duplicates", headers=headers).json()
        assert [sorted(photos[i["record_id"]] for i in g["images"]) for g in groups] == [["coffee", "coffee-scan2"]]
        coffee = next(i for i, name in photos.items() if name == "coffee")
        alike = httpx.get(f"{base}/records/{coffee}/similar?by=image", headers=headers).json()["items"]
        assert photos[alike[0]["id"]] == "coffee-scan2"  # the photos' object labels make them findable by image
        thumb = httpx.get(f"{base}/records/{min(photos)}/media/0?size=160", headers=headers)
        assert thumb.headers["content-type"] == "image/jpeg"
        clips = httpx.get(f"{base}/records?collection=geluid", headers=headers).json()["items"]
        spans = [
            s["selector"]
            for c in clips
            for s in httpx.get(f"{base}/records/{c['id']}", headers=headers).json()["suggestions"]
            if s["label"] == "speech"
        ]
        assert len(spans) == 2 and all(s.startswith("t=") for s in spans)
        heard = [
            s
            for c in clips
            for s in httpx.get(f"{base}/records/{c['id']}", headers=headers).json()["suggestions"]
            if s["enricher"] == "audio.transcript"
        ]
        assert any(s["kind"] == "transcript" and "Antwerp" in s["label"] for s in heard)
        assert any(s["kind"] == "link" and s["authority_uri"] == "https://sws.geonames.org/2803138/" for s in heard)
    finally:
        stop(proc)

"""Photos findable by words without CLIP: image.objects labels a collection's photos, a Dutch, French or English
query finds them through their ConSE image vectors, GET /records/{id}/similar?by=image finds the same subject,
a rejected label leaves the image vector, and accepted labels join the record's searchable text."""

from __future__ import annotations

import json

from image_samples import sample, sample_path

from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.store.repo import Repo, Scope

PHOTOS = ("coffee", "chelsea", "rocket", "motorcycle_left", "camera")


def search(client, org, query: str, mode: str = "semantic") -> list[str]:
    r = client.get("/search", params={"query": query, "mode": mode, "rows": 3}, headers=org.headers())
    assert r.status_code == 200, r.text
    return [item["title"] for item in r.json()["items"]]


def test_photos_are_found_by_words_in_three_languages(client, org, session, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("VERRIJK_SEARCH_IMAGES_RECHECK_S", "0")  # see a rejection at once, not within 10 s
    settings.media_dirs = [tmp_path]
    for name in PHOTOS:
        (tmp_path / f"{name}.png").write_bytes(sample_path(name).read_bytes())  # named .png, typed by content
    cat = sample("chelsea")
    cat.crop((0, 0, int(cat.width * 0.7), cat.height)).save(tmp_path / "chelsea-detail.png")
    lines = [
        {"source_id": name, "title": f"Foto {name}", "language": "nl", "media": [f"file://{tmp_path / name}.png"]}
        for name in (*PHOTOS, "chelsea-detail")
    ]
    jsonl = "\n".join(json.dumps(line) for line in lines).encode()
    r = client.post("/collections/fotos/ingest", headers=org.headers(), files={"file": ("f.jsonl", jsonl)})
    assert r.json()["created"] == 6, r.text
    repo = Repo(session, Scope(org.id))
    job = execute(
        session, repo.scope, create_enrich_job(repo, "fotos", ["image.objects"], settings).id, settings=settings
    )
    assert job.status == "done" and job.result["created"] > 12

    for query in ("kat", "chat", "cat"):
        assert search(client, org, query)[:2] in (
            ["Foto chelsea", "Foto chelsea-detail"],
            ["Foto chelsea-detail", "Foto chelsea"],
        )
    for query in ("raket", "fusée", "rocket"):
        assert search(client, org, query)[0] == "Foto rocket"
    for query in ("koffie", "café", "coffee"):
        assert search(client, org, query)[0] == "Foto coffee"
    assert search(client, org, "bromfiets")[0] == "Foto motorcycle_left"

    ids = {i["source_id"]: i["id"] for i in client.get("/records?limit=100", headers=org.headers()).json()["items"]}
    similar = client.get(f"/records/{ids['chelsea']}/similar", params={"by": "image", "rows": 2}, headers=org.headers())
    assert similar.status_code == 200 and similar.json()["query"] == f"similar:{ids['chelsea']}:image"
    assert [i["title"] for i in similar.json()["items"]][0] == "Foto chelsea-detail"
    r = client.get(f"/records/{ids['chelsea']}/similar", params={"by": "colour"}, headers=org.headers())
    assert r.status_code == 422

    # rejecting all that was said about the rocket takes it out of the image vectors
    rocket = client.get(f"/suggestions?record_id={ids['rocket']}&limit=100", headers=org.headers()).json()["items"]
    for s in rocket:
        r = client.post(f"/suggestions/{s['id']}/decisions", json={"status": "rejected"}, headers=org.headers())
        assert r.status_code == 201, r.text
    by_image = client.get(f"/records/{ids['rocket']}/similar", params={"by": "image"}, headers=org.headers())
    assert by_image.json()["items"] == []
    # an accepted label joins the record's text: the lexical index finds it by that word
    assert search(client, org, "kat", mode="lexical") == []
    kat = next(
        s
        for s in client.get(f"/suggestions?record_id={ids['chelsea']}&limit=100", headers=org.headers()).json()["items"]
        if s["label"] == "kat"
    )
    assert (
        client.post(
            f"/suggestions/{kat['id']}/decisions", json={"status": "accepted"}, headers=org.headers()
        ).status_code
        == 201
    )
    assert search(client, org, "kat", mode="lexical") == ["Foto chelsea"]

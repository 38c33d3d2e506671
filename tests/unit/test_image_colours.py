"""image.colours: solid colour regions come back under their names in the record's language, with share and hex."""

from __future__ import annotations

import pytest
from media_material import photo, regions

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.image.colours import ColoursEnricher, dominant_colours


@pytest.mark.parametrize(
    ("colours", "names"),
    [
        ([(200, 30, 30), (30, 70, 200)], ["red", "blue"]),
        ([(240, 220, 40), (20, 20, 20), (245, 245, 245)], ["yellow", "black", "white"]),
        ([(40, 150, 50), (125, 80, 40)], ["green", "brown"]),
        ([(20, 30, 100), (240, 150, 180), (240, 130, 30)], ["dark blue", "pink", "orange"]),
    ],
)
def test_solid_regions_are_named(colours, names):
    found = dominant_colours(regions(colours))
    assert [c.names["en"] for c in found] == names
    assert [round(c.share, 2) for c in found] == ([0.5, 0.5] if len(names) == 2 else [0.5, 0.25, 0.25])


def test_tags_in_the_records_language_scored_by_share():
    enricher = ColoursEnricher(Settings(), min_share=0.2)
    image = regions([(200, 30, 30), (240, 220, 40), (30, 70, 200)])
    nl = enricher.propose(image, "nl")
    assert [(p.kind, p.label) for p in nl] == [(SuggestionKind.tag, "rood"), ("tag", "geel"), ("tag", "blauw")]
    assert [p.label for p in enricher.propose(image, "fr")] == ["rouge", "jaune", "bleu"]
    assert [p.label for p in enricher.propose(image, None)] == ["rood", "geel", "blauw"]
    assert nl[0].score == pytest.approx(0.5**0.5, abs=0.01) and nl[1].score == pytest.approx(0.5, abs=0.01)
    assert nl[0].extra["hex"] == "#c81e1e" and nl[0].extra["names"]["fr"] == "rouge"
    assert ColoursEnricher(Settings(), min_share=0.3).propose(image, "en")[0].label == "red"
    assert len(ColoursEnricher(Settings(), min_share=0.3).propose(image, "en")) == 1


def test_a_photo_gets_a_few_colours_covering_most_of_it():
    found = dominant_colours(photo(3))
    assert 2 <= len(found) <= 8 and sum(c.share for c in found) == pytest.approx(1.0)
    assert found == sorted(found, key=lambda c: -c.share)

"""How namesakes share a name's weight (a place's parts, how many names know it), sound-alike places beside an exact
namesake, NIL thresholds per entity type, and place names transliterated by other languages."""

from __future__ import annotations

import json

import pytest

from verrijk.enrich.text.linking import phonetic
from verrijk.enrich.text.linking.index import SOUND_ALIKES, AuthorityIndex
from verrijk.enrich.text.linking.linker import FEATURES, Linker, Model
from verrijk.enrich.text.linking.model import Entry, LinkContext
from verrijk.enrich.text.linking.normalise import FUZZY


def place(uri: str, label: str, population: int, lat: float, lon: float, names: int = 0, alt: tuple = ()) -> Entry:
    others = tuple(f"{label}-{i}" for i in range(names))  # other languages' names
    return Entry(uri, label, alt + others, ("LOC",), "", {"population": population, "lat": lat, "lon": lon})


def shares(index: AuthorityIndex, mention: str) -> dict[str, float]:
    return {c.entry.uri: round(c.features["share"], 3) for c in index.search(mention, types=["LOC"], limit=20)}


def test_a_places_parts_are_not_its_rivals():
    """GeoNames names Leuven's sections "Leuven" too: within 10 km of the town they add to its weight, where a
    namesake far away still competes."""
    index = AuthorityIndex(
        "places",
        [
            place("u:leuven", "Leuven", 100_000, 50.88, 4.70, names=10),
            place("u:kessel-lo", "Kessel-Lo", 28_000, 50.89, 4.72, names=10, alt=("Leuven",)),
            place("u:heverlee", "Heverlee", 22_000, 50.86, 4.69, names=10, alt=("Leuven",)),
            place("u:far", "Leuven", 5_000, 10.0, 10.0),
        ],
    )
    found = shares(index, "Leuven")
    assert found["u:kessel-lo"] == found["u:heverlee"] == 0.0
    assert found["u:leuven"] == pytest.approx((150_003 * 11) / (150_003 * 11 + 5_001 * 1), abs=1e-3)


def test_a_place_that_many_languages_name_outweighs_a_larger_share_of_population():
    """Florence, Italy against the Florences of the United States: its forty names, not only its population."""
    index = AuthorityIndex(
        "places",
        [
            place("u:firenze", "Florence", 367_000, 43.77, 11.25, names=39),
            *(place(f"u:us{i}", "Florence", 40_000, 34.8 + i, -87.7, names=2) for i in range(4)),
        ],
    )
    found = shares(index, "Florence")
    assert found["u:firenze"] >= 0.9  # 0.70 by population alone


def test_nil_thresholds_per_entity_type(tmp_path):
    weights = {f: 0.0 for f in FEATURES} | {"bias": -0.2}  # every candidate scores sigmoid(-0.2) = 0.45
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"weights": weights, "threshold": 0.44, "thresholds": {"PER": 0.4, "LOC": 0.5}}))
    model = Model.load(path)
    assert (model.threshold_for("PER"), model.threshold_for("LOC"), model.threshold_for(None)) == (0.4, 0.5, 0.44)
    index = AuthorityIndex("mixed", [Entry("u:p", "Jan Smit", (), ("PER",)), Entry("u:l", "Smitdorp", (), ("LOC",))])
    linker = Linker([index], model)
    assert linker.link("Jan Smit", "PER").link is not None  # 0.45 reaches a person's threshold ...
    assert linker.link("Smitdorp", "LOC").link is None  # ... not a place's
    assert linker.link("Jan Smit", None, LinkContext()).link is not None  # untyped: the overall threshold


@pytest.mark.parametrize(
    ("written", "meant"),
    [("Žešova", "Rzeszów"), ("Kičeneris", "Kitchener"), ("Ntortmount", "Dortmund"), ("Cshongdzsin", "Chongjin")],
)
def test_place_names_transliterated_by_other_languages_share_a_phonetic_key(written, meant):
    assert phonetic.keys(written, person=False) & phonetic.keys(meant, person=False)


def sound_alike_index(villages: int = 1) -> AuthorityIndex:
    """Suriname, the country, and villages that GeoNames names "Surinam" (one on Mauritius)."""
    return AuthorityIndex(
        "places",
        [
            place("u:suriname", "Suriname", 575_000, 4.0, -56.0, names=60),
            *(place(f"u:village{i}", "Surinam", 2_000, -20.5, 57.5 + i) for i in range(villages)),
            *(place(f"u:sarinam{i}", f"Sarinam{'a' * i}", 10 + i, 10.0, 10.0 + i) for i in range(15)),
        ],
    )


def test_a_place_spelt_as_a_small_namesakes_exact_name_is_still_asked_for_by_sound():
    """ "Surinam" is a village's own name and a spelling of Suriname: the country is a candidate too, and the
    village's features (dominance, ambiguity) stay what its name alone gives."""
    found = {c.entry.uri: c for c in sound_alike_index().search("Surinam", types=["LOC"], limit=30)}
    assert "u:suriname" in found
    assert found["u:suriname"].features["phonetic"] == 1.0 and found["u:suriname"].features["exact"] == 0.0
    village = found["u:village0"].features
    assert village["exact"] == 1.0 and village["dominance"] == 0.0 and village["ambiguity"] == 0.0
    assert 0.0 < found["u:suriname"].features["share"] < 1.0


def test_sound_alikes_of_an_exact_match_are_bounded_and_asked_for_places_only():
    index = sound_alike_index()
    extra = [m for m in index.lookup("Surinam", person=False) if m.level == FUZZY]
    assert 0 < len(extra) <= SOUND_ALIKES
    assert extra[0].index == 0  # the likeliest first: the country, before the tiny "Sarinam"s
    assert all(m.level < FUZZY for m in index.lookup("Surinam", person=True))  # a person's exact name is enough

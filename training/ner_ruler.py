"""Patterns for the "authority ruler": names an authority knows, tagged even where the statistical model fails.

PER: VKC creators as "Forename Surname" (two words or more; anonymous and workshop forms are dropped by the
lexicon). LOC: Belgian, Dutch and Surinamese places of at least MIN_RULER_POPULATION inhabitants, Dutch exonyms,
countries and regions. Single-word forms that are common Dutch words in our corpora (seen in lower case) or
of three letters or fewer are left out, because a ruler has no context to tell "Best" the town from "best".
"""

from __future__ import annotations

from collections.abc import Mapping

from ner_lexicon import (
    CITY_EXONYMS,
    COUNTRIES_NL,
    MIN_RULER_POPULATION,
    REGIONS_NL,
    geonames_places,
    vkc_persons,
)


def ambiguous(name: str, frequencies: Mapping[str, int]) -> bool:
    """True for one-word names that are short or also ordinary lower-case words in the corpora."""
    if " " in name:
        return False
    return len(name) <= 3 or frequencies.get(name.lower(), 0) >= 2


def ruler_patterns(frequencies: Mapping[str, int]) -> list[dict[str, str]]:
    """EntityRuler phrase patterns (case-sensitive strings) with their label and a stable id."""
    patterns: dict[tuple[str, str], None] = {}
    for name in vkc_persons():
        patterns[("PER", name)] = None
    places = {n for n, pop in geonames_places(MIN_RULER_POPULATION).items() if pop >= MIN_RULER_POPULATION}
    places |= set(CITY_EXONYMS) | set(COUNTRIES_NL.values()) | set(REGIONS_NL)
    for name in sorted(places):
        if not ambiguous(name, frequencies):
            patterns[("LOC", name)] = None
    return [{"label": label, "pattern": name} for label, name in patterns]

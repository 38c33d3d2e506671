"""Alias keys: the name variants a heritage text writes for one person or place meet under one key."""

from __future__ import annotations

import pytest

from verrijk.enrich.text.linking.normalise import (
    EXACT,
    INITIALS,
    SURNAME,
    VARIANT,
    epithet,
    keys,
    natural_order,
    query_keys,
)
from verrijk.folding import fold


def meet(a: str, b: str, person: bool = True) -> int | None:
    """The level at which a mention `a` finds an entry named `b` (None: not at all)."""
    entry = keys(b, person)
    levels = [max(level, entry[k]) for k, level in query_keys(a, person).items() if k in entry]
    return min(levels) if levels else None


@pytest.mark.parametrize(
    "mention,entry,level",
    [
        ("Jan Van Eyck", "Jan van Eyck", EXACT),  # Flemish capitalised particle
        ("Eyck, Jan van", "Jan van Eyck", EXACT),  # sorting form
        ("JAN VAN EYCK", "Eyck, Jan van", EXACT),
        ("Jan Eyck", "Jan van Eyck", VARIANT),  # particle left out
        ("J. Vermeer", "Johannes Vermeer", INITIALS),
        ("Vermeer", "Johannes Vermeer", SURNAME),
        ("Van Gogh", "Vincent van Gogh", SURNAME),
        ("Pieter Brueghel de Jonge", "Pieter Brueghel the Younger", EXACT),  # epithets made canonical
        ("Lucas Cranach l'Ancien", "Lucas Cranach de Oude", EXACT),
        ("Pieter Brueghel", "Pieter Brueghel II", VARIANT),  # ordinal dropped
        ("Cornelis van Aerssen", "Aerssen jr., Cornelis van", VARIANT),
        ("Sint-Niklaas", "St.-Niklaas", EXACT),
        ("Paramaribo", "Paramaribo (stad)", EXACT),  # thesaurus qualifier
    ],
)
def test_variants_meet(mention, entry, level):
    assert meet(mention, entry) == level


@pytest.mark.parametrize(
    "mention,entry",
    [
        ("Jan Vermeer", "Johannes Vermeer"),  # another forename, even with the same initial
        ("Jules Brouwers", "Jeroen Brouwers"),
        ("Paris", "Parijs"),
    ],
)
def test_different_forenames_do_not_meet(mention, entry):
    assert meet(mention, entry) is None
    assert meet("J. Brouwers", "Jeroen Brouwers") == INITIALS


def test_places_get_no_initials_or_surname_keys():
    assert set(keys("Nieuw Nickerie", person=False).values()) <= {EXACT, VARIANT}
    assert meet("Nickerie", "Nieuw Nickerie", person=False) is None


def test_natural_order_and_epithets():
    assert natural_order("Aerssen jr., Cornelis van") == "Cornelis van Aerssen jr."
    assert natural_order("Eyck, Jan van") == "Jan van Eyck"
    assert natural_order("Jan van Eyck") is None
    assert epithet(fold("Pieter Brueghel de Jonge")) == "younger"
    assert epithet(fold("David Teniers the Elder")) == "elder"
    assert epithet(fold("Willem II")) == "ii"
    assert epithet(fold("Jan van Eyck")) is None


def test_forenames_in_another_order_and_abbreviated_forenames():
    """Catalogues order a person's forenames differently and cut them short ("Ferd.", "Wm"): both still meet."""
    assert meet("Pierre-Denis Bergeret", "Denis-Pierre Bergeret") == VARIANT
    found = query_keys("Ferd. Landerer") | query_keys("Wm Burgess")
    assert found["f landerer"] == found["w burgess"] == INITIALS
    assert "j brouwers" not in query_keys("Jules Brouwers")  # a forename written out is not an initial

"""Normalising person names for matching: accents, case, punctuation, and inverted "Surname, Forename"."""

from __future__ import annotations

from verrijk.folding import fold


def name_keys(name: str) -> set[str]:
    """The folded forms a name may be written in: as given, and "Forename Surname" for "Surname, Forename"."""
    keys = {fold(name)}
    if name.count(",") == 1:
        surname, forename = (part.strip() for part in name.split(","))
        if surname and forename:
            keys.add(fold(f"{forename} {surname}"))
    keys.discard("")
    return keys

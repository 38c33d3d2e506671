"""Normalising person names for matching: accents, case, punctuation, and inverted "Surname, Forename"."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation to spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _SPACE.sub(" ", _PUNCT.sub(" ", plain)).strip()


def name_keys(name: str) -> set[str]:
    """The folded forms a name may be written in: as given, and "Forename Surname" for "Surname, Forename"."""
    keys = {fold(name)}
    if name.count(",") == 1:
        surname, forename = (part.strip() for part in name.split(","))
        if surname and forename:
            keys.add(fold(f"{forename} {surname}"))
    keys.discard("")
    return keys

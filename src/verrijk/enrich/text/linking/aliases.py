"""Which names an authority entry may be found by: name forms worth indexing, and people's alternative labels
cleaned of what is not theirs (another person's label, a relation phrase such as "navolger van")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from verrijk.enrich.text.linking.model import Entry
from verrijk.folding import fold

_CODE = re.compile(r"[A-Z0-9]{2,4}")
NOT_LATIN = re.compile(r"[^\u0000-\u024f\u1e00-\u1eff\u2019]")
_DIGIT = re.compile(r"\d")


def usable_name(name: str) -> bool:
    """Whether a name form is worth indexing for Dutch, French and English text: Latin script, not a code
    ("ANR"), not a bare lower-case transliteration ("ba la ma li bo"), no digits."""
    return (
        len(name) > 1
        and name != name.lower()
        and not NOT_LATIN.search(name)
        and not _DIGIT.search(name)
        and not _CODE.fullmatch(name)
    )


# "navolger van Rubens", "follower of", "atelier van", "school van", "naar Rubens", "after", "kring van" ...: how
# a catalogue attributes a work to someone's circle; such a phrase names a relation, never the person
RELATION = re.compile(
    r"^(?:navolger|navolging|volgeling|leerling|atelier|werkplaats|school|kring|omgeving|stijl|trant|manier|"
    r"follower|followers|workshop|studio|circle|school|manner|style|pupil|copy|kopie|"
    r"suiveur|entourage|cercle|ecole|école|d'après|naar|after|nach|werkstatt|umkreis|nachfolger)\b"
    r"(?:\s+(?:van|of|de|du|des|von|der|the))?",
    re.IGNORECASE,
)
AliasReport = list[tuple[str, str, str]]  # (entry label, dropped alias, why)


def clean_aliases(entries: Iterable[Entry]) -> tuple[list[Entry], AliasReport]:
    """People's alternative labels without the ones that are not theirs: another person's preferred label
    (authorities merged from several catalogues carry attributions as names) or a relation phrase."""
    entries = list(entries)
    labels: dict[str, int] = {}
    for entry in entries:
        if "PER" in entry.types:
            key = fold(entry.label)
            labels[key] = labels.get(key, 0) + 1
    cleaned, dropped = [], []
    for entry in entries:
        if "PER" not in entry.types:
            cleaned.append(entry)
            continue
        own = fold(entry.label)
        kept = []
        for alias in entry.alt_labels:
            key = fold(alias)
            if RELATION.match(alias.strip()):
                dropped.append((entry.label, alias, "relation"))
            elif key != own and key in labels:
                dropped.append((entry.label, alias, "another person's label"))
            else:
                kept.append(alias)
        cleaned.append(replace(entry, alt_labels=tuple(kept)) if len(kept) < len(entry.alt_labels) else entry)
    return cleaned, dropped

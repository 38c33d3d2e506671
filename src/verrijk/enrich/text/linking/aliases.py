"""Which names an authority entry may be found by: name forms worth indexing, people's alternative labels cleaned
of what is not theirs (another person's label, a relation phrase such as "navolger van"), and rows that share a
Wikidata, VIAF or RKD identifier made one entry."""

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


IDENTIFIERS = ("wikidata", "viaf", "rkd")  # properties that name a person or place outside the authority
_ID_HOSTS = ("wikidata.org/", "viaf.org/", "rkd.nl/")
_SCHEME = re.compile(r"^https?://")
MergeReport = list[tuple[str, str, str]]  # (kept entry's label, merged entry's label, identifier shared)


def _identifiers(entry: Entry) -> dict[str, str]:
    """The entry's outside identifiers, keyed alike however written (http or https, Wikidata's /wiki/ or /entity/)."""
    found = [str(entry.properties[k]).strip() for k in IDENTIFIERS if entry.properties.get(k)]
    if any(host in entry.uri for host in _ID_HOSTS):
        found.append(entry.uri)
    return {_SCHEME.sub("", i).replace("/wiki/", "/entity/").rstrip("/"): i for i in found if i}


def merge_same(entries: Iterable[Entry]) -> tuple[list[Entry], MergeReport]:
    """One entry per person (or place) when rows of an authority share a Wikidata, VIAF or RKD identifier, also
    through a third row (Wikidata in one, VIAF in another, both in a third): the first row's URI and label, the
    others' names as alternative labels, types and properties joined (the first row's values win), so a search
    offers that person once. Rows of different kinds are never joined."""
    entries = list(entries)
    ids = [_identifiers(e) for e in entries]
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, entry in enumerate(entries):
        for key in sorted(ids[i]):
            j = first_with.setdefault(key, i)
            a, b = root(j), root(i)
            if a != b and _compatible(entries[a], entry):
                parent[max(a, b)] = min(a, b)  # the earliest row stays
    groups: dict[int, list[int]] = {}
    for i in range(len(entries)):
        groups.setdefault(root(i), []).append(i)
    merged, report = [], []
    for first, members in groups.items():
        kept = entries[first]
        for i in members[1:]:
            entry = entries[i]
            names = tuple(n for n in dict.fromkeys((*kept.alt_labels, *entry.names())) if n != kept.label)
            kept = replace(
                kept,
                alt_labels=names,
                types=tuple(dict.fromkeys((*kept.types, *entry.types))),
                description=kept.description or entry.description,
                properties=entry.properties | kept.properties,
            )
            others = {key for m in members if m != i for key in ids[m]}
            report.append((entries[first].label, entry.label, next(ids[i][k] for k in sorted(ids[i]) if k in others)))
        merged.append(kept)
    return merged, report


def _compatible(a: Entry, b: Entry) -> bool:
    """Rows of different kinds (a person and a place) are not one thing, whatever identifier they share."""
    return not a.types or not b.types or bool(set(a.types) & set(b.types))

"""An in-memory alias index over one authority: exact and variant keys in a dict, fuzzy matching for OCR errors
over a small block of keys that share the mention's first or last three letters, phonetic keys (phonetic.py) for
names spelt as they sound, prefix completion by bisection.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property

from rapidfuzz import fuzz, process

from verrijk.enrich.text.linking import normalise, phonetic
from verrijk.enrich.text.linking.model import Candidate, Entry, LinkContext
from verrijk.enrich.text.linking.normalise import EXACT, FUZZY, INITIALS, VARIANT
from verrijk.folding import fold

MAX_MATCHES = 200  # most entries one lookup scores; the rest (lowest level, smallest prior) are dropped
FUZZY_CUTOFF = 85.0  # rapidfuzz ratio a misspelt key must reach
FUZZY_MIN_LENGTH = 5
SOUND_ALIKES = 10  # sound-alike places a place mention that matched some name exactly is offered besides
TOP_PER_PREFIX = 50  # shorter mentions are matched exactly or not at all
_LEVEL_BITS = 4
_LABEL = 8  # flag bit: the key comes from the preferred label
_LEVEL = 7


LOOKUP_MEMO = 100_000  # mentions whose matches an index remembers


@dataclass(frozen=True, slots=True)
class Match:
    """An entry a mention's keys reached, how loosely (level) and how alike the keys are (0..1)."""

    index: int
    level: int
    similarity: float
    key: str
    label: bool = False  # the key is one of the preferred label's
    sounds: bool = False  # the mention and the entry share a phonetic key


def is_person(entry: Entry) -> bool:
    return "PER" in entry.types


def prior(entry: Entry) -> float:
    """How likely an entry is meant before reading any context, 0..1: a place's population, a person's number
    of name forms (how many catalogues know them) and whether Wikidata does."""
    p = entry.properties
    if "population" in p:
        return min(1.0, math.log10(1 + max(0, int(p.get("population") or 0))) / 7.5)
    if is_person(entry):
        forms = int(p.get("name_forms") or 1 + len(entry.alt_labels))
        known = "wikidata" in p or "wikidata.org" in entry.uri
        return min(1.0, 0.6 * math.log(1 + forms) / math.log(60) + 0.4 * known)
    return min(1.0, math.log(1 + len(entry.alt_labels)) / math.log(30))


def label_names(entry: Entry) -> set[str]:
    """The preferred label and the labels per language ("Berlin" as well as "Berlijn"), not alternatives."""
    labels = entry.properties.get("labels") or {}
    return {entry.label, *(n for lang, names in labels.items() if ":" not in lang for n in names)}


class AuthorityIndex:
    """Built once per authority version (see store.open_index); lookups only read it, so threads may share it."""

    def __init__(self, name: str, entries: Iterable[Entry], version: str = ""):
        self.name, self.version = name, version
        self.entries: list[Entry] = list(entries)
        self._by_uri = {e.uri: i for i, e in enumerate(self.entries)}
        self._places: dict[str, tuple[float, Entry] | None] = {}
        self._lookups: dict[tuple[str, bool, bool], tuple[Match, ...]] = {}
        self.priors = [prior(e) for e in self.entries]
        self._keys: dict[str, list[int]] = {}
        self._sounds: dict[str, list[int]] = {}  # phonetic key -> entries
        keys_of = _KeyMemo()
        for i, entry in enumerate(self.entries):
            person = is_person(entry)
            seen: dict[str, int] = {}
            sounds: set[str] = set()
            labels = label_names(entry)
            for name in entry.names():
                for key, level in keys_of(name, person).items():
                    code = level | (_LABEL if name in labels else 0)
                    if key not in seen or seen[key] & _LEVEL > level:
                        seen[key] = code
                if person or name in labels:  # a place's other names are too many to sound out
                    sounds |= keys_of.sounds(name, person)
            for key, code in seen.items():
                self._keys.setdefault(key, []).append(i << _LEVEL_BITS | code)
            for key in sounds:
                self._sounds.setdefault(key, []).append(i)
        exact = [k for k, codes in self._keys.items() if any(c & _LEVEL <= VARIANT for c in codes)]
        self._sorted = sorted(exact)
        self._labels = [k for k in self._sorted if any(c & _LABEL for c in self._keys[k])]
        # the likeliest entries per one- to three-letter prefix of their label: short prefixes match too many keys
        # to rank them all as the user types
        top: dict[str, list[tuple[float, int]]] = {}
        for i, entry in enumerate(self.entries):
            label = fold(entry.label)
            for n in range(1, min(3, len(label)) + 1):
                top.setdefault(label[:n], []).append((self.priors[i], i))
        self._top = {p: [i for _, i in sorted(v, reverse=True)[:TOP_PER_PREFIX]] for p, v in top.items()}
        self._blocks: dict[str, list[str]] = {}
        for key in exact:
            if len(key) >= FUZZY_MIN_LENGTH - 1:
                self._blocks.setdefault("<" + key[:3], []).append(key)
                self._blocks.setdefault(">" + key[-3:], []).append(key)

    @cached_property
    def type_counts(self) -> dict[str, int]:
        """How many entries have each type."""
        return dict(Counter(code for entry in self.entries for code in entry.types))

    @cached_property
    def property_names(self) -> frozenset[str]:
        """The properties some entry has a value for ("description" when some entry has one)."""
        names = {key for entry in self.entries for key, value in entry.properties.items() if value not in (None, "")}
        return frozenset(names | ({"description"} if any(e.description for e in self.entries) else set()))

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, uri: str) -> Entry | None:
        i = self._by_uri.get(uri)
        return None if i is None else self.entries[i]

    # lookups ----------------------------------------------------------------------------------------------------
    def lookup(self, mention: str, person: bool = True, fuzzy: bool = True) -> list[Match]:
        """Entries whose keys a mention's keys reach, loosest level last; fuzzy only when nothing matched exactly
        or as a variant. Memoised: a collection names the same places and people over and over."""
        key = (mention, person, fuzzy)
        if key not in self._lookups:
            if len(self._lookups) >= LOOKUP_MEMO:
                self._lookups.pop(next(iter(self._lookups)))  # the oldest
            self._lookups[key] = tuple(self._lookup(mention, person, fuzzy))
        return list(self._lookups[key])

    def _lookup(self, mention: str, person: bool, fuzzy: bool) -> list[Match]:
        found: dict[int, Match] = {}
        for key, qlevel in normalise.query_keys(mention, person).items():
            for code in self._keys.get(key, ()):
                i, level = code >> _LEVEL_BITS, max(qlevel, code & _LEVEL)
                if (person or level < INITIALS) and (i not in found or found[i].level > level):
                    found[i] = Match(i, level, 1.0 if level == EXACT else 0.0, key, bool(code & _LABEL))
        sounding = {i for key in phonetic.keys(mention, person) for i in self._sounds.get(key, ())}
        if fuzzy and not any(m.level <= VARIANT for m in found.values()):
            for m in self._fuzzy(fold(normalise.strip_qualifiers(mention))):
                if m.index not in found or found[m.index].level > FUZZY:
                    found[m.index] = m
            # names spelt as they sound: a candidate-generation channel the model weighs, not a rewrite
            for i in sounding - found.keys():
                entry = self.entries[i]
                if person or not is_person(entry):
                    found[i] = self._nearest_name(i, mention)
        elif fuzzy and not person:
            # a place's spelling is often another, smaller place's exact name ("Surinam" is a village on Mauritius
            # as well as a spelling of Suriname): the likeliest places that sound alike are asked all the same
            others = sorted((i for i in sounding - found.keys() if not is_person(self.entries[i])),
                            key=lambda i: -self.priors[i])  # fmt: skip
            for i in others[:SOUND_ALIKES]:
                found[i] = self._nearest_name(i, mention)
        matches = sorted(found.values(), key=lambda m: (m.level, -self.priors[m.index]))[:MAX_MATCHES]
        return [
            replace(m, sounds=m.index in sounding)
            if m.similarity
            else _with_similarity(m, mention, m.index in sounding)
            for m in matches
        ]

    def _nearest_name(self, i: int, mention: str) -> Match:
        """A fuzzy match of entry i through its name most like the mention."""
        folded = fold(mention)
        names = [fold(n) for n in self.entries[i].names()]
        scores = [fuzz.ratio(folded, n) / 100 for n in names]
        best = max(range(len(names)), key=scores.__getitem__)
        return Match(i, FUZZY, scores[best], names[best], self.entries[i].label == self.entries[i].names()[best])

    def _fuzzy(self, folded: str) -> list[Match]:
        if len(folded) < FUZZY_MIN_LENGTH:
            return []
        block = sorted({*self._blocks.get("<" + folded[:3], ()), *self._blocks.get(">" + folded[-3:], ())})
        block = [k for k in block if abs(len(k) - len(folded)) <= max(2, len(folded) // 5)]
        hits = process.extract(folded, block, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=10)
        return [
            Match(code >> _LEVEL_BITS, FUZZY, score / 100, key, bool(code & _LABEL))
            for key, score, _ in hits
            for code in self._keys[key]
            if code & _LEVEL <= VARIANT
        ]

    def search(
        self, text: str, types: Iterable[str] | None = None, limit: int = 10, context: LinkContext | None = None
    ) -> list[Candidate]:
        """Ranked candidates for a name with calibrated scores, from the name alone (and a context if given)."""
        from verrijk.enrich.text.linking.linker import score_matches

        wanted = set(types or ())
        person = not wanted or "PER" in wanted
        matches = [m for m in self.lookup(text, person) if self._typed(m.index, wanted)]
        entity_type = next(iter(wanted)) if len(wanted) == 1 else None
        return score_matches(self, text, entity_type, matches, context or LinkContext(), limit=limit)

    def complete(self, prefix: str, types: Iterable[str] | None = None, limit: int = 10) -> list[Entry]:
        """Entries with a name starting with `prefix` (autocomplete): preferred labels before other names,
        then the likeliest (largest, best known) first."""
        folded = fold(prefix)
        if not folded:
            return []
        wanted = set(types or ())
        ranked: dict[int, tuple[bool, bool, float]] = {}
        if len(folded) <= 3 and limit <= TOP_PER_PREFIX:  # too many keys start so: the likeliest entries
            top = [i for i in self._top.get(folded, ()) if self._typed(i, wanted)]
            if len(top) >= limit or not wanted:
                return [self.entries[i] for i in top[:limit]]
        for keys, scan in ((self._labels, 2000), (self._sorted, 2000)):
            start = bisect.bisect_left(keys, folded)
            for key in keys[start : start + scan]:
                if not key.startswith(folded):
                    break
                for code in self._keys[key]:
                    i = code >> _LEVEL_BITS
                    if code & _LEVEL <= VARIANT and i not in ranked and self._typed(i, wanted):
                        ranked[i] = (key == folded, bool(code & _LABEL), self.priors[i])
            if len(ranked) >= limit:
                break
        best = sorted(ranked, key=lambda i: ranked[i], reverse=True)[:limit]
        return [self.entries[i] for i in best]

    def likeliest_place(self, name: str) -> tuple[float, Entry] | None:
        """The place an exact match of `name` most likely means, with its prior (context for other mentions)."""
        if name in self._places:
            return self._places[name]
        best: tuple[float, Entry] | None = None
        for m in self.lookup(name, person=False, fuzzy=False):
            entry = self.entries[m.index]
            if m.level == EXACT and "LOC" in entry.types and (best is None or self.priors[m.index] > best[0]):
                best = (self.priors[m.index], entry)
        if len(self._places) > 10_000:
            self._places.clear()
        self._places[name] = best
        return best

    def alias(self, match: Match) -> str:
        """The name of the entry that the match came through (its preferred label when unclear)."""
        entry = self.entries[match.index]
        person = is_person(entry)
        for name in entry.names():
            keys = normalise.keys(name, person)
            if match.key in keys:
                return name
        return entry.label

    def _typed(self, i: int, wanted: set[str]) -> bool:
        types = self.entries[i].types
        return not wanted or not types or bool(wanted.intersection(types))


def _with_similarity(match: Match, mention: str, sounds: bool) -> Match:
    """Variant matches get the string similarity of the mention's folded form and the key they met at."""
    similarity = fuzz.ratio(fold(mention), match.key) / 100
    return Match(match.index, match.level, similarity, match.key, match.label, sounds)


class _KeyMemo:
    """Many places share names ("Springfield", "San José"): compute each name's keys once while building."""

    def __init__(self) -> None:
        self._memo: dict[tuple[str, bool], dict[str, int]] = {}
        self._sounds: dict[tuple[str, bool], set[str]] = {}

    def __call__(self, name: str, person: bool) -> dict[str, int]:
        found = self._memo.get((name, person))
        if found is None:
            found = self._memo[(name, person)] = normalise.keys(name, person)
        return found

    def sounds(self, name: str, person: bool) -> set[str]:
        found = self._sounds.get((name, person))
        if found is None:
            found = self._sounds[(name, person)] = phonetic.keys(name, person)
        return found

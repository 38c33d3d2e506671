"""Synthetic training sets for the linking model (training/build_link_set.py): name variants and NIL look-alikes of
VKC creators, GeoNames namesakes and held-out spelling variants of places, namesakes told apart by context, and the
split every entity falls in."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from verrijk.enrich.text.linking import normalise, phonetic
from verrijk.enrich.text.linking.index import AuthorityIndex, label_names
from verrijk.enrich.text.linking.model import Entry

sys.path.insert(0, str(Path(__file__).parent))
from eval_link_variants import spelling_variant  # noqa: E402


def split_of(value: str) -> str:
    bucket = int(hashlib.sha256(normalise.fold(value).encode()).hexdigest(), 16) % 4
    return ("train", "train", "dev", "test")[bucket]


def population(entry) -> int:
    return int(entry.properties.get("population") or 0)


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    swaps = {"i": "l", "l": "i", "e": "c", "c": "e", "n": "u", "u": "n", "m": "rn", "o": "e", "a": "o", "r": "t"}
    return word[:i] + swaps.get(word[i], "e") + word[i + 1 :]


def synthetic_people(vkc: AuthorityIndex, count: int = 500, seed: int = 7) -> list[dict[str, Any]]:
    """Training mentions from the VKC authority: variants of creators' names, and NIL look-alikes."""
    rng, languages = random.Random(seed), random.Random(seed + 1)
    people = [e for e in vkc.entries if len(e.label.split()) >= 2]
    forenames: dict[str, set[str]] = defaultdict(set)
    for e in people:
        words = e.label.split()
        forenames[normalise.fold(words[-1])].add(normalise.fold(words[0]))
    all_forenames = sorted({normalise.fold(e.label.split()[0]) for e in people if e.label.split()[0].isalpha()})
    items = []
    for e in rng.sample(people, min(count, len(people))):
        words = e.label.split()
        variants = [
            e.label,
            " ".join([w[0] + "." for w in words[:-1] if w.lower() not in normalise.PARTICLES] + [words[-1]]),
            f"{words[-1]}, {' '.join(words[:-1])}",
        ]
        long_words = [i for i, w in enumerate(words) if len(w) >= 5]
        if long_words:
            i = rng.choice(long_words)
            variants.append(" ".join(_typo(w, rng) if j == i else w for j, w in enumerate(words)))
        variants += [v for v in (_respell(e.label, rng), _other_language(e.label, languages)) if v != e.label]
        split = split_of(e.uri)
        for v in variants:
            items.append(_synthetic(v, e.uri, split))
        surname = normalise.fold(words[-1])
        stranger = next((f for f in rng.sample(all_forenames, 20) if f not in forenames[surname] and len(f) > 2), None)
        if stranger:
            items.append(_synthetic(f"{stranger.title()} {words[-1]}", None, split))
    return items


# historical spellings of one sound, either way round (Dijck/Dyck, Weijden/Weyden, Anthonie/Anthony, Cornelis/Kornelis)
# and one sound (Weyden/Weiden, Matsys/Massys, Willaerts/Villaerts, Smits/Smids, Bouts/Bauts)
RESPELLINGS = (("ij", "y"), ("y", "ij"), ("ck", "k"), ("k", "ck"), ("ae", "aa"), ("aa", "ae"), ("ph", "f"),
               ("th", "t"), ("ie", "y"), ("c", "k"), ("oe", "u"), ("ee", "e"), ("s", "sch"), ("ey", "ei"),
               ("ts", "ss"), ("W", "V"), ("v", "f"), ("z", "s"), ("ts", "ds"), ("ou", "au"), ("ui", "uy"))  # fmt: skip
# a forename in the other languages catalogues use (Karel/Charles/Carolus, Jan/Jean/Johannes)
FORENAME_FORMS = {name: group.split() for group in phonetic.FORENAMES for name in group.split()}


def _respell(name: str, rng: random.Random) -> str:
    """The name with one historical spelling swapped, as another catalogue or century writes it."""
    found = [(a, b) for a, b in RESPELLINGS if a in name]
    if not found:
        return name
    a, b = rng.choice(found)
    at = rng.choice([m.start() for m in re.finditer(re.escape(a), name)])
    return name[:at] + b + name[at + len(a) :]


def _other_language(name: str, rng: random.Random) -> str:
    """The name with its first forename as another language writes it ("Karel Ooms" -> "Charles Ooms")."""
    first, _, rest = name.partition(" ")
    forms = [f for f in FORENAME_FORMS.get(normalise.fold(first), ()) if f != normalise.fold(first)]
    return f"{rng.choice(forms).title()} {rest}" if forms and rest else name


def _synthetic(mention: str, gold: str | None, split: str) -> dict[str, Any]:
    return {"mention": mention, "type": "PER", "gold": gold, "split": split, "gold_source": "synthetic-vkc",
            "text": mention, "mentions": [], "country": None, "language": "nl"}  # fmt: skip


def synthetic_places(geonames: AuthorityIndex, count: int = 2000, seed: int = 5) -> list[dict[str, Any]]:
    """Training mentions from GeoNames (CC BY 4.0): names shared by several places, one of which has 50,000 or
    more inhabitants and is at least ten times larger than any other, named by one of its labels (Dutch, English or
    an exonym), in a record from their own country, elsewhere or of no known country; the big place is meant.
    Teaches that a well-known place abroad is linked, not only the collection's own."""
    rng = random.Random(seed)
    big = [i for i, e in enumerate(geonames.entries) if population(e) >= 50_000 and e.properties.get("lat")]
    countries = sorted({e.properties.get("country") for e in geonames.entries if e.properties.get("country")})
    items = []
    for i in rng.sample(big, min(count, len(big))):
        entry = geonames.entries[i]
        mention = rng.choice(sorted(label_names(entry)))
        rivals = [
            population(geonames.entries[m.index])
            for m in geonames.lookup(mention, person=False, fuzzy=False)
            if m.index != i and m.level == normalise.EXACT
        ]
        if not rivals or population(entry) < 10 * max(rivals):
            continue  # unique names teach nothing the exact match does not
        draw = rng.random()
        country = entry.properties["country"] if draw < 0.25 else None if draw < 0.5 else rng.choice(countries)
        items.append(
            {
                "mention": mention,
                "type": "LOC",
                "gold": entry.uri,
                "split": "train",
                "gold_source": "synthetic-geonames",
                "text": entry.label,
                "mentions": [],
                "country": country,
                "language": "nl",
            }  # fmt: skip
        )
    return items


# a role as a description and a running text name it, in Dutch, French and English
ROLE_WORDS = {
    "painter": ("schilder", "peintre", "painter"),
    "printmaker": ("graveur", "graveur", "engraver"),
    "printer": ("drukker", "imprimeur", "printer"),
    "photographer": ("fotograaf", "photographe", "photographer"),
    "sculptor": ("beeldhouwer", "sculpteur", "sculptor"),
    "architect": ("architect", "architecte", "architect"),
    "writer": ("schrijver", "écrivain", "writer"),
}
NATIONALITIES = (("Vlaams", "flamand", "Flemish"), ("Nederlands", "néerlandais", "Dutch"),
                 ("Frans", "français", "French"))  # fmt: skip
CONTEXT_AUTHORITY = "context-namesakes"
CONTEXT_FEATURES = ("date_conflict", "date_fit", "role")  # what the context set teaches; the demo data cannot


def synthetic_context(vkc: AuthorityIndex, groups: int = 600, seed: int = 19) -> tuple[list[Entry], list[dict]]:
    """A training authority of namesakes told apart by context, and mentions of them (for the date and role
    features: no shipped authority carries life years or occupations). Each group shares one VKC creator's name:
    one to three people with life years (a father and son 25-35 years apart, or centuries apart) and, for most,
    a description naming a role ("Vlaams schilder", "imprimeur flamand", "Flemish engraver"). A mention names
    the group in a record of a year in one member's working life (7 in 10), after their death (1 in 10: prints
    after paintings) or of no known year, and the member's role in Dutch, French or English (1 in 2), another
    role (1 in 10: people had several) or none. A lone namesake named in a record of a year it cannot have
    made or seen (born after it, or dead more than a century and a decade before) is NIL 4 times in 5, else
    meant all the same (a depicted historical figure). The rates are choices, not measurements: the weights
    learnt follow them."""
    rng = random.Random(seed)
    people = [e for e in vkc.entries if len(e.label.split()) >= 2]
    entries: list[Entry] = []
    items: list[dict[str, Any]] = []
    for g, person in enumerate(rng.sample(people, min(groups, len(people)))):
        size = rng.choice((1, 2, 2, 3))
        born = [rng.randrange(1420, 1920)]
        for _ in range(size - 1):
            gap = rng.choice((rng.randrange(25, 36), rng.randrange(60, 300)))
            born.append(born[-1] + gap if born[-1] + gap < 1960 else born[0] - gap)
        members = []
        for j, b in enumerate(born):
            role = rng.choice(sorted(ROLE_WORDS))
            nationality = rng.choice(NATIONALITIES)
            lang = rng.randrange(3)
            word = ROLE_WORDS[role][lang]
            description = f"{word} {nationality[1]}" if lang == 1 else f"{nationality[lang]} {word}"
            properties = {"born": b, "died": b + rng.randrange(35, 90), "name_forms": 3}
            entry = Entry(f"urn:verrijk:training:{g}:{j}", person.label, (), ("PER",),
                          description if rng.random() < 0.8 else "", properties)  # fmt: skip
            members.append((entry, role))
        entries += [e for e, _ in members]
        split = split_of(f"context:{g}")
        for _ in range(3):
            entry, role = rng.choice(members)
            born_at, died_at = entry.properties["born"], entry.properties["died"]
            draw, gold = rng.random(), entry.uri
            year = None
            if size == 1 and draw < 0.3:
                year = rng.choice((rng.randrange(born_at - 200, born_at), rng.randrange(died_at + 120, died_at + 400)))
                gold = None if rng.random() < 0.8 else entry.uri
            elif draw < 0.8:
                year = rng.randrange(born_at + 20, died_at + 1)
            elif draw < 0.9:
                year = rng.randrange(died_at + 1, died_at + 100)
            said = rng.random()
            said_role = role if said < 0.5 else rng.choice(sorted(ROLE_WORDS)) if said < 0.6 else None
            words = f"de {ROLE_WORDS[said_role][rng.randrange(3)]} " if said_role else ""
            text = f"Werk van {words}{person.label}"
            in_text = year is not None and rng.random() < 0.3  # a year in the sentence, not the record
            items.append(
                {"mention": person.label, "type": "PER", "gold": gold, "split": split, "gold_source":
                 "synthetic-context", "text": text + (f", {year}" if in_text else ""), "mentions": [],
                 "year_from": None if in_text else year, "year_to": None if in_text else year,
                 "country": None, "language": "nl"}
            )  # fmt: skip
    return entries, items


def write_context_set(folder: Path, entries: list[Entry], items: list[dict[str, Any]]) -> None:
    """The context set as files `verrijk eval link` reads: context_links.jsonl and its authority, a CSV.

    verrijk eval link --data DIR/context_links.jsonl --authority DIR/context_namesakes.csv --split test"""
    with (folder / "context_namesakes.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["uri", "label", "type", "description", "born", "died", "name_forms"])
        for e in entries:
            writer.writerow([e.uri, e.label, "PER", e.description, e.properties["born"], e.properties["died"], 3])
    with (folder / "context_links.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


def place_variants(entries: list[Entry], exclude: set[str], count: int = 600, seed: int = 23) -> list[dict]:
    """Training mentions of places of 20,000 or more inhabitants by one of their own alternate names that spells
    the label another way ("Ravalpindi", "Darmshtat"; eval_link_variants.spelling_variant), to be held out of
    the index the model is fitted against, so that the name is met only by look-alike and phonetic matching as an
    unseen spelling is. Places the evaluation sets name (`exclude`) are left out."""
    rng = random.Random(seed)
    big = [e for e in entries if population(e) >= 20_000 and e.uri not in exclude and spelling_variant(e, False)]
    countries = sorted({e.properties.get("country") for e in entries if e.properties.get("country")})
    items = []
    for entry in rng.sample(big, min(count, len(big))):
        draw = rng.random()
        country = entry.properties["country"] if draw < 0.25 else None if draw < 0.75 else rng.choice(countries)
        items.append(
            {"mention": rng.choice(spelling_variant(entry, False)), "type": "LOC" if rng.random() < 0.75 else None,
             "gold": entry.uri, "split": "train", "gold_source": "synthetic-geonames-variant", "text": "",
             "mentions": [], "country": country, "language": "nl"}
        )  # fmt: skip
    return items


def untyped(items: list[dict[str, Any]], share: float = 0.25, seed: int = 3) -> list[dict[str, Any]]:
    """A quarter of the training and development mentions without their type: reconciliation queries and some
    recognisers give none, and the model must score those too."""
    rng = random.Random(seed)
    return [item | {"type": None} if item["split"] != "test" and rng.random() < share else item for item in items]


def noisy_places(items: list[dict[str, Any]], seed: int = 11) -> list[dict[str, Any]]:
    """An OCR-like misspelling of one in ten training place mentions of five letters or more."""
    rng = random.Random(seed)
    return [
        item | {"mention": _typo(item["mention"], rng), "id": item["id"] + ":typo", "gold_source": "synthetic-typo"}
        for item in items
        if item["split"] == "train" and item["type"] == "LOC" and len(item["mention"]) >= 5 and rng.random() < 0.1
    ]

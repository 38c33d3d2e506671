"""Builds the entity-linking set from the demo collection, fits the linking model and measures it.

    python training/build_link_set.py                 # write the mention set (outside the repository)
    python training/build_link_set.py --fit           # ... and fit + calibrate models/linking/model.json

Mentions: in each record of src/verrijk/demo/rijksmuseum_suriname.csv (Rijksmuseum, CC0) the structured maker
(vervaardiger), depicted person (inhoud.persoon.naam) and place (geografisch_trefwoord) values are looked for
in the title and description; a value found there is a mention with the record's dates, the collection's
country (SR) and the record's other mentions as context. Entities are split train/dev/test (2:1:1) by a hash
of the structured value, so every test entity is unseen in training; at most 10 mentions per entity are kept.

Gold links:
- people: the VKC creators authority entry whose name form equals the structured value, else NIL;
- places in train/dev ("silver", from matching alone): a GeoNames entry of that name in Suriname, else a
  country, continent or place of 100,000 or more inhabitants of that name, else NIL;
- places in test: the Rijksmuseum place thesaurus with Wikidata ids and coordinates that the Suriname Time
  Machine project added (/work/shared/data/rijksmuseum_suriname/Geo-thesau-Suriname-TO-added_wiki_ids.csv).
  It has no licence, so it is used for evaluation only: read from /work/shared when this script runs, never
  copied, and nothing fitted on it. The gold is the GeoNames entry of that name within 25 km of the
  thesaurus point (for a country: the country the point lies in), else NIL; test places the thesaurus lacks
  are left out.
The training split also gets synthetic person mentions made from the VKC authority (CC0): name variants
(initials, sorting forms, one OCR-like letter error, one respelling of a historical spelling or of one sound, the
first forename in another language: Karel -> Charles) of creators, and NIL names that pair a creator's surname
with a forename none of that surname's creators has.
Two features are fitted afterwards, each on a set of its own with the other weights held: the context features
(life years against the record's or sentence's years, roles) on a synthetic set of namesakes with life years and
described roles (synthetic_context: no shipped authority carries either), and `place_look_alike` on places of
20,000 or more inhabitants named by one of their own alternate spellings ("Ravalpindi"), held out of the GeoNames
index, so that they are met as unseen spellings are (place_variants; the places of the evaluation sets left out),
together with the demo training mentions, whose look-alike places are mostly not the place meant.
Because the thesaurus-derived test gold may not be
redistributed, the set is written outside the repository (default /tmp/verrijk-linking/demo_links.jsonl).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from verrijk.enrich.text.linking import normalise
from verrijk.enrich.text.linking.evaluate import evaluate, read_mentions
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import Linker, Model, km
from verrijk.enrich.text.linking.shipped import geonames_entries, vkc_creator_entries

sys.path.insert(0, str(Path(__file__).parent))
from eval_link_variants import ASR, EXONYMS, VARIANTS, held_out  # noqa: E402
from link_fit import fit  # noqa: E402
from link_synthetic import (  # noqa: E402
    CONTEXT_AUTHORITY,
    CONTEXT_FEATURES,
    noisy_places,
    place_variants,
    population,
    split_of,
    synthetic_context,
    synthetic_people,
    synthetic_places,
    untyped,
    write_context_set,
)

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "src" / "verrijk" / "demo" / "rijksmuseum_suriname.csv"
THESAURUS = Path("/work/shared/data/rijksmuseum_suriname/Geo-thesau-Suriname-TO-added_wiki_ids.csv")
OUT = Path("/tmp/verrijk-linking/demo_links.jsonl")
MODEL_DIR = ROOT / "models" / "linking"
COUNTRY = "SR"  # the collection is the Rijksmuseum's objects connected to Suriname
PER_ENTITY = 10
GOLD_KM = 25.0

ORG_WORDS = re.compile(
    r"\b(maatschappij|compagnie|dienst|marine|gemeente|sociëteit|broedergemeente|bv|nv|& co|co\.|firma|bank|"
    r"studio|drukkerij|steendrukkerij|uitgeverij|vereniging|bond|partij|kerk|zending|handelsblad|regering)\b",
    re.IGNORECASE,
)


def kind_of(value: str, column: str) -> str:
    if column == "geografisch_trefwoord":
        return "LOC"
    if "(schip)" in value:
        return "MISC"
    return "ORG" if ORG_WORDS.search(value) else "PER"


# surface forms -----------------------------------------------------------------------------------------------------
def surfaces(value: str, kind: str) -> list[str]:
    """The ways a structured value may be written in running text, longest first."""
    bare = normalise.strip_qualifiers(value)
    if kind != "PER":
        return [bare]
    natural = normalise.natural_order(bare) or bare
    forms = [natural, re.sub(r"\s+(jr\.?|sr\.?|jonkheer)\b", "", natural, flags=re.IGNORECASE)]
    if "," in bare:
        surname, forenames = (p.strip() for p in bare.split(",", 1))
        surname = re.sub(r"\s+(jr\.?|sr\.?)$", "", surname)
        words = forenames.split()
        particles = [w for w in words if normalise.fold(w) in normalise.PARTICLES]
        given = [w for w in words if w not in particles and w.lower() not in ("jonkheer", "familie")]
        full = " ".join([*particles, surname])
        if given:
            forms += [" ".join([given[0], *particles, surname])]
        if "familie" in forenames.lower():
            forms += [f"familie {full}", f"Familie {full}"]
        forms += [full] if particles else []
        forms += [surname] if len(surname) >= 4 else []
    return sorted(dict.fromkeys(f.strip() for f in forms if f.strip()), key=len, reverse=True)


def find(text: str, forms: list[str], kind: str) -> tuple[int, int] | None:
    for form in forms:
        single = len(form.split()) == 1
        flags = 0 if (kind == "PER" and single) else re.IGNORECASE  # a lone surname must be capitalised
        m = re.search(r"(?<!\w)" + re.escape(form) + r"(?!\w)", text, flags)
        if m:
            return m.span()
    return None


# gold ---------------------------------------------------------------------------------------------------------------
def read_thesaurus(path: Path) -> dict[str, tuple[float, float]]:
    points = {}
    with path.open(encoding="cp1252", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            m = re.match(r"Point\(([-\d.]+) ([-\d.]+)\)", row.get("coords") or "")
            if m:
                points[row["term"].strip()] = (float(m.group(2)), float(m.group(1)))
    return points


class PlaceGold:
    def __init__(self, geonames: AuthorityIndex, thesaurus: dict[str, tuple[float, float]]):
        self.index, self.thesaurus = geonames, thesaurus
        located = [(i, e) for i, e in enumerate(geonames.entries) if e.properties.get("lat") is not None]
        self._coords = np.radians(np.array([[e.properties["lat"], e.properties["lon"]] for _, e in located]))
        self._countries = [e.properties.get("country") for _, e in located]

    def _named(self, value: str) -> list:
        name = normalise.strip_qualifiers(value)
        return [
            self.index.entries[m.index]
            for m in self.index.lookup(name, person=False, fuzzy=False)
            if m.level <= normalise.VARIANT
        ]

    def silver(self, value: str) -> str | None:
        """From matching alone: the largest place of that name in Suriname; else (unless a qualifier places it in
        Suriname) a country or continent of that name, or a place of 10,000 or more inhabitants at least five
        times larger than any other of its name; else NIL."""
        named = self._named(value)
        local = [e for e in named if e.properties.get("country") == COUNTRY]
        if local:
            return max(local, key=population).uri
        qualifier = value[len(normalise.strip_qualifiers(value)) :]
        if re.search(r"suriname|paramaribo|commewijne|marowijne|nickerie|saramacca|para\b", qualifier, re.I):
            return None
        for e in named:
            if e.properties.get("feature") in ("A.PCLI", "L.CONT"):
                return e.uri
        ranked = sorted(named, key=population, reverse=True)
        if ranked and population(ranked[0]) >= 10_000:
            if len(ranked) == 1 or population(ranked[0]) >= 5 * population(ranked[1]):
                return ranked[0].uri
        return None

    def thesaurus_gold(self, value: str) -> tuple[bool, str | None]:
        """(known, uri): whether the thesaurus has the term, and the GeoNames entry it means (None: NIL)."""
        point = self.thesaurus.get(value)
        if point is None:
            return False, None
        best: tuple[float, str] | None = None
        home = self._country_at(point)
        for e in self._named(value):
            p = e.properties
            if p.get("feature") == "A.PCLI":
                if p.get("country") == home:
                    return True, e.uri
            elif p.get("lat") is not None:
                d = km(point, (p["lat"], p["lon"]))
                if d <= GOLD_KM and (best is None or d < best[0]):
                    best = (d, e.uri)
        return True, best[1] if best else None

    def _country_at(self, point: tuple[float, float]) -> str | None:
        lat, lon = np.radians(point)
        c = self._coords
        h = np.sin((c[:, 0] - lat) / 2) ** 2 + np.cos(lat) * np.cos(c[:, 0]) * np.sin((c[:, 1] - lon) / 2) ** 2
        return self._countries[int(np.argmin(h))]


def person_gold(vkc: AuthorityIndex, value: str) -> str | None:
    exact = {vkc.entries[m.index].uri for m in vkc.lookup(value, fuzzy=False) if m.level == normalise.EXACT}
    return exact.pop() if len(exact) == 1 else None


# the set ------------------------------------------------------------------------------------------------------------
def demo_mentions(vkc: AuthorityIndex, places: PlaceGold, thesaurus_only: bool = False) -> list[dict[str, Any]]:
    """The demo collection's mentions; `thesaurus_only`: every place mention the thesaurus knows, with its gold
    (an evaluation set over all entities, split "all")."""
    with DEMO.open(encoding="utf-8-sig", newline="") as fh:
        records = list(csv.DictReader(fh, delimiter=";"))
    items: list[dict[str, Any]] = []
    kept: Counter[str] = Counter()
    for record in records:
        text = f"{record['titel']}. {record['beschrijving']}".strip()
        found = []
        for column in ("vervaardiger", "inhoud.persoon.naam", "geografisch_trefwoord"):
            for value in dict.fromkeys(v.strip() for v in record[column].split("$") if v.strip()):
                if value.lower() in ("anoniem", "onbekend"):
                    continue
                kind = kind_of(value, column)
                span = find(text, surfaces(value, kind), kind)
                if span:
                    found.append((value, kind, span, column))
        for value, kind, (start, end), column in found:
            split = "all" if thesaurus_only else split_of(value)
            if thesaurus_only and kind != "LOC":
                continue
            if kind == "LOC":
                if split in ("test", "all"):
                    known, gold = places.thesaurus_gold(value)
                    if not known:
                        continue
                else:
                    gold = places.silver(value)
            else:
                gold = person_gold(vkc, value) if kind == "PER" else None
            entity = f"{kind}|{value}"
            if kept[entity] >= PER_ENTITY:
                continue
            kept[entity] += 1
            items.append(
                {
                    "id": f"{record['objectnummer']}:{start}",
                    "record": record["objectnummer"],
                    "field": column,
                    "value": value,
                    "mention": text[start:end],
                    "start": start,
                    "end": end,
                    "type": kind,
                    "gold": gold,
                    "gold_source": "thesaurus" if kind == "LOC" and split in ("test", "all") else "matching",
                    "text": text,
                    "mentions": [[text[s:e], k] for v, k, (s, e), _ in found if v != value],
                    "year_from": _year(record["datering.datum.start"]),
                    "year_to": _year(record["datering.datum.eind"]),
                    "country": COUNTRY,
                    "language": "nl",
                    "split": split,
                }
            )
    return items


def _year(value: str) -> int | None:
    m = re.match(r"^-?\d{3,4}", value.strip())
    return int(m.group(0)) if m else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--thesaurus", type=Path, default=THESAURUS)
    parser.add_argument("--fit", action="store_true", help="fit models/linking/model.json and measure it")
    args = parser.parse_args()
    if not args.thesaurus.is_file():
        sys.exit(f"{args.thesaurus} is missing: the test split's place gold comes from it")
    vkc = AuthorityIndex("vkc-creators", vkc_creator_entries())
    place_entries = list(geonames_entries())
    geonames = AuthorityIndex("geonames", place_entries)
    places = PlaceGold(geonames, read_thesaurus(args.thesaurus))
    items = demo_mentions(vkc, places)
    evaluated = {item["gold"] for path in (VARIANTS, EXONYMS, ASR) for item in read_mentions(path)}
    variants = place_variants(place_entries, evaluated)
    items += noisy_places(items) + synthetic_people(vkc) + synthetic_places(geonames)
    items = untyped(items)
    all_places = demo_mentions(vkc, places, thesaurus_only=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for path, chosen in ((args.out, items), (args.out.with_name("demo_places_thesaurus.jsonl"), all_places)):
        with path.open("w", encoding="utf-8") as fh:
            for item in chosen:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {len(all_places)} place mentions with thesaurus gold (split 'all')", file=sys.stderr)
    counts = Counter((i["split"], i["type"] or "untyped", "nil" if i["gold"] is None else "linkable") for i in items)
    print(f"wrote {len(items)} mentions to {args.out}", file=sys.stderr)
    for key in sorted(counts):
        print(f"  {'/'.join(key)}: {counts[key]}", file=sys.stderr)
    if not args.fit:
        return
    indexes = [vkc, geonames]
    context_entries, context_items = synthetic_context(vkc)
    context_index = AuthorityIndex(CONTEXT_AUTHORITY, context_entries)
    write_context_set(args.out.parent, context_entries, context_items)
    unseen = [vkc, AuthorityIndex("geonames", held_out(place_entries, variants))]  # the variants are unseen names
    # the context set's namesakes (two or three a mention) get a bias of their own; look-alike places are weighed
    # on the variants together with the demo training mentions, whose look-alikes are mostly not the place meant
    stages = [
        ([context_index], context_items, CONTEXT_FEATURES, True),
        (unseen, variants + [i for i in items if i["split"] == "train"], ("place_look_alike",), False),
    ]
    model = fit(items, indexes, stages)
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    (MODEL_DIR / "model.json").write_text(json.dumps(model, indent=1) + "\n")
    fitted = Model.load(MODEL_DIR / "model.json")
    metrics = {"command": "python training/build_link_set.py --fit", "test": {}, "dev": {}}
    for split, chosen in (
        ("dev", [i for i in items if i["split"] == "dev"]),
        ("test", [i for i in items if i["split"] == "test"]),
        ("places_all_thesaurus", all_places),
    ):
        metrics[split] = evaluate(Linker(indexes, fitted), chosen)
        metrics[split + "_without_country"] = evaluate(Linker(indexes, fitted), chosen, country=False)
        untyped_items = [i | {"type": None} for i in chosen]
        metrics[split + "_without_types"] = evaluate(Linker(indexes, fitted), untyped_items)
    for split in ("dev", "test"):
        chosen = [i for i in context_items if i["split"] == split]
        metrics[f"context_{split}"] = evaluate(Linker([context_index], fitted), chosen)
    (MODEL_DIR / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    json.dump({k: v for k, v in metrics.items()}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

"""Linking accuracy on spelling variants, on English/French text and on speech-recogniser spellings, against the
shipped authorities.

    python training/eval_link_variants.py --build    # (re)draw training/link_variants.jsonl from the authorities
    python training/eval_link_variants.py            # print the figures
    python training/eval_link_variants.py --write    # ... and store them in models/linking/metrics.json

Three sets:
- variants: for a seeded sample of creators (VKC, CC0) and of places of 100,000 or more inhabitants (GeoNames,
  CC BY 4.0), one of the entry's own alternate labels that is a spelling variant of its preferred label (a
  different folded form, string similarity 0.6 or more: "Anthonie van Dijck" for Anthony van Dyck, "Yperen" for
  Ieper) and not a sorting form of it, drawn once into training/link_variants.jsonl. Each variant is held out
  of the index (removed from its entry's names) and then looked up with the entity type and no other context;
  the gold is the entry it came from. The set is split dev/test by a hash of the gold entry (split_of): the dev
  half is for looking at errors and choosing, the test half only for the figure reported.
- exonyms: training/link_exonyms.jsonl, hand-written English and French sentences naming places the way those
  languages do ("Vienna", "Anvers", "Aix-la-Chapelle"), with no collection country; the gold is the most
  populous GeoNames place of that name in the country meant.
- asr: training/link_asr.jsonl, 44 Flemish artists and places as a speech recogniser (Whisper) writes them from
  Dutch speech ("Antwerpon", "Jent", "Anthony Van Dick", "Jacob Jordans", "Emiel Klaus"), in the transcript
  sentence, with a Flemish collection's country (BE); 40 linkable, 4 people and places no authority has (NIL).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from verrijk.enrich.text.linking import normalise
from verrijk.enrich.text.linking.evaluate import evaluate, read_mentions
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.model import Entry
from verrijk.enrich.text.linking.shipped import geonames_entries, vkc_creator_entries
from verrijk.folding import fold

ROOT = Path(__file__).parents[1]
EXONYMS = ROOT / "training" / "link_exonyms.jsonl"
VARIANTS = ROOT / "training" / "link_variants.jsonl"
ASR = ROOT / "training" / "link_asr.jsonl"
METRICS = ROOT / "models" / "linking" / "metrics.json"
PER_AUTHORITY = 300
MIN_SIMILARITY = 60.0
BIG_PLACE = 100_000


def spelling_variant(entry: Entry, person: bool) -> list[str]:
    """The entry's alternate labels that spell its label another way (not sorting forms, not other names)."""
    label_keys = set(normalise.keys(entry.label, person))
    found = []
    for alias in entry.alt_labels:
        folded = fold(alias)
        if not folded or folded in label_keys or normalise.natural_order(alias):
            continue
        if fuzz.ratio(folded, fold(entry.label)) >= MIN_SIMILARITY and len(folded.split()) == len(
            fold(entry.label).split()
        ):
            found.append(alias)
    return found


def split_of(uri: str) -> str:
    """The variant set's split of an entry: "dev" or "test", half each, by a hash of its uri."""
    return ("dev", "test")[int(hashlib.sha256(uri.encode()).hexdigest(), 16) % 2]


def draw(entries: list[Entry], person: bool, count: int, seed: int) -> list[dict[str, Any]]:
    """Labelled mentions of one sampled spelling variant each of `count` entries."""
    rng = random.Random(seed)
    eligible = [e for e in entries if spelling_variant(e, person)]
    items = []
    for entry in rng.sample(eligible, min(count, len(eligible))):
        items.append(
            {"mention": rng.choice(spelling_variant(entry, person)), "type": "PER" if person else "LOC",
             "gold": entry.uri, "label": entry.label, "text": "", "mentions": [], "country": None,
             "split": split_of(entry.uri)}
        )  # fmt: skip
    return items


def held_out(entries: Iterable[Entry], items: list[dict[str, Any]]) -> list[Entry]:
    """The entries without the variants the items look up."""
    out = {(i["gold"], fold(i["mention"])) for i in items}
    gold = {g for g, _ in out}
    return [
        replace(e, alt_labels=tuple(a for a in e.alt_labels if (e.uri, fold(a)) not in out)) if e.uri in gold else e
        for e in entries
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="store_true", help="draw the variant set anew")
    parser.add_argument("--write", action="store_true", help="store the figures in models/linking/metrics.json")
    args = parser.parse_args()
    people = list(vkc_creator_entries())
    places = list(geonames_entries())
    if args.build:
        big = [e for e in places if int(e.properties.get("population") or 0) >= BIG_PLACE]
        items = draw(people, True, PER_AUTHORITY, seed=13) + draw(big, False, PER_AUTHORITY, seed=17)
        VARIANTS.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    items = read_mentions(VARIANTS)
    held = [
        AuthorityIndex("vkc-creators", held_out(people, items)),
        AuthorityIndex("geonames", held_out(places, items)),
    ]
    command = {"command": "python training/eval_link_variants.py"}
    figures = {"variants": evaluate(Linker(held), items) | command}
    for split in ("dev", "test"):
        figures[f"variants_{split}"] = evaluate(Linker(held), [i for i in items if i["split"] == split]) | command
    shipped = [AuthorityIndex("vkc-creators", people), AuthorityIndex("geonames", places)]
    for name, path in (("exonyms", EXONYMS), ("asr", ASR)):
        figures[name] = evaluate(Linker(shipped), read_mentions(path)) | {
            "command": f"verrijk eval link --data training/{path.name} --split all"
        }
    for name in ("variants", "variants_dev", "variants_test", "exonyms", "asr"):
        figures[name].pop("calibration", None)
    print(json.dumps(figures, indent=1))
    if args.write:
        metrics = json.loads(METRICS.read_text())
        METRICS.write_text(json.dumps(metrics | figures, indent=1) + "\n")


if __name__ == "__main__":
    main()

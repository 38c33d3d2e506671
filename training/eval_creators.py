"""Measures link.creators on the VKC authority's VIAF alternate names: the name forms other catalogues use.

The enricher links through the authority's alias index and the calibrated linker. The index is built here
WITHOUT the VIAF alternate names (the shipped one has them), and every multi-word VIAF alternate name of a
creator with a URI is a query whose right answer is that creator: what the alias keys (inversion, initials,
particles, accents, fuzzy matching) recover of name forms they never saw. Reports coverage (a link was
suggested), precision (the suggested link is right) and accuracy over all queries; writes
models/link.creators/metrics.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from verrijk.enrich.base import Item
from verrijk.enrich.text.creators import CreatorFieldLinker
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.shipped import best_uri, people, vkc_creator_entries

OUT = Path(__file__).parents[1] / "models" / "link.creators" / "metrics.json"


def main() -> None:
    linker = CreatorFieldLinker(Linker([AuthorityIndex("vkc-creators", vkc_creator_entries(viaf=False))]))
    queries: list[tuple[str, str]] = []
    for rows in people():
        uri = best_uri(rows).replace("/wiki/", "/entity/")
        if not uri:
            continue
        alternates = {a.strip() for row in rows for a in row["viaf_alternate"].split(",") if a.strip()}
        # single words ("Rubens") are not names a catalogue links alone
        queries += [(alt, uri) for alt in sorted(alternates) if len(alt.split()) >= 2]
    found = correct = 0
    started = time.perf_counter()
    for text, uri in queries:
        proposals = linker.enrich([Item(0, "creator.0", "text", text=text)])[0]
        if proposals:
            found += 1
            correct += proposals[0].authority_uri == uri
    seconds = time.perf_counter() - started
    metrics = {
        "evaluation": "multi-word VIAF alternate names of VKC creators with a URI, held out of the index",
        "queries": len(queries),
        "coverage": round(found / len(queries), 4),
        "precision": round(correct / found, 4) if found else None,
        "accuracy": round(correct / len(queries), 4),
        "names_per_second": round(len(queries) / seconds),
        "command": "python training/eval_creators.py",
    }
    OUT.write_text(json.dumps(metrics, indent=2) + "\n")
    json.dump(metrics, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()

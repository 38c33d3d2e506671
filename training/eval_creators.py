"""Measures link.creators on the VKC authority's VIAF alternate names: the name forms other catalogues use.

For every creator with a URI, each multi-word VIAF alternate name is a query whose right answer is that
creator. Reports coverage (a candidate was found), precision (the top candidate is right, when one is
found) and accuracy over all queries; writes models/link.creators/metrics.json. The linker matches exact
normalised forms only, so coverage is its limit and precision its strength.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from verrijk.enrich.base import Item
from verrijk.enrich.text.creators import CreatorFieldLinker, best_uri, people

OUT = Path(__file__).parents[1] / "models" / "link.creators" / "metrics.json"


def main() -> None:
    linker = CreatorFieldLinker()
    queries: list[tuple[str, str]] = []
    for rows in people():
        uri = best_uri(rows)
        if not uri:
            continue
        alternates = {a.strip() for row in rows for a in row["viaf_alternate"].split(",") if a.strip()}
        # single words ("Rubens") are not names a catalogue links alone
        queries += [(alt, uri) for alt in sorted(alternates) if len(alt.split()) >= 2]
    found = correct = 0
    for text, uri in queries:
        proposals = linker.enrich([Item(0, "creator.0", "text", text=text)])[0]
        if proposals:
            found += 1
            best = max(proposals, key=lambda p: p.score)
            correct += best.authority_uri == uri
    metrics = {
        "evaluation": "multi-word VIAF alternate names of VKC creators with a URI",
        "queries": len(queries),
        "coverage": round(found / len(queries), 4),
        "precision": round(correct / found, 4) if found else None,
        "accuracy": round(correct / len(queries), 4),
        "command": "python training/eval_creators.py",
    }
    OUT.write_text(json.dumps(metrics, indent=2) + "\n")
    json.dump(metrics, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()

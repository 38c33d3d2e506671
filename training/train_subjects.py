"""Trains and measures the subject suggesters on the demo collection; writes everything under models/subjects/.

    python training/train_subjects.py [--cache /tmp/verrijk-subjects-embeddings.npz] [--vocabulary demo]

1. Builds the demo subject vocabulary (SKOS, models/subjects/demo-subjects.ttl) from the distinct terms of the
   records' inhoud.hoofdmotief.algemeen and inhoud.onderwerp columns.
2. Embeds every record's title + description once (USE-m3; vectors cached in --cache between runs).
3. For the demo terms and for Iconclass: fits on the train split, tunes ensemble weights and thresholds on
   dev, refits on train + dev and scores the test split (F1@5, NDCG@5, precision@1) per backend, next to the
   most-frequent-subjects baseline; saves the refitted model (<vocabulary>.npz/.json) and metrics.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from verrijk.enrich.text.subjects.base import Encoder
from verrijk.enrich.text.subjects.data import load_demo_records
from verrijk.enrich.text.subjects.evaluate import evaluate_subjects
from verrijk.enrich.text.subjects.vocab import (
    DEMO_NS,
    DEMO_TTL,
    MODELS_DIR,
    demo_terms_vocabulary,
    demo_vocabulary,
    iconclass_vocabulary,
    to_turtle,
)
from verrijk.search.embed import UseEmbedder
from verrijk.search.embedding_cache import EmbeddingCache

DEMO_VOCABULARY_VERSION = "2025-1"
ABOUT_DEMO = {
    "title": "verrijk demo subjects: subject terms of the Rijksmuseum Suriname records",
    "description": (
        "The distinct subject terms (inhoud.hoofdmotief.algemeen and inhoud.onderwerp) of the 3,668 Rijksmuseum "
        "object records connected to Suriname, one skos:Concept per term, Dutch labels as written. Derived "
        "from Rijksmuseum object metadata, Rijksmuseum Amsterdam, CC0 1.0, via the Suriname Time Machine "
        "project (https://github.com/SurinameTimeMachine/rijksmuseum-suriname-collection)."
    ),
    "license": "https://creativecommons.org/publicdomain/zero/1.0/",
    "source": "https://github.com/SurinameTimeMachine/rijksmuseum-suriname-collection",
}
COMMAND = "python training/train_subjects.py"
TTL_HEADER = (
    "# verrijk demo subjects: the subject terms of the Rijksmuseum Suriname records, one skos:Concept each.\n"
    "# Derived from Rijksmuseum object metadata (Rijksmuseum Amsterdam, CC0 1.0), via the Suriname Time Machine\n"
    "# project; written by training/train_subjects.py. CC0 1.0: https://creativecommons.org/publicdomain/zero/1.0/\n"
    "# The URIs (https://w3id.org/verrijk/demo-subjects/...) are not registered with w3id.org and do not resolve.\n\n"
)


def cached_encoder(cache_path: Path) -> tuple[Encoder, EmbeddingCache]:
    embedder = UseEmbedder()
    cache = EmbeddingCache(cache_path, embedder.dim)
    return Encoder(lambda texts: cache.vectors(embedder, texts)[0], embedder.version, embedder.dim), cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "verrijk-subjects-embeddings.npz")
    parser.add_argument("--vocabulary", choices=["demo", "iconclass"], action="append")
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    args = parser.parse_args()
    started = time.monotonic()
    records = load_demo_records()

    ttl = args.out / DEMO_TTL.name
    terms = demo_terms_vocabulary([t for r in records for t in r.subjects], DEMO_VOCABULARY_VERSION)
    args.out.mkdir(parents=True, exist_ok=True)
    ttl.write_text(TTL_HEADER + to_turtle(terms, DEMO_NS.rstrip("/"), ABOUT_DEMO), encoding="utf-8")
    print(f"{ttl}: {len(terms)} concepts", file=sys.stderr)

    encoder, cache = cached_encoder(args.cache)
    chosen = args.vocabulary or ["demo", "iconclass"]
    loaders = {"demo": lambda: demo_vocabulary(ttl), "iconclass": iconclass_vocabulary}
    result = evaluate_subjects(
        {name: loaders[name]() for name in chosen},
        records,
        encoder,
        log=lambda line: print(line, file=sys.stderr),
    )
    cache.save()
    for name, model in result.models.items():
        for path in model.save(args.out, name):
            print(f"{path}: {path.stat().st_size / 1e6:.1f} MB", file=sys.stderr)

    metrics_path = args.out / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() and args.vocabulary else {}
    metrics.update(result.metrics)
    metrics["command"] = COMMAND
    metrics["seconds"] = round(time.monotonic() - started, 1)
    metrics_path.write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    json.dump(result.metrics, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()

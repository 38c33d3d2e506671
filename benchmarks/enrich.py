"""Text enrichment speed on the demo collection: language + NER + linking, next to a plain spaCy pipeline.

Both run in this process on the same texts (every record's title and description), one after the other, with
the models loaded and warmed up first. The baseline is the shipped Dutch NER pipeline run with `nlp.pipe`
alone: what a bare spaCy setup costs. verrijk's pipeline adds language detection per text, routing, and linking
every person, place and organisation against the shipped authorities (VKC creators, GeoNames cities).

    .venv/bin/python benchmarks/enrich.py            # all 3,668 records
    .venv/bin/python benchmarks/enrich.py --limit 500
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

import spacy
from sqlalchemy.orm import Session

from verrijk.config import Settings
from verrijk.enrich.text.analysis import TextIn
from verrijk.enrich.text.entities import analyser_for
from verrijk.enrich.text.language import detect_many
from verrijk.enrich.text.linking.shipped import register_shared
from verrijk.store.accounts import ensure_organisation
from verrijk.store.db import make_engine, migrate

DEMO = Path(__file__).parents[1] / "src" / "verrijk" / "demo" / "rijksmuseum_suriname.csv"


def demo_texts(limit: int | None) -> tuple[list[str], int]:
    with DEMO.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))[:limit]
    return [t for r in rows for t in (r["titel"], r["beschrijving"]) if t.strip()], len(rows)


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N demo records")
    args = parser.parse_args()
    texts, records = demo_texts(args.limit)
    words = sum(len(t.split()) for t in texts)
    settings = Settings()
    print(f"{records} records, {len(texts)} texts, {words:,} words; {os.cpu_count()} cores")

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        with Session(engine) as session:
            org = ensure_organisation(session, "bench")
            load = timed(lambda: register_shared(session, geonames=True))
            session.commit()
            print(f"shipped authorities loaded in {load:.1f} s")
            started = time.perf_counter()
            analyser, linker = analyser_for(session, org.id, settings)
            print(f"indexes opened in {time.perf_counter() - started:.1f} s")

        baseline = spacy.load(settings.models_dir / settings.ner_models["nl"])
        list(baseline.pipe(texts[:50]))
        for language in settings.ner_models:  # every routed model loaded before timing (French alone takes ~8 s)
            analyser.recogniser(language)
        analyser.analyse([TextIn(t) for t in texts[:50]])

        rows = [
            ("plain spaCy nl pipeline (nlp.pipe)", timed(lambda: list(baseline.pipe(texts, batch_size=64)))),
            ("language detection only", timed(lambda: detect_many(texts))),
            ("verrijk: language + NER + linking", timed(lambda: analyser.analyse([TextIn(t) for t in texts]))),
        ]
        results = analyser.analyse([TextIn(t) for t in texts])
    mentions = sum(len(r.entities) for r in results)
    linked = sum(1 for r in results for e in r.entities if e.link)
    print(f"{mentions:,} mentions, {linked:,} linked")
    print(f"{'pipeline':40} {'seconds':>8} {'words/s':>10} {'records/s':>10}")
    for name, seconds in rows:
        print(f"{name:40} {seconds:8.2f} {words / seconds:10,.0f} {records / seconds:10,.1f}")
    ratio = rows[0][1] / rows[2][1]
    print(f"verrijk speed / plain spaCy speed: {ratio:.2f}x (target: >= 5,000 words/s for verrijk)")


if __name__ == "__main__":
    main()

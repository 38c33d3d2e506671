"""Embedding models compared on the demo collection: records/s on this machine and nDCG@10/recall@10 per mode.

Writes models/search/metrics.json, from which the default embedder is chosen (see models/search/card.md).
`use-m3:numpy` and `use-m3:onnx` measure the two engines of the default model; `--engines` also compares their
vectors on every demo text (cosine of each text's two vectors).

    .venv/bin/python benchmarks/embed.py --models use-m3 e5-small /path/to/sentence-transformers-model
    .venv/bin/python benchmarks/embed.py --models use-m3:numpy use-m3:onnx --engines
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from verrijk.ingest.base import Mapping
from verrijk.ingest.service import ingest
from verrijk.records import index_text
from verrijk.search.embed import UseEmbedder, load_embedder
from verrijk.search.evaluate import evaluate, load_queries
from verrijk.search.service import SearchService, SearchSettings
from verrijk.store.accounts import ensure_organisation
from verrijk.store.db import make_engine, migrate, session_factory
from verrijk.store.repo import RecordFilter, Repo, Scope

DEMO = Path(__file__).parents[1] / "src" / "verrijk" / "demo"
METRICS = Path(__file__).parents[1] / "models" / "search" / "metrics.json"


def demo_repo(directory: Path) -> Repo:
    engine = make_engine(f"sqlite:///{directory / 'bench.db'}")
    migrate(engine)
    session = session_factory(engine)()
    org = ensure_organisation(session, "bench", "Bench")
    repo = Repo(session, Scope(org.id))
    mapping = Mapping.load(DEMO / "rijksmuseum_suriname.mapping.csv")
    ingest(session, repo, "suriname", str(DEMO / "rijksmuseum_suriname.csv"), mapping=mapping)
    session.commit()
    return repo


def throughput(embedder, texts: list[str], runs: int = 3) -> dict:
    rates = []
    for _ in range(runs):
        t = time.perf_counter()
        embedder.embed(texts)
        rates.append(len(texts) / (time.perf_counter() - t))
    return {"records_per_s": round(statistics.median(rates), 1), "spread": round((max(rates) - min(rates)) / 2, 1)}


def engine_agreement(texts: list[str], sample: list[str], rounds: int = 5) -> dict:
    """The onnx engine against the numpy one (the reference): cosine of each text's two vectors, and records/s
    on the sample, the engines taking turns so that both meet the same load from other processes."""
    engines = {engine: UseEmbedder(engine=engine) for engine in ("numpy", "onnx")}
    reference, fast = (embedder.embed(texts) for embedder in engines.values())
    cosine = (reference * fast).sum(axis=1)
    rates: dict[str, list[float]] = {engine: [] for engine in engines}
    for _ in range(rounds):
        for engine, embedder in engines.items():
            t = time.perf_counter()
            embedder.embed(sample)
            rates[engine].append(len(sample) / (time.perf_counter() - t))
    return {
        "texts": len(texts),
        "cosine_min": float(cosine.min()),
        "cosine_mean": float(cosine.mean()),
        "max_abs_difference": float(abs(reference - fast).max()),
        "records_per_s": {e: round(statistics.median(r), 1) for e, r in rates.items()},
        "records_per_s_best": {e: round(max(r), 1) for e, r in rates.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["use-m3", "e5-small"])
    parser.add_argument("--sample", type=int, default=200, help="records timed for throughput")
    parser.add_argument("--engines", action="store_true", help="compare use-m3's numpy and onnx vectors")
    args = parser.parse_args()
    results = json.loads(METRICS.read_text()) if METRICS.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        repo = demo_repo(Path(tmp))
        sample = [index_text(r, []) for r in repo.records(RecordFilter(), limit=args.sample).items]
        queries = load_queries()
        for spec in args.models:
            embedder = load_embedder(spec)
            key = spec if spec.startswith("use-m3:") else embedder.name
            embedder.embed(sample[:8])  # load weights
            speed = throughput(embedder, sample)
            service = SearchService(Path(tmp) / spec.replace("/", "_"), embedder, SearchSettings())
            t = time.perf_counter()
            service.sync(repo)
            index_s = time.perf_counter() - t
            results[key] = {
                "version": embedder.version,
                "dim": embedder.dim,
                **speed,
                "index_demo_s": round(index_s, 1),
                "quality": evaluate(service, repo, queries),
            }
            print(key, json.dumps(results[key], indent=1), flush=True)
        if args.engines:
            texts = sorted({index_text(r, []) for r in repo.records(RecordFilter(), limit=100_000).items})
            results["use-m3 engines"] = engine_agreement(texts, sample)
            print(json.dumps(results["use-m3 engines"]), flush=True)
    METRICS.parent.mkdir(parents=True, exist_ok=True)
    METRICS.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()

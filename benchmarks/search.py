"""Vector search at scale: verrijk's FAISS index next to chromadb on the same vectors, in the same run.

Vectors: the demo records embedded with the default model (USE multilingual, 512-d), and for scale a Gaussian
mixture around them (each synthetic vector is a real one plus noise, renormalised): clustered like a real
collection, unlike uniformly random vectors, which are the worst case for approximate indexes. Queries are
other draws around real records. Each engine runs in its own process so its memory is its own.

    .venv/bin/python benchmarks/search.py --sizes 100000 1000000
    .venv/bin/python benchmarks/search.py --sizes 1000000 --noise-dims 16 --engines verrijk-hnsw chromadb \
        --ef-sweep 32 48 64 96 128 --metrics models/search/metrics.json
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import statistics
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from verrijk.search.embed import EmbeddingCache, UseEmbedder
from verrijk.search.vector import VectorIndex

DEMO = Path(__file__).parents[1] / "src" / "verrijk" / "demo" / "rijksmuseum_suriname.csv"
NOISE = 0.025  # per dimension: a synthetic vector keeps a cosine of about 0.85 to its real centre
QUERIES, K, RUNS = 300, 10, 3


def real_embeddings(cache_dir: Path) -> np.ndarray:
    with DEMO.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    texts = [f"{r['titel']}\n{r['beschrijving']}\n{r['vervaardiger']}".replace("$", ", ") for r in rows]
    embedder = UseEmbedder()
    cache = EmbeddingCache(cache_dir / "demo-use-m3.npz", embedder.dim)
    vectors, _ = cache.vectors(embedder, texts)
    cache.save()
    return vectors


def around(real: np.ndarray, n: int, seed: int, noise_dims: int = 0) -> np.ndarray:
    """n vectors around real ones. noise_dims 0: isotropic noise in all dimensions, which makes the points of
    one cluster almost equidistant (a hard case); k > 0: the same amount of noise in a fixed random k-dimensional
    subspace, so neighbours differ by graded distances, as texts on a low-dimensional manifold do."""
    rng = np.random.default_rng(seed)
    dim = real.shape[1]
    basis = np.linalg.qr(np.random.default_rng(0).normal(size=(dim, noise_dims)))[0].T if noise_dims else None
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        if basis is None:
            noise = rng.normal(0, NOISE, (m, dim))
        else:
            noise = rng.normal(0, NOISE * np.sqrt(dim / noise_dims), (m, noise_dims)) @ basis
        x = real[rng.integers(0, len(real), m)] + noise.astype(np.float32)
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def latencies(search, queries: np.ndarray) -> list[float]:
    out = []
    for q in queries:
        t = time.perf_counter()
        search(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def quality_and_speed(search, queries: np.ndarray, truth: np.ndarray, runs: int) -> dict:
    search(queries[0])
    recall = np.mean([len(set(search(q)) & set(t.tolist())) / K for q, t in zip(queries, truth, strict=True)])
    timed = [latencies(search, queries) for _ in range(runs)]
    return {
        "p50": [float(np.percentile(r, 50)) for r in timed],
        "p99": [float(np.percentile(r, 99)) for r in timed],
        "qps": [1000 * len(r) / sum(r) for r in timed],
        "recall": float(recall),
    }


def run_engine(engine: str, data: Path, result, ef_sweep: list[int]) -> None:
    with np.load(data) as arrays:
        vectors, queries, truth = arrays["vectors"], arrays["queries"], arrays["truth"]
    before = rss_mb()
    t = time.perf_counter()
    if engine.startswith("verrijk"):
        index = VectorIndex(vectors.shape[1], kind=engine.split("-")[1])
        for start in range(0, len(vectors), 50_000):
            index.upsert(np.arange(start, min(start + 50_000, len(vectors))), vectors[start : start + 50_000])

        def search(q):
            return [i for i, _ in index.search(q, K)]
    else:
        import chromadb

        client = chromadb.EphemeralClient()
        col = client.create_collection("bench", configuration={"hnsw": {"space": "ip"}})
        step = client.get_max_batch_size()
        for start in range(0, len(vectors), step):
            chunk = vectors[start : start + step]
            col.add(ids=[str(i) for i in range(start, start + len(chunk))], embeddings=chunk)

        def search(q):
            return [int(i) for i in col.query(query_embeddings=[q], n_results=K, include=[])["ids"][0]]

    build = time.perf_counter() - t
    ram = rss_mb() - before
    found = {"build_s": build, "ram_mb": ram, **quality_and_speed(search, queries, truth, RUNS), "sweep": {}}
    if engine == "verrijk-hnsw":
        found["ef"] = index.ef_search
        for ef in ef_sweep:  # the same graph searched with fixed efSearch values
            index.ef_search = ef
            found["sweep"][ef] = quality_and_speed(search, queries, truth, 1)
    result.put(found)


def measure(engine: str, data: Path, ef_sweep: list[int]) -> dict:
    """Run one engine in a fresh process (spawned: OpenMP threads do not survive a fork)."""
    context = mp.get_context("spawn")
    result = context.Queue()
    proc = context.Process(target=run_engine, args=(engine, data, result, ef_sweep))
    proc.start()
    found = result.get()
    proc.join()
    return found


def spread(values: list[float]) -> str:
    med = statistics.median(values)
    return f"{med:.2f} ±{(max(values) - min(values)) / 2:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--noise-dims", type=int, default=0, help="0: isotropic noise; k: noise in a k-dim subspace")
    parser.add_argument("--engines", nargs="+", default=["verrijk-hnsw", "chromadb", "verrijk-flat"])
    parser.add_argument("--ef-sweep", type=int, nargs="*", default=[], help="verrijk-hnsw also at these efSearch")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "verrijk-bench")
    parser.add_argument("--metrics", type=Path, help="also record the medians in this JSON file (models/search/...)")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    real = real_embeddings(args.cache)
    print(f"{len(real)} real embeddings ({real.shape[1]}-d), {faiss.omp_get_max_threads()} threads\n")
    header = "| n | engine | build s | RAM MB | p50 ms | p99 ms | QPS | recall@10 | QPS vs chromadb |"
    print(header)
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        vectors = np.concatenate([real, around(real, n - len(real), seed=n, noise_dims=args.noise_dims)])
        queries = around(real, QUERIES, seed=1, noise_dims=args.noise_dims)
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        data = args.cache / f"vectors-{n}.npz"
        np.savez(data, vectors=vectors, queries=queries, truth=exact.search(queries, K)[1])
        del exact, vectors
        rows = {engine: measure(engine, data, args.ef_sweep) for engine in args.engines}
        base = statistics.median(rows["chromadb"]["qps"]) if "chromadb" in rows else None
        sweeps = []
        for engine, r in rows.items():
            name = f"{engine} (efSearch {r['ef']})" if "ef" in r else engine
            print(f"| {n:,} | {name} | {r['build_s']:.1f} | {r['ram_mb']:.0f} | {row(r, base)}", flush=True)
            sweeps += [f"| {n:,} | {engine} efSearch {ef} | – | – | {row(s, base)}" for ef, s in r["sweep"].items()]
        for line in sweeps:
            print(line, flush=True)
        if args.metrics:
            record(args.metrics, f"{n} vectors, noise-dims {args.noise_dims}", rows, base)


def record(path: Path, key: str, rows: dict, base: float | None) -> None:
    """Keep one size's medians under "vector-index" in a metrics file, next to what other benchmarks wrote there."""

    def medians(r: dict) -> dict:
        found = {m: round(statistics.median(r[m]), 3) for m in ("p50", "p99", "qps")}
        return {
            **found,
            "recall@10": round(r["recall"], 3),
            "qps_vs_chromadb": round(found["qps"] / base, 2) if base else None,
        }

    results = json.loads(path.read_text()) if path.exists() else {}
    results.setdefault("vector-index", {})[key] = {
        engine: {
            **{k: round(r[k], 1) for k in ("build_s", "ram_mb")},
            **({"ef_search": r["ef"]} if "ef" in r else {}),
            **medians(r),
            "sweep": {str(ef): medians(swept) for ef, swept in r["sweep"].items()},
        }
        for engine, r in rows.items()
    }
    path.write_text(json.dumps(results, indent=1) + "\n")


def row(r: dict, base: float | None) -> str:
    """p50, p99, QPS, recall and the QPS ratio to chromadb, as table cells."""
    ratio = f"{statistics.median(r['qps']) / base:.1f}×" if base else "–"
    return f"{spread(r['p50'])} | {spread(r['p99'])} | {spread(r['qps'])} | {r['recall']:.3f} | {ratio} |"


if __name__ == "__main__":
    main()

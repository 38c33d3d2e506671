"""Vector search at scale: verrijk's FAISS index next to chromadb on the same vectors, in the same run.

Vectors: the demo records embedded with the default model (USE multilingual, 512-d), and for scale a Gaussian
mixture around them (each synthetic vector is a real one plus noise, renormalised): clustered like a real
collection, unlike uniformly random vectors, which are the worst case for approximate indexes. Queries are
other draws around real records. Each engine runs in its own process so its memory is its own.

    .venv/bin/python benchmarks/search.py --sizes 100000 1000000
    .venv/bin/python benchmarks/search.py --sizes 1000000 --noise-dims 16 --engines verrijk-hnsw chromadb \
        --ef-sweep 32 48 64 96 128 --metrics models/search/metrics.json

--api N: the whole service at N records instead: a store of N synthetic records (the demo's texts, numbered, put
in the database in bulk), their vectors made directly around the real ones and written to the embedding cache (no
model encodes N texts), kept in --cache; each side of the comparison gets a copy of it whose index its own code
builds once (`verrijk index`, timed, kept too), then a real `verrijk serve` answers hybrid, lexical and semantic
searches one at a time: p50/p99 per mode and the server's resident memory after them.

    .venv/bin/python benchmarks/search.py --api 1000000
    .venv/bin/python benchmarks/search.py --sizes 1000000 --noise-dims 16 --engines verrijk-ivf --ef-sweep 8 16 32

--lexical N: the BM25 engine alone on the same synthetic texts (1-3-word queries as the API gets them, every
language's analysis): build, save and load time, files, memory, p50/p99 per query. --baseline REV measures the
engine (and with --api the whole server) of another commit in the same run, from `git archive REV src`; every
engine runs in a fresh process of its own (`nice` it on a shared machine).

    nice -n 10 .venv/bin/python benchmarks/search.py --lexical 200000 1000000 --baseline f43a639
    nice -n 10 .venv/bin/python benchmarks/search.py --api 200000 --baseline f43a639
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import importlib.util
import json
import multiprocessing as mp
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
from load import QUERIES as API_QUERIES
from load import Connection
from sqlalchemy import insert

from verrijk.records import index_text
from verrijk.search.embed import UseEmbedder
from verrijk.search.embedding_cache import EmbeddingCache, text_key
from verrijk.search.vector import VectorIndex
from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.db import make_engine, migrate, session_factory
from verrijk.store.tables import Collection, Record

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "src" / "verrijk" / "demo" / "rijksmuseum_suriname.csv"
NOISE = 0.025  # per dimension: a synthetic vector keeps a cosine of about 0.85 to its real centre
QUERIES, K, RUNS = 300, 10, 3


def demo_rows() -> list[dict]:
    with DEMO.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def real_embeddings(cache_dir: Path) -> np.ndarray:
    rows = demo_rows()
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


def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
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
        index.expect(len(vectors))  # as a sync does: the kind's structure made for the size it will reach
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
    if engine in ("verrijk-hnsw", "verrijk-ivf"):
        width = "ef_search" if engine == "verrijk-hnsw" else "nprobe"
        found["ef"] = getattr(index, width)
        for ef in ef_sweep:  # the same index searched with fixed efSearch (nprobe) values
            setattr(index, width, ef)
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


BULK = 50_000  # records put in the database at a time


def synthetic(rows: list[dict], i: int) -> dict:
    """Record i of a synthetic store: a demo record's texts, numbered."""
    row = rows[i % len(rows)]
    return {
        "source_id": f"s{i}",
        "title": f"{row['titel']} (nr. {i})",
        "description": row["beschrijving"],
        "creator": [c for c in row["vervaardiger"].split("$") if c],
        "language": "nl",
        "content_hash": str(i),
    }


def synthetic_text(fields: dict) -> str:
    """The text the search service indexes for a synthetic record (none has places, subjects or labels)."""
    return index_text(Record(**{**fields, "place": [], "subject": []}), [])


def build_store(n: int, data_dir: Path, real: np.ndarray) -> str:
    """A store of n synthetic records with their vectors in the embedding cache (no search index); its API key."""
    key_file = data_dir / "bench.key"
    if key_file.exists():
        return key_file.read_text()
    shutil.rmtree(data_dir, ignore_errors=True)  # what an interrupted build left
    data_dir.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{data_dir / 'verrijk.db'}")
    migrate(engine)
    rows = demo_rows()
    embedder = UseEmbedder()
    with session_factory(engine)() as session:
        org = ensure_organisation(session, "bench")
        collection = Collection(organisation_id=org.id, slug="synthetic", name="synthetic")
        session.add(collection)
        session.flush()
        raw, _ = create_api_key(session, org, "cataloger", "bench")
        session.commit()
        cache = EmbeddingCache(data_dir / "search" / f"org-{org.id}" / embedder.name / "embeddings.npz", embedder.dim)
        started = time.perf_counter()
        for start in range(0, n, BULK):
            batch = [
                {"organisation_id": org.id, "collection_id": collection.id, **synthetic(rows, i)}
                for i in range(start, min(n, start + BULK))
            ]
            session.execute(insert(Record), batch)
            texts = [synthetic_text(r) for r in batch]
            centres = real[np.arange(start, start + len(batch)) % len(real)]  # each record near its text's vector
            vectors = centres + np.random.default_rng(start).normal(0, NOISE, centres.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            cache._fresh.update(zip((text_key(embedder, t) for t in texts), vectors, strict=True))
            print(f"  {start + len(batch):,} records stored", flush=True)
        session.commit()
        cache.save()
        print(f"records and vectors: {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()
    key_file.write_text(raw)
    return raw


def indexed_store(store: Path, src: Path, tag: str) -> Path:
    """A copy of the store whose search index the code of `src` built (`verrijk index`), made once per tag: each side
    of a comparison serves the index its own code builds, in its own layout and kind."""
    side = store.with_name(f"{store.name}-{tag}")
    done = side / "indexed"
    if done.exists():
        return side
    shutil.rmtree(side, ignore_errors=True)
    side.mkdir(parents=True)
    with sqlite3.connect(store / "verrijk.db") as source, sqlite3.connect(side / "verrijk.db") as copy:
        source.backup(copy)
    shutil.copytree(store / "search", side / "search", copy_function=os.link)  # the cache, never written in place
    env = os.environ | {"VERRIJK_DATA_DIR": str(side), "PYTHONPATH": str(src), "VERRIJK_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "verrijk.cli", "index", "--org", "bench"], env=env, check=True)
    done.write_text(f"{time.perf_counter() - started:.0f}")
    return side


async def api_latencies(port: int, key: str, mode: str, count: int) -> list[float]:
    conn, out = Connection("127.0.0.1", port, key), []
    for i in range(count):
        query = API_QUERIES[i % len(API_QUERIES)].replace(" ", "%20")
        started = time.perf_counter()
        status = await conn.request("GET", f"/search?query={query}&mode={mode}", None)
        out.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"/search answered {status}")
    await conn.close()
    return out


def measure_api(n: int, cache: Path, real: np.ndarray, count: int, baseline: str | None) -> None:
    store = cache / f"api-{n}"
    key = build_store(n, store, real)
    sides = [(f"baseline {baseline}", baseline_src(baseline, cache))] if baseline else []
    for label, src in [*sides, ("this tree", ROOT / "src")]:
        data_dir = indexed_store(store, src, "tree" if src == ROOT / "src" else src.parent.name)
        print(f"\n{label}: {n:,} records, index built in {(data_dir / 'indexed').read_text()} s by `verrijk index`")
        for meta in data_dir.glob("search/org-*/*/vectors.json"):  # the search widths the index chose
            size = meta.with_suffix(".faiss").stat().st_size / 2**20
            print(f"vector index: {size:.0f} MB, {meta.read_text()}")
        serve_and_measure(data_dir, src, key, count)


def serve_and_measure(data_dir: Path, src: Path, key: str, count: int) -> None:
    """Start `verrijk serve` from a source tree on the store, time each mode one search at a time, stop it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"VERRIJK_DATA_DIR": str(data_dir), "VERRIJK_LOG_LEVEL": "WARNING", "PYTHONPATH": str(src)}
    env["VERRIJK_RESULT_CACHE_MB"] = "0"  # the queries repeat: a cached answer would measure no search
    with (data_dir / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "verrijk.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        started = time.perf_counter()
        asyncio.run(api_latencies(port, key, "hybrid", 1))  # loads the embedder and the indexes
        print(f"first search (loads the indexes) {time.perf_counter() - started:.1f} s")
        print("| mode | n | p50 ms | p99 ms |\n|---|---|---|---|")
        for mode in ("hybrid", "lexical", "semantic"):
            found = asyncio.run(api_latencies(port, key, mode, count))
            print(f"| {mode} | {len(found)} | {statistics.median(found):.1f} | {np.percentile(found, 99):.1f} |")
        print(f"server memory: {rss_mb(server.pid):.0f} MB resident, peak {rss_mb(server.pid, 'VmHWM'):.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


def baseline_src(rev: str, cache: Path) -> Path:
    """The src/ tree of another commit (`git archive`), exported once into the cache."""
    commit = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, capture_output=True, text=True, check=True)
    out = cache / f"src-{commit.stdout.strip()[:12]}"
    if not out.exists():
        tmp = out.with_name(out.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", commit.stdout.strip(), "src"], cwd=ROOT, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
        tmp.rename(out)
    return out / "src"


def lexical_module(src: str | None):
    """verrijk.search.lexical of this tree (src None) or of a baseline's source tree, loaded from its file."""
    if src is None:
        from verrijk.search import lexical

        return lexical
    spec = importlib.util.spec_from_file_location("baseline_lexical", Path(src) / "verrijk/search/lexical.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lexical_path(module, directory: Path) -> Path:
    """Where an engine saves: a directory of arrays, or (before them) one gzipped JSON file."""
    return directory / ("lexical" if hasattr(module, "MANIFEST") else "lexical.json.gz")


def first_page(module, index, terms: set[str]) -> int:
    """What a search page needs of the engine: the best 12 hits and how many there are."""
    found = index.search(terms)
    if hasattr(module, "MANIFEST"):
        found.top(12)
    else:
        found[:12]
    return len(found)


def lexical_build(src: str | None, n: int, directory: Path, result) -> None:
    module = lexical_module(src)
    rows = demo_rows()
    texts = [synthetic_text(synthetic(rows, i)) for i in range(n)]
    before = rss_mb()
    started = time.perf_counter()
    index = module.LexicalIndex()
    for i, text in enumerate(texts, start=1):
        index.upsert(i, text, "nl")
    built = time.perf_counter() - started
    path = lexical_path(module, directory)
    started = time.perf_counter()
    index.save(path)
    saved = time.perf_counter() - started
    files = path.rglob("*") if path.is_dir() else [path]
    result.put(
        {
            "build_s": built,
            "save_s": saved,
            "files_mb": sum(f.stat().st_size for f in files if f.is_file()) / 2**20,
            "build_mb": rss_mb() - before,
        }
    )


def lexical_serve(src: str | None, directory: Path, runs: int, result) -> None:
    module = lexical_module(src)
    before = rss_mb()
    started = time.perf_counter()
    index = module.LexicalIndex.load(lexical_path(module, directory))
    loaded = time.perf_counter() - started
    per_query = {}
    for query in API_QUERIES:
        terms = module.query_terms(query, None)
        hits = first_page(module, index, terms)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            first_page(module, index, terms)
            times.append((time.perf_counter() - started) * 1000)
        per_query[query] = (hits, times)
    result.put({"load_s": loaded, "ram_mb": rss_mb() - before, "queries": per_query})


def in_process(target, *args) -> dict:
    """Run a function in a fresh process (its memory its own) and return what it reports."""
    context = mp.get_context("spawn")
    result = context.Queue()
    proc = context.Process(target=target, args=(*args, result))
    proc.start()
    found = result.get()
    proc.join()
    return found


def measure_lexical(n: int, cache: Path, baseline: str | None, runs: int) -> None:
    """Build, save, load and query the BM25 engine of this tree (and of a baseline) on n synthetic records."""
    engines = [(f"baseline {baseline}", str(baseline_src(baseline, cache)))] if baseline else []
    engines.append(("this tree", None))
    found = {}
    for label, src in engines:
        directory = cache / f"lexical-{n}-{'base' if src else 'new'}"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        found[label] = in_process(lexical_build, src, n, directory) | in_process(lexical_serve, src, directory, runs)
        shutil.rmtree(directory)
    print(f"\n{n:,} records, BM25 alone, {runs} runs of each of {len(API_QUERIES)} queries")
    print("| engine | build s | save s | files MB | build MB | load s | loaded MB | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, r in found.items():
        times = [t for _, ts in r["queries"].values() for t in ts]
        cells = [r[k] for k in ("build_s", "save_s", "files_mb", "build_mb", "load_s", "ram_mb")]
        print(f"| {label} | " + " | ".join(f"{c:.1f}" for c in cells), end=" | ")
        print(f"{np.percentile(times, 50):.2f} | {np.percentile(times, 99):.2f} |")
    print("\n| query | hits | " + " | ".join(f"{label} p50 ms" for label in found) + " |")
    print("|---|---|" + "---|" * len(found))
    for query in API_QUERIES:
        hits = {r["queries"][query][0] for r in found.values()}
        assert len(hits) == 1, f"the engines disagree on how many records match {query!r}: {hits}"
        medians = " | ".join(f"{statistics.median(r['queries'][query][1]):.2f}" for r in found.values())
        print(f"| {query} | {hits.pop():,} | {medians} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--api", type=int, nargs="+", help="measure the service through the API at these sizes")
    parser.add_argument("--api-queries", type=int, default=200, help="searches per mode in --api")
    parser.add_argument("--lexical", type=int, nargs="+", help="measure the BM25 engine alone at these sizes")
    parser.add_argument("--lexical-runs", type=int, default=20, help="runs of each query in --lexical")
    parser.add_argument("--baseline", metavar="REV", help="--api, --lexical: also measure this commit, in the same run")
    parser.add_argument("--noise-dims", type=int, default=0, help="0: isotropic noise; k: noise in a k-dim subspace")
    parser.add_argument("--engines", nargs="+", default=["verrijk-hnsw", "chromadb", "verrijk-flat"])
    parser.add_argument("--ef-sweep", type=int, nargs="*", default=[], help="verrijk-hnsw also at these efSearch")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "verrijk-bench")
    parser.add_argument("--metrics", type=Path, help="also record the medians in this JSON file (models/search/...)")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.lexical:
        for n in args.lexical:
            measure_lexical(n, args.cache, args.baseline, args.lexical_runs)
        return
    real = real_embeddings(args.cache)
    print(f"{len(real)} real embeddings ({real.shape[1]}-d), {faiss.omp_get_max_threads()} threads\n")
    if args.api:
        for n in args.api:
            measure_api(n, args.cache, real, args.api_queries, args.baseline)
        return
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
            width = "nprobe" if engine == "verrijk-ivf" else "efSearch"
            name = f"{engine} ({width} {r['ef']}, chosen)" if "ef" in r else engine
            print(f"| {n:,} | {name} | {r['build_s']:.1f} | {r['ram_mb']:.0f} | {row(r, base)}", flush=True)
            sweeps += [f"| {n:,} | {engine} {width} {ef} | – | – | {row(s, base)}" for ef, s in r["sweep"].items()]
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

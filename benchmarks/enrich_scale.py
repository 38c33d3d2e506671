"""Batch enrichment at scale: records/s of the local engine (one process) and of the Ray engine (a local Ray on
every core of this machine), and how time and memory grow from 1k to 100k records.

    .venv/bin/python benchmarks/enrich_scale.py                          # 1k, 10k, 100k records; both engines
    .venv/bin/python benchmarks/enrich_scale.py --max 10000              # stop at 10k
    .venv/bin/python benchmarks/enrich_scale.py -e ner --max 1000        # another enricher

Records are synthetic: the demo collection's rows (titles, descriptions, creators, dates) repeated with unique
source ids, ingested into a fresh SQLite database per size (not timed). Each (size, engine) run is a process of
its own, so that memory is measured per run: the peak of the summed resident memory of that process and every
process it started (for Ray: the raylet, GCS and the actors), sampled every 0.2 s. Time is the wall time of the
job (`verrijk.enrich.jobs.execute`), for Ray after the local Ray has started (its start-up is its own column).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from verrijk.config import Settings
from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.enrich.text.linking.shipped import register_shared
from verrijk.ingest.base import Mapping
from verrijk.ingest.service import ingest
from verrijk.store.accounts import ensure_organisation
from verrijk.store.db import make_engine, migrate, session_factory
from verrijk.store.repo import Repo, Scope

DEMO = Path(__file__).parents[1] / "src" / "verrijk" / "demo"
SIZES = (1_000, 10_000, 100_000)


def synthetic_csv(n: int) -> bytes:
    """n records: the demo rows over and over, each copy with its own objectnummer."""
    with (DEMO / "rijksmuseum_suriname.csv").open(encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        fields, rows = reader.fieldnames, list(reader)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, delimiter=";")
    writer.writeheader()
    for i in range(n):
        row = dict(rows[i % len(rows)])
        row["objectnummer"] = f"{row['objectnummer']}-{i // len(rows)}"
        writer.writerow(row)
    return out.getvalue().encode()


def prepare(url: str, n: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    with session_factory(engine)() as session:
        org = ensure_organisation(session, "bench")
        register_shared(session, geonames=False)
        mapping = Mapping.load(DEMO / "rijksmuseum_suriname.mapping.csv")
        report = ingest(session, Repo(session, Scope(org.id)), "bench", "bench.csv", synthetic_csv(n), mapping=mapping)
        assert report.created == n, report.summary()
        session.commit()
    engine.dispose()


class PeakMemory:
    """The peak resident memory of this process and all it started, sampled in a thread."""

    def __init__(self, every: float = 0.2):
        self.peak, self.every, self._stop = 0, every, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def child(engine_name: str, url: str, enrichers: list[str], batch_size: int) -> None:
    """One run, in this process: prints its figures as one JSON line."""
    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()), enrich_batch_size=batch_size)
    with PeakMemory() as memory:
        startup = 0.0
        if engine_name == "ray":
            from verrijk.enrich.distributed import connect

            started = time.perf_counter()
            connect(None)
            startup = time.perf_counter() - started
        engine = make_engine(url)
        with session_factory(engine)() as session:
            repo = Repo(session, Scope(1))
            job = create_enrich_job(repo, "bench", enrichers, settings)
            started = time.perf_counter()
            job = execute(session, repo.scope, job.id, batch_size, settings=settings, engine=engine_name)
            seconds = time.perf_counter() - started
        engine.dispose()
    assert job.status == "done", job.error
    print(
        json.dumps(
            {
                "seconds": seconds,
                "startup": startup,
                "records": job.total,
                "created": job.result["created"],
                "peak_mb": memory.peak / 2**20,
            }
        )
    )


def run(engine_name: str, url: str, enrichers: list[str], batch_size: int) -> dict:
    args = [sys.executable, __file__, "--child", engine_name, "--url", url, "--batch-size", str(batch_size)]
    done = subprocess.run(
        [*args, *(a for e in enrichers for a in ("-e", e))], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{engine_name} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=SIZES[-1], help="largest collection (default 100,000)")
    parser.add_argument(
        "-e", "--enricher", action="append", help="enricher (repeatable; default link.creators, dates.edtf)"
    )
    parser.add_argument("--engines", default="local,ray", help="comma-separated: local, ray")
    parser.add_argument("--batch-size", type=int, default=200, help="records per batch (VERRIJK_ENRICH_BATCH_SIZE)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    enrichers = args.enricher or ["link.creators", "dates.edtf"]
    if args.child:
        child(args.child, args.url, enrichers, args.batch_size)
        return
    sizes = [n for n in SIZES if n <= args.max] or [args.max]
    engines = args.engines.split(",")
    print(f"enrichers {', '.join(enrichers)}; batch {args.batch_size}; {os.cpu_count()} cores; SQLite")
    header = ("records", "engine", "seconds", "records/s", "suggestions", "peak MB", "start s")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (8, 6, 8, 10, 11, 8, 8), strict=True)))
    results: dict[tuple[str, int], dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            url = f"sqlite:///{tmp}/bench-{n}.db"
            prepare(url, n)
            for engine_name in engines:
                if engine_name != engines[0]:  # every engine starts from a collection without suggestions
                    Path(f"{tmp}/bench-{n}.db").unlink()
                    prepare(url, n)
                r = results[engine_name, n] = run(engine_name, url, enrichers, args.batch_size)
                print(
                    f"{n:>8,} {engine_name:>6} {r['seconds']:>8.1f} {n / r['seconds']:>10,.0f} {r['created']:>11,}"
                    f" {r['peak_mb']:>8,.0f} {r['startup']:>8.1f}",
                    flush=True,
                )
    for engine_name in engines:
        first, last = results[engine_name, sizes[0]], results[engine_name, sizes[-1]]
        time_growth, memory_growth = last["seconds"] / first["seconds"], last["peak_mb"] / first["peak_mb"]
        print(
            f"{engine_name}: {sizes[-1] // sizes[0]}x the records took {time_growth:.1f}x the time"
            f" and {memory_growth:.2f}x the peak memory"
        )


if __name__ == "__main__":
    main()

"""Ingest throughput: the demo collection ×N on SQLite vs PostgreSQL, first ingest and idempotent re-ingest."""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from verrijk.domain import COPYRIGHT_NOT_EVALUATED
from verrijk.ingest.base import Mapping
from verrijk.ingest.service import ingest
from verrijk.store.accounts import ensure_organisation
from verrijk.store.db import make_engine, migrate, session_factory
from verrijk.store.repo import Repo, Scope

DEMO = Path(__file__).resolve().parents[1] / "src" / "verrijk" / "demo"
PASSES = ("ingest", "re-ingest")


def demo_copies(copies: int) -> tuple[bytes, int]:
    """The demo CSV repeated `copies` times, objectnummer suffixed -copyN on copies 1.. so source ids stay unique."""
    with open(DEMO / "rijksmuseum_suriname.csv", encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f, delimiter=";"))
    key = header.index("objectnummer")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    for n in range(copies):
        for row in rows:
            writer.writerow(row if n == 0 else [*row[:key], f"{row[key]}-copy{n}", *row[key + 1 :]])
    return out.getvalue().encode("utf-8-sig"), len(rows) * copies


@contextmanager
def fresh_database(backend: str, pg_url: str | None) -> Iterator[str]:
    """The URL of a new, empty database, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    assert pg_url
    name = f"verrijk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine("postgresql+psycopg://" + pg_url.split("://", 1)[1], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_once(url: str, data: bytes, expected: int, mapping: Mapping, batch_size: int) -> dict[str, float]:
    """Seconds for the first ingest and for the re-ingest of the same data, into a freshly migrated database."""
    engine = make_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        org_id = ensure_organisation(session, "bench", "benchmark").id
        session.commit()
    seconds = {}
    for name, counter in zip(PASSES, ("created", "unchanged"), strict=True):
        with sessions() as session:  # a new session per pass, as a nightly re-harvest would have
            start = time.perf_counter()
            report = ingest(
                session,
                Repo(session, Scope(org_id)),
                "demo",
                "demo.csv",
                data=data,
                fmt="csv",
                mapping=mapping,
                batch_size=batch_size,
                collection_attrs={"default_rights": COPYRIGHT_NOT_EVALUATED},
            )
            seconds[name] = time.perf_counter() - start
        if report.error or report.rejected_count or getattr(report, counter) != expected:
            sys.exit(f"{name} on {url}: expected {expected} {counter}, got {report.summary()}")
    engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=10, help="how many times to repeat the demo collection")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per backend (fresh database each)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("VERRIJK_BENCH_DATABASE_URL"),
        help="PostgreSQL server URL (default: $VERRIJK_BENCH_DATABASE_URL)",
    )
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()

    data, records = demo_copies(args.copies)
    mapping = Mapping.load(DEMO / "rijksmuseum_suriname.mapping.csv")
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    print(
        f"{records} records (demo ×{args.copies}, {len(data) / 1e6:.1f} MB), batch size {args.batch_size}, "
        f"{args.repeat} repetitions, Python {sys.version.split()[0]}"
    )
    if not args.pg_url:
        print("no --pg-url or VERRIJK_BENCH_DATABASE_URL: SQLite only")

    rates: dict[tuple[str, str], list[float]] = {(b, p): [] for b in backends for p in PASSES}
    for i in range(args.repeat):
        for backend in backends:  # alternate backends so that drift in the machine hits both alike
            with fresh_database(backend, args.pg_url) as url:
                seconds = run_once(url, data, records, mapping, args.batch_size)
            for name in PASSES:
                rates[backend, name].append(records / seconds[name])
            print(f"  run {i + 1} {backend:<10} " + "  ".join(f"{p} {seconds[p]:6.2f} s" for p in PASSES), flush=True)

    print(f"\n{'backend':<11}{'pass':<11}{'median rec/s':>13}{'min':>9}{'max':>9}{'spread':>8}")
    for (backend, name), values in rates.items():
        median = statistics.median(values)
        print(
            f"{backend:<11}{name:<11}{median:>13,.0f}{min(values):>9,.0f}{max(values):>9,.0f}"
            f"{(max(values) - min(values)) / median:>8.1%}"
        )
    if args.pg_url:
        for name in PASSES:
            ratio = statistics.median(rates["postgresql", name]) / statistics.median(rates["sqlite", name])
            print(f"PostgreSQL/SQLite {name}: {ratio:.2f}×")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()

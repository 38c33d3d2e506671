"""Review throughput: decisions/s through the API with 50 concurrent catalogers vs one, SQLite vs PostgreSQL.

Each cataloger repeatedly takes a leased batch (GET /review/next?size=10) and decides it in one call
(POST /review/decisions). A real `verrijk serve` answers; every run starts from a fresh database.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.db import make_engine, migrate, session_factory
from verrijk.store.tables import Collection, Record, Suggestion

ITEMS = 6000


def seed(url: str, reviewers: int) -> list[str]:
    engine = make_engine(url)
    migrate(engine)
    with session_factory(engine)() as session:
        org = ensure_organisation(session, "bench", "Bench")
        collection = Collection(organisation_id=org.id, slug="c", name="c")
        session.add(collection)
        session.flush()
        records = [
            Record(
                organisation_id=org.id,
                collection_id=collection.id,
                source_id=f"r{i}",
                title=f"Gezicht op Paramaribo {i}",
                content_hash="x",
            )
            for i in range(ITEMS)
        ]
        session.add_all(records)
        session.flush()
        session.add_all(
            Suggestion(
                organisation_id=org.id,
                record_id=r.id,
                key=f"k{r.id}",
                field="title",
                span_start=11,
                span_end=21,
                kind="link",
                label="Paramaribo",
                authority_uri="https://sws.geonames.org/3383330/",
                score=(i % 100) / 100,
                enricher="link.places",
                enricher_version="1",
            )
            for i, r in enumerate(records)
        )
        keys = [create_api_key(session, org, "cataloger", f"c{i}")[0] for i in range(reviewers)]
        session.commit()
    engine.dispose()
    return keys


def reviewer(base: str, key: str, deadline: float) -> int:
    decided = 0
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120) as client:
        while time.monotonic() < deadline:
            batch = client.get("/review/next", params={"size": 10}).json()["items"]
            if not batch:
                break
            body = {
                "decisions": [{"id": i["id"], "status": "accepted" if i["score"] >= 0.5 else "rejected"} for i in batch]
            }
            response = client.post("/review/decisions", json=body)
            response.raise_for_status()
            decided += len(response.json()["decided"])
    return decided


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(url: str, clients: int, seconds: float, data_dir: Path) -> float:
    keys = seed(url, clients)
    port = free_port()
    env = os.environ | {"VERRIJK_DATABASE_URL": url, "VERRIJK_DATA_DIR": str(data_dir), "VERRIJK_SECRET_KEY": "b"}
    with (data_dir / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "verrijk.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            decided = sum(pool.map(reviewer, [base] * clients, keys, [start + seconds] * clients))
        return decided / (time.monotonic() - start)
    finally:
        server.terminate()
        server.wait(timeout=10)


def fresh_databases(pg_url: str | None):
    """(name, url, cleanup) for one run of each backend."""
    tmp = Path(tempfile.mkdtemp())
    yield "sqlite", f"sqlite:///{tmp / f'{uuid.uuid4().hex}.db'}", tmp
    if pg_url:
        name = f"verrijk_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine("postgresql+psycopg://" + pg_url.split("://", 1)[1], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield "postgresql", pg_url.rsplit("/", 1)[0] + f"/{name}", tmp
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg-url", default=os.environ.get("VERRIJK_BENCH_DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.pg_url:
        print("no --pg-url: SQLite only")
    results: dict[tuple[str, int], list[float]] = {}
    for run in range(args.repeat):
        for clients in (1, args.clients):
            for name, url, tmp in fresh_databases(args.pg_url):
                rate = measure(url, clients, args.seconds, tmp)
                results.setdefault((name, clients), []).append(rate)
                print(f"  run {run + 1} {name:10} {clients:3} clients  {rate:8.1f} decisions/s", flush=True)
    print(f"\n{'backend':10} {'clients':>7} {'median/s':>10} {'min':>8} {'max':>8} {'vs 1 client':>12}")
    for (name, clients), rates in sorted(results.items()):
        single = statistics.median(results[(name, 1)])
        median = statistics.median(rates)
        print(f"{name:10} {clients:7} {median:10.1f} {min(rates):8.1f} {max(rates):8.1f} {median / single:11.2f}×")


if __name__ == "__main__":
    main()

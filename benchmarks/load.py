"""Serving speed under load: p50/p99, throughput and errors per route, 1 client and 50, against a real server.

It builds the demo store (`verrijk demo --no-serve`, kept in --cache per commit so a second run starts at once),
starts a real server (uvicorn with verrijk's app, --workers) on a loopback port, warms every route, then
  - 1 client: --single requests per route, one after another (p50/p99 of each route alone);
  - N clients (--clients, 50): a search-heavy mix (MIX below) for --seconds, every client on its own keep-alive
    connection, each request waiting for its answer before the next.
Queries come from QUERIES, popular ones that every client repeats; --repeat below 1 makes that share of requests
ask a query no one asked before instead (a popular one plus a word of its own), and --no-result-cache starts the
server with its result cache off (VERRIJK_RESULT_CACHE_MB=0): what every answer costs when none can be reused.
--baseline REV runs the same against a git worktree of another commit (its own store, its own server, one after
the other, never at the same time) and prints after/before ratios. --url with --key measures a running server
instead (loopback only). The client is a small HTTP/1.1 keep-alive client on asyncio streams, so that the load
generator costs the two cores far less than the server it measures.

    .venv/bin/python benchmarks/load.py --baseline HEAD~3
    .venv/bin/python benchmarks/load.py --workers 2 --seconds 20
    .venv/bin/python benchmarks/load.py --workers 2 --baseline HEAD~1 --repeat 0.5
    .venv/bin/python benchmarks/load.py --workers 2 --baseline HEAD~1 --no-result-cache
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:8000 --key vk_...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
QUERIES = (
    "Paramaribo",
    "plantage",
    "suikerriet",
    "slaven op een plantage",
    "kaart van Suriname",
    "portret van een vrouw",
    "fort Zeelandia",
    "rivier",
    "inheemse bewoners",
    "schip",
    "gouverneur",
    "kerk in Paramaribo",
)
ENRICH_TEXT = "Gezicht op de Saramaccastraat in Paramaribo, getekend door Gerrit Schouten in 1820."


def routes(query: str) -> dict[str, tuple[str, str, bytes | None]]:
    """Route name -> (method, path, body) for one query text."""
    q = quote(query)
    enrich = json.dumps({"texts": [{"text": ENRICH_TEXT, "language": "nl"}]}).encode()
    return {
        "GET /collections": ("GET", "/collections", None),
        "GET /records": ("GET", "/records?limit=20", None),
        "GET /records?q=": ("GET", f"/records?q={quote(query.split()[0])}&limit=20", None),
        "search lexical": ("GET", f"/search?query={q}&mode=lexical", None),
        "search hybrid": ("GET", f"/search?query={q}&mode=hybrid", None),
        "search semantic": ("GET", f"/search?query={q}&mode=semantic", None),
        "search hybrid+facets": ("GET", f"/search?query={q}&mode=hybrid&facet=creator&facet=century", None),
        "POST /enrich": ("POST", "/enrich", enrich),
    }


ROUTES = tuple(routes("x"))
# warming ends after a round whose slowest answer took less than WARM_MS, once every worker has at least WARM_SHARE of
# the largest worker's memory (a worker that has not loaded the models is a fraction of one that has)
WARM_ROUNDS, WARM_MS, WARM_SHARE = 20, 3000, 0.8
# the search-heavy mix of the many-clients phase: route -> weight
MIX = {
    "search lexical": 30,
    "search hybrid": 25,
    "search semantic": 5,
    "search hybrid+facets": 5,
    "GET /records?q=": 15,
    "GET /records": 8,
    "GET /collections": 8,
    "POST /enrich": 4,
}


class Connection:
    """One HTTP/1.1 keep-alive connection: a request, then its whole answer (content-length or chunked)."""

    def __init__(self, host: str, port: int, key: str):
        self.host, self.port = host, port
        self.head = f"Host: {host}:{port}\r\nX-API-Key: {key}\r\nAccept: application/json\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes | None) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        extra = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if body is not None else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + (body or b""))
        try:
            return await self._answer()
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            raise

    async def _answer(self) -> int:
        status = int((await self.reader.readline()).split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while size := int((await self.reader.readline()).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        if headers.get("connection") == "close":
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


@dataclass
class Result:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0
    sequential: bool = False  # one route at a time: a route's throughput is 1 / its mean latency
    cpu_seconds: float | None = None  # the server's processor time over the phase (None: a server not started here)
    client_cpu: float = 0.0  # this load generator's own processor time over the phase
    machine_busy: float = 0.0  # the whole machine's busy processor time over the phase (every process)
    load: str = ""  # the load average when the phase ended
    route_cpu: dict[str, float] = field(default_factory=dict)  # one client: the server's processor time per route


async def timed(conn: Connection, result: Result, route: str, query: str) -> None:
    method, path, body = routes(query)[route]
    started = time.perf_counter()
    try:
        status = await conn.request(method, path, body)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        status = 0
    result.latencies[route].append((time.perf_counter() - started) * 1000)
    if status != 200:
        result.errors[route] += 1


class Queries:
    """The query of each request: a popular one (`repeat` of the time) or one never asked before."""

    def __init__(self, repeat: float, seed: int):
        self.repeat, self.rng, self.seed, self.made = repeat, random.Random(seed), seed, 0

    def next(self, popular: str) -> str:
        if self.repeat >= 1 or self.rng.random() < self.repeat:
            return popular
        self.made += 1
        return f"{popular} w{self.seed}x{self.made}"


async def single(host: str, port: int, key: str, count: int, repeat: float, pid: int | None = None) -> Result:
    """Each route alone, `count` times in a row, one connection."""
    conn, result, queries = Connection(host, port, key), Result(sequential=True), Queries(repeat, -1)
    started = time.perf_counter()
    for route in ROUTES:
        before = cpu_seconds(pid)
        for i in range(count):
            await timed(conn, result, route, queries.next(QUERIES[i % len(QUERIES)]))
        if pid is not None:
            result.route_cpu[route] = cpu_seconds(pid) - before
    result.seconds = time.perf_counter() - started
    await conn.close()
    return result


async def many(host: str, port: int, key: str, clients: int, seconds: float, limit: int, repeat: float) -> Result:
    """`clients` connections, each sending the weighted mix for `seconds` (or `limit` requests in all)."""
    result, sent = Result(), 0
    names, weights = list(MIX), list(MIX.values())
    deadline = time.perf_counter() + seconds

    async def client(seed: int) -> None:
        nonlocal sent
        rng, conn, queries = random.Random(seed), Connection(host, port, key), Queries(repeat, seed)
        while time.perf_counter() < deadline and sent < limit:
            sent += 1
            await timed(conn, result, rng.choices(names, weights)[0], queries.next(rng.choice(QUERIES)))
        await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def commit_of(rev: str) -> str:
    return subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", rev], text=True).strip()


def demo_store(tree: Path, store: Path) -> str:
    """The demo store of a source tree in `store` (built once, ~2.5 min), and its cataloger key."""
    key_file = store / "bench.key"
    if key_file.exists():
        return key_file.read_text().strip()
    print(f"building the demo store of {tree} in {store} (once) ...", flush=True)
    env = os.environ | {"PYTHONPATH": str(tree / "src"), "VERRIJK_DATA_DIR": str(store)}
    out = subprocess.run(
        [sys.executable, "-m", "verrijk.cli", "demo", "--no-serve"], env=env, capture_output=True, text=True, check=True
    ).stdout
    key = re.search(r"API key: (vk_\S+)", out).group(1)
    key_file.write_text(key)
    return key


class Server:
    """A real server of a source tree over its (migrated) demo store, on a free loopback port: uvicorn with
    verrijk's application, as `verrijk serve` starts it, but with the same worker health check for every tree
    (commits before 2026-11-30 let uvicorn kill a worker that answered its ping later than 5 s, which a worker
    building the GeoNames index on a loaded machine does, and restart it, again and again)."""

    def __init__(self, tree: Path, store: Path, workers: int, result_cache: bool = True):
        self.port, self.workers = free_port(), workers
        env = os.environ | {"PYTHONPATH": str(tree / "src"), "VERRIJK_DATA_DIR": str(store)}
        if not result_cache:
            env["VERRIJK_RESULT_CACHE_MB"] = "0"
        command = [sys.executable, "-m", "uvicorn", "verrijk.app:create_app", "--factory", "--no-access-log"]
        command += ["--port", str(self.port), "--workers", str(workers), "--timeout-worker-healthcheck", "60"]
        self.log = (store / "server.log").open("w")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, key: str) -> None:
        for _ in range(300):
            if self.process.poll() is not None:
                raise SystemExit(f"the server stopped; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)

        # every route a few times on each of several new connections at once, round after round until a round
        # finds no slow answer and every worker has grown to near the largest one's memory: then each has loaded its
        # models and indexes (one connection stays with one worker, and which worker accepts a connection is up to
        # the kernel: a busy worker accepts late, so a round of fast answers may all come from the warm one)
        async def warm() -> float:
            rounds = await asyncio.gather(
                *(single("127.0.0.1", self.port, key, 2, 1.0) for _ in range(4 * self.workers))
            )
            return max(v for r in rounds for vs in r.latencies.values() for v in vs)

        for _ in range(WARM_ROUNDS):
            slowest, sizes = asyncio.run(warm()), self.worker_mb()
            if slowest < WARM_MS and min(sizes) >= WARM_SHARE * max(sizes):
                break
        print(f"warm: workers at {', '.join(f'{mb:.0f}' for mb in self.worker_mb())} MB", flush=True)

    def worker_mb(self) -> list[float]:
        """Resident memory of each worker process (the server itself when it has no workers)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        workers = [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()] or [str(pid)]
        return [
            int(Path(f"/proc/{w}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6 for w in workers
        ]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def cpu_seconds(pid: int | None) -> float | None:
    """Processor time (user + system) of a process and its children (uvicorn's workers) so far."""
    if pid is None:
        return None
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for proc in [str(pid), *children]:
        fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def machine_busy() -> float:
    """Busy processor seconds of the whole machine so far (every process: /proc/stat less idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def measure(host: str, port: int, key: str, args, pid: int | None = None) -> dict[str, Result]:
    """Both phases; with the server's pid, also the processor time each cost it (a figure that the other load on
    a shared machine disturbs far less than latency), and what this load generator and the whole machine used."""
    phases = {}
    for name, run in (
        ("1 client", lambda: single(host, port, key, args.single, args.repeat, pid)),
        (
            f"{args.clients} clients",
            lambda: many(host, port, key, args.clients, args.seconds, args.max_requests, args.repeat),
        ),
    ):
        before, own, busy = cpu_seconds(pid), time.process_time(), machine_busy()
        phases[name] = result = asyncio.run(run())
        result.client_cpu, result.machine_busy = time.process_time() - own, machine_busy() - busy
        result.load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if pid is not None:
            result.cpu_seconds = cpu_seconds(pid) - before
    return phases


def measure_tree(tree: Path, store: Path, args) -> tuple[dict[str, Result], int]:
    store.mkdir(parents=True, exist_ok=True)
    key = demo_store(tree, store)
    server = Server(tree, store, args.workers, not args.no_result_cache)
    try:
        server.wait_ready(key)
        return measure("127.0.0.1", server.port, key, args, server.process.pid), server.workers
    finally:
        server.stop()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def summary(result: Result) -> dict[str, dict]:
    rows = {}
    for route in [*ROUTES, "all"]:
        values = [v for vs in result.latencies.values() for v in vs] if route == "all" else result.latencies[route]
        if not values:
            continue
        errors = sum(result.errors.values()) if route == "all" else result.errors[route]
        rows[route] = {
            "n": len(values),
            "errors": errors,
            "p50": statistics.median(values),
            "p99": percentile(values, 99),
            "rps": len(values) / (sum(values) / 1000 if result.sequential and route != "all" else result.seconds),
        }
        if route in result.route_cpu:
            rows[route]["cpu"] = 1000 * result.route_cpu[route] / len(values)
    return rows


def print_table(title: str, rows: dict[str, dict], before: dict[str, dict] | None) -> None:
    """One phase as a markdown table; server CPU per request where it was measured (one client), and the baseline's
    figures with after/before ratios when there is one."""
    cpu = any("cpu" in r for r in rows.values())
    print(f"\n{title}")
    head = "| route | n | errors | p50 ms | p99 ms | req/s |" + (" CPU ms/req |" if cpu else "")
    if before:
        head += " p50 before | p99 before | req/s before |" + (" CPU before |" if cpu else "")
        head += " p50 ratio | req/s ratio |"
    print(head)
    print("|" + "---|" * head.count(" |"))
    for route, r in rows.items():
        line = f"| {route} | {r['n']} | {r['errors']} | {r['p50']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} |"
        line += f" {r['cpu']:.1f} |" if "cpu" in r else (" – |" if cpu else "")
        b = (before or {}).get(route)
        if b:
            line += f" {b['p50']:.1f} | {b['p99']:.1f} | {b['rps']:.0f} |"
            line += f" {b['cpu']:.1f} |" if "cpu" in b else (" – |" if cpu else "")
            line += f" {r['p50'] / b['p50']:.2f}× | {r['rps'] / b['rps']:.2f}× |"
        print(line)


def cpu_shares(result: Result) -> str:
    """Who used the cores during a phase: this load generator, the server, everything else; and the load average."""
    cores = (os.cpu_count() or 1) * result.seconds
    server = result.cpu_seconds or 0.0
    others = max(result.machine_busy - server - result.client_cpu, 0.0)
    shares = f"load generator {result.client_cpu / cores:.0%}, "
    shares += f"server {server / cores:.0%}, " if result.cpu_seconds is not None else ""
    return shares + f"other processes {others / cores:.0%} of the cores; load average {result.load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server on loopback (with --key) instead of starting one")
    parser.add_argument("--key", help="API key for --url")
    parser.add_argument("--baseline", metavar="REV", help="also measure this commit (a git worktree) and compare")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (verrijk serve --workers)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20, help="length of the many-clients phase")
    parser.add_argument("--max-requests", type=int, default=50_000, help="bound on the many-clients phase")
    parser.add_argument("--single", type=int, default=60, help="requests per route with one client")
    parser.add_argument(
        "--repeat", type=float, default=1.0, help="share of requests asking a popular query (the rest: new ones)"
    )
    parser.add_argument("--no-result-cache", action="store_true", help="serve with VERRIJK_RESULT_CACHE_MB=0")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "verrijk-load")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.url:
        target = urlsplit(args.url)
        if target.hostname not in ("127.0.0.1", "localhost", "::1") or not args.key:
            raise SystemExit("--url must be a loopback address, and --key is needed with it")
        after, workers = measure(target.hostname, target.port or 80, args.key, args), None
    else:
        after, workers = measure_tree(ROOT, args.cache / "worktree", args)
    before = None
    if args.baseline:
        commit = commit_of(args.baseline)
        tree = args.cache / f"tree-{commit[:12]}"
        if not tree.exists():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit], check=True)
        try:
            before, base_workers = measure_tree(tree, args.cache / f"store-{commit[:12]}", args)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)
        print(f"\nbaseline {args.baseline} = {commit[:12]} ({base_workers} worker(s))")
    cache = "off" if args.no_result_cache else "on"
    print(
        f"this tree: {workers or 'external'} worker(s); {os.cpu_count()} CPUs; "
        f"popular queries {args.repeat:.0%}; result cache {cache}"
    )
    figures = {}
    for phase, result in after.items():
        rows = summary(result)
        base = summary(before[phase]) if before else None
        figures[phase] = {"after": rows, "before": base}
        title = f"{phase} ({result.seconds:.1f} s)"
        for label, res in (("", result), (" before", before[phase] if before else None)):
            if res is not None and res.cpu_seconds is not None:
                count = sum(len(v) for v in res.latencies.values())
                title += f"; server CPU{label} {1000 * res.cpu_seconds / count:.1f} ms a request"
        print_table(title, rows, base)
        for label, res in (("cores", result), ("cores before", before[phase] if before else None)):
            if res is not None:
                print(f"{label}: {cpu_shares(res)}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""Start verrijk as a real uvicorn server in a subprocess, for browser and end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(db_url: str, data_dir: Path, port: int) -> dict[str, str]:
    return os.environ | {
        "VERRIJK_DATABASE_URL": db_url,
        "VERRIJK_DATA_DIR": str(data_dir),
        "VERRIJK_BASE_URL": f"http://127.0.0.1:{port}",
        "VERRIJK_SECRET_KEY": "e2e",
    }


def wait_until_up(proc: subprocess.Popen, base: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(f"{base} did not come up in {timeout} s")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Run a verrijk command; its output goes to a file (a pipe nobody reads would fill and stall it)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "verrijk.cli", *args], env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )


@contextmanager
def serving(db_url: str, data_dir: Path, **env: str) -> Iterator[str]:
    """`verrijk serve` on a free port against the given database (more VERRIJK_* settings in env); yields its
    base URL."""
    port = free_port()
    log = data_dir / "server.log"
    proc = start(["serve", "--port", str(port)], server_env(db_url, data_dir, port) | env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, base, log)
        yield base
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()

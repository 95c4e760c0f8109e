"""Benchmark: the HTTP service under load, and ingest through the API and the CLI.

A real ``riskmap serve`` process (its own temporary database, ``RISKMAP_DATA_DIR`` for the
boundary cache) is loaded by a concurrent httpx client for a few seconds per endpoint:

- ``/health``: the server's own ceiling (no data work), so the ratio of every other row to it
  shows how far an endpoint is from what uvicorn + this client can do at all;
- ``/regions?country=AFG``: 32 scored admin-1 regions;
- ``/regions``: the whole world's admin-1 layer (4,576 features), gzip as browsers ask;
- ``/maps/risk?level=admin1`` and a 1,000-item OGC page: the largest bodies, sent as kept.

Bodies are read as they arrive (``iter_raw``: not decompressed), as a browser's network stack
would count them. The server's resident memory is printed idle (started, nothing asked) and
after the load, against the bars of issue 13 (600 MB idle, 900 MB after).

Ingest: distinct synthetic articles posted to ``POST /documents`` by several clients, then the
same number written to a JSON Lines file and read by ``riskmap ingest`` (wall time including
start-up, and the steady rate the CLI reports).

Run: ``python bench/bench_service.py`` (``RISKMAP_DATA_DIR`` must hold a built cache).
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8  # concurrent connections for the read load
SECONDS = 6.0  # per endpoint
INGEST_DOCS = 200
PLACES = ["Kandahar", "Kabul", "Herat", "Kunduz", "Peshawar", "Quetta", "Mosul", "Gao"]
ENDPOINTS = [
    ("/health", "health (server ceiling)"),
    ("/", "landing page"),
    ("/regions?country=AFG", "regions country=AFG"),
    ("/regions", "regions world admin-1"),
    ("/maps/risk?level=admin1", "map page world admin-1"),
    ("/collections/admin1/items?limit=1000", "OGC items limit=1000"),
]
RSS_IDLE_BAR_MB = 600
RSS_LOADED_BAR_MB = 900


def article(i: int) -> dict[str, str]:
    """A distinct short article with a place, an incident and casualties."""
    place = PLACES[i % len(PLACES)]
    text = (
        f"A roadside bomb exploded in {place} on Monday, killing {i % 20 + 2} soldiers and "
        f"wounding {i % 7 + 1}. Officials said militants had been active in the area. (#{i})"
    )
    return {"text": text, "published": "2024-11-25", "source": "bench"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RISKMAP_DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": str(ROOT),
    }


@dataclass(frozen=True)
class Served:
    """A running server: where it answers and its process (for its memory)."""

    url: str
    pid: int


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (``ps``: Linux and macOS alike)."""
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True)
    return int(out.stdout.strip() or 0) / 1024


@contextmanager
def server(
    database: Path, root: Path = ROOT, settings: dict[str, str] | None = None
) -> Iterator[Served]:
    """``riskmap serve`` of the checkout at ``root`` in its own process, stopped afterwards.

    ``settings`` adds ``RISKMAP_*`` variables (a token, limits) to the server's environment.
    """
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
        env={**_env(database), "PYTHONPATH": str(root), **(settings or {})},
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError("riskmap serve exited during start-up")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("riskmap serve did not start")
            time.sleep(0.1)
        yield Served(url, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def load(url: str, seconds: float, clients: int) -> tuple[float, list[float], int, int]:
    """Hammer one URL; returns requests/s, latencies (s), errors and bytes per response."""
    latencies: list[float] = []
    errors = 0
    size = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal errors, size
        mine: list[float] = []
        bad = 0
        with httpx.Client(timeout=60, headers={"Accept-Encoding": "gzip"}) as client:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                received = 0
                with client.stream("GET", url) as response:
                    for chunk in response.iter_raw():
                        received += len(chunk)
                mine.append(time.perf_counter() - started)
                bad += response.status_code != 200
                size = received
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, errors, size


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ingest_api(url: str, count: int, clients: int) -> float:
    """Post ``count`` distinct articles with ``clients`` threads; docs/s."""
    items = [article(i) for i in range(count)]
    with httpx.Client(timeout=120) as client:

        def post(item: dict[str, str]) -> int:
            return client.post(url + "/documents", json=item).status_code

        from concurrent.futures import ThreadPoolExecutor

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            statuses = list(pool.map(post, items))
        elapsed = time.perf_counter() - started
    assert statuses.count(201) == count, statuses
    return count / elapsed


def ingest_cli(workdir: Path, count: int) -> tuple[float, float, str]:
    """``riskmap ingest`` on a JSON Lines file: docs/s by wall time and as the CLI reports."""
    path = workdir / "articles.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write(json.dumps(article(50_000 + i)) + "\n")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "ingest", str(path)],
        env=_env(workdir / "cli.sqlite3"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"riskmap ingest failed: {result.stderr.strip()[-500:]}")
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    match = re.search(r"in ([0-9.]+) s", summary)
    steady = count / float(match.group(1)) if match and float(match.group(1)) > 0 else 0.0
    return count / wall, steady, summary


def main() -> int:
    print(f"CPUs: {os.cpu_count()}, clients: {CLIENTS}, {SECONDS:.0f} s per endpoint")
    with tempfile.TemporaryDirectory(prefix="riskmap-bench-") as tmp:
        workdir = Path(tmp)
        with server(workdir / "api.sqlite3") as served:
            url = served.url
            idle_mb = rss_mb(served.pid)
            api_rate = ingest_api(url, INGEST_DOCS, clients=4)
            rows = []
            for path, label in ENDPOINTS:
                httpx.get(url + path, timeout=120)  # warm the score and feature caches
                rate, latencies, errors, size = load(url + path, SECONDS, CLIENTS)
                rows.append((label, rate, latencies, errors, size))
            loaded_mb = rss_mb(served.pid)
        cli_wall, cli_steady, summary = ingest_cli(workdir, INGEST_DOCS)

    health_rate = rows[0][1]
    print()
    print(
        f"{'endpoint':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs health':>11}"
        f"{'errors':>8}{'gzip KB':>9}"
    )
    for label, rate, latencies, errors, size in rows:
        print(
            f"{label:<26}{rate:>9.1f}{1000 * statistics.median(latencies):>9.1f}"
            f"{1000 * percentile(latencies, 0.99):>9.1f}{rate / health_rate:>10.0%}"
            f"{errors:>8}{size / 1024:>9.1f}"
        )
    print()
    print(f"{'ingest':<40}{'docs/s':>9}")
    print(f"{'API  POST /documents, 4 clients':<40}{api_rate:>9.1f}")
    print(f"{'CLI  riskmap ingest, wall incl. start-up':<40}{cli_wall:>9.1f}")
    print(f"{'CLI  riskmap ingest, as reported':<40}{cli_steady:>9.1f}")
    print(f"({INGEST_DOCS} distinct articles each; CLI said: {summary})")
    print()
    print(f"server RSS idle:            {idle_mb:7.0f} MB  (bar <= {RSS_IDLE_BAR_MB} MB)")
    print(f"server RSS after the load:  {loaded_mb:7.0f} MB  (bar <= {RSS_LOADED_BAR_MB} MB)")
    return 1 if any(row[3] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

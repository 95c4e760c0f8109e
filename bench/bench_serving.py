"""Benchmark: the serving-speed bars of issue 13, measured side by side in one run.

A real ``riskmap serve`` (uvicorn, its own temporary database with the sample articles) is
loaded by 8 concurrent clients, one endpoint after the other, and the figures are printed
next to their bars:

- the world admin-1 map page, warm, against ``/health`` (the server's own ceiling) and, cold,
  the first request right after an ingest (median of three ingests); next to it the page's
  geometry (``/maps/geometry``, loaded by the page once per boundary build and kept by the
  browser), so the bytes a first visit costs are on the same sheet;
- a 1,000-item OGC page, warm, against ``python -m http.server`` serving the very bytes the
  service sent (the static-file lower bound), and, with ``--baseline CHECKOUT``, against an
  older checkout of riskmap serving the same requests in the same run (e.g. a
  ``git worktree`` of 9ac4afb);
- a single-feature request with 1,000 and 10,000 stored documents (bulk-written through
  :class:`service.storage.Store`, two servers measured in alternating rounds so that the
  machine's load falls on both), and next to it the old ``count(*)`` freshness query;
- the server's resident memory idle and after all of the above;
- the server's own time per request without any socket (the ASGI app called in-process,
  median of 300 calls): what the service spends, apart from moving the bytes.

The load comes from ``wrk`` when it is installed (a C client: the Python client spends more
CPU receiving a 2 MB body than the server spends sending it, on the same two CPUs), else from
the httpx client of ``bench_service.py``; the output says which. Bodies are counted as sent
(gzip), not decompressed.
Run: ``python bench/bench_serving.py [--baseline PATH]`` (``RISKMAP_DATA_DIR`` holds the cache).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa
from bench_service import ROOT, _free_port, article, load, rss_mb, server

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from maps_support import ingest_samples

from geodata.incidents import DocumentReading
from service.storage import NewDocument, Store, document_id

CLIENTS = 8
SECONDS = 5.0
WORLD_MAP = "/maps/risk?level=admin1"
ITEMS_1000 = "/collections/admin1/items?limit=1000"
DOC_COUNTS = (1_000, 10_000)
ROUNDS = 5  # alternating rounds of single-feature timings per document count
REQUESTS_PER_ROUND = 200


WRK = shutil.which("wrk")


def rate(url: str, seconds: float = SECONDS) -> tuple[float, float, int]:
    """Requests/s, median latency (ms) and body bytes of ``url`` under the concurrent load."""
    if WRK:
        return wrk_rate(url, seconds)
    per_second, latencies, errors, size = load(url, seconds, CLIENTS)
    if errors:
        raise RuntimeError(f"{errors} failed requests to {url}")
    return per_second, 1000 * statistics.median(latencies), size


def wrk_rate(url: str, seconds: float) -> tuple[float, float, int]:
    """``wrk`` with :data:`CLIENTS` keep-alive connections on two threads, asking for gzip."""
    assert WRK is not None
    command = [WRK, "-t2", f"-c{CLIENTS}", f"-d{seconds:.0f}s", "--latency"]
    command += ["-H", "Accept-Encoding: gzip", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors on {url}:\n{out}")
    per_second = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    median = re.search(r"50%\s+([0-9.]+)(us|ms|s)\b", out)
    assert median is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[median.group(2)]
    return per_second, float(median.group(1)) * scale, len(raw_body(url))


def raw_body(url: str) -> bytes:
    """The bytes the service sends a client that accepts gzip (not decompressed)."""
    with (
        httpx.Client(timeout=120, headers={"Accept-Encoding": "gzip"}) as client,
        client.stream("GET", url) as response,
    ):
        response.raise_for_status()
        return b"".join(response.iter_raw())


@contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """``python -m http.server`` over ``directory``: the lower bound for sending stored bytes."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def geometry_url(url: str) -> str | None:
    """The geometry URL the world map page loads its shapes from (``None``: all inline)."""
    page = httpx.get(url + WORLD_MAP, timeout=120).text
    found = re.search(r'<script type="application/json" id="rm-data">(.*?)</script>', page, re.S)
    assert found is not None, "the map page has no data island"
    value = json.loads(found.group(1)).get("geometry_url")
    return str(value) if value else None


def cold_map_seconds(url: str, ingests: int = 3) -> list[float]:
    """Seconds of the first world map request right after each of ``ingests`` new articles."""
    times = []
    with httpx.Client(timeout=120, headers={"Accept-Encoding": "gzip"}) as client:
        for i in range(ingests):
            response = client.post(url + "/documents", json=article(90_000 + i))
            assert response.status_code == 201, response.text
            started = time.perf_counter()
            with client.stream("GET", url + WORLD_MAP) as page:
                for _ in page.iter_raw():
                    pass
            times.append(time.perf_counter() - started)
            assert page.status_code == 200
    return times


def synthetic_text(i: int) -> str:
    """About 1 KB of words drawn per document, so no two are near-copies (the dedup index
    compares near-copies pairwise, which identical filler would turn quadratic)."""
    words = random.Random(i).choices(range(100_000), k=150)
    return f"Synthetic report {i}: " + " ".join(f"w{w}" for w in words) + "."


def fill(database: Path, count: int) -> None:
    """``count`` synthetic documents (about 1 KB each) written in bulk through the Store."""
    store = Store.open(f"sqlite:///{database}")
    batch = []
    for i in range(count):
        text = synthetic_text(i)
        reading = DocumentReading(document_id(text), (), (), None)
        batch.append((NewDocument(text, source="bench"), [], reading))
    for start in range(0, count, 2_000):
        store.ingest_many(batch[start : start + 2_000])
    store.close()


def single_feature_ms(url: str, requests: int) -> float:
    """Median ms of ``requests`` sequential single-feature requests (one client)."""
    times = []
    with httpx.Client(timeout=30) as client:
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return 1000 * statistics.median(times)


def old_freshness_ms(database: Path) -> float:
    """Median ms of the freshness query every scored GET ran before the counter row."""
    engine = sa.create_engine(f"sqlite:///{database}")
    query = sa.text("SELECT count(*), max(ingested_at) FROM documents")
    times = []
    with engine.connect() as conn:
        for _ in range(200):
            started = time.perf_counter()
            conn.execute(query).one()
            times.append(time.perf_counter() - started)
    engine.dispose()
    return 1000 * statistics.median(times)


def documents_scaling(workdir: Path) -> tuple[dict[int, float], dict[int, float]]:
    """Single-feature ms per document count (min over rounds), and the old query's ms."""
    databases = {}
    for count in DOC_COUNTS:
        databases[count] = workdir / f"docs-{count}.sqlite3"
        fill(databases[count], count)
    best: dict[int, float] = {}
    with server(databases[DOC_COUNTS[0]]) as small, server(databases[DOC_COUNTS[1]]) as large:
        urls = {}
        for count, served in ((DOC_COUNTS[0], small), (DOC_COUNTS[1], large)):
            first = httpx.get(served.url + "/collections/admin1/items?limit=1", timeout=60)
            feature_id = first.json()["features"][0]["id"]
            urls[count] = f"{served.url}/collections/admin1/items/{feature_id}"
            single_feature_ms(urls[count], 20)  # warm scores and layers
        for _ in range(ROUNDS):
            for count in DOC_COUNTS:
                ms = single_feature_ms(urls[count], REQUESTS_PER_ROUND)
                best[count] = min(best.get(count, ms), ms)
    return best, {count: old_freshness_ms(databases[count]) for count in DOC_COUNTS}


def measure(root: Path, workdir: Path, name: str) -> dict[str, float]:
    """The warm rates, the cold map and the memory of the checkout at ``root``."""
    figures: dict[str, float] = {}
    with server(workdir / f"{name}.sqlite3", root=root) as served:
        figures["rss_idle"] = rss_mb(served.pid)
        with httpx.Client(base_url=served.url, timeout=120) as client:
            ingest_samples(client, base="")
        for path in (WORLD_MAP, ITEMS_1000):
            raw_body(served.url + path)  # warm
        geometry = geometry_url(served.url)
        if geometry:
            raw_body(geometry)  # warm
        figures["health"], _, _ = rate(served.url + "/health")
        figures["landing"], _, _ = rate(served.url + "/")
        figures["map"], figures["map_ms"], figures["map_bytes"] = rate(served.url + WORLD_MAP)
        if geometry:
            figures["geometry"], _, figures["geometry_bytes"] = rate(geometry)
        figures["items"], figures["items_ms"], figures["items_bytes"] = rate(
            served.url + ITEMS_1000
        )
        cold = cold_map_seconds(served.url)
        figures["cold"] = statistics.median(cold)
        figures["cold_max"] = max(cold)
        static = workdir / f"{name}-static"
        static.mkdir()
        (static / "map.gz").write_bytes(raw_body(served.url + WORLD_MAP))
        (static / "items.gz").write_bytes(raw_body(served.url + ITEMS_1000))
        figures["rss_loaded"] = rss_mb(served.pid)
    with static_server(static) as url:
        figures["static_items"], _, _ = rate(url + "/items.gz")
        figures["static_map"], _, _ = rate(url + "/map.gz")
    return figures


def in_process_ms(paths: list[str], workdir: Path) -> dict[str, float]:
    """Median ms of the app's own work per request: ASGI calls with no socket and no client."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{workdir / 'in-process.sqlite3'}"))
    medians: dict[str, float] = {}
    with TestClient(app, "http://localhost", client=("127.0.0.1", 50000)) as client:
        ingest_samples(client)

        async def call(path: str) -> float:
            route, _, query = path.partition("?")
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": route,
                "raw_path": route.encode(),
                "query_string": query.encode(),
                "root_path": "",
                "headers": [(b"host", b"localhost"), (b"accept-encoding", b"gzip")],
                "client": ("127.0.0.1", 50000),
                "server": ("127.0.0.1", 8000),
            }

            async def receive() -> dict[str, object]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: object) -> None:
                return None

            started = time.perf_counter()
            await app(scope, receive, send)
            return time.perf_counter() - started

        async def median_ms(path: str) -> float:
            await call(path)  # build and keep the body
            return 1000 * statistics.median([await call(path) for _ in range(300)])

        for path in paths:
            medians[path] = client.portal.call(median_ms, path)
    return medians


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", type=Path, help="an older riskmap checkout to compare")
    args = parser.parse_args(argv)
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    client = "wrk" if WRK else "httpx (install wrk for a lighter client)"
    print(
        f"CPUs: {os.cpu_count()}, load average at start {load_avg:.1f}, {CLIENTS} connections "
        f"from {client}, {SECONDS:.0f} s per endpoint"
    )
    with tempfile.TemporaryDirectory(prefix="riskmap-serving-") as tmp:
        workdir = Path(tmp)
        new = measure(ROOT, workdir, "new")
        old = measure(args.baseline.resolve(), workdir, "old") if args.baseline else None
        feature_ms, old_query_ms = documents_scaling(workdir)
        server_ms = in_process_ms(["/health", WORLD_MAP, ITEMS_1000], workdir)

    columns = [("this checkout", new)] + ([("baseline", old)] if old else [])
    print(f"\n{'':34}" + "".join(f"{title:>16}" for title, _ in columns))
    for key, label, unit in (
        ("health", "/health", "req/s"),
        ("landing", "landing page /", "req/s"),
        ("map", "world admin-1 map, warm", "req/s"),
        ("cold", "world admin-1 map, after ingest", "s"),
        ("geometry", "  its geometry (kept by browsers)", "req/s"),
        ("items", "OGC 1,000 items, warm", "req/s"),
        ("static_items", "http.server, same items bytes", "req/s"),
        ("static_map", "http.server, same map bytes", "req/s"),
        ("rss_idle", "RSS idle", "MB"),
        ("rss_loaded", "RSS after this load", "MB"),
    ):
        cells = "".join(
            f"{figures[key]:>10.2f} {unit:<5}" if key in figures else f"{'-':>10} {'':<5}"
            for _, figures in columns
        )
        print(f"{label:34}{cells}")
    geometry_bytes = (
        f", map geometry {new['geometry_bytes'] / 1e6:.2f} MB" if "geometry_bytes" in new else ""
    )
    print(
        f"body bytes: map {new['map_bytes'] / 1e6:.2f} MB{geometry_bytes}, items "
        f"{new['items_bytes'] / 1e6:.2f} MB (gzip)"
    )
    print(
        f"{'single feature, 1k / 10k docs':34}{feature_ms[1000]:>8.2f} / {feature_ms[10000]:.2f} ms"
        f"   (old count(*) query alone: {old_query_ms[1000]:.3f} / {old_query_ms[10000]:.3f} ms)"
    )

    print(
        f"{'server time per request (no socket)':34}"
        + ", ".join(f"{path} {ms:.2f} ms" for path, ms in server_ms.items())
    )

    bars = [
        (
            "map warm >= 50% of /health",
            f"{new['map'] / new['health']:.0%}",
            new["map"] >= 0.5 * new["health"],
        ),
        (
            "map cold <= 1.5 s",
            f"{new['cold']:.2f} s (max {new['cold_max']:.2f})",
            new["cold"] <= 1.5,
        ),
        (
            "items >= 50% of http.server",
            f"{new['items'] / new['static_items']:.0%}",
            new["items"] >= 0.5 * new["static_items"],
        ),
    ]
    bars[1:1] = [
        (
            "  the same, server time only",
            f"{server_ms['/health'] / server_ms[WORLD_MAP]:.0%}",
            server_ms[WORLD_MAP] <= 2 * server_ms["/health"],
        ),
        (
            "  map warm vs http.server, same bytes",
            f"{new['map'] / new['static_map']:.0%}",
            new["map"] >= 0.5 * new["static_map"],
        ),
    ]
    if old:
        bars.append(
            (
                "items >= 10x baseline",
                f"{new['items'] / old['items']:.1f}x",
                new["items"] >= 10 * old["items"],
            )
        )
    ratio = feature_ms[10000] / feature_ms[1000]
    bars += [
        ("single feature 10k/1k docs <= 1.2", f"{ratio:.2f}", ratio <= 1.2),
        ("RSS idle <= 600 MB", f"{new['rss_idle']:.0f} MB", new["rss_idle"] <= 600),
        ("RSS after load <= 900 MB", f"{new['rss_loaded']:.0f} MB", new["rss_loaded"] <= 900),
    ]
    print("\nbars of issue 13")
    for label, figure, ok in bars:
        print(f"  {label:36}{figure:>22}  {verdict(ok)}")
    end_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at end {end_load:.1f} on {os.cpu_count()} CPUs")
    return 0 if all(ok for _, _, ok in bars) else 1


if __name__ == "__main__":
    sys.exit(main())

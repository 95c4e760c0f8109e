"""Benchmark: building the risk map pages and the PNG, and their sizes.

The real app (TestClient, its own temporary database) with the sample articles ingested; each
view's first request (cold: it scores, renders and compresses the page) is timed, then
``REPEATS`` more (warm: the kept body is sent), and the median is reported with the body's raw
and gzip sizes. Then gzip levels 1-9 on the world admin-1 page, size against time: the level
of :data:`service.cache.GZIP_LEVEL` was chosen from this table.
Budgets from the issue: a one-country admin-1 page under 1 MB, the world admin-1 page under
5 MB (gzip). Then the page render alone (``maps.render.render_html``: one template, the data
as a JSON island) for the world admin-1 map, next to the folium/branca renderer it replaced.

Run: ``python bench/bench_maps.py`` (``RISKMAP_DATA_DIR`` must hold a built cache).
"""

from __future__ import annotations

import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from maps_support import ingest_samples

from maps.assets import served
from maps.render import render_html
from service.app import create_app
from service.cache import GZIP_LEVEL
from service.map_data import risk_map
from service.settings import Settings

REPEATS = 5
VIEWS = [
    ("country page AFG admin-1", "/maps/risk?country=AFG&level=admin1", 1_000_000),
    ("country embed AFG admin-1", "/maps/embed?country=AFG&level=admin1", 1_000_000),
    ("world page admin-0", "/maps/risk?level=admin0", 5_000_000),
    ("world page admin-1", "/maps/risk?level=admin1", 5_000_000),
    ("PNG AFG admin-1", "/maps/risk.png?country=AFG&level=admin1", None),
    ("PNG world admin-1", "/maps/risk.png?level=admin1", None),
]
#: ``render_html`` of the world admin-1 page with folium/branca (commit 9ac4afb), median of 5,
#: measured on the project's 2-CPU machine just before the template rewrite: Jinja's lexer
#: re-tokenised the inlined data of every element.
FOLIUM_RENDER_S = 0.552


def render_only(app: Any) -> float:
    """Median seconds of ``render_html`` alone for the world admin-1 map (scores cached)."""
    view = risk_map(app.state.catalogue, app.state.scoreboard, level="admin1", links={"a": "/"})
    render_html(view, served())
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        render_html(view, served())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gzip_levels(page: bytes) -> None:
    """Size and time of each gzip level on one page (median of three compressions)."""
    print(f"\ngzip levels on the world admin-1 page ({len(page):,} bytes raw)")
    print(f"{'level':>5} {'bytes':>12} {'vs level 9':>11} {'seconds':>9}")
    results = {}
    for level in range(1, 10):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            packed = gzip.compress(page, compresslevel=level, mtime=0)
            times.append(time.perf_counter() - start)
        results[level] = (len(packed), statistics.median(times))
    smallest = results[9][0]
    for level, (size, seconds) in results.items():
        chosen = "  <- GZIP_LEVEL" if level == GZIP_LEVEL else ""
        print(f"{level:>5} {size:>12,} {size / smallest - 1:>+10.1%} {seconds:>9.3f}{chosen}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        # A loopback peer and Host, as a local client: writes are allowed, the Host trusted.
        app = create_app(settings)
        with TestClient(app, "http://localhost", client=("127.0.0.1", 50000)) as client:
            ingest_samples(client)
            print(
                f"{'view':28} {'cold s':>7} {'warm s':>9} {'raw bytes':>12} {'gzip bytes':>12}"
                "  budget"
            )
            over = 0
            world = b""
            for label, url, budget in VIEWS:
                start = time.perf_counter()
                client.get(url).raise_for_status()  # scores, renders and keeps the body
                cold = time.perf_counter() - start
                times = []
                body = b""
                for _ in range(REPEATS):
                    start = time.perf_counter()
                    response = client.get(url, headers={"Accept-Encoding": "identity"})
                    times.append(time.perf_counter() - start)
                    response.raise_for_status()
                    body = response.content
                packed = len(gzip.compress(body, 6))
                verdict = ""
                if budget:
                    verdict = "ok" if packed < budget else "OVER"
                    over += packed >= budget
                    verdict += f" (< {budget / 1e6:g} MB gzip)"
                print(
                    f"{label:28} {cold:7.3f} {statistics.median(times):9.3f} {len(body):12,} "
                    f"{packed:12,}  {verdict}"
                )
                if label == "world page admin-1":
                    world = body
            gzip_levels(world)
            seconds = render_only(client.app)
            print(
                f"\nrender_html world admin-1: {seconds:.3f} s "
                f"(folium/branca before: {FOLIUM_RENDER_S:.3f} s, "
                f"{FOLIUM_RENDER_S / seconds:.1f}x faster)"
            )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: building the risk map pages and the PNG, and their sizes.

The real app (TestClient, its own temporary database) with the sample articles ingested; each
view is requested ``REPEATS`` times after one warm-up (the first request fills the score and
layer caches), and the median time is reported with the body's raw and gzip sizes.
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


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        # A loopback peer and Host, as a local client: writes are allowed, the Host trusted.
        app = create_app(settings)
        with TestClient(app, "http://localhost", client=("127.0.0.1", 50000)) as client:
            ingest_samples(client)
            print(f"{'view':28} {'median s':>9} {'raw bytes':>12} {'gzip bytes':>12}  budget")
            over = 0
            for label, url, budget in VIEWS:
                client.get(url).raise_for_status()  # warm the score and layer caches
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
                    f"{label:28} {statistics.median(times):9.3f} {len(body):12,} "
                    f"{packed:12,}  {verdict}"
                )
            seconds = render_only(client.app)
            print(
                f"\nrender_html world admin-1: {seconds:.3f} s "
                f"(folium/branca before: {FOLIUM_RENDER_S:.3f} s, "
                f"{FOLIUM_RENDER_S / seconds:.1f}x faster)"
            )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: reading documents (geoparse + incidents) and scoring many incidents.

1. Every text of ``../shared/eval`` is geoparsed, then its incidents extracted: docs/s for the
   geoparser alone and for both together, in the same run, so the cost of incident extraction
   shows as the difference.
2. 100,000 synthetic incidents spread over all admin-1 regions (random types, counts, dates,
   precisions) are scored with roll-ups to countries and borders: seconds per run.

Run: ``python bench/bench_incidents.py`` (``RISKMAP_DATA_DIR`` must hold a built cache).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from geodata.boundaries import cache_dir_for, load_cache
from geodata.gazetteer import load_gazetteer
from geodata.geoparse import geoparse
from geodata.incidents import extract_incidents
from geodata.scoring import ScoreWeights, score_regions
from service.scores import region_index
from service.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
TYPES = [
    "bombing",
    "airstrike",
    "kidnapping",
    "armed_attack",
    "security_operation",
    "militant_presence",
    "threat_statement",
]


def _best_of(run: Callable[[], None], repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def eval_texts() -> list[str]:
    texts = []
    for path in sorted(SHARED.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle if line.strip())
    return texts


def synthetic_events(admin1: pd.DataFrame, n: int, seed: int = 1) -> pd.DataFrame:
    rng = random.Random(seed)
    ids = list(admin1["region_id"])
    countries = dict(zip(admin1["region_id"], admin1["country"], strict=True))
    until = dt.date(2024, 12, 31)
    rows = []
    for i in range(n):
        region = rng.choice(ids)
        kind = rng.choice(TYPES)
        rows.append(
            {
                "event_id": f"e{i}",
                "type": kind,
                "date": until - dt.timedelta(days=rng.randint(0, 1500)),
                "killed": float(rng.choice([0, 0, 0, 1, 2, 5, 20])),
                "deadly": rng.random() < 0.2,
                "wounded": float(rng.choice([0, 0, 3, 10])),
                "hostages": float(rng.choice([0, 0, 0, 2])),
                "militants": float(rng.choice([0, 100, 4000]))
                if kind == "militant_presence"
                else 0.0,
                "confidence": rng.uniform(0.4, 1.0),
                "precision": rng.choice([1, 4, 4, 6]),
                "locations": [("admin1", region, countries[region])],
                "documents": [f"d{rng.randint(0, n // 3)}"],
            }
        )
    return pd.DataFrame(rows)


def main() -> int:
    settings = Settings()
    cache = cache_dir_for(settings.data_dir, settings.boundary_source_object().key)
    boundaries = load_cache(cache)
    gazetteer = load_gazetteer(cache, boundaries=boundaries)
    if not SHARED.exists():
        print(f"skipping the reading benchmark: {SHARED} not found")
        texts: list[str] = []
    else:
        texts = eval_texts()
    if texts:
        size_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        geoparse("Kabul", gazetteer)  # warm up: builds the compiled core's tables once
        incidents = 0
        anchor = dt.date(2024, 11, 25)

        def geoparse_all() -> None:
            for text in texts:
                geoparse(text, gazetteer)

        def read_all() -> None:
            nonlocal incidents
            incidents = 0
            for i, text in enumerate(texts):
                mentions = geoparse(text, gazetteer)
                incidents += len(extract_incidents(str(i), text, mentions, None, anchor).incidents)

        # Wall time, and CPU time of this process: on a shared machine only the second says
        # what the code costs (best of 3 each).
        timings = {
            name: _best_of(run, 3)
            for name, run in (("geoparse only", geoparse_all), ("geoparse + incidents", read_all))
        }
        print(f"reading {len(texts)} eval documents ({size_mb:.2f} MB), best of 3")
        print(f"{'step':<28}{'wall s':>8}{'docs/s':>10}{'MB/s':>8}{'CPU s':>8}{'docs/s':>10}")
        for name, (wall, cpu) in timings.items():
            print(
                f"{name:<28}{wall:>8.2f}{len(texts) / wall:>10.1f}{size_mb / wall:>8.2f}"
                f"{cpu:>8.2f}{len(texts) / cpu:>10.1f}"
            )
        print(f"incidents found: {incidents}")

    index = region_index(boundaries)
    weights = ScoreWeights()
    for n in (10_000, 100_000):
        events = synthetic_events(boundaries.admin1, n)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            scored = score_regions(events, index, weights, until=dt.date(2024, 12, 31))
            timings.append(time.perf_counter() - started)
        print(
            f"scoring {n:>7,} synthetic incidents over {len(boundaries.admin1):,} admin-1 regions: "
            f"best {min(timings):.2f} s of 3, {len(scored):,} scored regions"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

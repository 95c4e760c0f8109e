"""Benchmark the boundary pipeline: cold build vs warm cache load, cache format, payload sizes.

Why these figures: the build runs once per source version and the cached load runs at every
start-up, so the ratio between the two justifies the cache; GeoParquet vs GeoPackage read times
justify the cache format; FeatureCollection sizes per detail level justify the detail levels
the API offers (and the gzip middleware).

Usage::

    .venv/bin/python bench/bench_boundaries.py [--data-dir DIR]

``--data-dir`` (default: ``RISKMAP_DATA_DIR`` or the platform cache) must hold a built cache
for the warm-load and size figures; the cold build always goes to a temporary folder. Each
timing phase runs in a fresh interpreter so that peak RSS (``ru_maxrss``, a high-water mark for
the whole process) belongs to that phase alone.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from geodata.boundaries import Boundaries, build_layers, cache_dir_for, load_cache, write_cache
from geodata.webgeom import Detail, feature_collection
from service.settings import Settings

MIB = 1024 * 1024


def _peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


# ----------------------------------------------------------------------------- phases


def phase_cold(data_dir: Path, traced: bool) -> dict[str, float]:
    """Load the configured source and build every layer into a temporary cache."""
    settings = Settings(data_dir=data_dir)
    source = settings.boundary_source_object()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    data = source.load()
    loaded = time.perf_counter()
    boundaries, _ = build_layers(data)
    built = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_cache(boundaries, cache_dir_for(Path(tmp), source.key))
    written = time.perf_counter()
    result = {
        "source_load_s": loaded - started,
        "build_s": built - loaded,
        "write_s": written - built,
        "rss_mib": _peak_rss_mib(),
    }
    if traced:
        result["tracemalloc_mib"] = tracemalloc.get_traced_memory()[1] / MIB
    return result


def phase_warm(data_dir: Path, traced: bool) -> dict[str, float]:
    """Load the finished cache, as the service does at start-up."""
    cache = _cache_dir(data_dir)
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    load_cache(cache)
    result = {"load_s": time.perf_counter() - started, "rss_mib": _peak_rss_mib()}
    if traced:
        result["tracemalloc_mib"] = tracemalloc.get_traced_memory()[1] / MIB
    return result


def phase_idle(data_dir: Path, traced: bool) -> dict[str, float]:
    """Only the imports: the RSS floor that every other phase's peak includes."""
    return {"rss_mib": _peak_rss_mib()}


PHASES: dict[str, Callable[[Path, bool], dict[str, float]]] = {
    "idle": phase_idle,
    "cold": phase_cold,
    "warm": phase_warm,
}


def _cache_dir(data_dir: Path) -> Path:
    return cache_dir_for(data_dir, Settings(data_dir=data_dir).boundary_source_object().key)


def run_phase(name: str, data_dir: Path, traced: bool) -> dict[str, float]:
    """Run one phase in a fresh interpreter and return its figures."""
    command = [sys.executable, __file__, "--data-dir", str(data_dir), "--phase", name]
    if traced:
        command.append("--traced")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# ----------------------------------------------------------------------------- formats


def _best_of(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def compare_formats(boundaries: Boundaries) -> list[tuple[str, float, float]]:
    """Write the admin-1 layer as GeoParquet and GeoPackage; time reading each back."""
    frame = boundaries.admin1.copy()
    frame["merged_ids"] = [json.dumps(list(v)) for v in frame["merged_ids"]]  # GPKG has no lists
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "admin1.parquet"
        gpkg = Path(tmp) / "admin1.gpkg"
        frame.to_parquet(parquet, compression="zstd")
        pyogrio.write_dataframe(frame, gpkg, driver="GPKG")
        rows.append(
            (
                "GeoParquet (zstd), geopandas.read_parquet",
                parquet.stat().st_size / MIB,
                _best_of(3, lambda: gpd.read_parquet(parquet)),
            )
        )
        rows.append(
            (
                "GeoPackage, pyogrio.read_dataframe",
                gpkg.stat().st_size / MIB,
                _best_of(3, lambda: pyogrio.read_dataframe(gpkg)),
            )
        )
        rows.append(
            (
                "GeoPackage, pyogrio.read_dataframe(use_arrow=True)",
                gpkg.stat().st_size / MIB,
                _best_of(3, lambda: pyogrio.read_dataframe(gpkg, use_arrow=True)),
            )
        )
    return rows


# ----------------------------------------------------------------------------- sizes


def _collection(frame: pd.DataFrame, column: str, props: Callable[[Any], dict[str, Any]]) -> str:
    ids = frame.iloc[:, 0].astype(str)
    rows = frame.itertuples(index=False)
    return feature_collection(
        (fid, geometry, props(row))
        for fid, geometry, row in zip(ids, frame[column], rows, strict=True)
    )


def payload_sizes(boundaries: Boundaries) -> list[tuple[str, str, int, int, int]]:
    """World FeatureCollections per layer and detail: features, raw bytes, gzip bytes."""
    layers: dict[str, tuple[pd.DataFrame, Callable[[Any], dict[str, Any]]]] = {
        "admin-1": (
            boundaries.admin1,
            lambda r: {"region_id": r.region_id, "name": r.name, "country": r.country},
        ),
        "admin-0": (boundaries.admin0, lambda r: {"country": r.country, "name": r.name}),
        "borders": (
            boundaries.borders,
            lambda r: {"border_id": r.border_id, "length_km": round(r.length_km, 1)},
        ),
    }
    rows = []
    for layer, (frame, props) in layers.items():
        for detail in Detail:
            text = _collection(frame, f"geojson_{detail.value}", props).encode()
            json.loads(text)  # what we measure must be valid JSON
            zipped = gzip.compress(text, compresslevel=6)
            rows.append((layer, detail.value, len(frame), len(text), len(zipped)))
    return rows


# ----------------------------------------------------------------------------- report


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    for row in rows:
        cells = [
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="holds the built cache")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data_dir: Path = args.data_dir or Settings().data_dir

    if args.phase:
        print(json.dumps(PHASES[args.phase](data_dir, args.traced)))
        return 0

    cache = _cache_dir(data_dir)
    if not (cache / "metadata.json").exists():
        print(f"no boundary cache in {cache}: run `riskmap data build` first", file=sys.stderr)
        return 1
    started = time.perf_counter()
    print(f"boundary benchmark: cache {cache}", flush=True)

    # Timings without tracemalloc (it slows allocation-heavy code); its peak comes from a
    # second, traced run of each phase.
    idle = run_phase("idle", data_dir, traced=False)
    cold = run_phase("cold", data_dir, traced=False)
    cold_traced = run_phase("cold", data_dir, traced=True)
    warm_runs = [run_phase("warm", data_dir, traced=False) for _ in range(3)]
    warm = min(warm_runs, key=lambda r: r["load_s"])
    warm_traced = run_phase("warm", data_dir, traced=True)
    cold_total = cold["source_load_s"] + cold["build_s"]
    print("\nCold build vs warm load (each in a fresh interpreter)")
    print("tracemalloc sees Python and numpy allocations, not GEOS or Arrow buffers")
    print(
        _table(
            ("phase", "time s", "peak RSS MiB", "tracemalloc peak MiB"),
            [
                (
                    "cold: source load",
                    f"{cold['source_load_s']:.2f}",
                    "",
                    "",
                ),
                ("cold: build_layers", f"{cold['build_s']:.2f}", "", ""),
                (
                    "cold: source load + build_layers",
                    f"{cold_total:.2f}",
                    f"{cold['rss_mib']:.0f}",
                    f"{cold_traced['tracemalloc_mib']:.0f}",
                ),
                ("cold: write_cache (not in total)", f"{cold['write_s']:.2f}", "", ""),
                (
                    "warm: load_cache (best of 3)",
                    f"{warm['load_s']:.2f}",
                    f"{warm['rss_mib']:.0f}",
                    f"{warm_traced['tracemalloc_mib']:.0f}",
                ),
                ("imports only (RSS floor)", "", f"{idle['rss_mib']:.0f}", ""),
                ("speed-up cold/warm", f"{cold_total / warm['load_s']:.0f}x", "", ""),
            ],
        )
    )

    boundaries = load_cache(cache)
    print("\nadmin-1 layer read time by cache format (best of 3, same frame in both)")
    print(
        _table(
            ("format / reader", "file MiB", "read s"),
            [
                (name, f"{size:.1f}", f"{secs:.2f}")
                for name, size, secs in compare_formats(boundaries)
            ],
        )
    )

    print("\nWorld FeatureCollection sizes (webgeom.feature_collection, gzip level 6)")
    print(
        _table(
            ("layer", "detail", "features", "raw bytes", "gzip bytes", "raw MiB", "gzip MiB"),
            [
                (
                    layer,
                    detail,
                    str(n),
                    f"{raw:,}",
                    f"{zipped:,}",
                    f"{raw / MIB:.2f}",
                    f"{zipped / MIB:.2f}",
                )
                for layer, detail, n, raw, zipped in payload_sizes(boundaries)
            ],
        )
    )
    print(f"\nbenchmark took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

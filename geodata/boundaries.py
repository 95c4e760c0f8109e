"""Build, cache and load riskmap's boundary data: admin-1, admin-0, borders and adjacency.

The build is the slow part (reading 34 MB of GeoJSON, repairing, merging, dissolving, finding
every shared edge, simplifying) and runs once per source version; everything downstream loads
the cached GeoParquet files, which takes a fraction of the time (see ``bench/``).

Cache layout, under ``<data_dir>/boundaries/<source key>/``::

    metadata.json      provenance, counts, build statistics; written last, so its presence
                       means the build finished
    admin1.parquet     canonical regions + pre-serialised RFC 7946 geometry per detail level
    admin0.parquet     countries dissolved from admin-1
    borders.parquet    country-pair borders with their touching regions
    adjacency.parquet  admin-1 adjacency graph (edge list)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pycountry
import shapely
import shapely.errors
from shapely.geometry.base import BaseGeometry

from geodata import borders as border_ops
from geodata.errors import BoundaryDataError, NotFound
from geodata.sources import BoundarySource, SourceData, SourceInfo, clean_iso_3166_2
from geodata.webgeom import Detail, prepare_geometries, simplify_coverage

#: Told what a long build is doing as each phase starts (e.g. a CLI printing progress lines).
Progress = Callable[[str], None]


def _silent(message: str) -> None:
    """The progress callback of callers that did not ask for one."""


#: Bump when the cache layout or its columns change, so old caches are rebuilt, not misread.
CACHE_SCHEMA_VERSION = 4

_JSON_COLUMNS = ("merged_ids", "regions")


@dataclass
class BuildStats:
    """What the build had to repair, reported by ``riskmap data info``."""

    invalid_repaired: int = 0
    merged_duplicates: int = 0
    iso_placeholders_dropped: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "invalid_repaired": self.invalid_repaired,
            "merged_duplicates": self.merged_duplicates,
            "iso_placeholders_dropped": self.iso_placeholders_dropped,
            "seconds": round(self.seconds, 2),
        }


@dataclass
class Boundaries:
    """All boundary layers of one source, loaded and indexed for lookups."""

    admin1: gpd.GeoDataFrame
    admin0: gpd.GeoDataFrame
    borders: gpd.GeoDataFrame
    adjacency: pd.DataFrame
    metadata: dict[str, Any]
    cache_dir: Path | None = None
    _admin1_pos: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._admin1_pos = {rid: i for i, rid in enumerate(self.admin1["region_id"])}
        for i, merged in enumerate(self.admin1["merged_ids"]):
            for alias in merged:
                self._admin1_pos.setdefault(alias, i)
        for i, iso in enumerate(self.admin1["iso_3166_2"]):
            if iso:
                self._admin1_pos.setdefault(iso, i)

    # -- lookups -----------------------------------------------------------------------------

    def admin1_record(self, region_id: str) -> pd.Series:
        """One admin-1 region by ``adm1_code``, a merged alias, or its ISO 3166-2 code."""
        pos = self._admin1_pos.get(region_id)
        if pos is None:
            raise NotFound(f"no admin-1 region {region_id!r}")
        return self.admin1.iloc[pos]

    def canonical_admin1_id(self, region_id: str) -> str:
        """The canonical ``region_id`` for any accepted admin-1 key."""
        return str(self.admin1_record(region_id)["region_id"])

    def border(self, border_id: str) -> pd.Series:
        """One border by id; the two codes may come in either order (``TJK|AFG``)."""
        parts = border_id.upper().split("|")
        if len(parts) != 2:
            raise NotFound(f"border id {border_id!r} is not two alpha-3 codes joined by '|'")
        key = border_ops.border_id(*parts)
        match = self.borders.index[self.borders["border_id"] == key]
        if len(match) == 0:
            raise NotFound(f"no border {key!r}: the two countries do not share a land boundary")
        return self.borders.loc[match[0]]

    @cached_property
    def country_names(self) -> dict[str, str]:
        return dict(zip(self.admin0["country"], self.admin0["name"], strict=True))

    def counts(self) -> dict[str, int]:
        return {
            "admin0": len(self.admin0),
            "admin1": len(self.admin1),
            "borders": len(self.borders),
            "adjacent_admin1_pairs": len(self.adjacency),
        }


# ------------------------------------------------------------------------------------ build


def repair_geometries(admin1: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Make invalid polygons valid (keeping only their polygonal part); return how many."""
    geoms = admin1.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    count = int(invalid.sum())
    if count:
        fixed = shapely.make_valid(geoms[invalid])
        geoms = geoms.copy()
        geoms[invalid] = [_only_polygons(g) for g in fixed]
        admin1 = admin1.set_geometry(gpd.GeoSeries(geoms, index=admin1.index, crs=4326))
    return admin1, count


def _only_polygons(geometry: BaseGeometry) -> BaseGeometry:
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    polygons = []
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon":
            polygons.append(part)
        elif part.geom_type == "MultiPolygon":
            polygons.extend(shapely.get_parts(part))
    return shapely.MultiPolygon(polygons)


def merge_split_regions(admin1: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Fold regions that Natural Earth ships as two features (same country, name and ISO code).

    The lowest ``region_id`` becomes canonical; the others are kept in ``merged_ids`` so old
    keys still resolve. Returns the new frame and how many features were folded away.
    """
    has_iso = admin1["iso_3166_2"].notna()
    groups = admin1[has_iso].groupby(["country", "name", "iso_3166_2"], sort=False).groups
    drop: list[Any] = []
    frame = admin1.copy()
    for _, index in groups.items():
        if len(index) < 2:
            continue
        ordered = sorted(index, key=lambda i: str(frame.at[i, "region_id"]))
        keep, rest = ordered[0], ordered[1:]
        geometry = shapely.union_all(frame.loc[ordered].geometry.to_numpy())
        frame.at[keep, "geometry"] = _only_polygons(geometry)
        frame.at[keep, "merged_ids"] = [str(frame.at[i, "region_id"]) for i in rest]
        drop.extend(rest)
    frame = frame.drop(index=drop).reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326), len(drop)


def dissolve_countries(admin1: gpd.GeoDataFrame, geometries: np.ndarray) -> gpd.GeoDataFrame:
    """Admin-0 polygons as the union of each country's admin-1 polygons."""
    countries = admin1["country"].to_numpy()
    records = []
    for code in sorted(set(countries)):
        parts = geometries[countries == code]
        try:
            merged = shapely.coverage_union_all(parts)
        except shapely.errors.GEOSException:
            merged = None  # not a clean coverage (a few Natural Earth edges are not noded)
        if merged is None or not merged.is_valid:
            merged = shapely.union_all(parts)
        records.append({"country": code, "geometry": _only_polygons(merged)})
    frame = pd.DataFrame(records)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def country_name(code: str) -> str:
    """English short name of a country code (alpha-3), falling back to the code itself."""
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return {"XKX": "Kosovo"}.get(code, code)
    return str(getattr(country, "common_name", None) or country.name)


def build_layers(
    source_data: SourceData, progress: Progress | None = None
) -> tuple[Boundaries, BuildStats]:
    """Turn a source's raw admin-1 regions into every layer riskmap serves (pure, no I/O).

    ``progress`` hears the name of each phase as it starts (the world's admin-1 layer takes
    half a minute or more, and a silent half-minute looks like a hang).
    """
    report = progress or _silent
    started = time.perf_counter()
    stats = BuildStats()
    report(f"repairing {len(source_data.admin1)} admin-1 geometries")
    admin1, stats.invalid_repaired = repair_geometries(source_data.admin1)
    admin1 = admin1[~admin1.geometry.is_empty].reset_index(drop=True)
    # Sources clean their codes, but a placeholder that slips through would be served as a key
    # and could fold two unrelated regions together in the merge below: null it here too.
    admin1["iso_3166_2"] = admin1["iso_3166_2"].map(clean_iso_3166_2)
    admin1, stats.merged_duplicates = merge_split_regions(admin1)
    stats.iso_placeholders_dropped = int(admin1["iso_3166_2"].isna().sum())
    full = admin1.geometry.to_numpy()

    report("dissolving countries")
    admin0 = dissolve_countries(admin1, full)
    admin0.insert(1, "name", [country_name(c) for c in admin0["country"]])
    admin0["admin1_count"] = admin0["country"].map(admin1["country"].value_counts()).astype(int)

    report("finding shared borders")
    edges = border_ops.shared_edges(admin1)
    adjacency = border_ops.adjacency_table(edges)
    borders = border_ops.country_borders(edges)

    for number, detail in enumerate(Detail, start=1):
        report(f"web geometries {number}/{len(Detail)} (detail {detail.value})")
        column = f"geojson_{detail.value}"
        simplified = simplify_coverage(full, detail)
        admin1[column] = prepare_geometries(simplified)
        if detail is Detail.full:
            admin0[column] = prepare_geometries(admin0.geometry.to_numpy())
            borders[column] = prepare_geometries(borders.geometry.to_numpy())
            continue
        admin0_simple = dissolve_countries(admin1, simplified)
        admin0[column] = prepare_geometries(admin0_simple.geometry.to_numpy())
        simple_frame = gpd.GeoDataFrame(
            admin1[["region_id", "country"]], geometry=simplified, crs=4326
        )
        simple_borders = border_ops.country_borders(border_ops.shared_edges(simple_frame))
        lines = dict(zip(simple_borders["border_id"], simple_borders.geometry, strict=True))
        pairs = zip(borders["border_id"], borders.geometry, strict=True)
        borders[column] = prepare_geometries([lines.get(bid, geom) for bid, geom in pairs])

    stats.seconds = time.perf_counter() - started
    metadata = {
        "schema_version": CACHE_SCHEMA_VERSION,
        "source": source_data.info.as_dict(),
        "counts": {},
        "build": stats.as_dict(),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    boundaries = Boundaries(admin1, admin0, borders, adjacency, metadata)
    metadata["counts"] = boundaries.counts()
    return boundaries, stats


# ------------------------------------------------------------------------------------ cache


def cache_dir_for(data_dir: Path, source_key: str) -> Path:
    return data_dir / "boundaries" / source_key


def _fresh(cache: Path, info: SourceInfo | None) -> bool:
    meta_path = cache / "metadata.json"
    if not meta_path.exists():
        return False
    try:
        meta = json.loads(meta_path.read_text())
    except ValueError:
        return False
    if meta.get("schema_version") != CACHE_SCHEMA_VERSION:
        return False
    return info is None or meta.get("source", {}).get("files") == info.files


def write_cache(boundaries: Boundaries, cache: Path) -> None:
    """Write all layers to a temporary folder, then swap it in: a crash leaves no half cache."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=cache.parent))
    try:
        for name in ("admin1", "admin0", "borders"):
            _encode_json_columns(getattr(boundaries, name)).to_parquet(
                staging / f"{name}.parquet", compression="zstd"
            )
        boundaries.adjacency.to_parquet(staging / "adjacency.parquet", compression="zstd")
        (staging / "metadata.json").write_text(json.dumps(boundaries.metadata, indent=2))
        if cache.exists():
            shutil.rmtree(cache)
        os.replace(staging, cache)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    boundaries.cache_dir = cache


def _encode_json_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    for column in _JSON_COLUMNS:
        if column in out.columns:
            out[column] = [json.dumps(v) for v in out[column]]
    return out


def load_cache(cache: Path) -> Boundaries:
    """Load a finished cache; a missing or damaged one raises :class:`BoundaryDataError`."""
    meta_path = cache / "metadata.json"
    if not meta_path.exists():
        raise BoundaryDataError(cache, "no boundary cache here: run `riskmap data build`")
    try:
        metadata = json.loads(meta_path.read_text())
        layers = {
            name: gpd.read_parquet(cache / f"{name}.parquet")
            for name in ("admin1", "admin0", "borders")
        }
        adjacency = pd.read_parquet(cache / "adjacency.parquet")
    except (OSError, ValueError) as exc:
        raise BoundaryDataError(
            cache, f"boundary cache is damaged ({exc}); run `riskmap data build --force`"
        ) from exc
    if metadata.get("schema_version") != CACHE_SCHEMA_VERSION:
        raise BoundaryDataError(
            cache,
            f"boundary cache has schema {metadata.get('schema_version')}, this riskmap reads "
            f"{CACHE_SCHEMA_VERSION}; run `riskmap data build`",
        )
    for frame in layers.values():
        for column in _JSON_COLUMNS:
            if column in frame.columns:
                frame[column] = [json.loads(v) for v in frame[column]]
    return Boundaries(
        layers["admin1"], layers["admin0"], layers["borders"], adjacency, metadata, cache
    )


def build_cache(
    source: BoundarySource,
    data_dir: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> tuple[Boundaries, bool]:
    """Build the cache for ``source`` unless an up-to-date one exists (idempotent).

    Returns the loaded boundaries and whether a build actually ran; ``progress`` hears each
    phase of a build as it starts.
    """
    report = progress or _silent
    cache = cache_dir_for(data_dir, source.key)
    if not force and _fresh(cache, None):
        report("checking the cache against the source files")
        boundaries = load_cache(cache)
        if _source_unchanged(source, boundaries):
            return boundaries, False
    report(f"reading the source ({source.key})")
    boundaries, _ = build_layers(source.load(), report)
    report(f"writing the cache to {cache}")
    write_cache(boundaries, cache)
    return boundaries, True


def _source_unchanged(source: BoundarySource, boundaries: Boundaries) -> bool:
    """Cheap check that the cached build came from the same source files (same checksums)."""
    recorded = boundaries.metadata.get("source", {}).get("files", {})
    current = getattr(source, "current_files", None)
    if callable(current):
        return bool(current() == recorded)
    return True


def load_boundaries(source: BoundarySource, data_dir: Path) -> Boundaries:
    """Load the cached boundaries of ``source``, building them first if there are none."""
    boundaries, _ = build_cache(source, data_dir)
    return boundaries

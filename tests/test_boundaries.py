"""Tests for geodata.boundaries: the build on a synthetic source, the cache, and the real data.

The synthetic source is six regions over two countries (1-degree squares on the equator)::

    y=2  +------+-------------+-------+
         |AFG-4 |   AFG-3     |       |        AFG-2 and AFG-3: same name and ISO code,
         |Hills~| "North"     | TJK-1 |        merged into AFG-2.
    y=1  +------+-------------+ "East"|        AFG-4: placeholder ISO code, nulled.
         |AFG-1 |   AFG-2     |       |        TJK-2: a bow-tie at x=10..11, repaired into
         |"West"| "North"     |       |        two triangles.
    y=0  +------+-------------+-------+
        x=0    x=1           x=2     x=3
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata import boundaries as bd
from geodata.boundaries import Boundaries, build_cache, build_layers, load_cache, write_cache
from geodata.errors import BoundaryDataError, NotFound
from geodata.sources import CANONICAL_COLUMNS, SourceData, SourceInfo
from geodata.webgeom import Detail

MERIDIAN_0_2_KM = 221.149453  # WGS84 geodesic from (x, 0) to (x, 2), see test_borders.py


def _source_data() -> SourceData:
    bow_tie = shapely.Polygon([(10, 0), (11, 1), (11, 0), (10, 1), (10, 0)])
    rows = [
        ("AFG-1", "West", "AFG", "AF-WE", shapely.box(0, 0, 1, 1)),
        ("AFG-2", "North", "AFG", "AF-NO", shapely.box(1, 0, 2, 1)),
        ("AFG-3", "North", "AFG", "AF-NO", shapely.box(1, 1, 2, 2)),
        ("AFG-4", "Hills", "AFG", "AF-X01~", shapely.box(0, 1, 1, 2)),
        ("TJK-1", "East", "TJK", "TJ-EA", shapely.box(2, 0, 3, 2)),
        ("TJK-2", "Island", "TJK", "TJ-IS", bow_tie),
    ]
    frame = pd.DataFrame(
        [
            {"region_id": rid, "name": name, "country": iso3, "iso_3166_2": iso, "geometry": geom}
            for rid, name, iso3, iso, geom in rows
        ]
    )
    for column in CANONICAL_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame["name_en"] = frame["name"]
    frame["adm0_a3"] = frame["country"]
    frame["merged_ids"] = [[] for _ in range(len(frame))]
    admin1 = gpd.GeoDataFrame(frame[[*CANONICAL_COLUMNS, "geometry"]], crs=4326)
    info = SourceInfo(name="synthetic", version="1", licence="CC0", files={"x.gpkg": "abc"})
    return SourceData(admin1=admin1, info=info)


@pytest.fixture(scope="module")
def built() -> tuple[Boundaries, bd.BuildStats]:
    return build_layers(_source_data())


# --------------------------------------------------------------------------- build


def test_build_counts_repairs(built: tuple[Boundaries, bd.BuildStats]) -> None:
    boundaries, stats = built
    assert stats.invalid_repaired == 1
    assert stats.merged_duplicates == 1
    assert stats.iso_placeholders_dropped == 1
    assert boundaries.counts() == {
        "admin0": 2,
        "admin1": 5,
        "borders": 1,
        "adjacent_admin1_pairs": 4,
    }
    meta = boundaries.metadata
    assert meta["schema_version"] == bd.CACHE_SCHEMA_VERSION
    assert meta["counts"] == boundaries.counts()
    assert meta["source"] == {
        "name": "synthetic",
        "version": "1",
        "licence": "CC0",
        "files": {"x.gpkg": "abc"},
    }
    assert meta["build"]["invalid_repaired"] == 1


def test_build_does_not_modify_the_source() -> None:
    data = _source_data()
    build_layers(data)
    assert len(data.admin1) == 6
    assert not data.admin1.geometry.iloc[5].is_valid
    assert data.admin1["iso_3166_2"].iloc[3] == "AF-X01~"


def test_build_repairs_the_bow_tie(built: tuple[Boundaries, bd.BuildStats]) -> None:
    island = built[0].admin1_record("TJK-2").geometry
    assert island.is_valid
    assert island.geom_type == "MultiPolygon"
    assert len(island.geoms) == 2
    assert island.area == pytest.approx(0.5)


def test_build_merges_split_regions(built: tuple[Boundaries, bd.BuildStats]) -> None:
    boundaries = built[0]
    admin1 = boundaries.admin1
    assert list(admin1["region_id"]) == ["AFG-1", "AFG-2", "AFG-4", "TJK-1", "TJK-2"]
    north = boundaries.admin1_record("AFG-2")
    assert list(north["merged_ids"]) == ["AFG-3"]
    assert north.geometry.normalize().equals(shapely.box(1, 0, 2, 2).normalize())
    # The folded id and the ISO code still resolve to the canonical region.
    assert boundaries.canonical_admin1_id("AFG-3") == "AFG-2"
    assert boundaries.canonical_admin1_id("AF-NO") == "AFG-2"
    with pytest.raises(NotFound):
        boundaries.admin1_record("AFG-99")


def test_build_nulls_placeholder_iso_codes(built: tuple[Boundaries, bd.BuildStats]) -> None:
    codes = built[0].admin1.set_index("region_id")["iso_3166_2"]
    assert pd.isna(codes["AFG-4"])
    assert codes["AFG-1"] == "AF-WE"
    with pytest.raises(NotFound):
        built[0].admin1_record("AF-X01~")


def test_build_dissolves_countries(built: tuple[Boundaries, bd.BuildStats]) -> None:
    admin0 = built[0].admin0.set_index("country")
    assert list(admin0.index) == ["AFG", "TJK"]
    assert admin0.loc["AFG", "name"] == "Afghanistan"
    assert admin0.loc["TJK", "name"] == "Tajikistan"
    assert admin0.loc["AFG", "admin1_count"] == 3
    assert admin0.loc["TJK", "admin1_count"] == 2
    afg = admin0.loc["AFG", "geometry"]
    assert afg.normalize().equals(shapely.MultiPolygon([shapely.box(0, 0, 2, 2)]).normalize())
    assert admin0.loc["TJK", "geometry"].area == pytest.approx(2.5)


def test_build_finds_borders_and_adjacency(built: tuple[Boundaries, bd.BuildStats]) -> None:
    boundaries = built[0]
    border = boundaries.border("tjk|afg")
    assert border["border_id"] == "AFG|TJK"
    assert border["length_km"] == pytest.approx(MERIDIAN_0_2_KM, abs=1e-3)
    shares = {r["region_id"]: r["shared_km"] for r in border["regions"]}
    assert shares == {
        "AFG-2": pytest.approx(MERIDIAN_0_2_KM, abs=1e-3),
        "TJK-1": pytest.approx(MERIDIAN_0_2_KM, abs=1e-3),
    }
    with pytest.raises(NotFound, match="do not share"):
        boundaries.border("AFG|IRN")
    with pytest.raises(NotFound, match="two alpha-3 codes"):
        boundaries.border("AFG")
    adjacency = boundaries.adjacency
    pairs = set(zip(adjacency["a"], adjacency["b"], strict=True))
    assert pairs == {("AFG-1", "AFG-2"), ("AFG-1", "AFG-4"), ("AFG-2", "AFG-4"), ("AFG-2", "TJK-1")}
    assert int(adjacency["cross_border"].sum()) == 1


@pytest.mark.parametrize("layer", ["admin1", "admin0", "borders"])
def test_build_serialises_every_detail_level(
    layer: str, built: tuple[Boundaries, bd.BuildStats]
) -> None:
    frame = getattr(built[0], layer)
    for detail in Detail:
        for text in frame[f"geojson_{detail.value}"]:
            geometry = json.loads(text)
            assert geometry["type"] in {"Polygon", "MultiPolygon", "LineString", "MultiLineString"}


# --------------------------------------------------------------------------- cache


def test_cache_round_trip(built: tuple[Boundaries, bd.BuildStats], tmp_path: Path) -> None:
    boundaries = built[0]
    cache = tmp_path / "boundaries" / "synthetic"
    write_cache(boundaries, cache)
    assert sorted(p.name for p in cache.iterdir()) == [
        "adjacency.parquet",
        "admin0.parquet",
        "admin1.parquet",
        "borders.parquet",
        "metadata.json",
    ]
    assert not list(cache.parent.glob(".building-*"))
    loaded = load_cache(cache)
    assert loaded.cache_dir == cache
    assert loaded.metadata == boundaries.metadata
    assert loaded.counts() == boundaries.counts()
    for name in ("admin1", "admin0", "borders"):
        before, after = getattr(boundaries, name), getattr(loaded, name)
        assert list(after.columns) == list(before.columns)
        assert after.crs.to_epsg() == 4326
        assert shapely.equals(after.geometry.to_numpy(), before.geometry.to_numpy()).all()
    assert [list(m) for m in loaded.admin1["merged_ids"]] == [[], ["AFG-3"], [], [], []]
    assert list(loaded.borders["regions"]) == list(boundaries.borders["regions"])
    assert list(loaded.admin1["geojson_low"]) == list(boundaries.admin1["geojson_low"])
    pd.testing.assert_frame_equal(loaded.adjacency, boundaries.adjacency)
    assert loaded.canonical_admin1_id("AFG-3") == "AFG-2"


def test_write_cache_replaces_an_old_cache(
    built: tuple[Boundaries, bd.BuildStats], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "stale.txt").write_text("left from an old build")
    write_cache(built[0], cache)
    assert not (cache / "stale.txt").exists()
    assert (cache / "metadata.json").exists()


def test_load_cache_missing_dir(tmp_path: Path) -> None:
    cache = tmp_path / "nothing-here"
    with pytest.raises(BoundaryDataError, match="riskmap data build") as info:
        load_cache(cache)
    assert info.value.path == str(cache)
    assert str(cache) in str(info.value)


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_load_cache_damaged_parquet(
    damage: str, built: tuple[Boundaries, bd.BuildStats], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    write_cache(built[0], cache)
    target = cache / "admin1.parquet"
    if damage == "corrupt":
        target.write_bytes(b"PAR1 this is not parquet at all")
    else:
        target.unlink()
    with pytest.raises(BoundaryDataError, match="damaged") as info:
        load_cache(cache)
    assert info.value.path == str(cache)
    assert "--force" in str(info.value)


@dataclass
class CountingSource:
    """A boundary source that counts its loads and can pretend its files changed."""

    key: str = "counting"
    files: dict[str, str] = field(default_factory=lambda: {"x.gpkg": "abc"})
    loads: int = 0

    def current_files(self) -> dict[str, str]:
        return dict(self.files)

    def load(self) -> SourceData:
        self.loads += 1
        data = _source_data()
        data.info = SourceInfo("synthetic", "1", "CC0", files=dict(self.files))
        return data


@pytest.fixture
def counting() -> Iterator[CountingSource]:
    yield CountingSource()


def test_build_cache_is_idempotent(counting: CountingSource, tmp_path: Path) -> None:
    first, built_first = build_cache(counting, tmp_path)
    assert built_first is True
    assert first.cache_dir == tmp_path / "boundaries" / "counting"
    second, built_second = build_cache(counting, tmp_path)
    assert built_second is False
    assert counting.loads == 1
    assert second.counts() == first.counts()
    assert bd.load_boundaries(counting, tmp_path).counts() == first.counts()
    assert counting.loads == 1
    _, forced = build_cache(counting, tmp_path, force=True)
    assert forced is True
    assert counting.loads == 2


def test_build_cache_rebuilds_when_source_or_schema_changes(
    counting: CountingSource, tmp_path: Path
) -> None:
    build_cache(counting, tmp_path)
    counting.files = {"x.gpkg": "changed"}
    assert build_cache(counting, tmp_path)[1] is True
    meta_path = tmp_path / "boundaries" / "counting" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    assert meta["source"]["files"] == {"x.gpkg": "changed"}
    meta["schema_version"] = bd.CACHE_SCHEMA_VERSION - 1
    meta_path.write_text(json.dumps(meta))
    assert build_cache(counting, tmp_path)[1] is True
    assert counting.loads == 3


# --------------------------------------------------------------------------- real data


def test_real_afghan_tajik_border(real_boundaries: Boundaries) -> None:
    border = real_boundaries.border("AFG|TJK")
    assert 1100 <= border["length_km"] <= 1400
    shares = {r["region_id"]: r["shared_km"] for r in border["regions"]}
    afghan = {r["region_id"] for r in border["regions"] if r["country"] == "AFG"}
    assert {"AFG-1760", "AFG-1765", "AFG-1763", "AFG-1744"} <= afghan  # Badakhshan .. Balkh
    assert 0 < shares["AFG-1744"] < 100  # Balkh touches the Amu Darya only briefly
    tajik = {
        real_boundaries.admin1_record(r["region_id"])["name"]
        for r in border["regions"]
        if r["country"] == "TJK"
    }
    assert {"Gorno-Badakhshan", "Khatlon"} <= tajik
    # Each side's shares add up to the border length (within rounding of shared_km).
    for country in ("AFG", "TJK"):
        side = sum(r["shared_km"] for r in border["regions"] if r["country"] == country)
        assert side == pytest.approx(border["length_km"], rel=0.01)


def test_real_admin1_ids_and_codes(real_boundaries: Boundaries) -> None:
    admin1 = real_boundaries.admin1
    assert admin1["region_id"].is_unique
    codes = admin1["iso_3166_2"].dropna()
    assert not codes.str.contains("~").any()
    assert codes.str.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}").all()
    for iso in ("AF-PAR", "AF-URU"):
        rows = admin1[admin1["iso_3166_2"] == iso]
        assert len(rows) == 1, iso
        assert len(rows.iloc[0]["merged_ids"]) == 1, iso


def test_real_build_statistics(real_boundaries: Boundaries) -> None:
    meta = real_boundaries.metadata
    assert meta["build"]["invalid_repaired"] == 2
    assert meta["counts"] == real_boundaries.counts()
    assert real_boundaries.counts()["admin1"] > 4000
    assert real_boundaries.counts()["admin0"] > 200


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace area: positive for a counter-clockwise ring."""
    xy = np.asarray(ring)
    x, y = xy[:, 0], xy[:, 1]
    return float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) / 2)


def _polygons(geometry: dict[str, object]) -> list[list[list[list[float]]]]:
    coordinates = geometry["coordinates"]
    return [coordinates] if geometry["type"] == "Polygon" else list(coordinates)  # type: ignore[list-item,arg-type]


def test_real_geojson_low_is_rfc7946(real_boundaries: Boundaries) -> None:
    """Every admin-1 geometry at low detail: parses, CCW exteriors, lon/lat range, 6 decimals."""
    texts = list(real_boundaries.admin1["geojson_low"])
    decimals = re.compile(r"\.(\d{7,})")
    assert not any(decimals.search(text) for text in texts)
    clockwise = 0
    for text in texts:
        geometry = json.loads(text)
        assert geometry["type"] in {"Polygon", "MultiPolygon"}
        for polygon in _polygons(geometry):
            exterior = polygon[0]
            xy = np.asarray(exterior)
            assert (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
            if _signed_area(exterior) <= 0:
                clockwise += 1
            for hole in polygon[1:]:
                assert _signed_area(hole) <= 0
    assert clockwise == 0

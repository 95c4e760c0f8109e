"""Tests for geodata.borders: shared edges, adjacency and country borders on a tiny coverage.

The fixture is two countries of two 1-degree squares each, side by side on the equator::

    y=2  +------+------+
         | AAA-2| BBB-2|
    y=1  +------+------+
         | AAA-1| BBB-1|
    y=0  +------+------+
        x=0    x=1    x=2

so every length has a closed-form geodesic value on the WGS84 ellipsoid.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from geodata import borders

# Geodesic lengths on WGS84 (pyproj Geod.inv), in km: one degree of meridian from the equator,
# the next degree north, two degrees, and one degree along the parallel y=1.
MERIDIAN_0_1_KM = 110.574389
MERIDIAN_1_2_KM = 110.575065
MERIDIAN_0_2_KM = 221.149453
PARALLEL_1_KM = 111.302649


@pytest.fixture
def coverage() -> gpd.GeoDataFrame:
    """Four unit squares forming a clean coverage over two countries."""
    return gpd.GeoDataFrame(
        {
            "region_id": ["AAA-1", "AAA-2", "BBB-1", "BBB-2"],
            "country": ["AAA", "AAA", "BBB", "BBB"],
        },
        geometry=[
            shapely.box(0, 0, 1, 1),
            shapely.box(0, 1, 1, 2),
            shapely.box(1, 0, 2, 1),
            shapely.box(1, 1, 2, 2),
        ],
        crs=4326,
    )


def test_constants_match_pyproj() -> None:
    """The hard-coded expectations are what the ellipsoid says (guards against typos)."""
    geod = Geod(ellps="WGS84")
    assert geod.inv(1, 0, 1, 2)[2] / 1000 == pytest.approx(MERIDIAN_0_2_KM, abs=1e-5)
    assert geod.inv(0, 1, 1, 1)[2] / 1000 == pytest.approx(PARALLEL_1_KM, abs=1e-5)


def test_border_id_is_sorted_and_upper_case() -> None:
    assert borders.border_id("TJK", "AFG") == "AFG|TJK"
    assert borders.border_id("afg", "tjk") == "AFG|TJK"
    assert borders.border_id("AFG", "TJK") == borders.border_id("TJK", "AFG")


def test_geodesic_km_on_known_lines() -> None:
    assert borders.geodesic_km(shapely.LineString([(1, 0), (1, 2)])) == pytest.approx(
        MERIDIAN_0_2_KM, abs=1e-3
    )
    # A quarter of the equator: a quarter of 2*pi*6378.137 km.
    assert borders.geodesic_km(shapely.LineString([(0, 0), (90, 0)])) == pytest.approx(
        10018.754, abs=1e-3
    )
    assert borders.geodesic_km(shapely.LineString()) == 0.0
    assert borders.geodesic_km(None) == 0.0


def test_linear_part_drops_touching_points() -> None:
    touch = shapely.GeometryCollection([shapely.Point(1, 1), shapely.LineString([(1, 0), (1, 1)])])
    assert borders.linear_part(touch).equals(shapely.LineString([(1, 0), (1, 1)]))
    assert borders.linear_part(shapely.Point(1, 1)).is_empty


def test_shared_edges_finds_the_four_lines(coverage: gpd.GeoDataFrame) -> None:
    edges = borders.shared_edges(coverage)
    pairs = sorted(zip(edges["a"], edges["b"], strict=True))
    # The diagonal neighbours (AAA-1/BBB-2, AAA-2/BBB-1) only touch at (1, 1): no edge.
    assert pairs == [("AAA-1", "AAA-2"), ("AAA-1", "BBB-1"), ("AAA-2", "BBB-2"), ("BBB-1", "BBB-2")]
    assert (edges["a"] < edges["b"]).all()
    lengths = dict(zip(zip(edges["a"], edges["b"], strict=True), edges["length_km"], strict=True))
    assert lengths[("AAA-1", "AAA-2")] == pytest.approx(PARALLEL_1_KM, abs=1e-3)
    assert lengths[("BBB-1", "BBB-2")] == pytest.approx(PARALLEL_1_KM, abs=1e-3)
    assert lengths[("AAA-1", "BBB-1")] == pytest.approx(MERIDIAN_0_1_KM, abs=1e-3)
    assert lengths[("AAA-2", "BBB-2")] == pytest.approx(MERIDIAN_1_2_KM, abs=1e-3)
    row = edges[(edges["a"] == "AAA-1") & (edges["b"] == "BBB-1")].iloc[0]
    assert row["geometry"].equals(shapely.LineString([(1, 0), (1, 1)]))
    assert (row["country_a"], row["country_b"]) == ("AAA", "BBB")


def test_shared_edges_on_disjoint_regions_is_empty() -> None:
    islands = gpd.GeoDataFrame(
        {"region_id": ["X-1", "Y-1"], "country": ["XXX", "YYY"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)],
        crs=4326,
    )
    edges = borders.shared_edges(islands)
    assert len(edges) == 0
    assert list(edges.columns) == ["a", "b", "country_a", "country_b", "geometry", "length_km"]
    assert len(borders.country_borders(edges)) == 0


def test_adjacency_table_flags_cross_border_pairs(coverage: gpd.GeoDataFrame) -> None:
    table = borders.adjacency_table(borders.shared_edges(coverage))
    assert "geometry" not in table.columns
    assert len(table) == 4
    assert int(table["cross_border"].sum()) == 2
    assert borders.neighbours(table, "AAA-1") == ["AAA-2", "BBB-1"]
    assert borders.neighbours(table, "BBB-2") == ["AAA-2", "BBB-1"]
    assert borders.neighbours(table, "ZZZ-9") == []


def test_country_borders_merge_lines_and_rank_regions(coverage: gpd.GeoDataFrame) -> None:
    result = borders.country_borders(borders.shared_edges(coverage))
    assert len(result) == 1
    border = result.iloc[0]
    assert border["border_id"] == "AAA|BBB"
    assert (border["country_a"], border["country_b"]) == ("AAA", "BBB")
    # The two one-degree segments are merged into a single two-degree line.
    assert border.geometry.geom_type == "LineString"
    assert border.geometry.equals(shapely.LineString([(1, 0), (1, 2)]))
    assert border["length_km"] == pytest.approx(MERIDIAN_0_2_KM, abs=1e-3)
    regions = border["regions"]
    assert {r["region_id"] for r in regions} == {"AAA-1", "AAA-2", "BBB-1", "BBB-2"}
    shared = {r["region_id"]: r["shared_km"] for r in regions}
    assert shared["AAA-2"] == pytest.approx(MERIDIAN_1_2_KM, abs=1e-3)
    assert shared["AAA-1"] == pytest.approx(MERIDIAN_0_1_KM, abs=1e-3)
    # Longest share first: the northern degree is ~0.7 m longer than the southern one.
    kms = [r["shared_km"] for r in regions]
    assert kms == sorted(kms, reverse=True)
    assert borders.regions_on_side(regions, "AAA") == ["AAA-2", "AAA-1"]
    assert borders.regions_on_side(regions, "BBB") == ["BBB-2", "BBB-1"]


def test_country_borders_orders_border_ids() -> None:
    """Three countries in a row give two borders, sorted by id, codes sorted within each id."""
    row = gpd.GeoDataFrame(
        {"region_id": ["Z-1", "M-1", "A-1"], "country": ["ZZZ", "MMM", "AAA"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1)],
        crs=4326,
    )
    result = borders.country_borders(borders.shared_edges(row))
    assert list(result["border_id"]) == ["AAA|MMM", "MMM|ZZZ"]
    assert all(a < b for a, b in zip(result["country_a"], result["country_b"], strict=True))
    for length in result["length_km"]:
        assert length == pytest.approx(MERIDIAN_0_1_KM, abs=1e-3)

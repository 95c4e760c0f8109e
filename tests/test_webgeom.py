"""Tests for geodata.webgeom: antimeridian splits, RFC 7946 output, coverage simplification."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely

from geodata import webgeom
from geodata.webgeom import Detail

# --------------------------------------------------------------------------- antimeridian


def test_polygon_crossing_antimeridian_is_split_in_two() -> None:
    # 20 degrees wide, centred on 180: stored naively it would span the whole globe.
    crossing = shapely.Polygon([(170, -10), (-170, -10), (-170, 10), (170, 10)])
    split = webgeom.split_antimeridian(crossing)
    assert split.geom_type == "MultiPolygon"
    parts = sorted(shapely.get_parts(split), key=lambda p: p.bounds[0])
    assert len(parts) == 2
    assert parts[0].normalize().equals(shapely.box(-180, -10, -170, 10).normalize())
    assert parts[1].normalize().equals(shapely.box(170, -10, 180, 10).normalize())
    assert split.area == pytest.approx(400.0)


def test_line_crossing_antimeridian_is_split_at_180() -> None:
    crossing = shapely.LineString([(170, 0), (-170, 10)])
    split = webgeom.split_antimeridian(crossing)
    assert split.geom_type == "MultiLineString"
    parts = sorted(shapely.get_parts(split), key=lambda p: p.bounds[0])
    assert len(parts) == 2
    west, east = parts
    assert west.bounds == pytest.approx((-180, 5, -170, 10))
    assert east.bounds == pytest.approx((170, 0, 180, 5))


def test_antarctica_like_ring_along_the_map_edge_is_not_split() -> None:
    # Natural Earth closes Antarctica along -180/180 at the pole: a jump between two
    # vertices both on the meridian is the map edge, not a crossing.
    antarctica = shapely.Polygon([(-180, -90), (-180, -70), (0, -65), (180, -70), (180, -90)])
    assert webgeom.split_antimeridian(antarctica) is antarctica


def test_already_split_multipolygon_is_unchanged() -> None:
    chukotka = shapely.MultiPolygon(
        [shapely.box(170, 60, 180, 70), shapely.box(-180, 60, -170, 70)]
    )
    assert webgeom.split_antimeridian(chukotka) is chukotka


def test_ordinary_and_empty_geometries_pass_through() -> None:
    square = shapely.box(60, 30, 70, 40)
    assert webgeom.split_antimeridian(square) is square
    empty = shapely.Polygon()
    assert webgeom.split_antimeridian(empty) is empty


def test_only_the_crossing_part_of_a_multipolygon_is_split() -> None:
    crossing = shapely.Polygon([(175, 0), (-175, 0), (-175, 5), (175, 5)])
    mainland = shapely.box(100, 0, 110, 5)
    split = webgeom.split_antimeridian(shapely.MultiPolygon([mainland, crossing]))
    parts = list(shapely.get_parts(split))
    assert len(parts) == 3
    assert any(p.equals(mainland) for p in parts)
    assert all(p.bounds[0] >= -180 and p.bounds[2] <= 180 for p in parts)


# --------------------------------------------------------------------------- RFC 7946


def test_rfc7946_geometry_orients_exterior_ccw_and_holes_cw() -> None:
    # Exterior clockwise, hole counter-clockwise: the opposite of what RFC 7946 asks.
    exterior = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]
    hole = [(2, 2), (4, 2), (4, 4), (2, 4), (2, 2)]
    polygon = shapely.Polygon(exterior, [hole])
    assert not shapely.is_ccw(polygon.exterior)
    out = webgeom.rfc7946_geometry(polygon)
    assert shapely.is_ccw(out.exterior)
    assert not shapely.is_ccw(out.interiors[0])
    assert out.area == pytest.approx(96.0)


def test_rfc7946_geometry_orients_split_parts() -> None:
    clockwise = shapely.Polygon([(170, 10), (-170, 10), (-170, -10), (170, -10)])
    out = webgeom.rfc7946_geometry(clockwise)
    assert out.geom_type == "MultiPolygon"
    assert all(shapely.is_ccw(p.exterior) for p in shapely.get_parts(out))


def test_round_coordinates_to_six_decimals() -> None:
    point = shapely.Point(69.123456789, 37.987654321)
    rounded = webgeom.round_coordinates(point)
    assert (rounded.x, rounded.y) == (69.123457, 37.987654)
    assert webgeom.round_coordinates(point, 2).x == 69.12


def test_prepare_geometries_writes_at_most_six_decimals() -> None:
    wiggly = shapely.Polygon([(0.1234567891, 0), (1.00000049, 0.3333333333), (0, 1.987654321)])
    [text] = webgeom.prepare_geometries([wiggly])
    geometry = json.loads(text)
    assert geometry["type"] == "Polygon"
    ring = geometry["coordinates"][0]
    assert ring[0] == ring[-1]
    assert ring[0] == [0.123457, 0.0]
    decimals = [len(m) for m in re.findall(r"\.(\d+)", text)]
    assert max(decimals) <= 6
    assert shapely.is_ccw(shapely.LinearRing(ring))


def test_prepare_geometries_writes_null_for_missing_geometry() -> None:
    assert webgeom.prepare_geometries([None, shapely.Polygon()]) == ["null", "null"]


# --------------------------------------------------------------------------- simplification


def _zigzag_coverage() -> np.ndarray:
    """Two regions sharing a 200-vertex zigzag edge (amplitude 0.001 degrees) along x=1."""
    ys = np.linspace(0, 2, 201)
    edge = [(1 + (0.001 if i % 2 else 0.0), float(y)) for i, y in enumerate(ys)]
    west = shapely.Polygon([(0, 0), *edge, (0, 2)])
    east = shapely.Polygon([(2, 0), (2, 2), *reversed(edge)])
    return np.array([west, east], dtype=object)


def test_simplify_coverage_keeps_shared_edges_shared() -> None:
    coverage = _zigzag_coverage()
    assert shapely.coverage_is_valid(coverage)
    before = shapely.get_num_coordinates(coverage).sum()
    for detail in (Detail.low, Detail.medium):
        simplified = webgeom.simplify_coverage(coverage, detail)
        assert shapely.coverage_is_valid(simplified)
        assert shapely.is_valid(simplified).all()
        # Over 400 vertices before; the shared zigzag is thinned identically on both sides.
        assert shapely.get_num_coordinates(simplified).sum() < 0.1 * before
        # The two halves still meet along one line, with no gap or overlap between them.
        shared = shapely.intersection(simplified[0].boundary, simplified[1].boundary)
        assert shared.length == pytest.approx(2.0, abs=0.01)
        assert shapely.intersection(simplified[0], simplified[1]).area == pytest.approx(0.0)
        assert shapely.union_all(simplified).area == pytest.approx(4.0, abs=0.01)


def test_simplify_coverage_full_detail_is_the_source() -> None:
    coverage = _zigzag_coverage()
    assert webgeom.simplify_coverage(coverage, Detail.full) is coverage


def test_detail_is_a_string_enum() -> None:
    assert Detail("medium") is Detail.medium
    assert f"geojson_{Detail.low}" == "geojson_low"
    assert webgeom.TOLERANCE_DEG[Detail.low] > webgeom.TOLERANCE_DEG[Detail.medium] > 0


# --------------------------------------------------------------------------- GeoJSON assembly


def test_feature_collection_is_valid_geojson() -> None:
    geometries = webgeom.prepare_geometries([shapely.box(69, 36, 71, 38), shapely.box(0, 0, 1, 1)])
    features = [
        ("AFG-1760", geometries[0], {"name": "Badakhshan", "name_fa": "بدخشان", "score": 0.5}),
        ("XXX-1", geometries[1], {"name": None}),
    ]
    text = webgeom.feature_collection(features, extra={"detail": "low", "bbox": [0, 0, 71, 38]})
    collection = json.loads(text)
    assert collection["type"] == "FeatureCollection"
    assert collection["detail"] == "low"
    assert collection["bbox"] == [0, 0, 71, 38]
    assert [f["id"] for f in collection["features"]] == ["AFG-1760", "XXX-1"]
    first = collection["features"][0]
    assert first["type"] == "Feature"
    assert first["geometry"]["type"] == "Polygon"
    assert first["geometry"]["coordinates"][0][0] == [71.0, 36.0]
    assert first["properties"] == {"name": "Badakhshan", "name_fa": "بدخشان", "score": 0.5}
    # Non-ASCII names are written as UTF-8, not \\u escapes (smaller and readable).
    assert "بدخشان" in text


def test_feature_collection_empty_and_null_geometry() -> None:
    assert json.loads(webgeom.feature_collection([])) == {
        "type": "FeatureCollection",
        "features": [],
    }
    single = json.loads(webgeom.feature("X", "null", {"when": np.datetime64("2024-01-01")}))
    assert single == {
        "type": "Feature",
        "id": "X",
        "geometry": None,
        "properties": {"when": "2024-01-01"},
    }

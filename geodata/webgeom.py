"""Geometry for the web: simplified detail levels and RFC 7946 GeoJSON.

Simplification is done on the whole coverage at once (``shapely.coverage_simplify``) so that the
edge two provinces share is simplified once and stays shared: no slivers or gaps on the map.
Serialisation follows RFC 7946: WGS84 lon/lat, counter-clockwise exterior rings, at most six
decimals (about 10 cm), and anything that crosses the antimeridian split in two.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry


class Detail(StrEnum):
    """Geometry detail levels offered by the API; ``full`` is the source geometry."""

    low = "low"
    medium = "medium"
    full = "full"


#: Simplification tolerance in degrees per level (about 5 km and 1 km at the equator).
TOLERANCE_DEG: dict[Detail, float] = {Detail.low: 0.05, Detail.medium: 0.01, Detail.full: 0.0}

COORDINATE_DECIMALS = 6

# GEOS writes GeoJSON numbers with 17 significant digits, so a coordinate rounded to 81.71143
# comes out as 81.71142999999999; such long fractions are re-written in their shortest form.
_LONG_FRACTION = re.compile(r"-?\d+\.\d{7,}(?:[eE][-+]?\d+)?")


def simplify_coverage(geometries: np.ndarray, detail: Detail) -> np.ndarray:
    """Simplify a polygon coverage so neighbours keep sharing their edges."""
    tolerance = TOLERANCE_DEG[detail]
    if tolerance == 0:
        return geometries
    simplified = shapely.coverage_simplify(geometries, tolerance, simplify_boundary=True)
    # Simplification can, rarely, collapse a tiny island into an invalid ring; repair in place.
    invalid = ~shapely.is_valid(simplified)
    if invalid.any():
        simplified[invalid] = shapely.make_valid(simplified[invalid])
        simplified[invalid] = [_polygonal(g) for g in simplified[invalid]]
    return np.asarray(simplified, dtype=object)


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Keep only the (multi)polygon part of a ``make_valid`` result."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    polygons = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon"]
    return shapely.MultiPolygon(polygons) if polygons else shapely.Polygon()


def round_coordinates(geometry: BaseGeometry, decimals: int = COORDINATE_DECIMALS) -> Any:
    """Round every coordinate to ``decimals`` places (RFC 7946 section 11.2 advice)."""
    return shapely.transform(geometry, lambda coords: np.round(coords, decimals))


def split_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """Split polygons and lines whose longitudes jump across +/-180 (RFC 7946 section 3.1.9).

    A part whose consecutive vertices jump more than 180 degrees crosses the antimeridian:
    its negative longitudes are shifted by 360, it is cut at 180 and the eastern piece is
    shifted back. Parts already split (as Natural Earth ships them) pass through unchanged.
    """
    if geometry is None or geometry.is_empty:
        return geometry
    parts = list(shapely.get_parts(geometry))
    if not any(_crosses(part) for part in parts):
        return geometry
    pieces: list[BaseGeometry] = []
    for part in parts:
        if not _crosses(part):
            pieces.append(part)
            continue
        shifted = shapely.transform(part, _shift_west_longitudes)
        west = shifted.intersection(box(-180, -90, 180, 90))
        east = shapely.transform(shifted.intersection(box(180, -90, 540, 90)), _unshift)
        pieces.extend(g for g in (west, east) if not g.is_empty)
    flat = [p for piece in pieces for p in shapely.get_parts(piece)]
    if all(p.geom_type == "Polygon" for p in flat):
        return shapely.MultiPolygon(flat)
    if all(p.geom_type == "LineString" for p in flat):
        return shapely.MultiLineString(flat)
    return shapely.GeometryCollection(flat)


def _crosses(part: BaseGeometry) -> bool:
    """Whether consecutive vertices jump more than 180 degrees of longitude.

    A jump between two vertices both on the +/-180 meridian is not a crossing: that is how
    already-split data (Antarctica, eastern Russia) closes its rings along the map edge.
    """
    rings = [part] if part.geom_type == "LineString" else list(shapely.get_rings(part))
    for ring in rings:
        x = shapely.get_coordinates(ring)[:, 0]
        jumps = np.abs(np.diff(x)) > 180
        on_edge = (np.abs(x[:-1]) == 180) & (np.abs(x[1:]) == 180)
        if (jumps & ~on_edge).any():
            return True
    return False


def _shift_west_longitudes(coords: np.ndarray) -> np.ndarray:
    out = coords.copy()
    out[:, 0] = np.where(out[:, 0] < 0, out[:, 0] + 360, out[:, 0])
    return out


def _unshift(coords: np.ndarray) -> np.ndarray:
    out = coords.copy()
    out[:, 0] = out[:, 0] - 360
    return out


def rfc7946_geometry(geometry: BaseGeometry) -> BaseGeometry:
    """Orient, split and round one geometry for RFC 7946 output."""
    geometry = split_antimeridian(geometry)
    geometry = shapely.orient_polygons(geometry, exterior_cw=False)
    return round_coordinates(geometry)


def prepare_geometries(geometries: Iterable[BaseGeometry]) -> list[str]:
    """RFC 7946 geometry JSON strings for many geometries (done once at build, not per request)."""
    arr = np.asarray(list(geometries), dtype=object)
    out: list[str] = []
    for geometry in arr:
        if geometry is None or geometry.is_empty:
            out.append("null")
        else:
            out.append(_shortest_numbers(shapely.to_geojson(rfc7946_geometry(geometry))))
    return out


def _shortest_numbers(geojson: str) -> str:
    """Re-write numbers with more than six decimals as Python's shortest repr of the rounding."""
    return _LONG_FRACTION.sub(lambda m: repr(round(float(m[0]), COORDINATE_DECIMALS)), geojson)


def feature_collection(
    features: Iterable[tuple[str, str, Mapping[str, Any]]],
    extra: Mapping[str, Any] | None = None,
) -> str:
    """Assemble a FeatureCollection from ``(id, geometry_json, properties)`` triples.

    Geometry arrives pre-serialised (see :func:`prepare_geometries`) so a request only
    serialises the small property dicts: the world's admin-1 layer is assembled, not re-encoded.
    """
    chunks = [feature(fid, geometry_json, props) for fid, geometry_json, props in features]
    head = '{"type":"FeatureCollection"'
    if extra:
        for key, value in extra.items():
            head += "," + json.dumps(key) + ":" + json.dumps(value, separators=(",", ":"))
    return head + ',"features":[' + ",".join(chunks) + "]}"


def feature(feature_id: str, geometry_json: str, properties: Mapping[str, Any]) -> str:
    """A single GeoJSON Feature as a string (same encoding as :func:`feature_collection`)."""
    return (
        '{"type":"Feature","id":'
        + json.dumps(feature_id)
        + ',"geometry":'
        + geometry_json
        + ',"properties":'
        + json.dumps(properties, ensure_ascii=False, separators=(",", ":"), default=str)
        + "}"
    )

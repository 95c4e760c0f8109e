"""Shared boundaries between regions: the admin-1 adjacency graph and country borders as lines.

Natural Earth's admin-1 layer is (almost) a clean polygon coverage: neighbouring regions share
their vertices exactly, so the line two regions share is the intersection of their boundaries.
Country borders are then the union of the shared edges of admin-1 pairs in different countries,
which gives, for free, the admin-1 regions on each side and the length each one shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

_GEOD = Geod(ellps="WGS84")


def border_id(country_a: str, country_b: str) -> str:
    """Canonical border id: the two alpha-3 codes sorted and joined by ``|`` (``AFG|TJK``)."""
    first, second = sorted((country_a.upper(), country_b.upper()))
    return f"{first}|{second}"


def geodesic_km(geometry: BaseGeometry) -> float:
    """Length of a line on the WGS84 ellipsoid, in kilometres."""
    if geometry is None or geometry.is_empty:
        return 0.0
    return float(_GEOD.geometry_length(geometry)) / 1000.0


def linear_part(geometry: BaseGeometry) -> BaseGeometry:
    """Keep only the lines of an intersection result (drop the points where regions only touch)."""
    parts = shapely.get_parts(geometry)
    lines = [p for p in parts if p.geom_type in ("LineString", "MultiLineString") and p.length > 0]
    if not lines:
        return shapely.MultiLineString()
    merged = shapely.line_merge(shapely.union_all(lines))
    return merged


def shared_edges(regions: gpd.GeoDataFrame, id_column: str = "region_id") -> pd.DataFrame:
    """Every pair of regions that share a line, with that line and its geodesic length.

    Returns a DataFrame with columns ``a``, ``b`` (ids, ``a < b``), ``country_a``, ``country_b``,
    ``geometry`` (the shared (Multi)LineString) and ``length_km``.
    """
    geoms = regions.geometry.to_numpy()
    ids = regions[id_column].to_numpy()
    countries = regions["country"].to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(geoms)
    lines = shapely.intersection(boundaries[left], boundaries[right])
    rows = []
    for i, j, line in zip(left, right, lines, strict=True):
        shared = linear_part(line)
        if shared.is_empty:
            continue
        a, b = (i, j) if ids[i] < ids[j] else (j, i)
        rows.append(
            {
                "a": ids[a],
                "b": ids[b],
                "country_a": countries[a],
                "country_b": countries[b],
                "geometry": shared,
                "length_km": geodesic_km(shared),
            }
        )
    columns = ["a", "b", "country_a", "country_b", "geometry", "length_km"]
    return pd.DataFrame(rows, columns=columns)


def adjacency_table(edges: pd.DataFrame) -> pd.DataFrame:
    """The admin-1 adjacency graph as an edge list (no geometry), both directions listed once."""
    table = edges[["a", "b", "country_a", "country_b", "length_km"]].copy()
    table["cross_border"] = table["country_a"] != table["country_b"]
    return table.reset_index(drop=True)


def country_borders(edges: pd.DataFrame) -> gpd.GeoDataFrame:
    """Group cross-country shared edges into one border per pair of neighbouring countries.

    Each border row has ``border_id``, ``country_a``, ``country_b`` (sorted), the merged line,
    ``length_km`` and ``regions``: a list of ``{region_id, country, shared_km}`` for every
    admin-1 region that touches the border, longest share first.
    """
    cross = edges[edges["country_a"] != edges["country_b"]]
    lines: dict[str, list[BaseGeometry]] = defaultdict(list)
    shares: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    for a, b, country_a, country_b, line, km in cross[
        ["a", "b", "country_a", "country_b", "geometry", "length_km"]
    ].itertuples(index=False, name=None):
        key = border_id(str(country_a), str(country_b))
        lines[key].append(line)
        shares[key][(str(a), str(country_a))] += float(km)
        shares[key][(str(b), str(country_b))] += float(km)
    records = []
    for key in sorted(lines):
        line = shapely.line_merge(shapely.union_all(lines[key]))
        country_a, country_b = key.split("|")
        regions = [
            {"region_id": region, "country": country, "shared_km": round(km, 3)}
            for (region, country), km in sorted(shares[key].items(), key=lambda kv: -kv[1])
        ]
        records.append(
            {
                "border_id": key,
                "country_a": country_a,
                "country_b": country_b,
                "length_km": geodesic_km(line),
                "regions": regions,
                "geometry": line,
            }
        )
    columns = ["border_id", "country_a", "country_b", "length_km", "regions", "geometry"]
    frame = pd.DataFrame(records, columns=columns)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def neighbours(adjacency: pd.DataFrame, region_id: str) -> list[str]:
    """Ids of the regions that share a line with ``region_id``."""
    left = adjacency.loc[adjacency["a"] == region_id, "b"]
    right = adjacency.loc[adjacency["b"] == region_id, "a"]
    return sorted({*left.tolist(), *right.tolist()})


def regions_on_side(regions: Sequence[dict[str, object]], country: str) -> list[str]:
    """The ids of a border's regions that lie in ``country``."""
    return [str(r["region_id"]) for r in regions if r["country"] == country]

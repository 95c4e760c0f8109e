"""Names and a representative point for every region id, where people read region lists.

Ids (``AFG-1760``, ``TJK-366``) are for programs; a person reads "Badakhshan". Admin-1 regions
go by their English name (Natural Earth's ``name_en``, e.g. "Khyber Pakhtunkhwa" where ``name``
has "K.P."), else their local name. The point is one inside the region (``point_on_surface``),
or the middle of a border line, for putting a label or a pin on a map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely

from geodata.boundaries import Boundaries

Named = tuple[str, float, float]  # name, lon, lat


@dataclass(frozen=True)
class RegionNames:
    """Name and point of each admin-0, admin-1 and border id."""

    admin0: dict[str, Named]
    admin1: dict[str, Named]
    borders: dict[str, Named]

    @classmethod
    def from_boundaries(cls, boundaries: Boundaries) -> RegionNames:
        admin1 = boundaries.admin1
        admin1_points = shapely.point_on_surface(list(admin1.geometry))
        admin1_names = [
            english if isinstance(english, str) and english.strip() else local
            for english, local in zip(admin1["name_en"], admin1["name"], strict=True)
        ]
        admin0 = boundaries.admin0
        admin0_points = shapely.point_on_surface(list(admin0.geometry))
        borders = boundaries.borders
        middles = [
            shapely.line_interpolate_point(line, 0.5, normalized=True) for line in borders.geometry
        ]
        names = boundaries.country_names
        return cls(
            admin0={
                code: (names.get(code, code), *_lon_lat(point))
                for code, point in zip(admin0["country"], admin0_points, strict=True)
            },
            admin1={
                rid: (str(name), *_lon_lat(point))
                for rid, name, point in zip(
                    admin1["region_id"], admin1_names, admin1_points, strict=True
                )
            },
            borders={
                bid: (f"{names.get(a, a)}–{names.get(b, b)} border", *_lon_lat(point))
                for bid, a, b, point in zip(
                    borders["border_id"],
                    borders["country_a"],
                    borders["country_b"],
                    middles,
                    strict=True,
                )
            },
        )

    def describe(self, level: str, region_id: str) -> dict[str, Any]:
        """``{"level", "id", "name", "lon", "lat"}``; name and point None for an unknown id."""
        table = {"admin0": self.admin0, "admin1": self.admin1, "border": self.borders}[level]
        name, lon, lat = table.get(region_id, (None, None, None))
        return {"level": level, "id": region_id, "name": name, "lon": lon, "lat": lat}


def _lon_lat(point: Any) -> tuple[float, float]:
    return round(float(point.x), 5), round(float(point.y), 5)

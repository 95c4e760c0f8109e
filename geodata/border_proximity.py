"""How far a point is from each land border line, for scoring borders by nearby incidents.

A border's score counts an incident with a known point only when the point lies within a set
distance of the line (``RISKMAP_BORDER_DISTANCE_KM``), weighted by a kernel of that distance
(:func:`border_kernel`). Distances are measured in a local equirectangular projection centred
on the point: within a few hundred kilometres it is within 1% of the geodesic distance, and it
needs nothing but shapely.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

#: Mean Earth radius (km): the scale of the local projection.
EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0


def border_kernel(distance_km: float, max_km: float) -> float:
    """The share of an incident's weight a border receives at ``distance_km`` from its line.

    Triangular kernel: 1 on the line, falling linearly to 0 at ``max_km`` (and 0 beyond), so an
    incident 10 km from a 50 km zone's line counts 80% and one 45 km away counts 10%.

    >>> border_kernel(10, 50)
    0.8
    """
    if max_km <= 0 or distance_km >= max_km:
        return 0.0
    return round(1.0 - max(distance_km, 0.0) / max_km, 6)


class BorderLines:
    """Border lines indexed once, asked which lie within a distance of a point."""

    def __init__(self, border_ids: Sequence[str], lines: Sequence[Any]) -> None:
        self.border_ids = list(border_ids)
        self.lines = np.asarray(lines, dtype=object)
        self._tree = shapely.STRtree(self.lines)

    def near(self, lon: float, lat: float, max_km: float) -> dict[str, float]:
        """Borders whose line passes within ``max_km`` of ``(lon, lat)``, with the distance."""
        if max_km <= 0 or not (math.isfinite(lon) and math.isfinite(lat)):
            return {}
        cos_lat = max(math.cos(math.radians(lat)), 1e-6)
        dlat = max_km / _KM_PER_DEGREE
        dlon = min(180.0, dlat / cos_lat)
        box = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        found: dict[str, float] = {}
        for position in self._tree.query(box):
            line = shapely.clip_by_rect(self.lines[position], *box.bounds)
            if line.is_empty:
                continue
            local = shapely.transform(
                line,
                lambda xy: np.column_stack(
                    ((xy[:, 0] - lon) * cos_lat * _KM_PER_DEGREE, (xy[:, 1] - lat) * _KM_PER_DEGREE)
                ),
            )
            distance = float(shapely.distance(local, shapely.Point(0.0, 0.0)))
            if distance < max_km:
                found[self.border_ids[int(position)]] = round(distance, 3)
        return found

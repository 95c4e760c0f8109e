"""GeoJSON layers over the boundary data: which features a request gets, with which properties.

Geometry was serialised once at build time (``geojson_<detail>`` columns), so answering a
request is filtering rows and joining strings. Assembled collections are memoised per query,
because the world's admin-1 layer is the same bytes for every client.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Literal

import pandas as pd

from geodata.boundaries import Boundaries
from geodata.webgeom import Detail, feature, feature_collection
from service.errors import InvalidParameter

Level = Literal["admin0", "admin1"]

_ADMIN1_PROPERTIES = ("name", "name_en", "country", "iso_3166_2", "type_en", "wikidataid")


def _clean(value: Any) -> Any:
    """JSON-friendly scalar: NaN/None become None, numpy scalars become Python ones."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value


class LayerCatalogue:
    """Feature collections for ``/regions`` and ``/borders``."""

    def __init__(self, boundaries: Boundaries) -> None:
        self.boundaries = boundaries
        self._countries = set(boundaries.admin0["country"])
        self.collection = lru_cache(maxsize=64)(self._collection)

    def check_country(self, country: str | None) -> str | None:
        """Normalise a country filter; an unknown code is a client error, not an empty map."""
        if country is None:
            return None
        code = country.strip().upper()
        if code not in self._countries:
            raise InvalidParameter(f"unknown country {country!r}: use an ISO 3166-1 alpha-3 code")
        return code

    # -- regions -----------------------------------------------------------------------------

    def region_features(
        self, level: Level, country: str | None, detail: Detail
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        column = f"geojson_{detail.value}"
        if level == "admin0":
            frame = self.boundaries.admin0
            if country:
                frame = frame[frame["country"] == country]
            for row in frame.itertuples(index=False):
                props = {
                    "level": "admin0",
                    "name": row.name,
                    "country": row.country,
                    "admin1_count": int(row.admin1_count),
                }
                yield row.country, getattr(row, column), props
            return
        frame = self.boundaries.admin1
        if country:
            frame = frame[frame["country"] == country]
        for record in frame[["region_id", column, *_ADMIN1_PROPERTIES]].to_dict("records"):
            props = {"level": "admin1"}
            props.update({key: _clean(record[key]) for key in _ADMIN1_PROPERTIES})
            yield record["region_id"], record[column], props

    def _collection(self, kind: str, level: Level, country: str | None, detail: Detail) -> str:
        if kind == "borders":
            features = self.border_features(country, detail)
        else:
            features = self.region_features(level, country, detail)
        return feature_collection(features)

    # -- borders -----------------------------------------------------------------------------

    def border_properties(self, row: pd.Series) -> dict[str, Any]:
        names = self.boundaries.country_names
        return {
            "border_id": row["border_id"],
            "countries": [row["country_a"], row["country_b"]],
            "name": f"{names.get(row['country_a'], row['country_a'])}–"
            f"{names.get(row['country_b'], row['country_b'])} border",
            "length_km": round(float(row["length_km"]), 1),
            "regions": row["regions"],
        }

    def border_features(
        self, country: str | None, detail: Detail
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        frame = self.boundaries.borders
        if country:
            frame = frame[(frame["country_a"] == country) | (frame["country_b"] == country)]
        column = f"geojson_{detail.value}"
        for _, row in frame.iterrows():
            yield row["border_id"], row[column], self.border_properties(row)

    def border_feature(self, border_id: str, detail: Detail) -> str:
        row = self.boundaries.border(border_id)
        return feature(
            row["border_id"], row[f"geojson_{detail.value}"], self.border_properties(row)
        )

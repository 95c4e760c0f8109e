"""Scored GeoJSON layers: admin-0, admin-1, borders and incidents, filtered and paged.

Geometry was serialised once at build time (``geojson_<detail>`` columns). Per data version
and time window, every feature of a layer is encoded once (geometry + scores) and kept; a
request then filters and pages that list and joins strings. The whole world's admin-1 layer is
therefore assembled, not re-encoded, for each client.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import pyarrow as pa
import shapely

from geodata.boundaries import Boundaries
from geodata.webgeom import Detail, feature
from service.cache import ByteCache
from service.errors import InvalidParameter
from service.scores import ScoreTable

LayerName = Literal["admin0", "admin1", "borders"]

#: Bytes of encoded layers kept. The world's admin-1 layer is ~6 MB at low detail and ~30 MB
#: at full: this holds the usual views of a few data versions, not 24 whole layers at any size.
LAYER_CACHE_BYTES = 160 * 2**20
Level = Literal["admin0", "admin1"]

_ADMIN1_PROPERTIES = ("name", "name_en", "country", "iso_3166_2", "type_en", "wikidataid")
#: The scoring level of each layer (borders are scored as "border").
SCORE_LEVEL = {"admin0": "admin0", "admin1": "admin1", "borders": "border"}


def _clean(value: Any) -> Any:
    """JSON-friendly scalar: NaN/None become None, numpy scalars become Python ones."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value


@dataclass(frozen=True)
class EncodedFeature:
    """One feature ready to send, with what filters need to know about it."""

    id: str
    countries: tuple[str, ...]
    bounds: tuple[float, float, float, float]
    threat_score: float | None
    json: str


def encoded_bytes(features: Sequence[EncodedFeature]) -> int:
    """Roughly the memory an encoded layer holds: its JSON text plus each record's fields."""
    return sys.getsizeof(features) + sum(sys.getsizeof(f.json) + 400 for f in features)


class GeometryStrings(Sequence[str]):
    """The geometry JSON of a layer's features, left in the Arrow column it was read into.

    pandas keeps a string column in one Arrow buffer; the Python list of its strings that
    the layers used to hold was a second copy of every detail level (about 60 MB for the
    three layers). A string is made when it is asked for (about 2 microseconds); encoded
    features and finished pages are cached above this anyway.
    """

    def __init__(self, column: Any) -> None:
        values = column.array if hasattr(column, "array") else column
        if hasattr(values, "__arrow_array__"):
            arrow = values.__arrow_array__()
        else:  # an object column (older pandas): one Arrow copy, the frame keeps its own
            arrow = pa.array(list(values), pa.large_string())
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.chunk(0) if arrow.num_chunks == 1 else arrow.combine_chunks()
        self._arrow = arrow

    def __len__(self) -> int:
        return len(self._arrow)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return ["null" if v is None else str(v) for v in self._arrow[index].to_pylist()]
        value = self._arrow[index].as_py()
        return "null" if value is None else str(value)


@dataclass(frozen=True)
class Page:
    """A filtered, paged slice of a layer."""

    features: list[EncodedFeature]
    matched: int


class StaticLayer:
    """One boundary layer's ids, geometry strings per detail, shapes, bounds and properties.

    ``shapes`` are the full-detail geometries, indexed once in an STRtree so that a ``bbox``
    filter tests the geometry itself: a bounding box alone would let the USA (whose Aleutians
    span the antimeridian) match every box on Earth.
    """

    def __init__(
        self,
        name: LayerName,
        ids: Sequence[str],
        countries: Sequence[tuple[str, ...]],
        geometries: dict[Detail, Sequence[str]],
        shapes: Sequence[Any],
        properties: Sequence[dict[str, Any]],
    ) -> None:
        self.name = name
        self.ids = list(ids)
        self.countries = list(countries)
        self.geometries = geometries
        self.shapes = np.asarray(shapes, dtype=object)
        self.bounds: np.ndarray = shapely.bounds(self.shapes)
        self.tree = shapely.STRtree(self.shapes)
        self.properties = list(properties)
        self.position = {fid: i for i, fid in enumerate(self.ids)}

    def positions_in(self, bbox: BBox) -> set[int]:
        """Positions of the features whose geometry intersects ``bbox``.

        The tree compares bounding boxes first (the fast path), then the exact geometry.
        """
        hits = self.tree.query(bbox_polygons(bbox), predicate="intersects")
        return {int(i) for i in hits[1]}


def static_layers(boundaries: Boundaries) -> dict[LayerName, StaticLayer]:
    """The three boundary layers with their unscored properties."""
    admin1 = boundaries.admin1
    admin0 = boundaries.admin0
    borders = boundaries.borders
    names = boundaries.country_names

    admin1_props = []
    for record in admin1[list(_ADMIN1_PROPERTIES)].to_dict("records"):
        props: dict[str, Any] = {"level": "admin1"}
        props.update({key: _clean(record[key]) for key in _ADMIN1_PROPERTIES})
        props["country_name"] = names.get(props["country"], props["country"])
        admin1_props.append(props)
    admin0_props = [
        {"level": "admin0", "name": name, "country": code, "admin1_count": int(count)}
        for code, name, count in zip(
            admin0["country"], admin0["name"], admin0["admin1_count"], strict=True
        )
    ]
    admin1_names = {
        rid: english if isinstance(english, str) and english.strip() else local
        for rid, english, local in zip(
            admin1["region_id"], admin1["name_en"], admin1["name"], strict=True
        )
    }
    border_props = [
        {
            "level": "border",
            "border_id": bid,
            "countries": [a, b],
            "name": f"{names.get(a, a)}–{names.get(b, b)} border",
            "length_km": round(float(length), 1),
            # Each touching region with its English name, not its id alone.
            "regions": [{**r, "name": admin1_names.get(r["region_id"])} for r in regions],
        }
        for bid, a, b, length, regions in zip(
            borders["border_id"],
            borders["country_a"],
            borders["country_b"],
            borders["length_km"],
            borders["regions"],
            strict=True,
        )
    ]

    def geometry_columns(frame: Any) -> dict[Detail, Sequence[str]]:
        return {d: GeometryStrings(frame[f"geojson_{d.value}"]) for d in Detail}

    return {
        "admin1": StaticLayer(
            "admin1",
            list(admin1["region_id"]),
            [(c,) for c in admin1["country"]],
            geometry_columns(admin1),
            list(admin1.geometry),
            admin1_props,
        ),
        "admin0": StaticLayer(
            "admin0",
            list(admin0["country"]),
            [(c,) for c in admin0["country"]],
            geometry_columns(admin0),
            list(admin0.geometry),
            admin0_props,
        ),
        "borders": StaticLayer(
            "borders",
            list(borders["border_id"]),
            list(zip(borders["country_a"], borders["country_b"], strict=True)),
            geometry_columns(borders),
            list(borders.geometry),
            border_props,
        ),
    }


BBox = tuple[float, float, float, float]


def parse_bbox(value: str | None) -> BBox | None:
    """``minx,miny,maxx,maxy`` in WGS84; a box crossing the antimeridian has minx > maxx."""
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise InvalidParameter("bbox must be minx,miny,maxx,maxy (4 numbers)")
    try:
        numbers = [float(p) for p in parts]
    except ValueError as exc:
        raise InvalidParameter(f"bbox {value!r} has a value that is not a number") from exc
    if len(numbers) == 6:  # 3-D bbox: drop the heights
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if not all(np.isfinite(numbers)):
        raise InvalidParameter("bbox values must be finite")
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidParameter("bbox must lie within -180..180 longitude and -90..90 latitude")
    return minx, miny, maxx, maxy


def bbox_polygons(bbox: BBox) -> list[Any]:
    """The box as polygons: two when it crosses the antimeridian (minx > maxx), else one."""
    minx, miny, maxx, maxy = bbox
    if minx <= maxx:
        return [shapely.box(minx, miny, maxx, maxy)]
    return [shapely.box(minx, miny, 180.0, maxy), shapely.box(-180.0, miny, maxx, maxy)]


def geometry_intersects_bbox(shapes: Sequence[Any], bbox: BBox) -> bool:
    """Whether any of ``shapes`` intersects the box (antimeridian-crossing boxes included)."""
    if not shapes:
        return False
    boxes = bbox_polygons(bbox)
    return any(bool(shapely.intersects(shape, box)) for shape in shapes for box in boxes)


def bbox_intersects(bounds: tuple[float, float, float, float], bbox: BBox) -> bool:
    """Whether two bounding boxes overlap: the fast test before the exact one."""
    minx, miny, maxx, maxy = bbox
    if bounds[3] < miny or bounds[1] > maxy:
        return False
    if minx <= maxx:
        return not (bounds[2] < minx or bounds[0] > maxx)
    return bounds[2] >= minx or bounds[0] <= maxx  # box crosses the antimeridian


class LayerCatalogue:
    """Scored feature collections for ``/regions``, ``/borders`` and the OGC collections."""

    def __init__(self, boundaries: Boundaries, cache_bytes: int = LAYER_CACHE_BYTES) -> None:
        self.boundaries = boundaries
        self.layers = static_layers(boundaries)
        self._countries = set(boundaries.admin0["country"])
        self._encoded: ByteCache[tuple[Any, ...], list[EncodedFeature]] = ByteCache(
            cache_bytes, encoded_bytes
        )

    def check_country(self, country: str | None) -> str | None:
        """Normalise a country filter; an unknown code is a client error, not an empty map."""
        if country is None or country == "":
            return None
        code = country.strip().upper()
        if code not in self._countries:
            raise InvalidParameter(f"unknown country {country!r}: use an ISO 3166-1 alpha-3 code")
        return code

    def encoded(
        self, layer_name: LayerName, detail: Detail, table: ScoreTable
    ) -> list[EncodedFeature]:
        """Every feature of a layer encoded with its scores (memoised per data and window)."""
        key = (layer_name, detail, table.version, table.since, table.until)
        return self._encoded.get_or_build(key, lambda: self._encode(layer_name, detail, table))

    def _encode(
        self, layer_name: LayerName, detail: Detail, table: ScoreTable
    ) -> list[EncodedFeature]:
        layer = self.layers[layer_name]
        level = SCORE_LEVEL[layer_name]
        geometries = layer.geometries[detail]
        out = []
        for i, fid in enumerate(layer.ids):
            props = dict(layer.properties[i])
            props.update(table.properties(level, fid))
            out.append(
                EncodedFeature(
                    fid,
                    layer.countries[i],
                    tuple(float(v) for v in layer.bounds[i]),  # type: ignore[arg-type]
                    props["threat_score"],
                    feature(fid, geometries[i], props),
                )
            )
        return out

    def page(
        self,
        layer_name: LayerName,
        detail: Detail,
        table: ScoreTable,
        *,
        country: str | None = None,
        bbox: BBox | None = None,
        min_score: float | None = None,
        limit: int | None = None,
        offset: int = 0,
        predicate: Callable[[EncodedFeature], bool] | None = None,
    ) -> Page:
        """Filter and page a layer; ``bbox`` keeps features whose geometry intersects it."""
        inside = None if bbox is None else self.layers[layer_name].positions_in(bbox)
        selected = [
            f
            for position, f in enumerate(self.encoded(layer_name, detail, table))
            if (country is None or country in f.countries)
            and (inside is None or position in inside)
            and (min_score is None or (f.threat_score is not None and f.threat_score >= min_score))
            and (predicate is None or predicate(f))
        ]
        end = len(selected) if limit is None else offset + limit
        return Page(selected[offset:end], len(selected))

    def one(
        self, layer_name: LayerName, feature_id: str, detail: Detail, table: ScoreTable
    ) -> EncodedFeature | None:
        layer = self.layers[layer_name]
        position = layer.position.get(feature_id)
        if position is None:
            return None
        return self.encoded(layer_name, detail, table)[position]

    def _layer_of_level(self, level: str) -> StaticLayer:
        return self.layers[{"admin1": "admin1", "border": "borders"}.get(level, "admin0")]  # type: ignore[index]

    def region_geometry(self, level: str, region_id: str, detail: Detail) -> str | None:
        """The pre-serialised geometry of a region or border, for incidents without a point."""
        layer = self._layer_of_level(level)
        position = layer.position.get(region_id)
        return None if position is None else layer.geometries[detail][position]

    def region_shape(self, level: str, region_id: str) -> Any | None:
        """The full-detail shapely geometry of a region or border (for exact ``bbox`` tests)."""
        layer = self._layer_of_level(level)
        position = layer.position.get(region_id)
        return None if position is None else layer.shapes[position]


def collection_json(features: Sequence[EncodedFeature], extra: dict[str, Any]) -> str:
    """A FeatureCollection of encoded features plus top-level members (links, counts...)."""
    head = '{"type":"FeatureCollection"'
    for key, value in extra.items():
        head += "," + json.dumps(key) + ":" + json.dumps(value, separators=(",", ":"), default=str)
    return head + ',"features":[' + ",".join(f.json for f in features) + "]}"

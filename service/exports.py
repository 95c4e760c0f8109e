"""Features as files for spreadsheets and GIS: CSV, GeoPackage, FlatGeobuf and GeoParquet.

The GeoJSON routes' features (or a whole boundary layer with its scores) become one
GeoDataFrame, the interchange format; GDAL (through pyogrio) and pyarrow write the files.
Nested values (lists, the border's touching regions) become JSON text, since neither a
spreadsheet cell nor a GeoPackage column holds a list.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from service.layers import SCORE_LEVEL, EncodedFeature, LayerCatalogue, LayerName
from service.scores import ScoreTable

#: Formats a download can take: media type and file extension of each.
FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "fgb": ("application/flatgeobuf", "fgb"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
}

#: Incident columns in the order a reader of the CSV wants them (the rest follow).
_INCIDENT_FIRST = (
    "id",
    "date",
    "type",
    "type_label",
    "killed",
    "wounded",
    "hostages",
    "militants",
    "deadly",
    "actors",
    "places",
    "countries",
    "lon",
    "lat",
    "precision",
    "confidence",
    "event_id",
    "source",
    "url",
    "published",
    "doc_id",
    "sentence",
)
#: Columns that only make sense next to the text they index, or repeat other columns.
_INCIDENT_DROPPED = ("span", "trigger_span", "locations", "incident_id", "trigger")
#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    """A file ready to send: its bytes, media type and a download name."""

    content: bytes
    media_type: str
    filename: str


def features_frame(features: Sequence[EncodedFeature], incidents: bool) -> gpd.GeoDataFrame:
    """One row per feature: its id, flattened properties and geometry (lon/lat for incidents
    located at one town)."""
    rows: list[dict[str, Any]] = []
    geometries: list[Any] = []
    for encoded in features:
        record = json.loads(encoded.json)
        properties = dict(record.get("properties") or {})
        geometry = record.get("geometry")
        shape = shapely.from_geojson(json.dumps(geometry)) if geometry else None
        row: dict[str, Any] = {"id": record.get("id", encoded.id)}
        if incidents:
            locations = properties.get("locations") or []
            properties["places"] = [loc.get("region_id") for loc in locations]
            properties["countries"] = list(encoded.countries)
            point = shape if isinstance(shape, shapely.Point) else None
            row["lon"] = round(point.x, 6) if point is not None else None
            row["lat"] = round(point.y, 6) if point is not None else None
            for name in _INCIDENT_DROPPED:
                properties.pop(name, None)
        row.update({name: _flat(value) for name, value in properties.items()})
        rows.append(row)
        geometries.append(shape)
    # Nullable dtypes: a toll is 6, not 6.0, when other rows have none.
    frame = pd.DataFrame(rows).convert_dtypes()
    if incidents and len(frame):
        first = [c for c in _INCIDENT_FIRST if c in frame.columns]
        frame = frame[first + [c for c in frame.columns if c not in first]]
    return gpd.GeoDataFrame(frame, geometry=geometries, crs="OGC:CRS84")


def _flat(value: Any) -> Any:
    """A scalar as it is; a list of plain values as "a; b"; anything nested as JSON text."""
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "; ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def to_csv(frame: gpd.GeoDataFrame) -> bytes:
    """The attribute table as UTF-8 CSV (no geometry column; incidents carry lon/lat).

    Text cells that a spreadsheet would run as a formula get a leading apostrophe.
    """
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    for column in table.columns:
        if pd.api.types.is_string_dtype(table[column]) or table[column].dtype == object:
            table[column] = [
                "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
                for v in table[column]
            ]
    return table.to_csv(index=False).encode("utf-8")


def to_file(frame: gpd.GeoDataFrame, fmt: str, layer: str) -> bytes:
    """The frame as a GeoPackage, FlatGeobuf or GeoParquet file's bytes."""
    with tempfile.TemporaryDirectory(prefix="riskmap-export-") as folder:
        path = Path(folder) / f"{layer}.{FORMATS[fmt][1]}"
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            driver = {"gpkg": "GPKG", "fgb": "FlatGeobuf"}[fmt]
            # Incidents mix points, polygons and collections; a boundary layer mixes polygons
            # and multipolygons: "Unknown" takes any geometry in one layer.
            pyogrio.write_dataframe(
                frame, path, driver=driver, layer=layer, geometry_type="Unknown"
            )
        return path.read_bytes()


def export(features: Sequence[EncodedFeature], fmt: str, layer: str) -> Export:
    """Encoded features (a page of ``/incidents`` or OGC items) as a file."""
    frame = features_frame(features, incidents=layer == "incidents")
    return _packaged(frame, fmt, layer)


def export_frame(frame: gpd.GeoDataFrame, fmt: str, layer: str) -> Export:
    """A ready GeoDataFrame (a whole scored layer) as a file."""
    return _packaged(frame, fmt, layer)


def _packaged(frame: gpd.GeoDataFrame, fmt: str, layer: str) -> Export:
    media_type, extension = FORMATS[fmt]
    content = to_csv(frame) if fmt == "csv" else to_file(frame, fmt, layer)
    return Export(content, media_type, f"riskmap-{layer}.{extension}")


def layer_frame(catalogue: LayerCatalogue, layer: LayerName, table: ScoreTable) -> gpd.GeoDataFrame:
    """A whole boundary layer at full detail with its scores for ``table``'s window."""
    static = catalogue.layers[layer]
    level = SCORE_LEVEL[layer]
    rows = []
    for position, feature_id in enumerate(static.ids):
        row: dict[str, Any] = {"id": feature_id}
        properties = {**static.properties[position], **table.properties(level, feature_id)}
        row.update({name: _flat(value) for name, value in properties.items()})
        rows.append(row)
    frame = pd.DataFrame(rows).convert_dtypes()
    return gpd.GeoDataFrame(frame, geometry=list(static.shapes), crs="OGC:CRS84")

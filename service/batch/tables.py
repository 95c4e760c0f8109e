"""Readings as typed Arrow tables, written as GeoParquet, and read back into readings.

Three tables per date partition, one row per document, per place mention and per incident.
Columns are typed (dates as ``date32``, locations as a list of structs, evidence spans as a
list of ``(start, end)`` structs), never JSON strings, so DuckDB, QGIS or geopandas read them
as they are. Mentions carry a ``Point`` where the place is a town; incidents a ``MultiPoint``
of their towns (the same points the PostGIS incident view draws); both null where only a
region is known. Coordinates are lon/lat (OGC:CRS84, GeoParquet's default).

The publication date is not a column: it is the partition (``published=YYYY-MM-DD``), as Hive
layout has it, so a partitioned read does not find it twice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import pyarrow as pa
import shapely

from geodata.geoparse import Mention
from geodata.incident_model import Incident, Location
from geodata.incidents import DocumentReading
from geodata.roles import MentionRole
from service.batch.inputs import Article
from service.pipeline import Reading
from service.storage import NewDocument

GEOMETRY = "geometry"
_TEXT = pa.string()
_INT = pa.int32()
_COUNT = pa.int64()  # tolls: a parsed figure may pass two billion
_REAL = pa.float64()

LOCATION = pa.struct(
    [
        ("level", _TEXT),
        ("region_id", _TEXT),
        ("country", _TEXT),
        ("precision", _INT),
        ("reason", _TEXT),
        ("surface", _TEXT),
        ("mention_start", _INT),
        ("mention_end", _INT),
        ("confidence", _REAL),
        ("lon", _REAL),
        ("lat", _REAL),
    ]
)
SPAN = pa.struct([("start", _INT), ("end", _INT)])

DOCUMENTS = pa.schema(
    [
        ("doc_id", _TEXT),
        ("shard", _INT),  # input file and row: the order documents are loaded in
        ("row", _INT),
        ("origin", _TEXT),
        ("source", _TEXT),
        ("url", _TEXT),
        ("language", _TEXT),  # declared or detected: the language the text was read in
        ("incidents_extracted", pa.bool_()),
        ("focus_country", _TEXT),
        ("text", pa.large_string()),
    ]
)
MENTIONS = pa.schema(
    [
        ("doc_id", _TEXT),
        ("seq", _INT),
        ("start", _INT),
        ("end", _INT),
        ("surface", _TEXT),
        ("kind", _TEXT),
        ("country", _TEXT),
        ("admin1", _TEXT),
        ("border", _TEXT),
        ("region_ids", pa.list_(_TEXT)),
        ("confidence", _REAL),
        ("precision", _INT),
        ("role", _TEXT),
        ("role_reason", _TEXT),
        (GEOMETRY, pa.binary()),
    ]
)
INCIDENTS = pa.schema(
    [
        ("doc_id", _TEXT),
        ("seq", _INT),
        ("id", _TEXT),
        ("type", _TEXT),
        ("sentence", _TEXT),
        ("start", _INT),
        ("end", _INT),
        ("trigger", _TEXT),
        ("trigger_start", _INT),
        ("trigger_end", _INT),
        ("locations", pa.list_(LOCATION)),
        ("killed", _COUNT),
        ("wounded", _COUNT),
        ("hostages", _COUNT),
        ("militants", _COUNT),
        ("casualties", _COUNT),
        ("deadly", pa.bool_()),
        ("approximate", pa.bool_()),
        ("actors", pa.list_(_TEXT)),
        ("date", pa.date32()),
        ("date_first", pa.date32()),
        ("date_last", pa.date32()),
        ("date_text", _TEXT),
        ("date_source", _TEXT),
        ("confidence", _REAL),
        ("evidence", pa.list_(SPAN)),
        (GEOMETRY, pa.binary()),
    ]
)
SCHEMAS: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "mentions": MENTIONS,
    "incidents": INCIDENTS,
}
GEOMETRY_TYPES = {"mentions": "Point", "incidents": "MultiPoint"}
#: Incident fields kept in columns of their own shape (the rest map one to one).
_SHAPED = {"locations", "actors", "evidence", "quantities"}

StoredReading = tuple[NewDocument, list[Mention], DocumentReading]


@dataclass(frozen=True)
class ReadDocument:
    """One article and what was read from it: a row of each table."""

    shard: int
    article: Article
    reading: Reading


def partition_tables(documents: Sequence[ReadDocument]) -> dict[str, pa.Table]:
    """The documents, mentions and incidents tables of one date partition."""
    document_rows, mention_rows, incident_rows = [], [], []
    for item in documents:
        reading, new = item.reading, item.article.document
        document_rows.append(
            {
                "doc_id": reading.doc_id,
                "shard": item.shard,
                "row": item.article.row,
                "origin": item.article.origin,
                "source": new.source,
                "url": new.url,
                "language": reading.language,
                "incidents_extracted": reading.incidents_extracted,
                "focus_country": reading.incidents.focus_country,
                "text": new.text,
            }
        )
        mention_rows += [
            _mention_row(reading.doc_id, seq, mention, role)
            for seq, (mention, role) in enumerate(
                zip(reading.mentions, reading.incidents.roles, strict=True)
            )
        ]
        incident_rows += [
            _incident_row(seq, incident) for seq, incident in enumerate(reading.incidents.incidents)
        ]
    return {
        "documents": pa.Table.from_pylist(document_rows, schema=DOCUMENTS),
        "mentions": _geo_table(mention_rows, "mentions"),
        "incidents": _geo_table(incident_rows, "incidents"),
    }


def _mention_row(doc_id: str, seq: int, mention: Mention, role: MentionRole) -> dict[str, Any]:
    return {
        **mention.as_dict(regions=True),
        "doc_id": doc_id,
        "seq": seq,
        "confidence": float(mention.confidence),
        "role": role.role,
        "role_reason": role.reason,
        GEOMETRY: shapely.Point(mention.point) if mention.point else None,
    }


def _incident_row(seq: int, incident: Incident) -> dict[str, Any]:
    row: dict[str, Any] = {
        f.name: getattr(incident, f.name) for f in fields(Incident) if f.name not in _SHAPED
    }
    row["seq"] = seq
    row["locations"] = [
        {
            **{f.name: getattr(loc, f.name) for f in fields(Location) if f.name != "point"},
            "lon": loc.point[0] if loc.point else None,
            "lat": loc.point[1] if loc.point else None,
        }
        for loc in incident.locations
    ]
    row["actors"] = list(incident.actors)
    row["evidence"] = [{"start": start, "end": end} for start, end in incident.evidence]
    points = [loc.point for loc in incident.locations if loc.point]
    row[GEOMETRY] = shapely.MultiPoint(points) if points else None
    return row


def _geo_table(rows: list[dict[str, Any]], name: str) -> pa.Table:
    """Rows with shapely geometries as a table with WKB and GeoParquet metadata."""
    shapes = [row.pop(GEOMETRY) for row in rows]
    wkb = [None if shape is None else shapely.to_wkb(shape) for shape in shapes]
    for row, value in zip(rows, wkb, strict=True):
        row[GEOMETRY] = value
    table = pa.Table.from_pylist(rows, schema=SCHEMAS[name])
    present = [shape for shape in shapes if shape is not None]
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": [GEOMETRY_TYPES[name]]}
    if present:
        column["bbox"] = [float(v) for v in shapely.total_bounds(present)]
    geo = {"version": "1.1.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}
    return table.replace_schema_metadata({b"geo": json.dumps(geo).encode()})


def stored_readings(tables: dict[str, pa.Table], published: dt.date | None) -> list[StoredReading]:
    """The documents of one partition with their mentions and incidents, as
    :meth:`service.storage.Store.ingest_many` takes them, in input order."""
    mentions: dict[str, list[dict[str, Any]]] = {}
    for row in tables["mentions"].to_pylist():
        mentions.setdefault(row["doc_id"], []).append(row)
    incidents: dict[str, list[dict[str, Any]]] = {}
    for row in tables["incidents"].to_pylist():
        incidents.setdefault(row["doc_id"], []).append(row)
    documents = sorted(tables["documents"].to_pylist(), key=lambda r: (r["shard"], r["row"]))
    out: list[StoredReading] = []
    for row in documents:
        doc_mentions = sorted(mentions.get(row["doc_id"], ()), key=lambda r: r["seq"])
        doc_incidents = sorted(incidents.get(row["doc_id"], ()), key=lambda r: r["seq"])
        reading = DocumentReading(
            row["doc_id"],
            tuple(_incident(r) for r in doc_incidents),
            tuple(MentionRole(r["role"], r["role_reason"]) for r in doc_mentions),
            row["focus_country"],
        )
        new = NewDocument(row["text"], published, row["source"], row["url"], row["language"])
        out.append((new, [_mention(r) for r in doc_mentions], reading))
    return out


def _point(wkb: bytes | None) -> tuple[float, float] | None:
    if wkb is None:
        return None
    point = shapely.from_wkb(wkb)
    return (float(shapely.get_x(point)), float(shapely.get_y(point)))


def _mention(row: dict[str, Any]) -> Mention:
    return Mention(
        row["start"],
        row["end"],
        row["surface"],
        row["kind"],
        row["country"],
        row["admin1"],
        row["border"],
        tuple(row["region_ids"]),
        row["confidence"],
        row["precision"],
        _point(row[GEOMETRY]),
    )


def _incident(row: dict[str, Any]) -> Incident:
    values = {f.name: row[f.name] for f in fields(Incident) if f.name not in _SHAPED}
    locations = []
    for loc in row["locations"]:
        lon, lat = loc.pop("lon"), loc.pop("lat")
        locations.append(Location(**loc, point=None if lon is None else (lon, lat)))
    return Incident(
        **values,
        locations=tuple(locations),
        actors=tuple(row["actors"]),
        evidence=tuple((span["start"], span["end"]) for span in row["evidence"]),
    )

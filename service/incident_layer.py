"""Incident reports as GeoJSON features, located on the geometry of their places."""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import Any

import shapely

from geodata.incidents import load_tables
from geodata.webgeom import Detail, feature
from service.errors import InvalidParameter
from service.layers import (
    BBox,
    EncodedFeature,
    LayerCatalogue,
    Page,
    bbox_intersects,
    geometry_intersects_bbox,
)
from service.scores import ScoreBoard, evidence_of


@lru_cache(maxsize=1)
def incident_type_labels() -> dict[str, str]:
    """Each incident type's plain-English label ("armed_attack" -> "Armed attack / clash")."""
    return {kind.type: kind.label for kind in load_tables().types}


def check_incident_type(value: str | None) -> str | None:
    """An incident type filter; an unknown one is a client error listing the valid types."""
    if value is None or value == "":
        return None
    labels = incident_type_labels()
    if value not in labels:
        valid = ", ".join(sorted(labels))
        raise InvalidParameter(f"unknown incident type {value!r}; valid types: {valid}")
    return value


def _geometry(catalogue: LayerCatalogue, locations: list[dict[str, Any]], detail: Detail) -> str:
    """The places' geometry: a point per town when every place is one, else the regions
    (one as is, several as a GeometryCollection)."""
    points = [loc.get("point") for loc in locations]
    if points and all(points):
        coordinates = [[round(float(x), 6) for x in point] for point in points if point]
        if len(coordinates) == 1:
            return json.dumps({"type": "Point", "coordinates": coordinates[0]})
        return json.dumps({"type": "MultiPoint", "coordinates": coordinates})
    parts = [
        g
        for loc in locations
        if (g := catalogue.region_geometry(loc["level"], loc["region_id"], detail)) is not None
    ]
    if not parts:
        return "null"
    if len(parts) == 1:
        return parts[0]
    return '{"type":"GeometryCollection","geometries":[' + ",".join(parts) + "]}"


def _shapes(catalogue: LayerCatalogue, locations: list[dict[str, Any]]) -> list[Any]:
    """The full-detail shapes behind :func:`_geometry` (same choice of points or regions)."""
    points = [loc.get("point") for loc in locations]
    if points and all(points):
        return [shapely.Point(float(p[0]), float(p[1])) for p in points if p]
    return [
        shape
        for loc in locations
        if (shape := catalogue.region_shape(loc["level"], loc["region_id"])) is not None
    ]


def _bounds(geometry_json: str) -> tuple[float, float, float, float]:
    if geometry_json == "null":
        return (0.0, 0.0, -1.0, -1.0)
    bounds = shapely.from_geojson(geometry_json).bounds
    return (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3]))


def _records(board: ScoreBoard, feature_id: str | None) -> list[dict[str, Any]]:
    """The reports a page is cut from, newest first: one, read by its id (an index lookup
    whatever the archive holds), or every stored report (memoised per data version)."""
    if feature_id is not None:
        reports = board.store.event_reports([feature_id]).get(feature_id, [])
        return [record for record in reports if record["id"] == feature_id]
    return sorted(
        board.incident_records().values(),
        key=lambda r: (r["date"] or "", r["id"]),
        reverse=True,
    )


def incident_page(
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    detail: Detail,
    *,
    country: str | None = None,
    incident_type: str | None = None,
    actor: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    bbox: BBox | None = None,
    limit: int | None = None,
    offset: int = 0,
    feature_id: str | None = None,
) -> Page:
    """Filter, page and encode incident reports (newest first).

    ``actor`` keeps reports naming an armed group whose name contains it, case-insensitively
    ("taliban" finds "Tehrik-i-Taliban Pakistan" and "Taliban"). Without a country, actor or
    ``bbox`` filter the page is read from storage as a page (filtered by type and dates there);
    those filters look at every stored report (memoised per data version).
    """
    if feature_id is None and country is None and actor is None and bbox is None:
        records, matched = board.store.incident_record_page(
            incident_type, since, until, limit, offset
        )
        return Page([_encoded(catalogue, record, detail) for record in records], matched)
    selected: list[EncodedFeature] = []
    for record in _records(board, feature_id):
        if country and country not in _countries(record):
            continue
        if incident_type and record["type"] != incident_type:
            continue
        if actor and not any(actor.casefold() in name.casefold() for name in record["actors"]):
            continue
        if since and (record["date"] or "") < since.isoformat():
            continue
        if until and (record["date"] or "9999") > until.isoformat():
            continue
        geometry = _geometry(catalogue, record["locations"], detail)
        if bbox and not (
            bbox_intersects(_bounds(geometry), bbox)
            and geometry_intersects_bbox(_shapes(catalogue, record["locations"]), bbox)
        ):
            continue
        selected.append(_encoded(catalogue, record, detail, geometry))
    end = len(selected) if limit is None else offset + limit
    return Page(selected[offset:end], len(selected))


def _countries(record: dict[str, Any]) -> set[str]:
    """The countries a report's places are in (both sides of a border)."""
    return {
        code
        for loc in record["locations"]
        for code in ([loc["country"]] if loc["country"] else loc["region_id"].split("|"))
    }


def _encoded(
    catalogue: LayerCatalogue,
    record: dict[str, Any],
    detail: Detail,
    geometry: str | None = None,
) -> EncodedFeature:
    """A report as a GeoJSON feature with its evidence (``geometry`` when already made)."""
    if geometry is None:
        geometry = _geometry(catalogue, record["locations"], detail)
    properties = {
        "type": record["type"],
        "type_label": incident_type_labels().get(record["type"], record["type"]),
        "date": record["date"],
        "date_text": record["date_text"],
        "killed": record["killed"],
        "wounded": record["wounded"],
        "hostages": record["hostages"],
        "militants": record["militants"],
        "deadly": record["deadly"],
        "actors": record["actors"],
        "confidence": record["confidence"],
        "precision": min((loc["precision"] for loc in record["locations"]), default=None),
        "event_id": record["cluster_id"],
        **evidence_of(record),
    }
    return EncodedFeature(
        record["id"],
        tuple(sorted(_countries(record))),
        _bounds(geometry),
        None,
        feature(record["id"], geometry, properties),
    )

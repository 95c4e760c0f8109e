"""Assemble a :class:`maps.model.RiskMap` from the loaded boundaries and the current scores.

The one place that reads the service's stores for a map; the HTTP routes and ``riskmap map``
both call :func:`risk_map`, so the page, the embed, the PNG and the file all show the same.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import shapely
from shapely.ops import polylabel

from geodata.webgeom import Detail
from maps.model import (
    WORLD_BOUNDS,
    EvidenceEvent,
    EvidenceReport,
    IncidentPoint,
    Level,
    RiskMap,
    ScoredShape,
    WindowScores,
)
from maps.words import incident_type_name
from service.layers import SCORE_LEVEL, LayerCatalogue, LayerName, StaticLayer, bbox_intersects
from service.scores import ScoreBoard, ScoreTable

#: Events quoted in one popup (most recent first); the rest are counted.
EVENTS_PER_POPUP = 8
#: Degrees around a country view whose neighbours are drawn as the outline basemap.
OUTLINE_MARGIN_DEG = 20.0
#: The period buttons of the page: key, label and length in days (``None``: everything).
PRESET_WINDOWS: tuple[tuple[str, str, int | None], ...] = (
    ("30d", "30 days", 30),
    ("90d", "90 days", 90),
    ("1y", "1 year", 365),
    ("all", "all", None),
)

#: Label points per boundary layer and position, computed once (polylabel is slow-ish).
_LABEL_POINTS: weakref.WeakKeyDictionary[StaticLayer, dict[int, tuple[float, float]]] = (
    weakref.WeakKeyDictionary()
)


def display_name(properties: dict[str, Any], fallback: str) -> str:
    """The English name people know: Natural Earth's ``name_en`` before its ``name``.

    Natural Earth's ``name`` holds local spellings and abbreviations ("K.P.", "F.C.T."), its
    ``name_en`` the common English name ("Khyber Pakhtunkhwa"). A user's boundary file
    fills both with the same field, so its own names show unchanged.
    """
    for key in ("name_en", "name"):
        value = properties.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return fallback


def label_point(layer: StaticLayer, position: int) -> tuple[float, float] | None:
    """Where a region's name goes: the pole of inaccessibility of its largest part.

    Unlike the centroid it is always inside the shape (a crescent's centroid is not), and
    unlike any surface point it sits where the shape is widest, so the name fits best there.
    """
    memo = _LABEL_POINTS.setdefault(layer, {})
    if position not in memo:
        shape = layer.shapes[position]
        polygons = [p for p in shapely.get_parts(shape) if p.geom_type == "Polygon"]
        if not polygons:
            return None
        largest = max(polygons, key=lambda p: p.area)
        minx, miny, maxx, maxy = largest.bounds
        point = polylabel(largest, tolerance=max(maxx - minx, maxy - miny, 1e-6) / 40)
        memo[position] = (round(float(point.x), 4), round(float(point.y), 4))
    return memo[position]


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def evidence_event(event: dict[str, Any]) -> EvidenceEvent:
    """One event of :meth:`ScoreBoard.evidence` as a map record, its type in plain English."""
    return EvidenceEvent(
        type=incident_type_name(str(event["type"])),
        date=_text(event.get("date")),
        killed=event.get("killed"),
        wounded=event.get("wounded"),
        reports=tuple(
            EvidenceReport(
                sentence=str(report.get("sentence") or ""),
                source=_text(report.get("source")),
                url=_text(report.get("url")),
                published=_text(report.get("published")),
            )
            for report in event["reports"]
        ),
    )


def evidence_events(board: ScoreBoard, ids: list[str]) -> tuple[tuple[EvidenceEvent, ...], int]:
    """The most recent events of a region as map records, and how many were left out."""
    found = board.evidence(ids)
    found.sort(key=lambda e: str(e.get("date") or ""), reverse=True)
    events = tuple(evidence_event(event) for event in found[:EVENTS_PER_POPUP])
    return events, max(0, len(found) - EVENTS_PER_POPUP)


def _shapes(
    layer_name: LayerName,
    layer: StaticLayer,
    positions: list[int],
    detail: Detail,
    table: ScoreTable,
    board: ScoreBoard,
    evidence_table: ScoreTable,
) -> list[ScoredShape]:
    """The shapes at ``positions`` with ``table``'s scores and ``evidence_table``'s events.

    The evidence comes from the widest window the page can show, so a popup has events
    for whichever window the page's time control picks (the page filters them by date).
    """
    level = SCORE_LEVEL[layer_name]
    kind: Any = level
    shapes = []
    for i in positions:
        fid = layer.ids[i]
        base = layer.properties[i]
        scores = table.properties(level, fid)
        ids = evidence_table.incident_ids(level, fid)
        events, more = evidence_events(board, ids) if ids else ((), 0)
        shapes.append(
            ScoredShape(
                id=fid,
                name=display_name(base, fid),
                kind=kind,
                geometry=layer.geometries[detail][i],
                threat_score=scores["threat_score"],
                context=base.get("country_name") if layer_name == "admin1" else None,
                incidents=_int(scores.get("incidents")),
                fatalities=_int(scores.get("fatalities")),
                injured=_int(scores.get("injured")),
                documents=_int(scores.get("documents")),
                evidence=events,
                more_events=more,
                label_at=label_point(layer, i) if layer_name != "borders" else None,
            )
        )
    return shapes


def latest_report(board: ScoreBoard, until: dt.date) -> dt.date | None:
    """The date of the latest incident report on or before ``until`` (``None``: none yet)."""
    last = until.isoformat()
    dates = [d for r in board.incident_records().values() if (d := r.get("date")) and d <= last]
    return dt.date.fromisoformat(max(dates)[:10]) if dates else None


def _window_shapes(table: ScoreTable, keys: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``id -> (score, incidents, fatalities, documents)`` of the shapes with evidence."""
    out: dict[str, tuple[float, int, int, int]] = {}
    for level, fid in keys:
        row = table.rows.get((level, fid))
        if row is not None:
            out[fid] = (
                float(row["threat_score"]),
                _int(row.get("incidents")),
                _int(row.get("fatalities")),
                _int(row.get("documents")),
            )
    return out


@dataclass(frozen=True)
class WindowSpec:
    """A time window the page can switch to, before it is scored."""

    key: str
    label: str
    since: dt.date | None
    until: dt.date
    anchor: Literal["until", "latest"]


def window_specs(
    since: dt.date | None, until: dt.date, latest: dt.date | None
) -> tuple[list[WindowSpec], str]:
    """The preset windows ending at ``until`` and at the latest report, and the view's own.

    Returns the windows and the key of the one matching the view's ``since``/``until``.
    """
    anchors: list[tuple[Literal["until", "latest"], dt.date]] = [("until", until)]
    if latest is not None and latest < until:
        anchors.append(("latest", latest))
    specs: list[WindowSpec] = []
    current: str | None = None
    for anchor, end in anchors:
        for key, label, days in PRESET_WINDOWS:
            start = None if days is None else end - dt.timedelta(days=days - 1)
            specs.append(WindowSpec(f"{anchor}:{key}", label, start, end, anchor))
            if anchor == "until" and start == since:
                current = specs[-1].key
    if current is None:  # dates chosen in the form: a window of its own
        specs.append(WindowSpec("until:chosen", "chosen dates", since, until, "until"))
        current = specs[-1].key
    return specs, current


def time_windows(
    board: ScoreBoard,
    keys: list[tuple[str, str]],
    since: dt.date | None,
    until: dt.date,
    latest: dt.date | None,
) -> tuple[tuple[WindowScores, ...], str]:
    """The page's windows (:func:`window_specs`) with the scores of ``keys`` in each.

    Each is scored by the same formula and aggregates as the API, so switching windows on
    the page shows what ``/regions?since=&until=`` would answer (``score_change`` aside,
    which the page does not show): all of them from one read (:meth:`ScoreBoard.window_tables`).
    """
    specs, current = window_specs(since, until, latest)
    tables = board.window_tables([(spec.since, spec.until) for spec in specs])
    windows = tuple(
        WindowScores(
            key=spec.key,
            label=spec.label,
            since=spec.since,
            until=spec.until,
            anchor=spec.anchor,
            shapes=_window_shapes(table, keys),
        )
        for spec, table in zip(specs, tables, strict=True)
    )
    return windows, current


def incident_points(board: ScoreBoard, event_ids: Iterable[str]) -> tuple[IncidentPoint, ...]:
    """Events placed at towns, one point per town they name, with their evidence."""
    records = board.incident_records()
    located = [
        i
        for i in dict.fromkeys(event_ids)
        if i in records and any(loc.get("point") for loc in records[i]["locations"])
    ]
    points = []
    for found in board.evidence(located):
        event = evidence_event(found)
        for location in records[found["event_id"]]["locations"]:
            point = location.get("point")
            if point:
                points.append(
                    IncidentPoint(
                        lon=round(float(point[0]), 5),
                        lat=round(float(point[1]), 5),
                        place=_text(location.get("surface")),
                        event=event,
                    )
                )
    return tuple(points)


def _union(bounds: list[tuple[float, ...]]) -> tuple[float, float, float, float] | None:
    if not bounds:
        return None
    return (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
    )


def view_detail(code: str | None, detail: Detail | None) -> Detail:
    """The geometry detail of a view: as asked, else ``medium`` for a country and ``low``
    for the world (a country page under 1 MB, the world admin-1 page under 5 MB, gzip)."""
    return detail or (Detail.medium if code else Detail.low)


def _positions(layer: StaticLayer, code: str | None) -> list[int]:
    """Positions of a layer's features in a view: the country's, or all of them."""
    return [i for i, c in enumerate(layer.countries) if code is None or code in c]


def _outline_positions(catalogue: LayerCatalogue, level: Level, code: str | None) -> list[int]:
    """The countries drawn as the outline basemap: all for the world, those within
    :data:`OUTLINE_MARGIN_DEG` of a country's regions for a country."""
    outline_layer = catalogue.layers["admin0"]
    if not code:
        return list(range(len(outline_layer.ids)))
    regions_layer = catalogue.layers[level]
    view = _union([tuple(regions_layer.bounds[i]) for i in _positions(regions_layer, code)])
    minx, miny, maxx, maxy = view or WORLD_BOUNDS
    box = (
        max(-180.0, minx - OUTLINE_MARGIN_DEG),
        max(-90.0, miny - OUTLINE_MARGIN_DEG),
        min(180.0, maxx + OUTLINE_MARGIN_DEG),
        min(90.0, maxy + OUTLINE_MARGIN_DEG),
    )
    return [
        i
        for i in range(len(outline_layer.ids))
        if bbox_intersects(tuple(outline_layer.bounds[i]), box)  # type: ignore[arg-type]
    ]


@dataclass(frozen=True)
class ViewGeometry:
    """The geometry JSON of one view's shapes: what a map page draws, whatever the scores.

    It changes only with the boundary build, so a page can load it from its own URL, kept by
    the browser across data versions, while the page itself carries the scores.
    """

    regions: list[tuple[str, str]]  # (id, geometry JSON)
    borders: list[tuple[str, str]]
    outlines: list[str]


def view_geometry(
    catalogue: LayerCatalogue, level: Level, country: str | None, detail: Detail | None
) -> ViewGeometry:
    """The shapes of the view :func:`risk_map` draws for ``level`` and ``country``."""
    code = catalogue.check_country(country)
    detail = view_detail(code, detail)
    regions_layer = catalogue.layers[level]
    borders_layer = catalogue.layers["borders"]
    outline_layer = catalogue.layers["admin0"]

    def pairs(layer: StaticLayer) -> list[tuple[str, str]]:
        geometries = layer.geometries[detail]
        return [(layer.ids[i], geometries[i]) for i in _positions(layer, code)]

    return ViewGeometry(
        pairs(regions_layer),
        pairs(borders_layer),
        [
            outline_layer.geometries[Detail.low][i]
            for i in _outline_positions(catalogue, level, code)
        ],
    )


def risk_map(
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    *,
    level: Level = "admin1",
    country: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    detail: Detail | None = None,
    scoring_url: str | None = "/docs/scoring",
    links: dict[str, str] | None = None,
) -> RiskMap:
    """The scored regions and borders of one view (a country or the world) in a time window.

    ``detail`` defaults to ``medium`` for a country and ``low`` for the world, which keeps a
    country page under 1 MB and the world admin-1 page under 5 MB (gzip).
    """
    code = catalogue.check_country(country)
    detail = view_detail(code, detail)
    until = until or dt.datetime.now(dt.UTC).date()
    latest = latest_report(board, until)
    specs, _ = window_specs(since, until, latest)
    # The view's window, everything up to its last day (every window the page offers lies
    # inside it: the popups' evidence) and the page's windows, scored from one read.
    table, widest = board.window_tables(
        [(since, until), (None, until), *((spec.since, spec.until) for spec in specs)]
    )[:2]

    regions_layer = catalogue.layers[level]
    borders_layer = catalogue.layers["borders"]
    region_positions = _positions(regions_layer, code)
    border_positions = _positions(borders_layer, code)
    regions = _shapes(level, regions_layer, region_positions, detail, table, board, widest)
    borders = _shapes("borders", borders_layer, border_positions, detail, table, board, widest)
    score_level = SCORE_LEVEL[level]
    keys = [(score_level, r.id) for r in regions] + [("border", b.id) for b in borders]
    windows, window_key = time_windows(board, keys, table.since, table.until, latest)
    points = incident_points(
        board, (i for r in regions for i in widest.incident_ids(score_level, r.id))
    )

    if code:
        view = _union([tuple(regions_layer.bounds[i]) for i in region_positions])
    else:
        view = _union(
            [
                tuple(regions_layer.bounds[i])
                for i, shape in zip(region_positions, regions, strict=True)
                if shape.threat_score is not None
            ]
        )
    bounds = view or WORLD_BOUNDS

    outline_layer = catalogue.layers["admin0"]
    near = _outline_positions(catalogue, level, code)
    outlines = [outline_layer.geometries[Detail.low][i] for i in near]

    names = catalogue.boundaries.country_names
    return RiskMap(
        level=level,
        regions=regions,
        borders=borders,
        outlines=outlines,
        bounds=tuple(float(v) for v in bounds),  # type: ignore[arg-type]
        since=table.since,
        until=table.until,
        country=code,
        country_name=names.get(code, code) if code else None,
        formula=str(board.weights.describe()["formula"]),
        scoring_url=scoring_url,
        links=links or {},
        latest_report=latest,
        windows=windows,
        window_key=window_key,
        points=points,
    )

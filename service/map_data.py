"""Assemble a :class:`maps.model.RiskMap` from the loaded boundaries and the current scores.

The one place that reads the service's stores for a map; the HTTP routes and ``riskmap map``
both call :func:`risk_map`, so the page, the embed, the PNG and the file all show the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geodata.webgeom import Detail
from maps.model import (
    WORLD_BOUNDS,
    EvidenceEvent,
    EvidenceReport,
    Level,
    RiskMap,
    ScoredShape,
)
from service.layers import SCORE_LEVEL, LayerCatalogue, LayerName, StaticLayer, bbox_intersects
from service.scores import ScoreBoard, ScoreTable

#: Events quoted in one popup (most recent first); the rest are counted.
EVENTS_PER_POPUP = 8
#: Degrees around a country view whose neighbours are drawn as the outline basemap.
OUTLINE_MARGIN_DEG = 20.0


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def evidence_events(board: ScoreBoard, ids: list[str]) -> tuple[tuple[EvidenceEvent, ...], int]:
    """The most recent events of a region as map records, and how many were left out."""
    found = board.evidence(ids)
    found.sort(key=lambda e: str(e.get("date") or ""), reverse=True)
    events = tuple(
        EvidenceEvent(
            type=str(event["type"]),
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
        for event in found[:EVENTS_PER_POPUP]
    )
    return events, max(0, len(found) - EVENTS_PER_POPUP)


def _shapes(
    layer_name: LayerName,
    layer: StaticLayer,
    positions: list[int],
    detail: Detail,
    table: ScoreTable,
    board: ScoreBoard,
) -> list[ScoredShape]:
    level = SCORE_LEVEL[layer_name]
    kind: Any = level
    shapes = []
    for i in positions:
        fid = layer.ids[i]
        base = layer.properties[i]
        scores = table.properties(level, fid)
        ids = table.incident_ids(level, fid)
        events, more = evidence_events(board, ids) if ids else ((), 0)
        shapes.append(
            ScoredShape(
                id=fid,
                name=str(base.get("name") or fid),
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
            )
        )
    return shapes


def _union(bounds: list[tuple[float, ...]]) -> tuple[float, float, float, float] | None:
    if not bounds:
        return None
    return (
        min(b[0] for b in bounds),
        min(b[1] for b in bounds),
        max(b[2] for b in bounds),
        max(b[3] for b in bounds),
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
    detail = detail or (Detail.medium if code else Detail.low)
    table = board.table(since, until)

    regions_layer = catalogue.layers[level]
    region_positions = [
        i for i, c in enumerate(regions_layer.countries) if code is None or code in c
    ]
    borders_layer = catalogue.layers["borders"]
    border_positions = [
        i for i, c in enumerate(borders_layer.countries) if code is None or code in c
    ]
    regions = _shapes(level, regions_layer, region_positions, detail, table, board)
    borders = _shapes("borders", borders_layer, border_positions, detail, table, board)

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
    if code:
        minx, miny, maxx, maxy = bounds
        box = (
            max(-180.0, minx - OUTLINE_MARGIN_DEG),
            max(-90.0, miny - OUTLINE_MARGIN_DEG),
            min(180.0, maxx + OUTLINE_MARGIN_DEG),
            min(90.0, maxy + OUTLINE_MARGIN_DEG),
        )
        near = [
            i
            for i in range(len(outline_layer.ids))
            if bbox_intersects(tuple(outline_layer.bounds[i]), box)  # type: ignore[arg-type]
        ]
    else:
        near = list(range(len(outline_layer.ids)))
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
    )

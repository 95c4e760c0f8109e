"""``/regions`` and ``/borders``: scored boundary layers as GeoJSON, with evidence per region.

Each body is kept (with its gzip form and ETag) per parameters and data version, so the world's
admin-1 layer is assembled and compressed once after an ingest, not per request.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from geodata.errors import NotFound
from geodata.webgeom import Detail
from service.cache import PreparedBody, prepare
from service.dependencies import get_catalogue, get_scoreboard
from service.layers import SCORE_LEVEL, LayerCatalogue, LayerName, collection_json, parse_bbox
from service.queries import parse_window
from service.routes.common import (
    GEOJSON,
    GEOJSON_RESPONSES,
    BBoxQuery,
    CountryQuery,
    DetailQuery,
    MinScoreQuery,
    OffsetQuery,
    SinceQuery,
    UntilQuery,
    cached_body,
    data_key,
    scoring_member,
    send,
)
from service.scores import ScoreBoard

router = APIRouter(tags=["regions"])

Catalogue = Annotated[LayerCatalogue, Depends(get_catalogue)]
Board = Annotated[ScoreBoard, Depends(get_scoreboard)]


def _collection(
    request: Request,
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    layer: LayerName,
    *,
    country: str | None,
    detail: Detail,
    since: str | None,
    until: str | None,
    bbox: str | None,
    min_score: float | None,
    limit: int | None,
    offset: int,
) -> Response:
    params = (layer, country, detail, since, until, bbox, min_score, limit, offset)
    key = ("collection", *params, *data_key(request, board))

    def build() -> PreparedBody:
        return _collection_body(
            catalogue,
            board,
            layer,
            country=country,
            detail=detail,
            since=since,
            until=until,
            bbox=bbox,
            min_score=min_score,
            limit=limit,
            offset=offset,
        )

    return send(request, cached_body(request, key, build), _CACHE_CONTROL)


#: Browsers and proxies may reuse a body for a minute, then revalidate it by its ETag.
_CACHE_CONTROL = {"Cache-Control": "public, max-age=60"}


def _collection_body(
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    layer: LayerName,
    *,
    country: str | None,
    detail: Detail,
    since: str | None,
    until: str | None,
    bbox: str | None,
    min_score: float | None,
    limit: int | None,
    offset: int,
) -> PreparedBody:
    code = catalogue.check_country(country)
    box = parse_bbox(bbox)
    start, end = parse_window(since, until)
    table = board.table(start, end)
    page = catalogue.page(
        layer,
        detail,
        table,
        country=code,
        bbox=box,
        min_score=min_score,
        limit=limit,
        offset=offset,
    )
    extra = {
        "numberMatched": page.matched,
        "numberReturned": len(page.features),
        "scoring": scoring_member(board.weights, table.since, table.until) | table.window(),
    }
    return prepare(collection_json(page.features, extra).encode("utf-8"), GEOJSON)


@router.get(
    "/regions",
    response_class=Response,
    responses=GEOJSON_RESPONSES,
    summary="Admin-0 or admin-1 regions with threat scores (GeoJSON FeatureCollection)",
)
def list_regions(
    request: Request,
    catalogue: Catalogue,
    board: Board,
    level: Annotated[Literal["admin0", "admin1"], Query(description="admin0 or admin1")] = "admin1",
    country: CountryQuery = None,
    detail: DetailQuery = Detail.low,
    since: SinceQuery = None,
    until: UntilQuery = None,
    bbox: BBoxQuery = None,
    min_score: MinScoreQuery = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    offset: OffsetQuery = 0,
) -> Response:
    return _collection(
        request,
        catalogue,
        board,
        level,
        country=country,
        detail=detail,
        since=since,
        until=until,
        bbox=bbox,
        min_score=min_score,
        limit=limit,
        offset=offset,
    )


def _feature_with_evidence(
    request: Request,
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    layer: LayerName,
    feature_id: str,
    detail: Detail,
    since: str | None,
    until: str | None,
) -> Response:
    key = ("feature", layer, feature_id, detail, since, until, *data_key(request, board))

    def build() -> PreparedBody:
        start, end = parse_window(since, until)
        table = board.table(start, end)
        encoded = catalogue.one(layer, feature_id, detail, table)
        if encoded is None:
            raise NotFound(f"no {layer} feature {feature_id!r}")
        feature = json.loads(encoded.json)
        level = SCORE_LEVEL[layer]
        feature["properties"]["evidence"] = board.evidence(table.incident_ids(level, feature_id))
        feature["properties"]["scoring"] = (
            scoring_member(board.weights, table.since, table.until) | table.window()
        )
        raw = json.dumps(feature, ensure_ascii=False, default=str).encode("utf-8")
        return prepare(raw, GEOJSON)

    return send(request, cached_body(request, key, build), _CACHE_CONTROL)


@router.get(
    "/regions/{region_id}",
    response_class=Response,
    responses=GEOJSON_RESPONSES,
    summary="One region (alpha-3 country, adm1_code or ISO 3166-2) with scores and evidence",
)
def get_region(
    region_id: str,
    request: Request,
    catalogue: Catalogue,
    board: Board,
    detail: DetailQuery = Detail.medium,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> Response:
    key = region_id.strip()
    if len(key) == 3 and key.isalpha():
        return _feature_with_evidence(
            request, catalogue, board, "admin0", key.upper(), detail, since, until
        )
    canonical = catalogue.boundaries.canonical_admin1_id(key)
    return _feature_with_evidence(
        request, catalogue, board, "admin1", canonical, detail, since, until
    )


@router.get(
    "/borders",
    response_class=Response,
    responses=GEOJSON_RESPONSES,
    summary="Land borders between neighbouring countries, as lines, with threat scores",
)
def list_borders(
    request: Request,
    catalogue: Catalogue,
    board: Board,
    country: CountryQuery = None,
    detail: DetailQuery = Detail.low,
    since: SinceQuery = None,
    until: UntilQuery = None,
    bbox: BBoxQuery = None,
    min_score: MinScoreQuery = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    offset: OffsetQuery = 0,
) -> Response:
    return _collection(
        request,
        catalogue,
        board,
        "borders",
        country=country,
        detail=detail,
        since=since,
        until=until,
        bbox=bbox,
        min_score=min_score,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/borders/{border_id}",
    response_class=Response,
    responses=GEOJSON_RESPONSES,
    summary="One border (e.g. AFG|TJK) with its touching regions, scores and evidence",
)
def get_border(
    border_id: str,
    request: Request,
    catalogue: Catalogue,
    board: Board,
    detail: DetailQuery = Detail.medium,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> Response:
    canonical = str(catalogue.boundaries.border(border_id)["border_id"])
    return _feature_with_evidence(
        request, catalogue, board, "borders", canonical, detail, since, until
    )


Interval = Annotated[
    Literal["week", "month"], Query(description="bucket size: week (Monday-Sunday) or month")
]


def _timeline(
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    layer: LayerName,
    feature_id: str,
    interval: str,
    since: str | None,
    until: str | None,
) -> JSONResponse:
    start, end = parse_window(since, until)
    layer_data = catalogue.layers[layer]
    position = layer_data.position.get(feature_id)
    if position is None:
        raise NotFound(f"no {layer} feature {feature_id!r}")
    series = board.timeline(SCORE_LEVEL[layer], feature_id, start, end, interval)
    table = board.table(start, end)
    body = {
        "id": feature_id,
        "level": SCORE_LEVEL[layer],
        "name": layer_data.properties[position].get("name"),
        "interval": interval,
        **series,
        "scoring": scoring_member(board.weights, table.since, table.until) | table.window(),
    }
    return JSONResponse(body)


@router.get(
    "/regions/{region_id}/timeline",
    summary="One region's incidents, fatalities and threat score per week or month",
)
def region_timeline(
    region_id: str,
    catalogue: Catalogue,
    board: Board,
    interval: Interval = "month",
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> JSONResponse:
    key = region_id.strip()
    if len(key) == 3 and key.isalpha():
        return _timeline(catalogue, board, "admin0", key.upper(), interval, since, until)
    canonical = catalogue.boundaries.canonical_admin1_id(key)
    return _timeline(catalogue, board, "admin1", canonical, interval, since, until)


@router.get(
    "/borders/{border_id}/timeline",
    summary="One border's incidents, fatalities and threat score per week or month",
)
def border_timeline(
    border_id: str,
    catalogue: Catalogue,
    board: Board,
    interval: Interval = "month",
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> JSONResponse:
    canonical = str(catalogue.boundaries.border(border_id)["border_id"])
    return _timeline(catalogue, board, "borders", canonical, interval, since, until)

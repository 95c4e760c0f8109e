"""``/incidents``: every incident report as a GeoJSON feature (region geometry as location)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from geodata.webgeom import Detail
from service.dependencies import get_catalogue, get_scoreboard
from service.exports import export
from service.incident_layer import check_incident_type, incident_page, incident_type_labels
from service.layers import LayerCatalogue, collection_json, parse_bbox
from service.queries import parse_window
from service.routes.common import (
    GEOJSON_RESPONSES,
    BBoxQuery,
    CountryQuery,
    DetailQuery,
    OffsetQuery,
    SinceQuery,
    UntilQuery,
    geojson_response,
)
from service.routes.downloads import attachment
from service.scores import ScoreBoard

router = APIRouter(tags=["incidents"])


@router.get(
    "/incidents",
    response_class=Response,
    responses=GEOJSON_RESPONSES,
    summary="Incident reports with their evidence, located on their region or border",
)
def list_incidents(
    request: Request,
    catalogue: Annotated[LayerCatalogue, Depends(get_catalogue)],
    board: Annotated[ScoreBoard, Depends(get_scoreboard)],
    country: CountryQuery = None,
    type: Annotated[
        str | None,
        Query(max_length=40, description="incident type: " + ", ".join(incident_type_labels())),
    ] = None,
    actor: Annotated[
        str | None,
        Query(max_length=100, description="armed group whose name contains this, e.g. Taliban"),
    ] = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    bbox: BBoxQuery = None,
    detail: DetailQuery = Detail.low,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: OffsetQuery = 0,
    f: Annotated[
        Literal["geojson", "csv", "gpkg"] | None,
        Query(description="geojson (default), csv (one row per incident) or gpkg (GeoPackage)"),
    ] = None,
) -> Response:
    code = catalogue.check_country(country)
    start, end = parse_window(since, until)
    page = incident_page(
        catalogue,
        board,
        detail,
        country=code,
        incident_type=check_incident_type(type),
        actor=actor.strip() if actor and actor.strip() else None,
        since=start,
        until=end,
        bbox=parse_bbox(bbox),
        limit=limit,
        offset=offset,
    )
    if f in ("csv", "gpkg"):
        return attachment(export(page.features, f, "incidents"))
    extra = {"numberMatched": page.matched, "numberReturned": len(page.features)}
    return geojson_response(request, collection_json(page.features, extra))

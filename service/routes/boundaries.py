"""``/regions`` and ``/borders``: the boundary layers as GeoJSON (RFC 7946)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from geodata.webgeom import Detail
from service.dependencies import get_catalogue
from service.layers import LayerCatalogue, Level

GEOJSON = "application/geo+json"

router = APIRouter(tags=["boundaries"])

CountryQuery = Annotated[
    str | None,
    Query(description="ISO 3166-1 alpha-3 code, e.g. AFG", min_length=3, max_length=3),
]
DetailQuery = Annotated[
    Detail, Query(description="geometry detail: low (~5 km), medium (~1 km) or full")
]


@router.get(
    "/regions",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "GeoJSON FeatureCollection"}},
    summary="Admin-0 or admin-1 regions as a GeoJSON FeatureCollection",
)
def list_regions(
    catalogue: Annotated[LayerCatalogue, Depends(get_catalogue)],
    level: Annotated[Level, Query(description="admin0 (countries) or admin1")] = "admin1",
    country: CountryQuery = None,
    detail: DetailQuery = Detail.low,
) -> Response:
    code = catalogue.check_country(country)
    body = catalogue.collection("regions", level, code, detail)
    return Response(body, media_type=GEOJSON)


@router.get(
    "/borders",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "GeoJSON FeatureCollection"}},
    summary="Land borders between neighbouring countries, as lines",
)
def list_borders(
    catalogue: Annotated[LayerCatalogue, Depends(get_catalogue)],
    country: CountryQuery = None,
    detail: DetailQuery = Detail.low,
) -> Response:
    code = catalogue.check_country(country)
    body = catalogue.collection("borders", "admin1", code, detail)
    return Response(body, media_type=GEOJSON)


@router.get(
    "/borders/{border_id}",
    response_class=Response,
    responses={
        200: {"content": {GEOJSON: {}}, "description": "GeoJSON Feature"},
        404: {"description": "no such border"},
    },
    summary="One border (e.g. AFG|TJK) with the admin-1 regions that touch it",
)
def get_border(
    border_id: str,
    catalogue: Annotated[LayerCatalogue, Depends(get_catalogue)],
    detail: DetailQuery = Detail.medium,
) -> Response:
    return Response(catalogue.border_feature(border_id, detail), media_type=GEOJSON)

"""``/maps/risk`` (page), ``/maps/embed`` (iframe), ``/maps/risk.png|svg|pdf`` (reports).

All three draw the same :class:`maps.model.RiskMap`, and each finished body (with its gzip form
and ETag) is kept per parameters and data version: a page is rendered and compressed once
after an ingest, then sent as stored bytes, or as 304 to a client that already has it.

Pages load Leaflet and the page script from ``/static`` only and carry a
Content-Security-Policy that allows nothing else (no inline script or style; tile hosts only
when a tile basemap was asked for); the embed's ``frame-ancestors`` come from
``RISKMAP_EMBED_ORIGINS``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from geodata.webgeom import Detail
from maps.assets import served
from maps.model import Basemap, Level, RiskMap
from maps.render import render_html, tile_origin
from service.cache import PreparedBody, prepare
from service.dependencies import get_catalogue, get_scoreboard, get_settings
from service.errors import InvalidParameter
from service.layers import LayerCatalogue
from service.map_data import risk_map
from service.queries import parse_window
from service.routes.common import (
    CountryQuery,
    SinceQuery,
    UntilQuery,
    cached_body,
    data_key,
    send,
)
from service.scores import ScoreBoard
from service.settings import Settings

router = APIRouter(tags=["maps"])

Catalogue = Annotated[LayerCatalogue, Depends(get_catalogue)]
Board = Annotated[ScoreBoard, Depends(get_scoreboard)]
AppSettings = Annotated[Settings, Depends(get_settings)]
LevelQuery = Annotated[
    Literal["admin0", "admin1"], Query(description="admin0 (countries) or admin1 (provinces)")
]
MapDetailQuery = Annotated[
    Detail | None,
    Query(description="geometry detail; default medium for one country, low for the world"),
]
BasemapQuery = Annotated[
    Literal["outline", "osm", "carto"],
    Query(description="outline (drawn from the boundary data, offline), osm or carto tiles"),
]

_HTML_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "invalid parameter (problem+json)"}
}


def _view(
    request: Request,
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    level: Level,
    country: str | None,
    since: str | None,
    until: str | None,
    detail: Detail | None,
) -> RiskMap:
    start, end = parse_window(since, until)
    params = {
        key: value
        for key, value in (("country", country), ("since", since), ("until", until))
        if value
    }
    links = {
        "GeoJSON": str(request.url_for("list_regions").include_query_params(level=level, **params)),
        "PNG": str(request.url_for("risk_map_png").include_query_params(level=level, **params)),
        "SVG": str(request.url_for("risk_map_svg").include_query_params(level=level, **params)),
        "PDF": str(request.url_for("risk_map_pdf").include_query_params(level=level, **params)),
        "Embed": str(request.url_for("risk_map_embed").include_query_params(level=level, **params)),
    }
    return risk_map(
        catalogue,
        board,
        level=level,
        country=country,
        since=start,
        until=end,
        detail=detail,
        scoring_url=str(request.url_for("scoring_documentation")),
        links=links,
    )


def content_security_policy(frame_ancestors: list[str], basemap: Basemap) -> str:
    """Scripts, styles and images from the app only, and no inline script or style.

    The page runs only ``leaflet.js`` and ``riskmap.js`` from ``/static``; its data is a JSON
    island, which the browser does not execute, so ``script-src 'self'`` needs no exception.
    """
    images = "'self' data:"
    origin = tile_origin(basemap)
    if origin:
        images += f" {origin}"
    ancestors = " ".join(frame_ancestors) or "'none'"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; form-action 'self'; "
        f"base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}"
    )


def _render(view: RiskMap, settings: Settings, basemap: Basemap, *, embed: bool) -> str:
    try:
        return render_html(
            view, served(), basemap=basemap, embed=embed, tile_api_key=settings.carto_api_key
        )
    except ValueError as exc:  # a tile basemap that is not configured
        raise InvalidParameter(str(exc)) from exc


def _page(
    request: Request,
    board: ScoreBoard,
    key: tuple[Hashable, ...],
    render: Callable[[], str],
    csp: str,
) -> Response:
    """The page under ``key`` (parameters) and the data version, rendered once."""

    def build() -> PreparedBody:
        return prepare(render().encode("utf-8"), "text/html")

    body = cached_body(request, (*key, *data_key(request, board)), build)
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "public, max-age=60",
    }
    return send(request, body, headers)


@router.get(
    "/maps/risk",
    response_class=HTMLResponse,
    responses=_HTML_RESPONSES,
    summary="Leaflet choropleth of threat scores with borders, evidence popups and a legend",
)
def risk_map_page(
    request: Request,
    catalogue: Catalogue,
    board: Board,
    settings: AppSettings,
    level: LevelQuery = "admin1",
    country: CountryQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    detail: MapDetailQuery = None,
    basemap: BasemapQuery = "outline",
) -> Response:
    def render() -> str:
        view = _view(request, catalogue, board, level, country, since, until, detail)
        return _render(view, settings, basemap, embed=False)

    key = ("page", level, country, since, until, detail, basemap)
    return _page(request, board, key, render, content_security_policy(["'self'"], basemap))


@router.get(
    "/maps/embed",
    response_class=HTMLResponse,
    responses=_HTML_RESPONSES,
    summary="The risk map without page chrome, filling an <iframe>",
)
def risk_map_embed(
    request: Request,
    catalogue: Catalogue,
    board: Board,
    settings: AppSettings,
    level: LevelQuery = "admin1",
    country: CountryQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    detail: MapDetailQuery = None,
    basemap: BasemapQuery = "outline",
) -> Response:
    def render() -> str:
        view = _view(request, catalogue, board, level, country, since, until, detail)
        return _render(view, settings, basemap, embed=True)

    key = ("embed", level, country, since, until, detail, basemap)
    csp = content_security_policy(settings.embed_origins, basemap)
    return _page(request, board, key, render, csp)


#: Image formats of the map for reports: media type of each.
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
WidthQuery = Annotated[int, Query(ge=400, le=4000, description="pixels")]
HeightQuery = Annotated[int, Query(ge=300, le=4000, description="pixels")]


def _image(
    request: Request,
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    image_format: Literal["png", "svg", "pdf"],
    params: tuple[Level, str | None, str | None, str | None, Detail | None, int, int],
) -> Response:
    """The map drawn by :func:`maps.png.render_image`, rendered once per data version."""
    from maps.png import render_image  # matplotlib loads only when an image is asked for

    level, country, since, until, detail, width, height = params

    def build() -> PreparedBody:
        view = _view(request, catalogue, board, level, country, since, until, detail)
        return prepare(render_image(view, width, height, image_format), IMAGE_TYPES[image_format])

    body = cached_body(request, (image_format, *params, *data_key(request, board)), build)
    headers = {"Cache-Control": "public, max-age=60"}
    if image_format == "svg":  # opened on its own, an SVG is a document: let it run nothing
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return send(request, body, headers)


@router.get(
    "/maps/risk.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **_HTML_RESPONSES},
    summary="The risk map as a PNG for reports (title, legend, graticule, scale bar, window)",
)
def risk_map_png(
    request: Request,
    catalogue: Catalogue,
    board: Board,
    level: LevelQuery = "admin1",
    country: CountryQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    detail: MapDetailQuery = None,
    width: WidthQuery = 1600,
    height: HeightQuery = 1100,
) -> Response:
    params = (level, country, since, until, detail, width, height)
    return _image(request, catalogue, board, "png", params)


@router.get(
    "/maps/risk.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **_HTML_RESPONSES},
    summary="The risk map as SVG (the PNG's layout, vector, text as outlines)",
)
def risk_map_svg(
    request: Request,
    catalogue: Catalogue,
    board: Board,
    level: LevelQuery = "admin1",
    country: CountryQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    detail: MapDetailQuery = None,
    width: WidthQuery = 1600,
    height: HeightQuery = 1100,
) -> Response:
    params = (level, country, since, until, detail, width, height)
    return _image(request, catalogue, board, "svg", params)


@router.get(
    "/maps/risk.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **_HTML_RESPONSES},
    summary="The risk map as a one-page PDF for reports (the PNG's layout, vector)",
)
def risk_map_pdf(
    request: Request,
    catalogue: Catalogue,
    board: Board,
    level: LevelQuery = "admin1",
    country: CountryQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    detail: MapDetailQuery = None,
    width: WidthQuery = 1600,
    height: HeightQuery = 1100,
) -> Response:
    params = (level, country, since, until, detail, width, height)
    return _image(request, catalogue, board, "pdf", params)

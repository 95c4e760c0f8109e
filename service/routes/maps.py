"""``/maps/risk`` (page), ``/maps/embed`` (iframe), ``/maps/risk.png|svg|pdf`` (reports), and
``/maps/geometry`` (the shapes a page loads).

All three draw the same :class:`maps.model.RiskMap`, and each finished body (with its gzip form
and ETag) is kept per parameters and data version: a page is rendered and compressed once
after an ingest, then sent as stored bytes, or as 304 to a client that already has it. A page
carries the scores only; its shapes come from ``/maps/geometry``, whose bytes change only
with the boundary build (so browsers keep them, and an ingest never re-sends them).

Pages load Leaflet and the page script from ``/static`` only and carry a
Content-Security-Policy that allows nothing else (no inline script or style; tile hosts only
when a tile basemap was asked for); the embed's ``frame-ancestors`` come from
``RISKMAP_EMBED_ORIGINS``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from geodata.webgeom import Detail
from maps.assets import served
from maps.model import Basemap, Level, RiskMap
from maps.render import geometry_document, render_html, tile_origin
from service.cache import PreparedBody, prepare
from service.dependencies import get_catalogue, get_scoreboard, get_settings
from service.errors import InvalidParameter
from service.layers import LayerCatalogue
from service.map_data import risk_map, view_detail, view_geometry
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


def geometry_version(catalogue: LayerCatalogue) -> str:
    """A short tag of the boundary build: the geometry URL of a page names it, so a browser
    may keep the geometry for good, and a new build is a new URL."""
    metadata = catalogue.boundaries.metadata
    stamp = json.dumps([metadata.get("source"), metadata.get("built_at")], sort_keys=True)
    return hashlib.blake2b(stamp.encode(), digest_size=6).hexdigest()


def geometry_url(
    request: Request, catalogue: LayerCatalogue, view: RiskMap, detail: Detail | None
) -> str:
    """Where a served page loads its shapes from (:func:`risk_map_geometry`)."""
    params = {
        "level": view.level,
        "detail": view_detail(view.country, detail).value,
        "v": geometry_version(catalogue),
    }
    if view.country:
        params["country"] = view.country
    return str(request.url_for("risk_map_geometry").include_query_params(**params))


def _render(
    request: Request,
    catalogue: LayerCatalogue,
    view: RiskMap,
    settings: Settings,
    basemap: Basemap,
    detail: Detail | None,
    *,
    embed: bool,
) -> str:
    try:
        return render_html(
            view,
            served(),
            basemap=basemap,
            embed=embed,
            tile_api_key=settings.carto_api_key,
            geometry_url=geometry_url(request, catalogue, view, detail),
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
        return _render(request, catalogue, view, settings, basemap, detail, embed=False)

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
        return _render(request, catalogue, view, settings, basemap, detail, embed=True)

    key = ("embed", level, country, since, until, detail, basemap)
    csp = content_security_policy(settings.embed_origins, basemap)
    return _page(request, board, key, render, csp)


VersionQuery = Annotated[
    str | None,
    Query(description="the boundary build the page was made with (set by the page)", max_length=40),
]
#: How long a browser keeps the geometry of the current boundary build: it never changes.
IMMUTABLE = "public, max-age=31536000, immutable"


@router.get(
    "/maps/geometry",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, **_HTML_RESPONSES},
    summary="The shapes a map page draws, as JSON: they change only with the boundary data",
)
def risk_map_geometry(
    request: Request,
    catalogue: Catalogue,
    level: LevelQuery = "admin1",
    country: CountryQuery = None,
    detail: MapDetailQuery = None,
    v: VersionQuery = None,
) -> Response:
    """``{"regions": {id: geometry}, "borders": {id: geometry}, "outlines": [geometry]}`` of
    the view ``/maps/risk`` shows for the same level and country.

    The map page carries the scores, which change with every ingest, and loads this from a
    URL naming the boundary build (``v``), which a browser may keep for good: after an ingest
    a page is rebuilt and sent without its megabytes of geometry.
    """
    version = geometry_version(catalogue)
    code = catalogue.check_country(country)
    resolved = view_detail(code, detail)

    def build() -> PreparedBody:
        shapes = view_geometry(catalogue, level, code, resolved)
        text = geometry_document(shapes.regions, shapes.borders, shapes.outlines)
        return prepare(text.encode("utf-8"), "application/json")

    body = cached_body(request, ("geometry", level, code, resolved, version), build)
    cache_control = IMMUTABLE if v == version else "public, max-age=60"
    return send(request, body, {"Cache-Control": cache_control})


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

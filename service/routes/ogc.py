"""OGC API - Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) over riskmap's layers.

Collections: ``admin0``, ``admin1``, ``borders`` (scored regions) and ``incidents``. Links are
built with ``url_for`` so they stay right behind a proxy or a ``root_path``; feature ids in them
are percent-encoded (Natural Earth has ids like ``GAZ+00?``). HTML pages are Jinja2 templates
(``service/templates/ogc``) rendered with autoescaping from plain data, never from user text.

Item pages are kept, compressed, per request and data version, so an unchanged page keeps its
ETag and is assembled and compressed once. They carry no ``timeStamp``: OGC API - Features
makes it optional and, when present, the time the response was generated
(/req/core/fc-timeStamp), which no stored body can state. A client tells a changed page by
its ETag, which follows the data and the request, never the clock.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from geodata.errors import NotFound
from geodata.webgeom import Detail
from service.cache import PreparedBody, prepare
from service.dependencies import get_catalogue, get_scoreboard
from service.exports import export
from service.incident_layer import incident_page
from service.layers import LayerCatalogue, LayerName, Page, collection_json, parse_bbox
from service.queries import parse_ogc_datetime
from service.routes.common import (
    GEOJSON,
    BBoxQuery,
    best_media_type,
    cached_body,
    data_key,
    geojson_response,
    reject_unknown_query_parameters,
    scoring_member,
    send,
)
from service.routes.downloads import attachment
from service.scores import ScoreBoard

# Every OGC endpoint refuses query parameters it does not declare (one check, not per route).
router = APIRouter(
    tags=["OGC API - Features"], dependencies=[Depends(reject_unknown_query_parameters)]
)

#: Requests for more items than this get this many, with a ``next`` link (OGC 17-069r4
#: /req/core/fc-limit-response-1: a limit above the maximum is capped, not refused).
MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100

#: The pages are static HTML: no script, style, frame or form is ever needed.
HTML_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("service", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

COLLECTIONS: dict[str, dict[str, str]] = {
    "admin0": {
        "title": "Countries (admin-0) with threat scores",
        "description": "Natural Earth countries dissolved from admin-1, scored from news "
        "incidents.",
    },
    "admin1": {
        "title": "Admin-1 regions with threat scores",
        "description": "Natural Earth 10m states and provinces, scored from news incidents.",
    },
    "borders": {
        "title": "Land borders with threat scores",
        "description": "Shared boundaries of neighbouring countries, scored from incidents on "
        "or near them: placed at the border by their text, or within a set distance of the line.",
    },
    "incidents": {
        "title": "Incident reports",
        "description": "Incidents read from news articles, with the sentence they came from.",
    },
}

# Every OGC page answers ``f=html`` too; the OpenAPI document says so.
JSON_OR_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/html": {}}, "description": "JSON or HTML"}
}

Format = Annotated[Literal["json", "html"] | None, Query(alias="f", description="json or html")]
#: Items also come as files: CSV for spreadsheets, GeoPackage for GIS (one page of them).
ItemsFormat = Annotated[
    Literal["json", "html", "csv", "gpkg"] | None,
    Query(alias="f", description="json, html, csv or gpkg (GeoPackage)"),
]
Catalogue = Annotated[LayerCatalogue, Depends(get_catalogue)]
Board = Annotated[ScoreBoard, Depends(get_scoreboard)]


# JSON first: on a tie (``*/*``, or no Accept header) the API answers JSON.
_OFFERED = ("application/json", GEOJSON, "text/html")


def _wants_html(request: Request, f: str | None) -> bool:
    """``f`` decides when given; otherwise the client's ``Accept`` (q-values included)."""
    if f is not None:
        return f == "html"
    return best_media_type(request.headers.get("accept"), _OFFERED) == "text/html"


def _html_text(template: str, title: str, **context: Any) -> str:
    """Render ``service/templates/ogc/<template>`` with plain data, autoescaped."""
    return TEMPLATES.get_template(f"ogc/{template}").render(title=title, **context)


def _html_page(template: str, title: str, **context: Any) -> HTMLResponse:
    """An HTML page with its strict CSP (see :data:`HTML_SECURITY_HEADERS`)."""
    page = _html_text(template, title, **context)
    return HTMLResponse(page, headers={**HTML_SECURITY_HEADERS, "Vary": "Accept"})


def _json(body: Any) -> JSONResponse:
    return JSONResponse(body, headers={"X-Content-Type-Options": "nosniff", "Vary": "Accept"})


def _feature_href(request: Request, collection_id: str, feature_id: str) -> str:
    """The URL of one feature, its id percent-encoded (``GAZ+00?`` -> ``GAZ%2B00%3F``)."""
    encoded = quote(feature_id, safe="")
    return str(request.url_for("item", collection_id=collection_id, feature_id=encoded))


@router.get("/", summary="Landing page", name="landing", responses=JSON_OR_HTML)
def landing(request: Request, f: Format = None) -> Response:
    """The same for every request to one root URL: built once per root URL and format."""
    html = _wants_html(request, f)
    body = cached_body(
        request, ("landing", str(request.base_url), html), lambda: _landing(request, html)
    )
    if html:
        return send(request, body, {**HTML_SECURITY_HEADERS, "Vary": "Accept"})
    return send(request, body, {"X-Content-Type-Options": "nosniff", "Vary": "Accept"})


def _landing(request: Request, html: bool) -> PreparedBody:
    links = [
        {
            "rel": "self",
            "type": "application/json",
            "title": "this document",
            "href": str(request.url_for("landing")),
        },
        {
            "rel": "service-desc",
            "type": "application/vnd.oai.openapi+json;version=3.0",
            "title": "OpenAPI definition",
            "href": str(request.url_for("openapi")),
        },
        {
            "rel": "service-doc",
            "type": "text/html",
            "title": "API documentation",
            "href": str(request.url_for("swagger_ui")),
        },
        {
            "rel": "conformance",
            "type": "application/json",
            "title": "conformance classes",
            "href": str(request.url_for("conformance")),
        },
        {
            "rel": "data",
            "type": "application/json",
            "title": "collections",
            "href": str(request.url_for("collections")),
        },
        {
            "rel": "alternate",
            "type": "text/html",
            "title": "risk map",
            "href": str(request.url_for("landing")) + "maps/risk",
        },
    ]
    body = {
        "title": "riskmap",
        "description": "Threat scores per region from geocoded news incidents.",
        "links": links,
    }
    if html:
        page = _html_text("landing.html", "riskmap", description=body["description"], links=links)
        return prepare(page.encode("utf-8"), "text/html")
    return prepare(_json_bytes(body), "application/json")


def _json_bytes(body: Any) -> bytes:
    """JSON as :class:`JSONResponse` writes it (compact, UTF-8)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@router.get(
    "/conformance", summary="Conformance classes", name="conformance", responses=JSON_OR_HTML
)
def conformance(request: Request, f: Format = None) -> Response:
    if _wants_html(request, f):
        return _html_page("conformance.html", "Conformance", conforms_to=CONFORMANCE)
    return _json({"conformsTo": CONFORMANCE})


def _collection_record(
    request: Request, collection_id: str, catalogue: LayerCatalogue
) -> dict[str, Any]:
    meta = COLLECTIONS[collection_id]
    if collection_id == "incidents":
        bbox = [-180.0, -90.0, 180.0, 90.0]
    else:
        bounds = catalogue.layers[collection_id].bounds  # type: ignore[index]
        bbox = [
            round(float(bounds[:, 0].min()), 6),
            round(float(bounds[:, 1].min()), 6),
            round(float(bounds[:, 2].max()), 6),
            round(float(bounds[:, 3].max()), 6),
        ]
    items = str(request.url_for("items", collection_id=collection_id))
    return {
        "id": collection_id,
        "title": meta["title"],
        "description": meta["description"],
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {
            "spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {"interval": [[None, None]]},
        },
        "links": [
            {
                "rel": "self",
                "type": "application/json",
                "href": str(request.url_for("collection", collection_id=collection_id)),
            },
            {"rel": "items", "type": GEOJSON, "title": meta["title"], "href": items},
            {
                "rel": "items",
                "type": "text/html",
                "title": meta["title"],
                "href": items + "?f=html",
            },
            {
                "rel": "describedby",
                "type": SCHEMA_JSON,
                "title": "JSON Schema of the features",
                "href": str(request.url_for("collection_schema", collection_id=collection_id)),
            },
        ],
    }


@router.get(
    "/collections", summary="Feature collections", name="collections", responses=JSON_OR_HTML
)
def collections(request: Request, catalogue: Catalogue, f: Format = None) -> Response:
    records = [_collection_record(request, cid, catalogue) for cid in COLLECTIONS]
    links = [
        {"rel": "self", "type": "application/json", "href": str(request.url_for("collections"))}
    ]
    if _wants_html(request, f):
        listed = [
            {
                "id": record["id"],
                "title": record["title"],
                "description": record["description"],
                "html_href": record["links"][0]["href"] + "?f=html",
                "items_html_href": record["links"][2]["href"],
            }
            for record in records
        ]
        return _html_page("collections.html", "Collections", collections=listed)
    return _json({"links": links, "collections": records})


SCHEMA_JSON = "application/schema+json"

# Property types of each collection's features. Clients that need a fixed schema (GDAL's OAPIF
# driver) otherwise guess types from the first page, where every unscored region has
# ``threat_score: null``, and type the score as a string.
_SCORE_TYPES = {
    "threat_score": "number",
    "score_change": "number",
    "incidents": "integer",
    "fatalities": "integer",
    "injured": "integer",
    "hostages": "integer",
    "militant_presence": "boolean",
    "militants": "integer",
    "documents": "integer",
    "mentions": "integer",
    "has_evidence": "boolean",
}
_PROPERTY_TYPES: dict[str, dict[str, str]] = {
    "admin0": {
        "level": "string",
        "name": "string",
        "country": "string",
        "admin1_count": "integer",
        **_SCORE_TYPES,
    },
    "admin1": {
        **dict.fromkeys(
            (
                "level",
                "name",
                "name_en",
                "country",
                "iso_3166_2",
                "type_en",
                "wikidataid",
                "country_name",
            ),
            "string",
        ),
        **_SCORE_TYPES,
    },
    "borders": {
        "level": "string",
        "border_id": "string",
        "countries": "array",
        "name": "string",
        "length_km": "number",
        "regions": "array",
        **_SCORE_TYPES,
    },
    "incidents": {
        "type": "string",
        "type_label": "string",
        "date": "date",
        "date_text": "string",
        "killed": "integer",
        "wounded": "integer",
        "hostages": "integer",
        "militants": "integer",
        "deadly": "boolean",
        "actors": "array",
        "confidence": "number",
        "precision": "integer",
        "event_id": "string",
        "incident_id": "string",
        "doc_id": "string",
        "source": "string",
        "url": "string",
        "published": "date",
        "sentence": "string",
        "span": "array",
        "trigger": "string",
        "trigger_span": "array",
        "locations": "array",
    },
}


def _property_schema(kind: str) -> dict[str, Any]:
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "array":
        return {"type": "array", "items": {"type": "string"}}
    return {"type": kind}


def _check_collection(collection_id: str) -> None:
    if collection_id not in COLLECTIONS:
        raise NotFound(f"no collection {collection_id!r}; collections: {', '.join(COLLECTIONS)}")


@router.get(
    "/collections/{collection_id}",
    summary="One collection",
    name="collection",
    responses=JSON_OR_HTML,
)
def collection(
    collection_id: str, request: Request, catalogue: Catalogue, f: Format = None
) -> Response:
    _check_collection(collection_id)
    record = _collection_record(request, collection_id, catalogue)
    if _wants_html(request, f):
        return _html_page(
            "collection.html",
            record["title"],
            description=record["description"],
            links=record["links"],
        )
    return _json(record)


@router.get(
    "/collections/{collection_id}/schema",
    response_class=Response,
    responses={200: {"content": {SCHEMA_JSON: {}}, "description": "JSON Schema"}},
    summary="JSON Schema of a collection's features (OGC API - Features Part 5)",
    name="collection_schema",
)
def collection_schema(collection_id: str, request: Request) -> Response:
    _check_collection(collection_id)
    # Single types (never ["number", "null"]): GDAL reads only a string "type". Any value may
    # still be null, e.g. the score of a region nothing names.
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": str(request.url_for("collection_schema", collection_id=collection_id)),
        "title": COLLECTIONS[collection_id]["title"],
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"type": "object"},
            "properties": {
                "type": "object",
                "properties": {
                    name: _property_schema(kind)
                    for name, kind in _PROPERTY_TYPES[collection_id].items()
                },
            },
        },
    }
    return Response(json.dumps(body), media_type=SCHEMA_JSON)


def _page(
    collection_id: str,
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    *,
    bbox: str | None,
    datetime: str | None,
    limit: int | None,
    offset: int,
    feature_id: str | None = None,
) -> tuple[Page, dict[str, Any]]:
    since, until = parse_ogc_datetime(datetime)
    box = parse_bbox(bbox)
    if collection_id == "incidents":
        page = incident_page(
            catalogue,
            board,
            Detail.low,
            since=since,
            until=until,
            bbox=box,
            limit=limit,
            offset=offset,
            feature_id=feature_id,
        )
        return page, {}
    table = board.table(since, until)
    layer: LayerName = collection_id  # type: ignore[assignment]
    if feature_id is not None:
        one = catalogue.one(layer, feature_id, Detail.low, table)
        return Page([one] if one else [], 1 if one else 0), {}
    page = catalogue.page(layer, Detail.low, table, bbox=box, limit=limit, offset=offset)
    return page, {"scoring": scoring_member(board.weights, table.since, table.until)}


@router.get(
    "/collections/{collection_id}/items",
    response_class=Response,
    responses={
        200: {
            "content": {
                GEOJSON: {},
                "text/html": {},
                "text/csv": {},
                "application/geopackage+sqlite3": {},
            },
            "description": "features (GeoJSON, HTML, or with f=csv/gpkg a file)",
        }
    },
    summary="Features of a collection",
    name="items",
)
def items(
    collection_id: str,
    request: Request,
    catalogue: Catalogue,
    board: Board,
    bbox: BBoxQuery = None,
    datetime: Annotated[
        str | None, Query(max_length=100, description="instant or start/end")
    ] = None,
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"items per page; more than {MAX_LIMIT} gets {MAX_LIMIT}",
            json_schema_extra={"maximum": MAX_LIMIT},
        ),
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    f: ItemsFormat = None,
) -> Response:
    _check_collection(collection_id)
    limit = min(limit, MAX_LIMIT)
    if f in ("csv", "gpkg"):
        page, _ = _page(
            collection_id,
            catalogue,
            board,
            bbox=bbox,
            datetime=datetime,
            limit=limit,
            offset=offset,
        )
        return attachment(export(page.features, f, collection_id))
    html = _wants_html(request, f)
    key = ("items", collection_id, request.url.query, limit, html, *data_key(request, board))

    def build() -> PreparedBody:
        return _items_body(
            request, collection_id, catalogue, board, bbox, datetime, limit, offset, html
        )

    body = cached_body(request, key, build)
    if html:
        return send(request, body, {**HTML_SECURITY_HEADERS, "Vary": "Accept"})
    headers = {"Cache-Control": "public, max-age=60", "X-Content-Type-Options": "nosniff"}
    return send(request, body, {**headers, "Vary": "Accept"})


def _items_body(
    request: Request,
    collection_id: str,
    catalogue: LayerCatalogue,
    board: ScoreBoard,
    bbox: str | None,
    datetime: str | None,
    limit: int,
    offset: int,
    html: bool,
) -> PreparedBody:
    """One page of items as GeoJSON or HTML (no ``timeStamp``: see the module docstring)."""
    page, extra = _page(
        collection_id, catalogue, board, bbox=bbox, datetime=datetime, limit=limit, offset=offset
    )
    base = str(request.url_for("items", collection_id=collection_id))
    # Only declared parameters get here (unknown ones are refused); links carry the capped limit.
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "f", "limit")}
    params["limit"] = str(limit)

    def link(
        rel: str, new_offset: int, kind: str = GEOJSON, fmt: str | None = None
    ) -> dict[str, Any]:
        query = {**params, "offset": str(new_offset)}
        if fmt:
            query["f"] = fmt
        return {
            "rel": rel,
            "type": kind,
            "href": base + "?" + urlencode(query, safe=",/:", quote_via=quote),
        }

    links = [
        link("self", offset),
        link("alternate", offset, "text/html", "html"),
        {
            "rel": "collection",
            "type": "application/json",
            "href": str(request.url_for("collection", collection_id=collection_id)),
        },
    ]
    if offset + len(page.features) < page.matched:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    if html:
        return prepare(_items_html(request, collection_id, page, links).encode(), "text/html")
    extra = {
        "numberMatched": page.matched,
        "numberReturned": len(page.features),
        "links": links,
        **extra,
    }
    return prepare(collection_json(page.features, extra).encode("utf-8"), GEOJSON)


def _negotiated(response: Response) -> Response:
    """Mark a GeoJSON response as chosen by ``Accept`` and not to be sniffed as anything else."""
    response.headers["Vary"] = "Accept, Accept-Encoding"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _items_html(
    request: Request, collection_id: str, page: Page, links: list[dict[str, Any]]
) -> str:
    rows = []
    for encoded in page.features:
        props = json.loads(encoded.json)["properties"]
        score = props.get("threat_score")
        rows.append(
            {
                "id": encoded.id,
                "href": _feature_href(request, collection_id, encoded.id) + "?f=html",
                "name": str(props.get("name") or props.get("type_label") or ""),
                "threat_score": "" if score is None else str(score),
            }
        )
    title = f"{collection_id}: {page.matched} features"
    return _html_text("items.html", title, matched=page.matched, rows=rows, links=links)


@router.get(
    # ``:path`` so that an id from a user's boundary file may contain "/" (sent as %2F).
    "/collections/{collection_id}/items/{feature_id:path}",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}, "text/html": {}}, "description": "one feature"}},
    summary="One feature",
    name="item",
)
def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    catalogue: Catalogue,
    board: Board,
    f: Format = None,
) -> Response:
    _check_collection(collection_id)
    canonical = _canonical_feature_id(catalogue, collection_id, feature_id)
    if canonical != feature_id:
        href = _feature_href(request, collection_id, canonical)
        query = request.url.query
        return RedirectResponse(href + ("?" + query if query else ""), status_code=308)
    page, _ = _page(
        collection_id,
        catalogue,
        board,
        bbox=None,
        datetime=None,
        limit=None,
        offset=0,
        feature_id=feature_id,
    )
    if not page.features:
        raise NotFound(f"no feature {feature_id!r} in {collection_id}")
    encoded = page.features[0]
    body = json.loads(encoded.json)
    href = _feature_href(request, collection_id, feature_id)
    body["links"] = [
        {"rel": "self", "type": GEOJSON, "href": href},
        {"rel": "alternate", "type": "text/html", "href": href + "?f=html"},
        {
            "rel": "collection",
            "type": "application/json",
            "href": str(request.url_for("collection", collection_id=collection_id)),
        },
    ]
    if _wants_html(request, f):
        properties = [
            (name, "" if value is None else _plain(value))
            for name, value in body["properties"].items()
        ]
        title = f"{collection_id}: {encoded.id}"
        return _html_page("item.html", title, properties=properties, links=body["links"])
    return _negotiated(geojson_response(request, json.dumps(body, ensure_ascii=False)))


def _canonical_feature_id(catalogue: LayerCatalogue, collection_id: str, feature_id: str) -> str:
    """The id a feature is served under: an admin-1 region asked by its ISO 3166-2 code
    (``AF-BDS``) or another accepted key is redirected to its ``region_id``; a border asked
    with its countries the other way round (``TJK|AFG``) to the sorted id."""
    if collection_id not in ("admin1", "borders"):
        return feature_id
    if feature_id in catalogue.layers[collection_id].position:  # type: ignore[index]
        return feature_id
    for key in dict.fromkeys((feature_id, feature_id.upper())):  # "af-bds" too
        try:
            if collection_id == "admin1":
                return catalogue.boundaries.canonical_admin1_id(key)
            return str(catalogue.boundaries.border(key)["border_id"])
        except (NotFound, KeyError, ValueError):
            continue
    return feature_id  # unknown: the lookup below answers 404


def _plain(value: Any) -> str:
    """A property value as text for the HTML page (lists and objects as compact JSON)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)

"""A :class:`~maps.model.RiskMap` as a Leaflet page: choropleth, borders, legend, popups.

Three rules shape this module:

* Article text and boundary names are data, never template source. The page is one Jinja2
  template (``templates/map.html``, autoescaped) rendered once with plain values; everything
  the map draws travels in a JSON island (``<script type="application/json" id="rm-data">``)
  that the browser never executes. The page's own script (``static/riskmap.js``) reads it
  and builds tooltips, popups and the legend with DOM calls (``textContent``), so no string
  from an article is ever parsed as HTML, JavaScript or a template.
* The island cannot end its ``<script>`` element early: ``<``, ``>`` and ``&`` are written
  as ``\\u003c`` etc. everywhere in it, which keeps the JSON identical once parsed.
* The page works offline. Scripts and stylesheets come from :mod:`maps.assets` (served under
  ``/static`` or inlined); the default basemap is drawn from the boundary data itself; tile
  basemaps are opt-in.

Rendering runs no lexer over the data: the template is compiled once at import, and the
island (megabytes for the world) is spliced in as a finished string, geometry JSON as built.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import jinja2
import xyzservices
from markupsafe import Markup

from maps.assets import PageAssets, inline_script, inline_style
from maps.model import (
    Basemap,
    EvidenceEvent,
    EvidenceReport,
    IncidentPoint,
    RiskMap,
    ScoredShape,
    WindowScores,
)
from maps.style import (
    LAND_COLOUR,
    NO_EVIDENCE_BORDER,
    NO_EVIDENCE_COLOUR,
    OUTLINE_COLOUR,
    SEA_COLOUR,
    STEPS,
    border_colour,
    border_weight,
    score_colour,
)

#: Reports quoted per event in a popup; the rest are counted, the API has them all.
REPORTS_PER_EVENT = 3
#: The element id of the JSON data island the page script reads.
DATA_ISLAND_ID = "rm-data"

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("maps", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_PAGE = _TEMPLATES.get_template("map.html")


def tile_provider(basemap: Basemap, api_key: str | None = None) -> xyzservices.TileProvider | None:
    """The xyzservices provider behind a tile basemap, ``None`` for the offline outline.

    CARTO tiles now need an API key (xyzservices marks the provider ``requires_token``);
    without one the tiles would fail silently, so asking for them is an error instead.
    """
    if basemap == "osm":
        provider: xyzservices.TileProvider = xyzservices.providers.OpenStreetMap.Mapnik
        return provider
    if basemap == "carto":
        provider = xyzservices.providers.CartoDB.Positron
        if provider.requires_token():
            if not api_key:
                raise ValueError("basemap=carto needs a CARTO API key (RISKMAP_CARTO_API_KEY)")
            provider = provider(apikey=api_key)
        return provider
    return None


def tile_origin(basemap: Basemap) -> str | None:
    """The origin tiles load from (``{s}`` subdomains as ``*``), for a Content-Security-Policy."""
    provider = tile_provider(basemap, api_key="-")
    if provider is None:
        return None
    parts = urlsplit(str(provider.url))
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def script_safe(json_text: str) -> str:
    """JSON text with ``<``, ``>`` and ``&`` as ``\\u003c`` etc., safe inside a ``<script>``.

    Outside strings JSON has none of the three characters, so the replacement only ever
    touches string contents and parses back to the same value.
    """
    return json_text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    return script_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def safe_href(url: str | None) -> str | None:
    """Only ``http(s)`` links: a ``javascript:`` URL in an article's metadata is dropped."""
    if not url:
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in ("http", "https") else None


def _report(report: EvidenceReport) -> dict[str, Any]:
    return {
        "sentence": report.sentence.strip(),
        "source": report.source,
        "url": safe_href(report.url),
        "published": report.published,
    }


def _event(event: EvidenceEvent) -> dict[str, Any]:
    shown = event.reports[:REPORTS_PER_EVENT]
    return {
        "type": event.type,
        "date": event.date,
        "killed": int(event.killed or 0),
        "wounded": int(event.wounded or 0),
        "reports": [_report(r) for r in shown],
        "more_reports": len(event.reports) - len(shown),
    }


def shape_properties(shape: ScoredShape) -> dict[str, Any]:
    """What the tooltip and popup of one shape show: plain values, escaped by nobody.

    The page script puts them into the page with ``textContent``, so they need no escaping.
    """
    props: dict[str, Any] = {
        "name": shape.name,
        "context": shape.context,
        "threat_score": shape.threat_score,
        "incidents": shape.incidents,
        "fatalities": shape.fatalities,
        "documents": shape.documents,
    }
    if shape.evidence:
        props["evidence"] = [_event(e) for e in shape.evidence]
        props["more_events"] = shape.more_events
    if shape.label_at is not None:
        props["label"] = [shape.label_at[1], shape.label_at[0]]  # Leaflet's [lat, lng]
    return props


def _window(window: WindowScores) -> dict[str, Any]:
    return {
        "key": window.key,
        "label": window.label,
        "since": window.since.isoformat() if window.since else None,
        "until": window.until.isoformat(),
        "anchor": window.anchor,
        "shapes": {fid: list(values) for fid, values in window.shapes.items()},
    }


def _point(point: IncidentPoint) -> dict[str, Any]:
    return {"lat": point.lat, "lng": point.lon, "place": point.place, **_event(point.event)}


def _region_style(shape: ScoredShape) -> dict[str, Any]:
    return {"fillColor": score_colour(shape.threat_score)}


def _border_style(shape: ScoredShape) -> dict[str, Any]:
    style: dict[str, Any] = {
        "color": border_colour(shape.threat_score),
        "weight": border_weight(shape.threat_score),
    }
    if shape.threat_score is None:
        style["dashArray"] = "4 4"
    return style


def _geometry(geometry_json: str) -> str:
    """Geometry JSON as built, made script-safe only in the rare case it needs it.

    Geometry is numbers and type names, ASCII: the three searches are fast, unlike a
    replace over the whole page's text.
    """
    if "<" in geometry_json or ">" in geometry_json or "&" in geometry_json:
        return script_safe(geometry_json)
    return geometry_json


def feature_collection(
    shapes: Iterable[ScoredShape],
    style: Callable[[ScoredShape], dict[str, Any]],
    with_geometry: bool = True,
) -> str:
    """A GeoJSON FeatureCollection (script-safe JSON text) with the shape's values and style.

    Geometry strings were serialised at build time and are joined, not re-encoded: the world
    admin-1 map holds megabytes of them. Without ``with_geometry`` every geometry is
    ``null``: the page loads them from its geometry URL (:func:`geometry_document`).
    """
    parts = [
        '{"type":"Feature","id":'
        + script_json(shape.id)
        + ',"geometry":'
        + (_geometry(shape.geometry) if with_geometry else "null")
        + ',"properties":'
        + script_json({**shape_properties(shape), "style": style(shape)})
        + "}"
        for shape in shapes
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _tiles(basemap: Basemap, api_key: str | None) -> dict[str, Any] | None:
    provider = tile_provider(basemap, api_key)
    if provider is None:
        return None
    return {
        "name": str(provider.get("name", basemap)),
        "url": provider.build_url(fill_subdomain=False, scale_factor="{r}"),
        # The provider's own attribution markup (xyzservices data, not user input).
        "attribution": str(provider.get("html_attribution", provider.get("attribution", ""))),
        "subdomains": provider.get("subdomains", "abc"),
        "maxZoom": int(provider.get("max_zoom", 18)),
    }


def _legend(risk_map: RiskMap) -> dict[str, Any]:
    return {
        "title": "Threat score",
        "scale": "0–10, log scale",
        "no_evidence": {"colour": NO_EVIDENCE_COLOUR, "label": "no evidence (not named)"},
        "steps": [{"colour": s.colour, "label": s.label, "high": s.high} for s in STEPS],
        "border": "border: colour and width by its score",
        "points": "town-level incident: size by toll",
        "window": risk_map.window,
        "latest_report": risk_map.latest_report.isoformat() if risk_map.latest_report else None,
        "scoring_url": risk_map.scoring_url,
        "formula": risk_map.formula,
    }


def geometry_document(
    regions: Iterable[tuple[str, str]],
    borders: Iterable[tuple[str, str]],
    outlines: Iterable[str],
) -> str:
    """The geometry a served page loads from its ``geometry_url``, as JSON text.

    ``{"regions": {id: geometry}, "borders": {id: geometry}, "outlines": [geometry]}``: the
    page script puts each geometry on the feature with that id. It depends on the boundary
    build alone, so browsers keep it while the page (the scores) changes with every ingest.
    """

    def keyed(pairs: Iterable[tuple[str, str]]) -> str:
        return "{" + ",".join(json.dumps(fid) + ":" + geometry for fid, geometry in pairs) + "}"

    return (
        '{"regions":'
        + keyed(regions)
        + ',"borders":'
        + keyed(borders)
        + ',"outlines":['
        + ",".join(outlines)
        + "]}"
    )


def map_data(
    risk_map: RiskMap,
    *,
    basemap: Basemap = "outline",
    embed: bool = False,
    tile_api_key: str | None = None,
    geometry_url: str | None = None,
) -> str:
    """The JSON the page script draws: settings, legend, and the regions, borders, outlines.

    With ``geometry_url`` the shapes carry no geometry and the outlines are left out: the
    page loads them from that URL (:func:`geometry_document`), the same bytes for every data
    version. Without it (a file on disk) everything is inline.
    Returned as text already safe to place inside the ``<script type="application/json">``.
    """
    unit = "Provinces (admin-1)" if risk_map.level == "admin1" else "Countries (admin-0)"
    minx, miny, maxx, maxy = risk_map.bounds
    settings = {
        "level": risk_map.level,
        "embed": embed,
        "bounds": [[miny, minx], [maxy, maxx]],
        "attribution": risk_map.attribution,
        "tiles": _tiles(basemap, tile_api_key),
        "names": {
            "outline": "Land and country outlines",
            "regions": f"{unit}: threat score",
            "borders": "Borders: threat score",
            "points": "Incidents at towns (size by toll)",
            "labels": "Names",
        },
        "style": {
            "sea": SEA_COLOUR,
            "outline": {
                "color": OUTLINE_COLOUR,
                "weight": 0.8,
                "fillColor": LAND_COLOUR,
                "fillOpacity": 1,
            },
            "region": {"color": "#5a5a5a", "weight": 0.6, "fillOpacity": 0.78},
            "region_highlight": {"weight": 2.5, "color": "#1a1a1a"},
            "border": {"opacity": 0.95, "fill": False, "lineCap": "round"},
            "border_highlight": {"opacity": 1, "color": "#1a1a1a"},
            "point": {
                "color": "#ffffff",
                "weight": 1.5,
                "fillColor": "#263238",
                "fillOpacity": 0.8,
            },
            "no_evidence_border": NO_EVIDENCE_BORDER,
        },
        "legend": _legend(risk_map),
        "windows": [_window(w) for w in risk_map.windows],
        "window": risk_map.window_key,
        "points": [_point(p) for p in risk_map.points],
        "geometry_url": geometry_url,
    }
    inline = geometry_url is None
    outlines = risk_map.outlines if inline else []
    # Every piece is script-safe on its own, so the joined text is too.
    return (
        script_json(settings)[:-1]
        + ',"regions":'
        + feature_collection(risk_map.regions, _region_style, inline)
        + ',"borders":'
        + feature_collection(risk_map.borders, _border_style, inline)
        + ',"outlines":['
        + ",".join(_geometry(g) for g in outlines)
        + "]}"
    )


def _header(risk_map: RiskMap, basemap: Basemap) -> dict[str, Any] | None:
    """The full page's form (level, country, window, basemap) and links; ``None`` on disk."""
    if not risk_map.links:  # a file on disk: no server to ask for another view
        return None
    return {
        "levels": [
            ("admin1", "provinces (admin-1)", risk_map.level == "admin1"),
            ("admin0", "countries (admin-0)", risk_map.level == "admin0"),
        ],
        "basemaps": [
            (value, label, value == basemap)
            for value, label in (
                ("outline", "outline (offline)"),
                ("osm", "OpenStreetMap"),
                ("carto", "CARTO"),
            )
        ],
        "country": risk_map.country or "",
        "since": risk_map.since.isoformat() if risk_map.since else "",
        "until": risk_map.until.isoformat(),
        "links": list(risk_map.links.items()),
    }


def render_html(
    risk_map: RiskMap,
    assets: PageAssets,
    *,
    basemap: Basemap = "outline",
    embed: bool = False,
    tile_api_key: str | None = None,
    geometry_url: str | None = None,
) -> str:
    """The map page as one HTML string (``embed`` drops the header and fills the frame).

    ``geometry_url`` leaves the shapes' geometry out of the page, loaded from there instead
    (see :func:`map_data`). Raises :class:`ValueError` for a tile basemap that needs a key
    nobody configured.
    """
    data = map_data(
        risk_map,
        basemap=basemap,
        embed=embed,
        tile_api_key=tile_api_key,
        geometry_url=geometry_url,
    )
    return _PAGE.render(
        title=risk_map.title,
        window=risk_map.window_statement,
        embed=embed,
        header=None if embed else _header(risk_map, basemap),
        css_urls=assets.css_urls,
        js_urls=assets.js_urls,
        # Our own files, checked (again) that they cannot end their element early.
        inline_css=[Markup(inline_style(css, "stylesheet")) for css in assets.inline_css],
        inline_js=[Markup(inline_script(js, "script")) for js in assets.inline_js],
        data_island_id=DATA_ISLAND_ID,
        data=Markup(data),  # script_safe: no "<" left in it
    )

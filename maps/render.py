"""A :class:`~maps.model.RiskMap` as a folium/Leaflet page: choropleth, borders, legend.

Two rules shape this module:

* Article text is untrusted. Every string that reaches a tooltip or popup is built here with
  :func:`html.escape` (folium's popup helpers are not used), and the GeoJSON embedded in the
  page's ``<script>`` has ``<``, ``>`` and ``&`` written as ``\\u003c`` etc., so a sentence
  holding ``</script>`` cannot end the script early.
* The page works offline. Scripts and stylesheets come from :mod:`maps.assets` (served under
  ``/static`` or inlined); the default basemap is drawn from the boundary data itself; tile
  basemaps are opt-in.

Features carry only what the browser needs: ``t`` (tooltip HTML), ``p`` (popup HTML, only
where there is evidence) and ``s`` (style overrides), which keeps the world map small.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import folium
import xyzservices
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from jinja2 import Template

from maps.assets import PageAssets
from maps.model import Basemap, EvidenceEvent, EvidenceReport, RiskMap, ScoredShape
from maps.style import (
    LAND_COLOUR,
    NO_EVIDENCE_COLOUR,
    OUTLINE_COLOUR,
    SEA_COLOUR,
    STEPS,
    border_colour,
    border_weight,
    score_colour,
)

HEADER_HEIGHT_PX = 52
#: Reports quoted per event in a popup; the rest are counted, the API has them all.
REPORTS_PER_EVENT = 3

_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


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


def script_json(value: Any) -> str:
    """JSON that is safe inside an inline ``<script>`` (no ``</script>``, no ``<!--``)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _score_text(score: float | None) -> str:
    if score is None:
        return "no evidence"
    return f"{score:.1f}"


def tooltip_html(shape: ScoredShape) -> str:
    """Name, score, incidents, fatalities and documents: every value escaped."""
    where = f", {_esc(shape.context)}" if shape.context else ""
    head = f"<b>{_esc(shape.name)}</b>{where}"
    if shape.threat_score is None:
        return f"{head}<br>no evidence: not named in any document"
    return (
        f"{head}<br>threat score <b>{_score_text(shape.threat_score)}</b> / 10"
        f"<br>{shape.incidents} incidents · {shape.fatalities} fatalities"
        f" · {shape.documents} documents"
    )


def _safe_href(url: str | None) -> str | None:
    """Only ``http(s)`` links: a ``javascript:`` URL in an article's metadata stays text."""
    if not url:
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in ("http", "https") else None


def _report_html(report: EvidenceReport) -> str:
    source = _esc(report.source or "unknown source")
    href = _safe_href(report.url)
    if href:
        source = (
            f'<a href="{_esc(href)}" target="_blank" rel="noopener noreferrer nofollow">'
            f"{source}</a>"
        )
    date = f", {_esc(report.published)}" if report.published else ""
    return f"<li><q>{_esc(report.sentence.strip())}</q> <cite>{source}{date}</cite></li>"


def _event_html(event: EvidenceEvent) -> str:
    facts = [f"<b>{_esc(event.type)}</b>"]
    if event.date:
        facts.append(_esc(event.date))
    if event.killed:
        facts.append(f"{int(event.killed)} killed")
    if event.wounded:
        facts.append(f"{int(event.wounded)} wounded")
    shown = event.reports[:REPORTS_PER_EVENT]
    reports = "".join(_report_html(r) for r in shown)
    more = len(event.reports) - len(shown)
    if more > 0:
        reports += f"<li>and {more} more reports</li>"
    return f"<li>{' · '.join(facts)}<ul>{reports}</ul></li>"


def popup_html(shape: ScoredShape) -> str | None:
    """The evidence sentences and their sources, or ``None`` when there is nothing to show."""
    if not shape.evidence:
        return None
    where = f"{_esc(shape.context)} · " if shape.context else ""
    events = "".join(_event_html(e) for e in shape.evidence)
    if shape.more_events:
        events += f"<li>and {shape.more_events} more events</li>"
    return (
        f'<div class="rm-popup"><h3>{_esc(shape.name)}</h3>'
        f"<p>{where}threat score {_score_text(shape.threat_score)}</p><ol>{events}</ol></div>"
    )


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


def features_json(
    shapes: Iterable[ScoredShape], style: Callable[[ScoredShape], dict[str, Any]]
) -> str:
    """A JSON array of GeoJSON features with ``t``, ``p`` and ``s``, safe to inline in a script.

    Geometry strings were serialised at build time and are joined, not re-encoded.
    """
    parts = []
    for shape in shapes:
        props: dict[str, Any] = {"t": tooltip_html(shape), "s": style(shape)}
        popup = popup_html(shape)
        if popup is not None:
            props["p"] = popup
        parts.append(
            '{"type":"Feature","id":'
            + script_json(shape.id)
            + ',"geometry":'
            + shape.geometry
            + ',"properties":'
            + script_json(props)
            + "}"
        )
    return "[" + ",".join(parts) + "]"


class ScoredLayer(Layer):
    """A Leaflet GeoJSON layer whose features bring their own escaped tooltip and popup HTML.

    folium's ``GeoJson`` re-encodes the data and its popup helpers interpolate raw values;
    this layer inlines pre-built, pre-escaped JSON and binds ``t``/``p`` as they are.
    """

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
    pane: {{ this.pane|tojson }},
    interactive: {{ this.interactive|tojson }},
    attribution: {{ this.attribution|tojson }},
    style: function (feature) {
        return Object.assign({}, {{ this.base_style|tojson }},
            (feature.properties && feature.properties.s) || {});
    },
    onEachFeature: function (feature, layer) {
        var props = feature.properties || {};
        if (props.t) { layer.bindTooltip(props.t, {sticky: true, className: "rm-tooltip"}); }
        if (props.p) { layer.bindPopup(props.p, {maxWidth: 380, maxHeight: 320}); }
        if (feature.id !== undefined) {
            // The region id on the SVG path, for styling and tests (ids are ours, not text).
            layer.on("add", function () {
                var element = layer.getElement && layer.getElement();
                if (element) { element.setAttribute("data-id", String(feature.id)); }
            });
        }
        {% if this.highlight %}
        layer.on("mouseover", function (e) {
            e.target.setStyle({{ this.highlight|tojson }});
            e.target.bringToFront();
        });
        layer.on("mouseout", function (e) { {{ this.get_name() }}.resetStyle(e.target); });
        {% endif %}
    }
});
{% endmacro %}
"""
    )

    def __init__(
        self,
        data: str,
        name: str,
        base_style: dict[str, Any],
        *,
        pane: str = "overlayPane",
        interactive: bool = True,
        highlight: dict[str, Any] | None = None,
        attribution: str | None = None,
        overlay: bool = True,
        control: bool = True,
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "ScoredLayer"
        self.data = data
        self.base_style = base_style
        self.pane = pane
        self.interactive = interactive
        self.highlight = highlight
        self.attribution = attribution


class Pane(MacroElement):
    """A map pane at a given z-index (the outline basemap sits under the choropleth)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.createPane({{ this.pane|tojson }});
{{ this._parent.get_name() }}.getPane({{ this.pane|tojson }}).style.zIndex = {{ this.z_index }};
{% endmacro %}
"""
    )

    def __init__(self, pane: str, z_index: int) -> None:
        super().__init__()
        self._name = "Pane"
        self.pane = pane
        self.z_index = z_index


class Legend(MacroElement):
    """The legend as a Leaflet control: the scale, the border lines, the window, the formula."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: "bottomright"});
{{ this.get_name() }}.onAdd = function () {
    var div = L.DomUtil.create("div", "rm-legend leaflet-control");
    div.innerHTML = {{ this.content }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, legend_html: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.content = script_json(legend_html)


def legend_html(risk_map: RiskMap) -> str:
    """The legend's HTML: names the scale, tells "no evidence" from 0 and links the formula."""
    rows = [
        f'<div><i style="background:{NO_EVIDENCE_COLOUR}"></i>no evidence (not named)</div>',
        *(f'<div><i style="background:{s.colour}"></i>{_esc(s.label)}</div>' for s in STEPS),
        '<div><i class="rm-line"></i>border: colour and width by its score</div>',
    ]
    if risk_map.scoring_url:
        formula = (
            f'<a href="{_esc(risk_map.scoring_url)}" target="_blank" rel="noopener">'
            "How scores are computed</a>"
        )
    else:
        formula = (
            f"<details><summary>How scores are computed</summary>"
            f"<code>{_esc(risk_map.formula)}</code></details>"
        )
    return (
        "<strong>Threat score</strong> <span>0–10, log scale</span>"
        + "".join(rows)
        + f'<div class="rm-window">{_esc(risk_map.window)}</div>'
        + formula
    )


_PAGE_CSS = f"""
.leaflet-container {{ background: {SEA_COLOUR}; font: 13px/1.4 system-ui, sans-serif; }}
.rm-legend {{ background: rgba(255,255,255,.92); padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 230px; }}
.rm-legend i {{ display: inline-block; width: 16px; height: 12px; margin-right: 6px;
  vertical-align: -1px; border: 1px solid #777; }}
.rm-legend i.rm-line {{ height: 0; border: 0; border-top: 4px solid #fd8d3c; }}
.rm-legend .rm-window {{ margin: 4px 0; color: #444; }}
.rm-legend code {{ display: block; white-space: normal; font-size: 11px; }}
.rm-popup h3 {{ margin: 0 0 2px; font-size: 14px; }}
.rm-popup p {{ margin: 0 0 4px; color: #444; }}
.rm-popup ol {{ padding-left: 18px; margin: 0; }}
.rm-popup ul {{ padding-left: 14px; margin: 2px 0 6px; }}
.rm-popup cite {{ color: #555; }}
"""

_HEADER_CSS = f"""
.rm-header {{ position: absolute; top: 0; left: 0; right: 0; height: {HEADER_HEIGHT_PX}px;
  box-sizing: border-box; padding: 6px 12px; display: flex; align-items: center; gap: 16px;
  font: 13px system-ui, sans-serif; background: #263238; color: #fff; overflow: hidden; }}
.rm-header h1 {{ font-size: 16px; margin: 0; white-space: nowrap; }}
.rm-header form {{ display: flex; gap: 8px; align-items: center; flex-wrap: nowrap; }}
.rm-header input, .rm-header select {{ font-size: 12px; }}
.rm-header a {{ color: #cfe8ff; margin-left: 6px; }}
.folium-map {{ position: absolute !important; top: {HEADER_HEIGHT_PX}px !important;
  bottom: 0; height: auto !important; }}
"""


def _option(value: str, label: str, current: str | None) -> str:
    selected = " selected" if value == current else ""
    return f'<option value="{_esc(value)}"{selected}>{_esc(label)}</option>'


def header_html(risk_map: RiskMap, basemap: Basemap) -> str:
    """The full page's chrome: title, window and a form that switches level, country, window."""
    levels = _option("admin1", "provinces (admin-1)", risk_map.level) + _option(
        "admin0", "countries (admin-0)", risk_map.level
    )
    basemaps = "".join(
        _option(v, label, basemap)
        for v, label in (("outline", "outline (offline)"), ("osm", "OpenStreetMap"))
    ) + _option("carto", "CARTO", basemap)
    since = risk_map.since.isoformat() if risk_map.since else ""
    links = "".join(
        f'<a href="{_esc(url)}">{_esc(label)}</a>' for label, url in risk_map.links.items()
    )
    title = f'<header class="rm-header"><h1>{_esc(risk_map.title)}</h1>'
    if not risk_map.links:  # a file on disk: no server to ask for another view
        return f"{title}<span>{_esc(risk_map.window)}</span></header>"
    return (
        f"{title}"
        '<form method="get">'
        f'<label>Level <select name="level">{levels}</select></label>'
        f'<label>Country <input name="country" size="4" maxlength="3" placeholder="all" '
        f'value="{_esc(risk_map.country or "")}"></label>'
        f'<label>Since <input type="date" name="since" value="{_esc(since)}"></label>'
        f'<label>Until <input type="date" name="until" value="{_esc(risk_map.until.isoformat())}">'
        "</label>"
        f'<label>Basemap <select name="basemap">{basemaps}</select></label>'
        "<button>Show</button></form>"
        f"<nav>{links}</nav></header>"
    )


def build_map(
    risk_map: RiskMap,
    assets: PageAssets,
    *,
    basemap: Basemap = "outline",
    embed: bool = False,
    tile_api_key: str | None = None,
) -> folium.Map:
    """The folium map: outline or tile basemap, choropleth, borders, legend, layer control."""
    fmap = folium.Map(location=None, tiles=None, control_scale=True, min_zoom=1)
    # Only Leaflet, from the app or inlined: folium's CDN defaults would break offline use.
    fmap.default_js = [(f"js{i}", url) for i, url in enumerate(assets.js_urls)]
    fmap.default_css = [(f"css{i}", url) for i, url in enumerate(assets.css_urls)]
    figure = fmap.get_root()
    assert isinstance(figure, Figure)
    head = [
        f"<title>{_esc(risk_map.title)}</title>",
        '<link rel="icon" href="data:,">',  # no /favicon.ico request
        *(f"<script>{js}</script>" for js in assets.inline_js),
        *(f"<style>{css}</style>" for css in assets.inline_css),
        f"<style>{_PAGE_CSS}{'' if embed else _HEADER_CSS}</style>",
    ]
    for i, snippet in enumerate(head):
        figure.header.add_child(Element(snippet), name=f"riskmap_head_{i}")
    if not embed:
        figure.html.add_child(Element(header_html(risk_map, basemap)), name="riskmap_header")

    Pane("rm-basemap", 250).add_to(fmap)
    provider = tile_provider(basemap, tile_api_key)
    if provider is not None:
        folium.TileLayer(provider, name=str(provider.get("name", basemap))).add_to(fmap)
    else:
        outlines = "[" + ",".join(risk_map.outlines) + "]"
        ScoredLayer(
            outlines,
            "Land and country outlines",
            {"color": OUTLINE_COLOUR, "weight": 0.8, "fillColor": LAND_COLOUR, "fillOpacity": 1},
            pane="rm-basemap",
            interactive=False,
            overlay=False,
        ).add_to(fmap)

    unit = "Provinces (admin-1)" if risk_map.level == "admin1" else "Countries (admin-0)"
    ScoredLayer(
        features_json(risk_map.regions, _region_style),
        f"{unit}: threat score",
        {
            "color": "#5a5a5a",
            "weight": 0.6,
            "fillOpacity": 0.78,
            "className": "rm-region",
        },
        highlight={"weight": 2.5, "color": "#1a1a1a"},
        attribution=risk_map.attribution,
    ).add_to(fmap)
    if risk_map.borders:
        ScoredLayer(
            features_json(risk_map.borders, _border_style),
            "Borders: threat score",
            {"opacity": 0.95, "fill": False, "lineCap": "round", "className": "rm-border"},
            highlight={"opacity": 1, "color": "#1a1a1a"},
        ).add_to(fmap)
    Legend(legend_html(risk_map)).add_to(fmap)
    folium.LayerControl(collapsed=embed).add_to(fmap)
    minx, miny, maxx, maxy = risk_map.bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def render_html(
    risk_map: RiskMap,
    assets: PageAssets,
    *,
    basemap: Basemap = "outline",
    embed: bool = False,
    tile_api_key: str | None = None,
) -> str:
    """The map page as one HTML string (``embed`` drops the header and fills the frame)."""
    fmap = build_map(risk_map, assets, basemap=basemap, embed=embed, tile_api_key=tile_api_key)
    page: str = fmap.get_root().render()
    return page.replace("<html>", '<html lang="en">', 1)

"""maps.render and maps.png on small synthetic maps: escaping, legend, colours, the PNG."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from maps.assets import PageAssets, inlined, served
from maps.model import EvidenceEvent, EvidenceReport, RiskMap, ScoredShape
from maps.png import render_png
from maps.render import legend_html, popup_html, render_html, script_json, tooltip_html
from maps.style import NO_EVIDENCE_COLOUR, STEPS, score_colour
from service.settings import Settings

HOSTILE = '<img src=x onerror=alert(1)> <script>alert("riskmap")</script>'


def _square(x: float, y: float, size: float = 1.0) -> str:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _map(level: str = "admin1") -> RiskMap:
    hostile_report = EvidenceReport(
        sentence=f"A bomb hit a market {HOSTILE} said police.",
        source="<b>riskmap</b> sample",
        url="javascript:alert(1)",
        published="2024-11-22",
    )
    plain_report = EvidenceReport("Gunmen attacked a checkpoint.", "Wire", "https://example.org/a")
    regions = [
        ScoredShape(
            "R1",
            f"Kabul {HOSTILE}",
            "admin1",
            _square(0, 0),
            6.2,
            context="Afghanistan",
            incidents=2,
            fatalities=3,
            documents=2,
            evidence=(
                EvidenceEvent("bombing", "2024-11-21", 0, 5, (hostile_report, plain_report)),
            ),
        ),
        ScoredShape("R2", "Quiet", "admin1", _square(1, 0), 0.0, context="Afghanistan"),
        ScoredShape("R3", "Unnamed", "admin1", _square(0, 1), None, context="Afghanistan"),
    ]
    border = ScoredShape(
        "A|B",
        "A–B border",
        "border",
        json.dumps({"type": "LineString", "coordinates": [[1, 0], [1, 2]]}),
        2.0,
    )
    return RiskMap(
        level="admin1" if level == "admin1" else "admin0",
        regions=regions,
        borders=[border],
        outlines=[_square(-1, -1, 4)],
        bounds=(0.0, 0.0, 2.0, 2.0),
        since=dt.date(2024, 11, 1),
        until=dt.date(2024, 11, 30),
        country="AFG",
        country_name="Afghanistan",
        formula="threat_score = min(10, ...)",
        links={"GeoJSON": "/regions?country=AFG"},
    )


ASSETS = PageAssets(js_urls=("/static/leaflet/leaflet.js",), css_urls=("/static/leaflet/l.css",))


def test_tooltip_and_popup_escape_article_text() -> None:
    risk_map = _map()
    tooltip = tooltip_html(risk_map.regions[0])
    popup = popup_html(risk_map.regions[0])
    assert popup is not None
    for text in (tooltip, popup):
        assert "<img" not in text and "<script" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in popup
    assert "&lt;script&gt;alert(&quot;riskmap&quot;)&lt;/script&gt;" in popup
    assert "&lt;b&gt;riskmap&lt;/b&gt; sample" in popup
    assert "javascript:" not in popup  # not linked
    assert 'href="https://example.org/a"' in popup
    assert "6.2" in tooltip and "2 incidents" in tooltip and "3 fatalities" in tooltip
    assert "2 documents" in tooltip


def test_page_has_no_raw_markup_from_articles() -> None:
    page = render_html(_map(), ASSETS)
    assert "<img src=x" not in page and '<script>alert("riskmap")' not in page
    assert "onerror=alert(1)" in page  # shown, as escaped text
    assert "\\u003c" not in page.split("<body>")[0]  # the head holds no article data
    # Every script/stylesheet comes from the given assets: folium's CDN defaults are gone.
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert external == []
    assert '<script src="/static/leaflet/leaflet.js"></script>' in page


def test_script_json_cannot_close_the_script_element() -> None:
    encoded = script_json({"t": "</script><!-- & "})
    assert "</" not in encoded and "<!--" not in encoded and "&" not in encoded
    assert json.loads(encoded) == {"t": "</script><!-- & "}


def test_no_evidence_and_zero_have_distinct_colours() -> None:
    assert score_colour(None) == NO_EVIDENCE_COLOUR
    assert score_colour(0.0) == STEPS[0].colour != NO_EVIDENCE_COLOUR
    assert score_colour(0.5) != score_colour(0.0)
    assert score_colour(10.0) == STEPS[-1].colour
    colours = [score_colour(s) for s in (None, 0, 0.5, 2, 4, 6, 9)]
    assert len(set(colours)) == len(colours)


def test_legend_names_the_scale_and_links_the_formula() -> None:
    risk_map = _map()
    legend = legend_html(risk_map)
    assert (
        "Threat score" in legend and "no evidence" in legend and "0 (named, no incident)" in legend
    )
    assert 'href="/docs/scoring"' in legend
    assert "2024-11-01 to 2024-11-30" in legend
    offline = RiskMap(**{**risk_map.__dict__, "scoring_url": None})
    assert "threat_score = min(10, ...)" in legend_html(offline)


def test_embed_has_no_header_and_page_has_the_switches() -> None:
    page = render_html(_map(), ASSETS)
    embed = render_html(_map(), ASSETS, embed=True)
    assert 'class="rm-header"' in page and 'name="level"' in page and 'name="since"' in page
    assert 'class="rm-header"' not in embed
    assert "L.control.layers" in embed and "fitBounds" in embed


def test_tile_basemap_is_opt_in_with_attribution() -> None:
    page = render_html(_map(), ASSETS)
    assert "L.tileLayer" not in page
    osm = render_html(_map(), ASSETS, basemap="osm")
    assert "L.tileLayer" in osm and "OpenStreetMap" in osm


def test_inlined_assets_need_no_server() -> None:
    assets_dir = Settings().assets_dir
    if not (assets_dir / "leaflet" / "dist" / "leaflet.js").exists():
        pytest.skip("node_modules/leaflet is not installed (npm ci)")
    page = render_html(_map(), inlined(assets_dir))
    assert "/static/" not in page and "sourceMappingURL" not in page
    assert "url(data:image/png;base64," in page
    head = page.split("<body>")[0]
    assert re.findall(r"<script[^>]*\ssrc=", head) == []
    assert re.findall(r"<link[^>]*stylesheet", head) == []
    assert served().js_urls == ("/static/leaflet/leaflet.js",)


def test_png_has_size_and_is_not_blank(tmp_path: Path) -> None:
    png = render_png(_map(), width_px=800, height_px=550, dpi=100)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < len(png) < 2_000_000
    pixels = mpimg.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (550, 800)
    rgb = np.asarray(pixels[..., :3], dtype=float)
    assert rgb.std() > 0.05  # not a blank page
    # The score colours are drawn: some pixels are the "6.2" red.
    red = np.array([0xE3, 0x1A, 0x1C]) / 255
    assert (np.abs(rgb - red).sum(axis=2) < 0.05).sum() > 500
    (tmp_path / "map.png").write_bytes(png)

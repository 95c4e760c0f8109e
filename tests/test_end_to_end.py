"""End to end: the seed articles in, GeoJSON and a map out, through the HTTP API.

The same path a user takes: POST the two seed articles, read the scored regions and borders
as GeoJSON, open the map page and the PNG. Threat places light up; context-only places stay
at zero; the evidence on Badakhshan quotes the sentence it came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_client

UNTIL = "2024-11-30"


@pytest.fixture(scope="module")
def seeded(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    expected = json.loads((shared_dir / "seeds" / "expected.json").read_text())
    for client in make_client(tmp_path_factory.mktemp("e2e")):
        for name, gold in expected["documents"].items():
            text = (shared_dir / "seeds" / name).read_text(encoding="utf-8")
            # The undated article is given the other's date, as an analyst batch would be.
            body = {"text": text, "published": gold["published"] or "2024-11-25", "source": name}
            assert client.post("/documents", json=body).status_code == 201
        yield client


@pytest.fixture(scope="module")
def expected(shared_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_dir / "seeds" / "expected.json").read_text())
    return data


def _score(client: TestClient, region: str) -> float:
    if "|" in region:
        response = client.get(f"/borders/{region.replace('|', '%7C')}", params={"until": UNTIL})
    else:
        response = client.get(f"/regions/{region}", params={"until": UNTIL})
    assert response.status_code == 200, region
    return float(response.json()["properties"]["threat_score"] or 0)


def test_threat_and_context_through_the_api(seeded: TestClient, expected: dict[str, Any]) -> None:
    for region in expected["threat"]:
        assert _score(seeded, region) > 0, region
    for region in expected["context_only"]:
        assert _score(seeded, region) == 0, region


def test_geojson_layer_carries_scores_and_evidence(
    seeded: TestClient, expected: dict[str, Any]
) -> None:
    collection = seeded.get("/regions", params={"country": "AFG", "until": UNTIL}).json()
    by_name = {f["properties"]["name"]: f["properties"] for f in collection["features"]}
    assert by_name["Badakhshan"]["militant_presence"]
    assert by_name["Badakhshan"]["threat_score"] > 0
    assert by_name["Hirat"]["has_evidence"] is False  # Natural Earth spells it Hirat
    region = seeded.get("/regions/AF-BDS", params={"until": UNTIL}).json()["properties"]
    sentences = [r["sentence"] for e in region["evidence"] for r in e["reports"]]
    # The analyst's evidence for Badakhshan, read from expected.json, is quoted as it stands.
    (evidence,) = [
        " ".join(gold["evidence"].split())
        for document in expected["documents"].values()
        for gold in document["incidents"]
        if "AF-BDS" in gold["where"]
    ]
    assert any(evidence in " ".join(s.split()) for s in sentences)
    pakistan = seeded.get("/regions/PAK", params={"until": UNTIL}).json()["properties"]
    assert pakistan["fatalities"] == 55


def test_map_page_and_png(seeded: TestClient) -> None:
    page = seeded.get("/maps/risk", params={"country": "AFG", "until": UNTIL})
    assert page.status_code == 200
    assert "Badakhshan" in page.text
    assert "/static/leaflet/leaflet.js" in page.text
    png = seeded.get("/maps/risk.png", params={"country": "AFG", "until": UNTIL})
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")

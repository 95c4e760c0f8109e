"""The incident layer (:mod:`service.incident_layer`): one feature is read by its id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.scores import ScoreBoard
from tests.conftest import make_client

#: Our own wording: two reports of one attack and one of another.
REPORTS = (
    "Gunmen attacked a police checkpoint in Kandahar on Tuesday, killing 4 officers.",
    "Four police officers died on Tuesday when gunmen stormed a checkpoint in Kandahar.",
    "A bomb went off at a bus stop in Peshawar on Friday, killing 9 people.",
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    for client in make_client(tmp_path_factory.mktemp("incident-layer")):
        for text in REPORTS:
            response = client.post("/documents", json={"text": text, "published": "2024-11-22"})
            assert response.status_code in (200, 201), response.text
        yield client


def test_one_incident_is_read_by_id_not_from_every_report(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = api.get("/collections/incidents/items", params={"limit": 100}).json()["features"]
    assert len(listed) == 3
    board: ScoreBoard = api.app.state.scoreboard  # type: ignore[attr-defined]

    def every_report() -> dict[str, object]:
        raise AssertionError("a single feature read every stored report")

    monkeypatch.setattr(board, "incident_records", every_report)
    for feature in listed:
        one = api.get(f"/collections/incidents/items/{feature['id']}")
        assert one.status_code == 200, one.text
        body = one.json()
        assert body["id"] == feature["id"]
        assert body["geometry"] == feature["geometry"]
        assert body["properties"] == feature["properties"]
    assert api.get("/collections/incidents/items/no-such-report").status_code == 404

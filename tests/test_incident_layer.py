"""The incident layer (:mod:`service.incident_layer`): one feature is read by its id, a page
without place filters as a page, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.scores import ScoreBoard
from tests.backends import BACKENDS, backend_url
from tests.conftest import make_client

#: Our own wording: two reports of one attack and one of another.
REPORTS = (
    "Gunmen attacked a police checkpoint in Kandahar on Tuesday, killing 4 officers.",
    "Four police officers died on Tuesday when gunmen stormed a checkpoint in Kandahar.",
    "A bomb went off at a bus stop in Peshawar on Friday, killing 9 people.",
)


@pytest.fixture(scope="module", params=BACKENDS)
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("incident-layer")
    for url in backend_url(request.param, folder):
        for client in make_client(folder, database_url=url):
            for text in REPORTS:
                body = {"text": text, "published": "2024-11-22"}
                response = client.post("/documents", json=body)
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


def test_pages_without_place_filters_are_read_as_pages(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    board: ScoreBoard = api.app.state.scoreboard  # type: ignore[attr-defined]
    every = sorted(
        board.store.incident_records(), key=lambda r: (r["date"] or "", r["id"]), reverse=True
    )
    kinds = sorted({r["type"] for r in every})
    last_day = max(r["date"] for r in every if r["date"])

    def every_report() -> dict[str, object]:
        raise AssertionError("a page without place filters read every stored report")

    monkeypatch.setattr(board, "incident_records", every_report)
    cases: list[tuple[dict[str, object], list[dict[str, object]]]] = [
        ({"limit": 2}, every[:2]),
        ({"limit": 2, "offset": 1}, every[1:3]),
        ({"limit": 10, "type": kinds[0]}, [r for r in every if r["type"] == kinds[0]]),
        ({"limit": 10, "since": last_day}, [r for r in every if (r["date"] or "") >= last_day]),
        ({"limit": 10, "until": "2000-01-01"}, []),
    ]
    for params, expected in cases:
        body = api.get("/incidents", params=params).json()
        assert [f["id"] for f in body["features"]] == [r["id"] for r in expected], params
        matched = len(every) if set(params) <= {"limit", "offset"} else len(expected)
        assert body["numberMatched"] == matched, params
    ogc = api.get("/collections/incidents/items", params={"limit": 1}).json()
    assert ogc["numberMatched"] == len(every)
    assert ogc["features"][0]["id"] == every[0]["id"]

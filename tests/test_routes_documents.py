"""Ingest through the API, read back documents, scores, evidence and incidents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_client

ARTICLE = (
    "A car bomb exploded in Kandahar on Monday, killing 12 people and wounding 30. "
    "Officials in Kabul said the Taliban had claimed responsibility."
)
HOSTILE = "<img src=x onerror=alert(1)> A bomb exploded in Kabul. <script>alert(2)</script>"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from make_client(tmp_path_factory.mktemp("docs"))


def test_ingest_is_idempotent(api: TestClient) -> None:
    first = api.post("/documents", json={"text": ARTICLE, "published": "2024-11-25"})
    assert first.status_code == 201
    body = first.json()
    assert len(body["id"]) == 64
    assert {m["surface"] for m in body["mentions"]} >= {"Kandahar", "Kabul"}
    (incident,) = [i for i in body["incidents"] if i["type"] == "bombing"]
    assert incident["killed"] == 12 and incident["wounded"] == 30
    again = api.post("/documents", json={"text": ARTICLE + "\n", "published": "2024-11-25"})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    stored = api.get(f"/documents/{body['id']}").json()
    assert stored["text"] == ARTICLE
    assert stored["published"] == "2024-11-25"
    assert stored["incidents"][0]["sentence"].startswith("A car bomb exploded")


def test_scores_and_evidence_follow_ingest(api: TestClient) -> None:
    api.post("/documents", json={"text": ARTICLE, "published": "2024-11-25", "source": "t"})
    region = api.get("/regions/AF-KAN", params={"until": "2024-11-30"}).json()
    props = region["properties"]
    assert props["threat_score"] > 0
    assert props["fatalities"] == 12 and props["injured"] == 30
    (event,) = props["evidence"]
    report = event["reports"][0]
    assert report["sentence"].startswith("A car bomb exploded in Kandahar")
    start, end = report["span"]
    assert ARTICLE[start:end] == report["sentence"]
    assert "formula" in props["scoring"]
    country = api.get("/regions/AFG", params={"until": "2024-11-30"}).json()["properties"]
    assert country["incidents"] >= 1


def test_regions_filters_and_etag(api: TestClient) -> None:
    params = {"country": "AFG", "until": "2024-11-30", "min_score": "0.01"}
    response = api.get("/regions", params=params)
    assert response.status_code == 200
    collection = response.json()
    ids = {f["id"] for f in collection["features"]}
    assert "AFG-1754" in ids
    assert all(f["properties"]["threat_score"] >= 0.01 for f in collection["features"])
    assert collection["numberMatched"] == len(collection["features"])
    etag = response.headers["etag"]
    assert response.headers["cache-control"].startswith("public")
    assert api.get("/regions", params=params, headers={"If-None-Match": etag}).status_code == 304
    paged = api.get("/regions", params={"country": "AFG", "limit": 5, "offset": 5}).json()
    assert paged["numberReturned"] == 5 and paged["numberMatched"] == 32
    boxed = api.get("/regions", params={"bbox": "60,29,62,31", "level": "admin0"}).json()
    assert {f["id"] for f in boxed["features"]} >= {"AFG", "IRN"}


def test_new_ingest_invalidates_cached_scores(api: TestClient) -> None:
    before = api.get("/regions/AF-BDS", params={"until": "2024-11-30"}).json()["properties"]
    api.post(
        "/documents",
        json={
            "text": "Gunmen attacked a checkpoint in Badakhshan, killing 3 police officers.",
            "published": "2024-11-20",
        },
    )
    after = api.get("/regions/AF-BDS", params={"until": "2024-11-30"}).json()["properties"]
    assert after["incidents"] == before["incidents"] + 1
    assert after["threat_score"] > (before["threat_score"] or 0)


def test_incidents_layer(api: TestClient) -> None:
    collection = api.get("/incidents", params={"country": "AFG", "type": "bombing"}).json()
    assert collection["features"]
    for feature in collection["features"]:
        assert feature["properties"]["type"] == "bombing"
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon", "GeometryCollection"}
        assert feature["properties"]["doc_id"]


def test_batch_array_and_json_lines(api: TestClient) -> None:
    docs = [{"text": f"A bomb exploded in Kunduz on day {i}."} for i in range(3)]
    response = api.post("/documents/batch", json=docs)
    assert response.status_code == 201
    assert response.json()["created"] == 3
    lines = "\n".join(json.dumps(d) for d in docs) + "\n"
    again = api.post(
        "/documents/batch", content=lines, headers={"Content-Type": "application/x-ndjson"}
    )
    assert again.status_code == 200
    assert again.json()["duplicate"] == 3


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"published": "2024-01-01"}, 400),
        ({"text": ""}, 400),
        ({"text": "   "}, 400),
        ({"text": "x", "published": "25/11/2024"}, 400),
        ({"text": "x", "unknown": 1}, 400),
        ([1, 2], 400),
    ],
)
def test_bad_documents_get_problem_json(api: TestClient, body: object, status: int) -> None:
    before = api.get("/health").json()
    response = api.post("/documents", json=body)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status
    assert api.get("/health").json() == before


def test_invalid_json_and_media_type(api: TestClient) -> None:
    response = api.post(
        "/documents", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    response = api.post(
        "/documents", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    response = api.post("/documents", content=b"text", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_atomic_batch_with_one_bad_item_stores_nothing(api: TestClient) -> None:
    count = api.get("/health").json()["documents"]
    response = api.post(
        "/documents/batch",
        params={"atomic": "true"},
        json=[{"text": "A bomb exploded in Herat."}, {"text": ""}],
    )
    assert response.status_code == 400
    assert "item 1" in response.json()["detail"]
    assert api.get("/health").json()["documents"] == count


def test_batch_answers_per_item_by_default(api: TestClient) -> None:
    count = api.get("/health").json()["documents"]
    good = {"text": "Gunmen attacked a police post in Herat on Friday.", "published": "2024-11-22"}
    response = api.post(
        "/documents/batch", json=[good, {"text": ""}, {"text": "x", "published": "1066-10-14"}]
    )
    assert response.status_code == 207
    body = response.json()
    assert (body["created"], body["duplicate"], body["failed"]) == (1, 0, 2)
    first, blank, ancient = body["documents"]
    assert (first["index"], first["status"], first["http_status"]) == (0, "created", 201)
    assert (blank["status"], blank["http_status"]) == ("error", 400)
    assert "item 1" in blank["error"] and "text" in blank["error"]
    assert ancient["index"] == 2 and "published" in ancient["error"]
    assert api.get("/health").json()["documents"] == count + 1
    lines = b'{"text": "A bomb exploded in Herat."}\nnot json\n'
    response = api.post(
        "/documents/batch", content=lines, headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 207
    results = response.json()["documents"]
    assert [r["status"] for r in results] == ["created", "error"]
    assert "line 2" in results[1]["error"]


def test_unknown_document_is_404(api: TestClient) -> None:
    response = api.get("/documents/" + "0" * 64)
    assert response.status_code == 404


def test_hostile_text_is_stored_verbatim(api: TestClient) -> None:
    doc_id = api.post("/documents", json={"text": HOSTILE}).json()["id"]
    assert api.get(f"/documents/{doc_id}").json()["text"] == HOSTILE


def test_size_limits(tmp_path: Path) -> None:
    for client in make_client(tmp_path, max_document_bytes=1000, max_batch_documents=2):
        response = client.post("/documents", json={"text": "a" * 5000})
        assert response.status_code == 413
        response = client.post("/documents/batch", json=[{"text": "a"}] * 3)
        assert response.status_code == 413
        assert client.get("/health").json()["documents"] == 0


def test_token_protects_writes(tmp_path: Path) -> None:
    for client in make_client(tmp_path, api_token="s3cret"):
        assert client.post("/documents", json={"text": "x y"}).status_code == 401
        wrong = client.post(
            "/documents", json={"text": "x y"}, headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 403
        right = client.post(
            "/documents", json={"text": "x y"}, headers={"Authorization": "Bearer s3cret"}
        )
        assert right.status_code == 201
        assert client.get("/regions", params={"country": "AFG"}).status_code == 200


def test_json_lines_with_bad_bytes_or_lines_are_400(api: TestClient) -> None:
    count = api.get("/health").json()["documents"]
    ndjson = {"Content-Type": "application/x-ndjson"}
    atomic = "/documents/batch?atomic=true"
    bad_bytes = api.post(atomic, content=b'{"text": "caf\xe9"}\n', headers=ndjson)
    assert bad_bytes.status_code == 400
    assert "UTF-8" in bad_bytes.json()["detail"]
    bad_line = api.post(atomic, content=b'{"text": "ok"}\n{oops\n', headers=ndjson)
    assert bad_line.status_code == 400
    assert "line 2" in bad_line.json()["detail"]
    assert api.get("/health").json()["documents"] == count


def test_declared_oversize_body_is_refused_before_reading(tmp_path: Path) -> None:
    for client in make_client(tmp_path, max_document_bytes=1000):
        response = client.post(
            "/documents",
            content=b"{" + b" " * 20_000 + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")


def test_incident_in_a_town_is_a_point(api: TestClient) -> None:
    text = "A bomb exploded at a bus station in Peshawar on Sunday, killing 17 people."
    doc_id = api.post("/documents", json={"text": text, "published": "2024-11-10"}).json()["id"]
    features = api.get("/incidents", params={"country": "PAK"}).json()["features"]
    (feature,) = [f for f in features if f["properties"]["doc_id"] == doc_id]
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert 71.4 < lon < 71.7 and 33.9 < lat < 34.1  # Peshawar
    assert feature["properties"]["precision"] == 1


def test_incident_type_must_be_known(api: TestClient) -> None:
    response = api.get("/incidents", params={"type": "bomb"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert "'bomb'" in detail and "bombing" in detail and "armed_attack" in detail


def test_incidents_by_actor_with_plain_english_types(api: TestClient) -> None:
    api.post(
        "/documents",
        json={
            "text": "The Taliban claimed a bomb attack in Kunduz that killed four police officers.",
            "published": "2024-11-25",
        },
    )
    found = api.get("/incidents", params={"actor": "taliban"}).json()["features"]
    assert found and all(
        any("taliban" in a.lower() for a in f["properties"]["actors"]) for f in found
    )
    assert api.get("/incidents", params={"actor": "Nobody Brigade"}).json()["features"] == []
    labels = {f["properties"]["type"]: f["properties"]["type_label"] for f in found}
    assert labels.get("bombing") == "Bombing / explosion"

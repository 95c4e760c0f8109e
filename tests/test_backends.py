"""The served layer on both backends: the API, OGC items, a SIGKILL mid-batch and 20
concurrent writers across two API processes, on SQLite and on PostgreSQL + PostGIS.

PostgreSQL cases use a schema of their own and skip with the reason where no server answers
(:mod:`tests.backends`).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from geodata.scoring import ScoreWeights
from service.aggregates import RegionAggregates
from service.scores import region_index
from service.storage import Store
from tests.conftest import make_client
from tests.live_server import serve_process

KANDAHAR = "A car bomb exploded near a market in Kandahar on Monday, killing 7 people."
PESHAWAR = "A bomb exploded at a bus station in Peshawar on Sunday, killing 17 people."
KANDAHAR_AGAIN = "Seven people were killed on Monday when a car bomb exploded in Kandahar."
PLACES = ["Kabul", "Kandahar", "Herat", "Jalalabad", "Kunduz", "Ghazni", "Khost", "Mazar-i-Sharif"]


def article(i: int) -> str:
    """A distinct short article naming a real place (so it has mentions and an incident)."""
    place = PLACES[i % len(PLACES)]
    return f"A roadside bomb exploded in {place} on Monday, killing {i + 2} soldiers. (item {i})"


@pytest.fixture()
def api(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(tmp_path, database_url=database_url)


def test_api_scores_and_ogc_items_on_each_backend(api: TestClient) -> None:
    for text in (KANDAHAR, KANDAHAR_AGAIN, KANDAHAR):
        response = api.post("/documents", json={"text": text, "published": "2024-11-25"})
        assert response.status_code in (200, 201), response.text
    region = api.get("/regions/AFG", params={"until": "2024-12-01"}).json()
    assert region["properties"]["incidents"] == 1  # two reports, one event
    assert region["properties"]["fatalities"] == 7
    assert region["properties"]["documents"] == 2
    assert region["properties"]["threat_score"] > 0
    assert len(region["properties"]["evidence"][0]["reports"]) == 2
    # OGC: the items page and the single feature (both scored up to today) agree.
    items = api.get("/collections/admin0/items", params={"limit": 300})
    assert items.status_code == 200
    afg = [f for f in items.json()["features"] if f["id"] == "AFG"]
    one = api.get("/collections/admin0/items/AFG")
    assert one.status_code == 200
    assert afg and afg[0]["properties"]["threat_score"] == one.json()["properties"]["threat_score"]
    assert one.json()["properties"]["incidents"] == 1


def test_postgis_columns_indexes_and_layer_views(api: TestClient) -> None:
    store: Store = api.app.state.store  # type: ignore[attr-defined]
    if not store.spatial:
        pytest.skip("PostGIS layers exist on PostgreSQL only")
    for text in (KANDAHAR, PESHAWAR):
        api.post("/documents", json={"text": text, "published": "2024-11-25"})
    with store.connection() as conn:
        indexes = {
            row.indexname: row.indexdef
            for row in conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            )
        }
        assert "USING gist (geom)" in indexes["ix_incidents_geom"]
        assert "USING gist (geom)" in indexes["ix_regions_geom"]
        kinds = dict(
            conn.exec_driver_sql(
                "SELECT level, count(*) FROM regions GROUP BY level ORDER BY level"
            ).all()
        )
        assert kinds["admin0"] > 200 and kinds["admin1"] > 4000 and kinds["border"] > 300
        scored = conn.exec_driver_sql(
            "SELECT region_id, incidents, fatalities, threat_score, ST_GeometryType(geom) "
            "FROM riskmap_admin1_scores WHERE threat_score IS NOT NULL"
        ).all()
        assert sorted((r[0][:3], r[1], r[2]) for r in scored) == [("AFG", 1, 7), ("PAK", 1, 17)]
        assert scored[0][4] in ("ST_Polygon", "ST_MultiPolygon")
        countries = conn.exec_driver_sql(
            "SELECT count(*) FROM riskmap_admin0_scores WHERE threat_score IS NOT NULL"
        ).scalar()
        assert countries == 2
        # A town is a point; a province (Kandahar here) has none.
        (point,) = conn.exec_driver_sql("SELECT ST_AsText(geom) FROM riskmap_incidents").one()
        assert point.startswith("MULTIPOINT((71.5")  # Peshawar, about 71.5 E 34.0 N


def test_bbox_filter_agrees_on_both_backends(api: TestClient) -> None:
    for text in (KANDAHAR, PESHAWAR):
        api.post("/documents", json={"text": text, "published": "2024-11-25"})
    store: Store = api.app.state.store  # type: ignore[attr-defined]
    inside = store.incident_ids_in_bbox(71, 33.5, 72, 34.5)
    assert len(inside) == 1
    assert store.incident_ids_in_bbox(60, 29, 75, 39) == inside  # Kandahar has no point
    assert store.incident_ids_in_bbox(-10, 35, 5, 45) == []


# -- real servers: two processes on one database, and SIGKILL mid-batch ----------------------


def _env(database_url: str) -> dict[str, str]:
    return {"RISKMAP_DATABASE_URL": database_url}


def test_twenty_writers_across_two_api_processes(database_url: str, tmp_path: Path) -> None:
    """Each article is sent twice, to both processes at once: stored once, one event each."""
    texts = [article(i) for i in range(10)]
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    with (
        serve_process(tmp_path / "a.sqlite3", **_env(database_url)) as first,
        serve_process(tmp_path / "b.sqlite3", **_env(database_url)) as second,
    ):
        start = threading.Barrier(20)

        def writer(i: int) -> None:
            url = (first if i % 2 else second).url
            start.wait()
            with httpx.Client(timeout=120) as client:
                response = client.post(
                    url + "documents", json={"text": texts[i // 2], "published": "2024-11-25"}
                )
            with lock:
                results.append((response.status_code, response.json().get("id", "")))

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        statuses = sorted(status for status, _ in results)
        assert statuses.count(201) == 10 and statuses.count(200) == 10, statuses
        # Both processes serve the same data version and the same scores.
        scores = [
            httpx.get(live.url + "regions/AFG", params={"until": "2024-12-01"}, timeout=60).json()
            for live in (first, second)
        ]
        assert scores[0]["properties"] == scores[1]["properties"]
    store = Store.open(database_url)
    try:
        assert store.counts()["documents"] == 10
        # Each article's incident stored once (a duplicate cluster would double an event).
        assert store.counts()["incidents"] == 10
        afghan = [
            event
            for event in store.events()
            if any(loc.country == "AFG" for loc in event[0].locations)
        ]
        assert scores[0]["properties"]["incidents"] == len(afghan) >= 8
    finally:
        store.engine.dispose()


def test_sigkill_mid_batch_keeps_every_acknowledged_document_whole(
    database_url: str, tmp_path: Path, real_boundaries: object
) -> None:
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def batch_poster(url: str, first: int) -> None:
        with httpx.Client(timeout=60) as client:
            for start in range(first, first + 100_000, 10):
                if stop.is_set():
                    return
                batch = [
                    {"text": article(i), "published": "2024-11-25"}
                    for i in range(start, start + 10)
                ]
                try:
                    response = client.post(url + "documents/batch", json=batch)
                except httpx.TransportError:
                    return
                if response.status_code in (200, 201, 207):
                    with lock:
                        acknowledged.update(
                            d["id"] for d in response.json()["documents"] if d.get("id")
                        )

    with serve_process(tmp_path / "killed.sqlite3", **_env(database_url)) as live:
        posters = [
            threading.Thread(target=batch_poster, args=(live.url, first)) for first in (0, 500_000)
        ]
        for thread in posters:
            thread.start()
        deadline = time.monotonic() + 90
        while len(acknowledged) < 30 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(live.process.pid, signal.SIGKILL)
        live.process.wait(timeout=30)
        stop.set()
        for thread in posters:
            thread.join(timeout=60)
    assert len(acknowledged) >= 30, "the server acknowledged too little before the kill"
    store = Store.open(database_url)
    try:
        with store.connection() as conn:
            stored = {row[0] for row in conn.exec_driver_sql("SELECT id FROM documents")}
            counts = {
                table: conn.execute(
                    sa.text(f"SELECT count(DISTINCT doc_id) FROM {table}")
                ).scalar_one()
                for table in ("incidents", "document_signatures")
            }
            bands = conn.exec_driver_sql("SELECT count(*) FROM document_bands").scalar_one()
        assert acknowledged <= stored, f"lost {len(acknowledged - stored)} acknowledged"
        # Whole documents only: each has its incident, its signature and its 21 bands.
        assert counts == {"incidents": len(stored), "document_signatures": len(stored)}
        assert bands == 21 * len(stored)
        # The aggregates written beside them equal a rebuild from the events.
        aggregates = RegionAggregates(region_index(real_boundaries), ScoreWeights())  # type: ignore[arg-type]
        assert store.aggregates_current(aggregates.fingerprint)
        keys = ["level", "region_id", "day"]
        before = store.region_day_frame(dt.date(2024, 12, 1)).sort_values(keys)
        store.rebuild_aggregates(aggregates)
        after = store.region_day_frame(dt.date(2024, 12, 1)).sort_values(keys)
        pd.testing.assert_frame_equal(
            before.reset_index(drop=True), after.reset_index(drop=True), check_dtype=False
        )
    finally:
        store.engine.dispose()

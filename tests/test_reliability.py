"""The service under stress: a schema fuzzer, a killed process and many clients at once.

- schemathesis generates requests from the app's own ``/openapi.json`` and checks every answer
  against it (no 5xx, documented status codes and content types, valid bodies, auth enforced);
- ``kill -9`` in the middle of single and batch ingests loses no acknowledged document and
  leaves no document without its mentions and incidents;
- two dozen clients ingesting (with duplicates) and reading at once get no errors, and every
  distinct text is stored exactly once.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from geodata.gazetteer import Gazetteer
from service.pipeline import Reader
from service.storage import NewDocument, Store
from tests.live_server import LiveServer, serve_process

TOKEN = "reliability-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PLACES = ["Kandahar", "Kabul", "Herat", "Kunduz", "Peshawar", "Quetta", "Helmand", "Mosul"]


def article(i: int) -> str:
    """A distinct short article naming a real place (so it has mentions and an incident)."""
    place = PLACES[i % len(PLACES)]
    return f"A roadside bomb exploded in {place} on Monday, killing {i + 2} soldiers. (report {i})"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server that requires a bearer token for writes, so the auth checks mean something."""
    database = tmp_path_factory.mktemp("reliability") / "riskmap.sqlite3"
    with serve_process(database, RISKMAP_API_TOKEN=TOKEN) as live:
        yield live


# -- schemathesis ----------------------------------------------------------------------------


def test_openapi_schema_holds_for_generated_requests(server: LiveServer) -> None:
    """Every operation, a handful of generated requests each, all checks but one.

    ``positive_data_acceptance`` is left out: it expects any schema-valid value to succeed,
    but an unknown alpha-3 code, ``since`` after ``until`` or a free-text date is a client
    error JSON Schema cannot express; those get a 400 problem, which the other checks verify.
    """
    schema = schemathesis.openapi.from_url(server.url + "openapi.json")
    failures: dict[str, str] = {}
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tested += 1
        # Map pages and PNGs take a second each to draw: fewer examples, same checks.
        examples = 4 if operation.path.startswith("/maps") else 12

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                base_url=server.url.rstrip("/"),
                headers=AUTH,
                excluded_checks=[positive_data_acceptance],
                timeout=60,
            )

        try:
            check()
        except BaseException as exc:  # schemathesis raises an exception group of failures
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures[operation.label] = str(exc)[:2000]
    assert tested >= 14
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


# -- concurrency -----------------------------------------------------------------------------


def test_concurrent_ingest_and_reads(server: LiveServer) -> None:
    """24 clients; 30 distinct texts each posted 3 times in all, interleaved with reads."""
    texts = [article(1000 + i) for i in range(30)]
    jobs: list[tuple[str, Any]] = [("post", t) for t in texts * 3]
    jobs += [("get", path) for path in _READS * 15]
    jobs.sort(key=lambda job: hash(str(job)))  # interleave deterministically per run
    with httpx.Client(timeout=120, limits=httpx.Limits(max_connections=32)) as client:

        def run(job: tuple[str, Any]) -> tuple[str, Any, int, dict[str, Any] | None]:
            kind, payload = job
            if kind == "post":
                response = client.post(
                    server.url + "documents",
                    json={"text": payload, "published": "2024-11-25"},
                    headers=AUTH,
                )
                return kind, payload, response.status_code, response.json()
            response = client.get(server.url + payload.lstrip("/"))
            return kind, payload, response.status_code, None

        with ThreadPoolExecutor(max_workers=24) as pool:
            results = list(pool.map(run, jobs))
    statuses = Counter(status for _, _, status, _ in results)
    assert set(statuses) <= {200, 201}, statuses
    created = Counter(payload for kind, payload, status, _ in results if status == 201)
    assert created == Counter(texts), "each distinct text is created exactly once"
    ids = {body["id"] for kind, _, _, body in results if kind == "post" and body}
    assert len(ids) == len(texts)
    with sqlite3.connect(server.database) as db:
        placeholders = ",".join("?" * len(ids))
        rows = db.execute(
            f"SELECT id, (SELECT count(*) FROM mentions m WHERE m.doc_id = d.id) "
            f"FROM documents d WHERE id IN ({placeholders})",
            sorted(ids),
        ).fetchall()
    assert len(rows) == len(texts)
    mentions_sent = {body["id"]: len(body["mentions"]) for _, _, _, body in results if body}
    assert {doc_id: n for doc_id, n in rows} == mentions_sent, "no mention stored twice"


_READS = [
    "/health",
    "/regions?country=AFG",
    "/collections/incidents/items?limit=10",
    "/regions/AF-KAN",
]


# -- SIGKILL mid-ingest ----------------------------------------------------------------------


def test_sigkill_mid_ingest_loses_nothing_acknowledged(
    tmp_path: Path, real_gazetteer: Gazetteer
) -> None:
    """Kill -9 while one client posts documents one by one and another posts batches."""
    database = tmp_path / "killed.sqlite3"
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def single_poster(url: str) -> None:
        with httpx.Client(timeout=60) as client:
            for i in range(10_000):
                if stop.is_set():
                    return
                try:
                    response = client.post(
                        url + "documents", json={"text": article(i), "published": "2024-11-25"}
                    )
                except httpx.TransportError:
                    return
                if response.status_code in (200, 201):
                    with lock:
                        acknowledged.add(response.json()["id"])

    def batch_poster(url: str) -> None:
        with httpx.Client(timeout=60) as client:
            for start in range(100_000, 200_000, 25):
                if stop.is_set():
                    return
                batch = [
                    {"text": article(i), "published": "2024-11-25"}
                    for i in range(start, start + 25)
                ]
                try:
                    response = client.post(url + "documents/batch", json=batch)
                except httpx.TransportError:
                    return
                if response.status_code in (200, 201):
                    with lock:
                        acknowledged.update(d["id"] for d in response.json()["documents"])

    with serve_process(database) as live:
        posters = [
            threading.Thread(target=single_poster, args=(live.url,)),
            threading.Thread(target=batch_poster, args=(live.url,)),
        ]
        for thread in posters:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(live.process.pid, signal.SIGKILL)  # mid-request: both clients are busy
        live.process.wait(timeout=30)
        stop.set()
        for thread in posters:
            thread.join(timeout=60)
    assert len(acknowledged) >= 60, "the server acknowledged too little before the kill"

    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = Store.open(f"sqlite:///{database}")
    try:
        with store.connection() as conn:
            stored = {row[0] for row in conn.exec_driver_sql("SELECT id FROM documents")}
        assert acknowledged <= stored, f"lost {len(acknowledged - stored)} acknowledged"
        # Everything stored is whole: the same mentions and incidents a fresh reading gives.
        reader = Reader(real_gazetteer)
        anchor = dt.date(2024, 11, 25)
        for doc_id in stored:
            record = store.document(doc_id)
            assert record is not None
            document = NewDocument(record["text"], dt.date.fromisoformat(record["published"]))
            reading = reader.read(document, today=anchor)
            assert len(record["mentions"]) == len(reading.mentions), doc_id
            assert [i["sentence"] for i in record["incidents"]] == [
                i.sentence for i in reading.incidents.incidents
            ], doc_id
            assert record["incidents"], "every test article reports a bombing"
    finally:
        store.engine.dispose()

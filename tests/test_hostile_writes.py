"""Hostile input on the write path: cross-site writes, forged hosts and peers, odd tokens,
numbers and dates that broke Python, oversized and half-bad batches.

Each class of input must end in a 4xx problem (never a 500) and store nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from geodata.incidents import extract_incidents
from geodata.timeexpr import find_dates, shift_days
from service.cli import server_options
from service.dependencies import token_matches
from service.errors import InvalidParameter, PayloadTooLarge, ShuttingDown
from service.routes.documents import _json_lines_documents
from service.settings import Settings
from service.storage import NewDocument, Store, document_id
from tests.conftest import make_client
from tests.live_server import serve_process
from tests.placeholders import fake_mentions

ARTICLE = "A bomb exploded in Kandahar on Monday, killing 4 people."
NDJSON = {"Content-Type": "application/x-ndjson"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from make_client(tmp_path_factory.mktemp("hostile"))


def stored(client: TestClient) -> int:
    count: int = client.get("/health").json()["documents"]
    return count


def assert_problem(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


# -- 1. cross-site writes: an explicit JSON media type ----------------------------------------


@pytest.mark.parametrize("path", ["/documents", "/documents/batch"])
@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_writes_without_a_json_media_type_are_415(
    api: TestClient, path: str, content_type: str | None
) -> None:
    """A Blob body from another origin has no Content-Type and needs no CORS preflight."""
    document = {"text": ARTICLE + f" ({path} {content_type})"}
    body = json.dumps([document] if path.endswith("batch") else document).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    before = stored(api)
    response = api.post(path, content=body, headers=headers)
    assert_problem(response, 415)
    assert "Content-Type" in response.json()["detail"]
    assert stored(api) == before


# -- 2. trusted hosts ------------------------------------------------------------------------


def test_an_unknown_host_is_400_before_anything_runs(api: TestClient) -> None:
    before = stored(api)
    for path in ("/health", "/collections"):
        response = api.get(path, headers={"Host": "evil.example"})
        assert_problem(response, 400)
        assert "evil.example" not in response.text
    write = api.post("/documents", json={"text": ARTICLE}, headers={"Host": "evil.example"})
    assert_problem(write, 400)
    assert stored(api) == before
    assert api.get("/health", headers={"Host": "localhost:8000"}).status_code == 200


def test_default_hosts_are_loopback_names_and_the_bind_host() -> None:
    hosts = Settings(host="10.1.2.3").trusted_hosts()
    assert {"localhost", "127.0.0.1", "[::1]", "10.1.2.3"} <= set(hosts)
    assert "testserver" not in hosts and "*" not in hosts
    assert "[::1]" in Settings(host="::1").trusted_hosts()
    assert Settings(allowed_hosts="a.example, b.example").allowed_hosts == [  # type: ignore[arg-type]
        "a.example",
        "b.example",
    ]


# -- 3. loopback by the socket peer only -----------------------------------------------------


@pytest.mark.parametrize("peer", ["testclient", "localhost", "203.0.113.9", "::ffff:8.8.8.8"])
def test_a_peer_that_is_not_a_loopback_address_cannot_write(tmp_path: Path, peer: str) -> None:
    """Names are no addresses: ``localhost`` and ``testclient`` used to pass as loopback."""
    for client in make_client(tmp_path, peer=(peer, 4000)):
        assert_problem(client.post("/documents", json={"text": ARTICLE}), 403)
        assert stored(client) == 0


def test_ipv6_and_mapped_loopback_peers_can_write(tmp_path: Path) -> None:
    for peer in ("::1", "::ffff:127.0.0.1"):
        for client in make_client(tmp_path / peer.replace(":", "_"), peer=(peer, 4000)):
            assert client.post("/documents", json={"text": ARTICLE}).status_code == 201


def test_forwarded_headers_from_loopback_grant_nothing(api: TestClient) -> None:
    """Through a proxy nobody declared, the real client is unknown: no tokenless write."""
    before = stored(api)
    for header, value in [
        ("X-Forwarded-For", "8.8.8.8, localhost"),
        ("X-Forwarded-For", "127.0.0.1"),
        ("Forwarded", "for=127.0.0.1"),
    ]:
        response = api.post("/documents", json={"text": ARTICLE}, headers={header: value})
        assert_problem(response, 403)
    assert stored(api) == before


def test_serve_believes_forwarded_headers_only_from_declared_proxies() -> None:
    options = server_options(Settings())
    assert options["proxy_headers"] is False
    assert options["timeout_graceful_shutdown"] == Settings().shutdown_timeout
    declared = server_options(Settings(forwarded_allow_ips="10.0.0.2,10.0.0.3"))  # type: ignore[arg-type]
    assert declared["proxy_headers"] is True
    assert declared["forwarded_allow_ips"] == "10.0.0.2,10.0.0.3"


# -- 4. tokens as bytes ----------------------------------------------------------------------


def test_non_ascii_bearer_tokens_are_compared_as_bytes(tmp_path: Path) -> None:
    for client in make_client(tmp_path / "ascii", api_token="s3cret"):
        response = client.post(
            "/documents", json={"text": ARTICLE}, headers={"Authorization": b"Bearer s\xc3\xa9cret"}
        )
        assert_problem(response, 403)
        assert stored(client) == 0
    for client in make_client(tmp_path / "utf8", api_token="sécret"):
        right = client.post(
            "/documents", json={"text": ARTICLE}, headers={"Authorization": b"Bearer s\xc3\xa9cret"}
        )
        assert right.status_code == 201
        wrong = client.post(
            "/documents", json={"text": ARTICLE}, headers={"Authorization": "Bearer secret"}
        )
        assert_problem(wrong, 403)


def test_tokens_compare_the_bytes_the_client_sent() -> None:
    """Starlette hands header values over decoded as Latin-1 (TestClient re-encodes them)."""
    assert token_matches(b"s\xc3\xa9cret".decode("latin-1"), "sécret")
    assert not token_matches(b"s\xe9cret".decode("latin-1"), "sécret")
    assert not token_matches("sécret", "s3cret")
    assert token_matches("s3cret", "s3cret")


# -- 5. batch size and streaming -------------------------------------------------------------


def test_a_batch_past_max_batch_bytes_is_413(tmp_path: Path) -> None:
    for client in make_client(tmp_path, max_batch_bytes=2000):
        documents = [{"text": f"{ARTICLE} ({i})" + " x" * 100} for i in range(10)]
        assert_problem(client.post("/documents/batch", json=documents), 413)
        lines = "".join(json.dumps(d) + "\n" for d in documents).encode()
        assert_problem(client.post("/documents/batch", content=lines, headers=NDJSON), 413)

        def chunked(body: bytes) -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield body

        response = client.post("/documents/batch", content=chunked(lines), headers=NDJSON)
        assert_problem(response, 413)
        assert stored(client) == 0
        assert client.post("/documents/batch", json=documents[:2]).status_code == 201


def _streamed_request(chunks: list[bytes], consumed: list[int]) -> Request:
    """A request whose body arrives in ``chunks``; ``consumed`` counts the chunks read."""

    async def receive() -> dict[str, Any]:
        consumed.append(1)
        index = len(consumed) - 1
        more = index < len(chunks) - 1
        return {"type": "http.request", "body": chunks[index], "more_body": more}

    scope = {
        "type": "http",
        "method": "POST",
        "headers": [(b"content-type", NDJSON["Content-Type"].encode())],
    }
    return Request(scope, receive)


def test_json_lines_are_parsed_as_they_arrive() -> None:
    """A bad line or one document too many ends the read there; the rest is never received."""
    good = json.dumps({"text": ARTICLE}).encode() + b"\n"
    settings = Settings(max_batch_documents=3)
    cases = [
        ([good, b"{oops\n", *[good] * 50], InvalidParameter, 2),
        ([good, good[:10], good[10:] + good, good, *[good] * 50], PayloadTooLarge, 4),
    ]
    for chunks, error, read in cases:
        consumed: list[int] = []
        with pytest.raises(error):
            anyio.run(_json_lines_documents, _streamed_request(chunks, consumed), settings)
        assert len(consumed) == read

    consumed = []
    split = [good[:7], good[7:] + good[:3], good[3:]]  # lines cut anywhere
    documents = anyio.run(_json_lines_documents, _streamed_request(split, consumed), settings)
    assert [d.text for d in documents] == [ARTICLE, ARTICLE]


def test_a_line_longer_than_a_document_is_refused_before_it_ends() -> None:
    settings = Settings(max_document_bytes=100)
    consumed: list[int] = []
    chunks = [b'{"text": "' + b"a" * 3000, *[b"a" * 3000] * 20, b'"}\n']
    with pytest.raises(PayloadTooLarge):
        anyio.run(_json_lines_documents, _streamed_request(chunks, consumed), settings)
    assert len(consumed) < len(chunks)


# -- 6. numbers, nesting and dates that used to be 500s --------------------------------------

HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("path", "body", "headers"),
    [
        ("/documents", f'{{"text": "x y", "published": {HUGE}}}', JSON),
        ("/documents/batch?atomic=true", f'[{{"text": "x y", "published": {HUGE}}}]', JSON),
        (
            "/documents/batch?atomic=true",
            f'{{"text": "x y"}}\n{{"text": "x", "published": {HUGE}}}\n',
            NDJSON,
        ),
        ("/documents", "[" * 100_000, JSON),
        ("/documents/batch?atomic=true", "[" * 100_000, JSON),
        ("/documents/batch?atomic=true", '{"text": "x y"}\n' + '{"a":' * 100_000, NDJSON),
        ("/documents", json.dumps({"text": ARTICLE, "published": "9999-12-31"}), JSON),
        ("/documents", json.dumps({"text": ARTICLE, "published": "0001-01-01"}), JSON),
        ("/documents", json.dumps({"text": ARTICLE, "published": "1899-12-31"}), JSON),
        ("/documents", json.dumps({"text": ARTICLE, "published": 10**15}), JSON),
        (
            "/documents/batch?atomic=true",
            json.dumps(
                [{"text": f"{ARTICLE} {i}"} for i in range(3)]
                + [{"text": ARTICLE, "published": "9999-12-31"}]
            ),
            JSON,
        ),
    ],
)
def test_inputs_that_broke_python_are_400(
    api: TestClient, path: str, body: str, headers: dict[str, str]
) -> None:
    before = stored(api)
    assert_problem(api.post(path, content=body.encode(), headers=headers), 400)
    assert stored(api) == before


@pytest.mark.parametrize(
    "body",
    [
        f'{{"text": "x", "published": {HUGE}}}\n',
        '{"a":' * 100_000 + "\n",
        json.dumps({"text": ARTICLE, "published": "9999-12-31"}) + "\n",
    ],
)
def test_hostile_items_of_a_per_item_batch_are_refused_alone(api: TestClient, body: str) -> None:
    before = stored(api)
    response = api.post("/documents/batch", content=body.encode(), headers=NDJSON)
    assert response.status_code == 207
    (result,) = response.json()["documents"]
    assert (result["status"], result["http_status"]) == ("error", 400)
    assert stored(api) == before


def test_published_range_is_1900_to_a_year_ahead(api: TestClient) -> None:
    ahead = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    for published in ("1900-01-01", ahead):
        text = f"A bomb exploded in Kabul yesterday, killing 3 people ({published})."
        response = api.post("/documents", json={"text": text, "published": published})
        assert response.status_code == 201, response.text
    too_far = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    assert_problem(api.post("/documents", json={"text": ARTICLE, "published": too_far}), 400)


def test_relative_dates_past_the_calendar_are_skipped_not_raised() -> None:
    first, last = dt.date.min, dt.date.max
    assert find_dates("It happened yesterday, last week and last year.", first) == []
    assert [s.text for s in find_dates("It happened today.", first)] == ["today"]
    assert find_dates("It happened last month.", first) == []
    assert find_dates("We meet in the February of next year.", last) == []
    assert shift_days(first, -7) == first and shift_days(last, 7) == last
    assert shift_days(dt.date(2024, 1, 1), 10**12) == last
    assert shift_days(dt.date(2024, 1, 8), -7) == dt.date(2024, 1, 1)


def test_storage_takes_extreme_dates_without_overflow(tmp_path: Path) -> None:
    """The CLI ingests without the API's range: the dedup window saturates instead."""
    store = Store.open(f"sqlite:///{tmp_path / 'dates.sqlite3'}")
    for published in (dt.date.max, dt.date.min):
        text = f"A bomb exploded in Kabul, killing 3 people. ({published})"
        mentions = fake_mentions(text)
        reading = extract_incidents(document_id(text), text, mentions, published, published)
        assert reading.incidents
        store.ingest(NewDocument(text, published), mentions, reading)
    assert store.counts()["documents"] == 2


# -- 7. all-or-nothing batches ---------------------------------------------------------------


def test_a_batch_failing_at_read_time_on_its_last_item_stores_nothing(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = api.app.state.reader  # type: ignore[attr-defined]
    read = reader.read

    def fails_on_the_last(document: NewDocument, today: dt.date | None = None) -> Any:
        if "(last)" in document.text:
            raise ValueError("the reader could not cope")
        return read(document, today)

    monkeypatch.setattr(reader, "read", fails_on_the_last)
    batch = [{"text": f"{ARTICLE} (item {i})"} for i in range(3)] + [{"text": f"{ARTICLE} (last)"}]
    before = stored(api)
    response = api.post("/documents/batch?atomic=true", json=batch)
    assert_problem(response, 422)
    assert "item 3" in response.json()["detail"]
    lines = "".join(json.dumps(d) + "\n" for d in batch)
    assert_problem(api.post("/documents/batch?atomic=true", content=lines, headers=NDJSON), 422)
    assert stored(api) == before


def test_a_batch_failing_at_write_time_on_its_last_item_stores_nothing(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = api.app.state.store  # type: ignore[attr-defined]
    index_near_copies = store._index_near_copies

    def fails_on_the_last(conn: Any, doc_id: str, text: str, *rest: Any) -> set[str]:
        if "(write fails)" in text:
            raise RuntimeError("the disk is full")
        return index_near_copies(conn, doc_id, text, *rest)  # type: ignore[no-any-return]

    monkeypatch.setattr(store, "_index_near_copies", fails_on_the_last)
    batch = [{"text": f"{ARTICLE} (w {i})"} for i in range(3)] + [
        {"text": f"{ARTICLE} (write fails)"}
    ]
    before = store.counts()
    with pytest.raises(RuntimeError, match="disk is full"):
        api.post("/documents/batch?atomic=true", json=batch)
    assert store.counts() == before


def test_one_batch_is_one_transaction(tmp_path: Path) -> None:
    """Duplicates inside a batch are seen (same transaction); a closed store refuses writes."""
    store = Store.open(f"sqlite:///{tmp_path / 'batch.sqlite3'}")
    items = []
    for text in (
        "A bomb exploded in Kabul.",
        "A bomb exploded in Herat.",
        "A bomb exploded in Kabul.",
    ):
        mentions = fake_mentions(text)
        reading = extract_incidents(document_id(text), text, mentions, None, dt.date(2024, 1, 1))
        items.append((NewDocument(text), mentions, reading))
    results = store.ingest_many(items)
    assert [r.created for r in results] == [True, True, False]
    store.close()
    with pytest.raises(ShuttingDown):
        store.ingest_many(items[:1])


# -- a real `riskmap serve`: forwarded headers and SIGTERM mid-ingest -------------------------


def test_served_forwarded_for_and_host_grant_nothing(tmp_path: Path) -> None:
    """uvicorn's default trusted 127.0.0.1's ``X-Forwarded-For``: a client could name itself."""
    with serve_process(tmp_path / "forwarded.sqlite3") as live:
        url = live.url + "documents"
        forged = httpx.post(
            url, json={"text": ARTICLE}, headers={"X-Forwarded-For": "8.8.8.8, localhost"}
        )
        assert_problem(forged, 403)
        rebound = httpx.post(url, json={"text": ARTICLE}, headers={"Host": "evil.example"})
        assert_problem(rebound, 400)
        assert httpx.get(live.url + "health").json()["documents"] == 0
        assert httpx.post(url, json={"text": ARTICLE}).status_code == 201


def long_article(i: int) -> str:
    """About 0.8 MB of distinct sentences naming places: seconds of reading each."""
    places = ["Kandahar", "Kabul", "Herat", "Kunduz", "Peshawar", "Quetta", "Helmand", "Mosul"]
    return " ".join(
        f"A roadside bomb exploded in {places[(i + k) % 8]} on Monday, killing {k % 30 + 2} "
        f"soldiers near the market. (report {i}.{k})"
        for k in range(8000)
    )


def test_sigterm_mid_ingest_stops_the_server_and_stores_nothing(tmp_path: Path) -> None:
    database = tmp_path / "sigterm.sqlite3"
    batch = json.dumps([{"text": long_article(i)} for i in range(16)]).encode()
    outcome: dict[str, Any] = {}
    uploaded = threading.Event()

    def body() -> Iterator[bytes]:
        for start in range(0, len(batch), 1 << 20):
            yield batch[start : start + (1 << 20)]
        uploaded.set()

    def post(url: str) -> None:
        try:
            outcome["response"] = httpx.post(url, content=body(), headers=JSON, timeout=600)
        except httpx.TransportError as exc:
            outcome["error"] = exc

    with serve_process(database, RISKMAP_SHUTDOWN_TIMEOUT="2") as live:
        poster = threading.Thread(target=post, args=(live.url + "documents/batch",))
        poster.start()
        assert uploaded.wait(120), "the batch was never sent"
        assert "response" not in outcome, "the batch was stored before SIGTERM: make it longer"
        live.process.send_signal(signal.SIGTERM)
        try:
            exit_code = live.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("riskmap serve was still running 15 s after SIGTERM")
        poster.join(timeout=60)
    assert exit_code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it caught
    response = outcome.get("response")
    assert response is None or response.status_code == 503, "a stopped ingest must not succeed"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM documents").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM mentions").fetchone() == (0,)

"""Caching: ETags and 304s, bodies kept per data version, the data version row, byte bounds.

Map pages, OGC item pages and layers are kept (raw, gzip, ETag) per request and data version;
the data version is a counter row raised in each ingest's transaction; every cache is bounded
by the bytes it holds, not by its number of entries.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import make_client
from fastapi.testclient import TestClient
from maps_support import island

from geodata.incidents import DocumentReading
from geodata.webgeom import Detail
from service.cache import ByteCache, etag_matches, prepare
from service.layers import LayerCatalogue
from service.storage import NewDocument, Store, document_id, migrate

# Sentences of our own: one event in Kandahar, then one in Herat.
KANDAHAR = "A car bomb exploded near a market in Kandahar on Monday, killing 7 people."
HERAT = "Gunmen attacked a checkpoint in Herat on Tuesday, killing 4 police officers."
MAP_PAGE = ("/maps/risk", {"country": "AFG", "level": "admin1"})


def _post(client: TestClient, text: str) -> None:
    response = client.post("/documents", json={"text": text, "published": "2024-11-25"})
    assert response.status_code == 201, response.text


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(tmp_path)


def _region_ids(client: TestClient, names: set[str]) -> dict[str, str]:
    """Afghan admin-1 ids by name (local or English) for the names asked."""
    regions = client.get("/regions", params={"country": "AFG"}).json()["features"]
    found = {}
    for feature in regions:
        for key in ("name", "name_en"):
            if feature["properties"].get(key) in names:
                found[feature["properties"][key]] = feature["id"]
    return found


# -- ETags and 304 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        MAP_PAGE,
        ("/maps/embed", {"country": "AFG"}),
        ("/maps/risk.png", {"country": "AFG", "width": 400, "height": 300}),
        ("/collections/admin1/items", {"limit": 1000, "f": "html"}),
        ("/collections/admin1/items", {"limit": 1000}),
        ("/", {}),
    ],
)
def test_a_known_etag_gets_304_without_a_body(
    client: TestClient, path: str, params: dict[str, object]
) -> None:
    first = client.get(path, params=params)
    assert first.status_code == 200
    etag = first.headers["etag"]
    again = client.get(path, params=params, headers={"If-None-Match": f'"other", {etag}'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # The same bytes come back compressed or not, under the same tag.
    plain = client.get(path, params=params, headers={"Accept-Encoding": "identity"})
    assert plain.headers["etag"] == etag and plain.content == first.content


def test_map_page_is_sent_gzip_compressed_once(client: TestClient) -> None:
    path, params = MAP_PAGE
    response = client.get(path, params=params, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    cache = client.app.state.response_bodies  # type: ignore[attr-defined]
    misses = cache.stats.misses
    for _ in range(3):
        client.get(path, params=params, headers={"Accept-Encoding": "gzip"})
    assert cache.stats.misses == misses  # served from the kept body, not rendered again


def test_an_ingest_changes_the_page_and_a_second_one_again(client: TestClient) -> None:
    path, params = MAP_PAGE
    empty = client.get(path, params=params)
    _post(client, KANDAHAR)
    one = client.get(path, params=params)
    _post(client, HERAT)
    two = client.get(path, params=params)
    tags = {empty.headers["etag"], one.headers["etag"], two.headers["etag"]}
    assert len(tags) == 3
    ids = _region_ids(client, {"Kandahar", "Herat", "Hirat"})  # Natural Earth: "Hirat"
    kandahar, herat = ids["Kandahar"], ids.get("Herat") or ids["Hirat"]
    scored = [
        {
            feature["id"]
            for feature in island(page.text)["regions"]["features"]
            if feature["properties"]["threat_score"] is not None
        }
        for page in (empty, one, two)
    ]
    assert scored[0] == set()
    assert kandahar in scored[1] and herat not in scored[1]
    assert {kandahar, herat} <= scored[2]
    # A client holding the old page's tag gets the new page, not a 304.
    stale = client.get(path, params=params, headers={"If-None-Match": one.headers["etag"]})
    assert stale.status_code == 200 and stale.headers["etag"] == two.headers["etag"]


def test_items_etag_does_not_follow_the_clock(tmp_path: Path) -> None:
    """A second later, or after a restart, the same request has the same body and ETag (it
    changed every second with ``timeStamp``, which a stored body cannot state truly)."""
    params = {"limit": 5}
    for client in make_client(tmp_path):
        _post(client, KANDAHAR)
        first = client.get("/collections/admin1/items", params=params)
    time.sleep(1.1)
    for client in make_client(tmp_path):  # a new process: nothing cached
        later = client.get("/collections/admin1/items", params=params)
    assert "timeStamp" not in first.json()
    assert later.headers["etag"] == first.headers["etag"]
    assert later.content == first.content


def test_etag_matching_follows_rfc_9110() -> None:
    assert etag_matches('"a", W/"b"', '"b"')
    assert etag_matches("*", '"x"')
    assert not etag_matches('"ab"', '"a"')
    assert not etag_matches(None, '"a"')


# -- the data version row ---------------------------------------------------------------------


def _new(text: str) -> tuple[NewDocument, list[object], DocumentReading]:
    """A document with nothing read from it: enough to count as stored data."""
    return NewDocument(text), [], DocumentReading(document_id(text), (), (), None)


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'version.sqlite3'}")


def test_each_storing_ingest_raises_the_version_once(store: Store) -> None:
    start = store.freshness()
    when = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    store.ingest_many([_new("one"), _new("two")], ingested_at=when)  # type: ignore[list-item]
    after = store.freshness()
    assert after.number == start.number + 1
    assert after.changed_at == when
    store.ingest_many([_new("one")])  # type: ignore[list-item]  # nothing new: no change
    assert store.freshness() == after


def test_a_rolled_back_batch_leaves_the_version(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.freshness()
    write = Store._write_document

    def fails_on_the_second(self: Store, conn: sa.Connection, document: NewDocument, *rest):  # type: ignore[no-untyped-def]
        if document.text == "second":
            raise RuntimeError("disk full")
        return write(self, conn, document, *rest)

    monkeypatch.setattr(Store, "_write_document", fails_on_the_second)
    with pytest.raises(RuntimeError):
        store.ingest_many([_new("first"), _new("second")])  # type: ignore[list-item]
    assert store.freshness() == before
    assert store.counts()["documents"] == 0


def test_reading_the_version_never_touches_documents(store: Store) -> None:
    """One primary-key lookup: its cost does not grow with the number of documents."""
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        store.data_version()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    assert statements and all("documents" not in s for s in statements)
    assert any("data_version" in s and "WHERE" in s for s in statements)


def test_migration_starts_the_version_from_stored_documents(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from service.storage import MIGRATIONS, create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.exec_driver_sql(
            "INSERT INTO documents (id, text, ingested_at) "
            "VALUES ('d1', 'x', '2024-05-06 07:08:09')"
        )
    migrate(engine)
    version = Store(engine).freshness()
    assert version.number == 1
    assert version.changed_at == dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


@contextmanager
def recorded(engine: sa.Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` while the ``with`` block runs."""
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_health_reads_the_version_row_and_counts_nothing(client: TestClient) -> None:
    """``/health`` costs one primary-key lookup, whatever the number of documents."""
    _post(client, KANDAHAR)
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    with recorded(store.engine) as statements:
        body = client.get("/health").json()
    assert body["documents"] == 1 and body["incidents"] >= 1 and body["clusters"] >= 1
    assert len(statements) == 1, statements
    assert "count(" not in statements[0].lower() and "data_version" in statements[0]


def test_kept_counts_equal_the_rows(client: TestClient) -> None:
    """The counts on the version row follow every storing ingest (and a repeat adds none)."""
    for text in (KANDAHAR, HERAT, KANDAHAR):
        client.post("/documents", json={"text": text, "published": "2024-11-25"})
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        actual = {
            name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in ("documents", "mentions", "incidents", "clusters")
        }
    assert actual["documents"] == 2 and actual["mentions"] > 0
    assert store.counts() == actual
    assert {k: v for k, v in client.get("/health").json().items() if k in actual} == actual


def test_migration_starts_the_counts_from_stored_rows(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from service.storage import MIGRATIONS, create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        for doc in ("d1", "d2"):
            connection.exec_driver_sql(
                "INSERT INTO documents (id, text, ingested_at) "
                f"VALUES ('{doc}', 'x', '2024-05-06 07:08:09')"
            )
    migrate(engine)
    assert Store(engine).counts() == {"documents": 2, "mentions": 0, "incidents": 0, "clusters": 0}


# -- bounded by bytes -------------------------------------------------------------------------


def test_byte_cache_drops_least_recently_used_bytes() -> None:
    cache: ByteCache[str, bytes] = ByteCache(100, len)
    cache.get_or_build("a", lambda: b"a" * 40)
    cache.get_or_build("b", lambda: b"b" * 40)
    cache.get("a")  # "a" is now the most recently used
    cache.get_or_build("c", lambda: b"c" * 40)
    assert "a" in cache and "c" in cache and "b" not in cache
    assert cache.nbytes == 80 and cache.stats.evictions == 1
    assert cache.get_or_build("huge", lambda: b"h" * 101) == b"h" * 101  # returned, not kept
    assert "huge" not in cache and cache.nbytes <= 100


def test_byte_cache_builds_once_for_concurrent_callers() -> None:
    cache: ByteCache[str, bytes] = ByteCache(1000, len)
    builds = 0
    started = threading.Barrier(8)

    def build() -> bytes:
        nonlocal builds
        builds += 1
        time.sleep(0.2)  # long enough for every caller to be waiting
        return b"page"

    def ask() -> None:
        started.wait()
        assert cache.get_or_build("world", build) == b"page"

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == 1


def test_layer_cache_is_bounded_by_bytes(real_boundaries: object) -> None:
    """Two full-detail world layers do not fit in 40 MB: the older one is dropped."""
    from service.scores import ScoreTable

    catalogue = LayerCatalogue(real_boundaries, cache_bytes=40 * 2**20)  # type: ignore[arg-type]
    table = ScoreTable({}, None, dt.date(2025, 1, 1), "1")
    catalogue.encoded("admin1", Detail.full, table)
    catalogue.encoded("admin1", Detail.medium, table)
    held = catalogue._encoded
    assert held.nbytes <= 40 * 2**20
    assert ("admin1", Detail.full, "1", None, dt.date(2025, 1, 1)) not in held
    assert ("admin1", Detail.medium, "1", None, dt.date(2025, 1, 1)) in held


def test_prepared_body_keeps_gzip_only_when_it_pays() -> None:
    text = prepare(b"threat " * 1000, "text/html")
    assert text.gzipped is not None and len(text.gzipped) < 1000
    assert prepare(b"tiny", "text/html").gzipped is None

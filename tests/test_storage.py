"""Storage: migrations, idempotent ingest, one transaction per document, event clusters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from geodata.incidents import extract_incidents
from service.storage import NewDocument, Store, document_id, normalise_text
from tests.placeholders import fake_mentions


def ingest(store: Store, text: str, published: dt.date | None = dt.date(2024, 11, 25)) -> str:
    document = NewDocument(text, published, source="test")
    mentions = fake_mentions(text)
    doc_id = document_id(text)
    reading = extract_incidents(doc_id, text, mentions, published, dt.date(2024, 11, 25))
    return store.ingest(document, mentions, reading).id


@pytest.fixture()
def store(database_url: str) -> Iterator[Store]:
    """A store on each backend (SQLite file, PostgreSQL schema), disposed afterwards."""
    store = Store.open(database_url)
    yield store
    store.engine.dispose()


def test_migrations_create_every_table_and_use_wal(store: Store) -> None:
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"documents", "mentions", "incidents", "clusters", "alembic_version"} <= tables
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_migrating_twice_is_harmless(database_url: str) -> None:
    url = database_url
    Store.open(url)
    ingest(Store.open(url), "A bomb exploded in Kabul.")
    assert Store.open(url).counts()["documents"] == 1


def test_document_id_ignores_trailing_whitespace_and_line_endings() -> None:
    assert document_id("A bomb.\r\nIn Kabul.  \n") == document_id("A bomb.\nIn Kabul.")
    assert normalise_text("  x  ") == "x"
    assert document_id("A bomb.") != document_id("A bomb!")


def test_same_text_twice_is_one_document(store: Store) -> None:
    first = ingest(store, "A bomb exploded in Kabul, killing 3 people.")
    again = ingest(store, "A bomb exploded in Kabul, killing 3 people.\n")
    assert first == again
    assert store.counts() == {"documents": 1, "mentions": 1, "incidents": 1, "clusters": 1}


def test_same_event_in_two_articles_shares_a_cluster(store: Store) -> None:
    ingest(store, "A bomb exploded in Kabul on Monday, killing 12 people.")
    ingest(store, "Officials said 12 people died when a bomb exploded in Kabul on Monday.")
    ingest(store, "A bomb exploded in Kandahar on Monday, killing 40 people.")
    assert store.counts()["incidents"] == 3
    sizes = sorted(len(cluster) for cluster in store.events())
    assert sizes == [1, 2]


def test_document_roundtrip_keeps_roles_and_evidence(store: Store) -> None:
    text = "Speaking to Belarus's state broadcaster, he said a bomb exploded in Kabul."
    doc_id = ingest(store, text)
    record = store.document(doc_id)
    assert record is not None
    roles = {m["surface"]: m["role"] for m in record["mentions"]}
    assert roles == {"Belarus": "media_outlet", "Kabul": "location"}
    (incident,) = record["incidents"]
    assert text[incident["start"] : incident["end"]] == incident["sentence"]
    assert incident["locations"][0]["region_id"] == "AFG-1767"


def test_failed_ingest_leaves_nothing(store: Store) -> None:
    text = "A bomb exploded in Kabul."
    mentions = fake_mentions(text)
    reading = extract_incidents(document_id(text), text, mentions, None, dt.date(2024, 1, 1))
    with pytest.raises(ValueError):
        # Roles and mentions out of step: the mentions insert fails after the document row.
        store.ingest(NewDocument(text), [*mentions, *mentions], reading)
    assert store.counts()["documents"] == 0

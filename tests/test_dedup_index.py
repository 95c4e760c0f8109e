"""Dedup at a flat cost: stored signatures, LSH bands in the database, (type, country, week)
blocks. A new report reads its blocks and its near-copies, never the stored texts."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import service.storage as storage_module
from geodata.dedup import (
    DedupSettings,
    MinHasher,
    band_hashes,
    dedup_blocks,
    near_duplicate_groups,
    neighbouring_weeks,
    week_number,
)
from geodata.incidents import extract_incidents
from service.schema import document_bands, document_signatures, incident_blocks
from service.storage import MIGRATIONS, NewDocument, Store, create_engine, document_id, migrate
from tests.placeholders import fake_mentions

DAY = dt.date(2024, 11, 25)

STORY = (
    "A roadside bomb exploded near a crowded market in Kabul on Monday, killing 12 people "
    "and wounding dozens more, officials said. No group claimed the attack, which came as "
    "traders were opening their stalls and buses were arriving from the provinces. Police "
    "closed the roads around the square while ambulances carried the wounded to hospital."
)


def ingest(
    store: Store,
    text: str,
    published: dt.date | None,
    anchor: dt.date = DAY,
    ingested_at: dt.datetime | None = None,
) -> str:
    mentions = fake_mentions(text)
    reading = extract_incidents(document_id(text), text, mentions, published, anchor)
    return store.ingest(NewDocument(text, published), mentions, reading, ingested_at).id


def perturbed(text: str, rng: random.Random, edits: int = 2) -> str:
    """A light rewrite: a few words of the background sentences (after the lead) replaced."""
    lead, rest = text.split(". ", 1)
    words = rest.split()
    for _ in range(edits):
        words[rng.randrange(len(words))] = rng.choice(["local", "several", "reportedly"])
    return lead + ". " + " ".join(words)


@pytest.fixture()
def store(database_url: str) -> Iterator[Store]:
    """A store on each backend (SQLite file, PostgreSQL schema)."""
    store = Store.open(database_url)
    yield store
    store.engine.dispose()


def test_band_hashes_agree_for_copies_and_differ_for_other_texts() -> None:
    hasher = MinHasher()
    settings = DedupSettings()
    same = band_hashes(hasher.signature(STORY), settings.lsh_bands, settings.lsh_rows)
    again = band_hashes(hasher.signature(STORY + " "), settings.lsh_bands, settings.lsh_rows)
    other = band_hashes(
        hasher.signature("Floods swept through villages in the north after days of rain."),
        settings.lsh_bands,
        settings.lsh_rows,
    )
    assert same == again and len(same) == 21
    assert not set(enumerate(same)) & set(enumerate(other))
    with pytest.raises(ValueError):
        band_hashes(hasher.signature(STORY), 30, 3)


def test_near_duplicate_groups_find_perturbed_copies_through_bands() -> None:
    rng = random.Random(3)
    texts = {"lead": STORY, "other": "Floods swept through villages in the north after rain."}
    texts |= {f"copy{i}": perturbed(STORY, rng, edits=1) for i in range(5)}
    leaders = near_duplicate_groups(texts)
    assert {leaders[f"copy{i}"] for i in range(5)} == {"lead"}
    assert leaders["other"] == "other"


def test_blocks_cover_the_weeks_of_the_date_and_the_publication() -> None:
    blocks = dedup_blocks("bombing", {"AFG", "PAK"}, (DAY, DAY + dt.timedelta(days=30), None))
    assert len(blocks) == 4
    assert ("bombing", "AFG", week_number(DAY)) in blocks
    assert week_number(dt.date(2024, 11, 25)) == week_number(dt.date(2024, 12, 1))  # Mon..Sun
    assert week_number(dt.date(2024, 12, 2)) == week_number(DAY) + 1
    assert list(neighbouring_weeks(DAY, 7)) == [week_number(DAY) + k for k in (-1, 0, 1)]
    assert len(neighbouring_weeks(dt.date.max, 7)) == 2  # no overflow at the calendar's end


def test_storing_reads_no_stored_text(store: Store) -> None:
    """The signatures of stored documents are read back, not recomputed from their texts."""
    ingest(store, STORY, DAY)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    ingest(store, perturbed(STORY, random.Random(1), edits=1), DAY)
    sa.event.remove(store.engine, "before_cursor_execute", record)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert reads and not any("documents.text" in s for s in reads)
    assert len(store.events()) == 1


def test_a_report_reads_only_its_block(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Undated reports stored over twenty weeks: a new one meets only those of its week."""
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for week in range(20):
        text = f"A bomb exploded in Kabul, report number {week} of the series."
        ingest(store, text, None, ingested_at=start + dt.timedelta(weeks=week))
    read: list[str] = []
    original = storage_module.incident_from_row

    def counting(row: Any) -> Any:
        read.append(row["id"])
        return original(row)

    monkeypatch.setattr(storage_module, "incident_from_row", counting)
    ingest(
        store,
        "A bomb exploded in Kabul, a new report.",
        None,
        ingested_at=start + dt.timedelta(weeks=19, days=2),
    )
    assert 1 <= len(read) <= 3  # weeks 18 and 19 (and 20, empty), not all twenty


def test_near_copy_with_a_far_date_joins_the_event(store: Store) -> None:
    """A rewrite that anchors 'Monday' a month later is still the same event."""
    ingest(store, STORY, DAY, anchor=DAY)
    later = DAY + dt.timedelta(days=40)
    ingest(store, perturbed(STORY, random.Random(2), edits=1), later, anchor=later)
    far = DAY + dt.timedelta(days=80)  # no copy, outside the window: a new event
    ingest(store, "A bomb exploded in Kabul on Monday, killing 12 people.", far, anchor=far)
    sizes = sorted(len(cluster) for cluster in store.events())
    assert sizes == [1, 2]


def test_migration_indexes_documents_stored_before_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    old = Store(engine)
    old_migrate = storage_module.migrate
    try:
        # Ingest into the 0003 schema with the columns it has: write the rows the old code did.
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO documents (id, text, published, ingested_at) "
                "VALUES ('d1', 'A bomb exploded in Kabul.', '2024-11-25', '2024-11-25 10:00:00')"
            )
            conn.exec_driver_sql(
                "INSERT INTO clusters (id, type, created_at) VALUES ('c1', 'bombing', "
                "'2024-11-25 10:00:00')"
            )
            conn.exec_driver_sql(
                'INSERT INTO incidents (id, doc_id, cluster_id, type, sentence, start, "end", '
                "trigger, trigger_start, trigger_end, locations, deadly, approximate, actors, "
                "date, date_source, confidence, evidence) VALUES ('i1', 'd1', 'c1', 'bombing', "
                "'A bomb exploded in Kabul.', 0, 25, 'bomb', 2, 6, "
                '\'[{"level": "admin1", "region_id": "AFG-1767", "country": "AFG", '
                '"precision": 1, "reason": "x", "surface": "Kabul", "point": null}]\', '
                "0, 0, '[]', '2024-11-25', 'published', 0.8, '[]')"
            )
        old_migrate(engine)
    finally:
        old.engine.dispose()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(document_signatures)).scalar()
        assert conn.execute(sa.select(sa.func.count()).select_from(document_bands)).scalar() == 21
        blocks = conn.execute(sa.select(incident_blocks.c.country, incident_blocks.c.week)).all()
    assert blocks == [("AFG", week_number(DAY))]
    store = Store(engine)
    ingest(store, "A bomb exploded in Kabul on Monday.", DAY)
    assert sorted(len(c) for c in store.events()) == [2]
    migrate(engine)  # a second run is harmless


def test_near_copies_are_looked_for_within_a_horizon(store: Store) -> None:
    """A reprint years later is a new article: the band lookup reads only nearby weeks."""
    ingest(store, STORY, DAY, anchor=DAY)
    years_later = DAY + dt.timedelta(days=3 * 365)
    ingest(store, perturbed(STORY, random.Random(2), edits=1), years_later, anchor=years_later)
    assert sorted(len(cluster) for cluster in store.events()) == [1, 1]
    with store.connection() as conn:
        weeks = {row.week for row in conn.execute(sa.select(document_bands.c.week))}
    assert weeks == {week_number(DAY), week_number(years_later)}

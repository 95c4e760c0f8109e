"""Yearly checkpoints (``region_checkpoints``): a score of all history reads no history.

Scores of open windows (everything up to a day) from a checkpoint per region plus the days
since must equal those from every stored day, after incremental ingests in date order, a
report of an older year arriving late, the first event of a new year, and a rebuild.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from geodata.incidents import extract_incidents
from geodata.scoring import RegionIndex, ScoreWeights, scores_from_days
from service.aggregates import RegionAggregates, roll_checkpoints, window_days
from service.schema import region_checkpoints
from service.storage import NewDocument, Store, document_id
from tests.placeholders import fake_mentions

INDEX = RegionIndex.from_borders(
    {"AFG-1767": "AFG", "AFG-1754": "AFG", "AFG-1760": "AFG", "AFG-1765": "AFG"},
    [("AFG|TJK", ["AFG-1760", "AFG-1765"])],
)
WEIGHTS = ScoreWeights()

#: (publication date, text), our own wording: events over three years, in date order.
IN_ORDER = [
    (dt.date(2022, 3, 7), "A bomb exploded in Kabul on Monday, killing 6 people."),
    (dt.date(2022, 11, 14), "Gunmen attacked a checkpoint in Kandahar, killing 3 soldiers."),
    (dt.date(2023, 5, 2), "A bomb exploded in Kandahar, wounding 11 people."),
    (dt.date(2023, 12, 30), "Militants attacked a post in Badakhshan, killing 2 guards."),
    (dt.date(2024, 2, 19), "Gunmen kidnapped 4 engineers in Takhar."),
    (dt.date(2024, 6, 3), "A bomb exploded in Kabul, killing 8 people and wounding 5."),
]
#: Told after the later years were stored: an older year's checkpoints must change.
LATE = (dt.date(2022, 8, 1), "A bomb exploded near a school in Kabul, killing 5 children.")
#: The first event of a new year: every region gets that year's checkpoint.
NEW_YEAR = (dt.date(2025, 1, 6), "Gunmen attacked a bus in Kandahar, killing 7 passengers.")
UNTILS = [
    dt.date(2021, 6, 1),
    dt.date(2022, 1, 1),
    dt.date(2022, 12, 31),
    dt.date(2023, 1, 1),
    dt.date(2024, 4, 30),
    dt.date(2025, 1, 1),
    dt.date(2025, 3, 1),
    dt.date(2027, 1, 1),
]


def ingest(store: Store, articles: list[tuple[dt.date, str]]) -> None:
    for day, text in articles:
        mentions = fake_mentions(text)
        reading = extract_incidents(document_id(text), text, mentions, day, day)
        store.ingest(NewDocument(text, day), mentions, reading)


def assert_open_windows_score_like_every_day(store: Store) -> None:
    mentions = store.region_mention_frame()
    for until in UNTILS:
        folded = window_days(store, [(None, until)])[True]
        expected = scores_from_days(store.region_day_frame(until), WEIGHTS, until, None, mentions)
        actual = scores_from_days(folded, WEIGHTS, until, None, mentions)
        pd.testing.assert_frame_equal(actual, expected, check_dtype=False, atol=1e-6)


def checkpoints(store: Store) -> pd.DataFrame:
    with store.connection() as conn:
        rows = conn.execute(sa.select(region_checkpoints)).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in region_checkpoints.c])
    return frame.sort_values(["level", "region_id", "year"]).reset_index(drop=True)


@pytest.fixture()
def store(database_url: str) -> Iterator[Store]:
    store = Store.open(database_url)
    aggregates = RegionAggregates(INDEX, WEIGHTS)
    store.rebuild_aggregates(aggregates)
    store.aggregates = aggregates
    yield store
    store.engine.dispose()


def test_open_windows_score_like_every_day_as_years_go_by(store: Store) -> None:
    for article in IN_ORDER:
        ingest(store, [article])
        assert_open_windows_score_like_every_day(store)
    stored = checkpoints(store)
    assert set(stored["year"]) == {2023, 2024}
    kabul = stored[stored["region_id"] == "AFG-1767"]
    assert list(kabul["year"]) == [2023, 2024] and list(kabul["fatalities"]) == [6.0, 6.0]
    ingest(store, [LATE, NEW_YEAR])
    assert_open_windows_score_like_every_day(store)
    kabul = checkpoints(store).query("region_id == 'AFG-1767'")
    assert list(kabul["year"]) == [2023, 2024, 2025]
    assert list(kabul["fatalities"]) == [11.0, 11.0, 19.0]


def test_incremental_checkpoints_equal_a_rebuild(store: Store) -> None:
    ingest(store, [*IN_ORDER, LATE, NEW_YEAR])
    incremental = checkpoints(store)
    assert store.aggregates is not None
    store.rebuild_aggregates(store.aggregates)
    pd.testing.assert_frame_equal(checkpoints(store), incremental, check_dtype=False, atol=1e-9)


def test_a_score_of_all_history_reads_only_the_latest_year_of_days(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.scores import ScoreBoard

    ingest(store, IN_ORDER)
    board = ScoreBoard.__new__(ScoreBoard)  # the scoring part only: no boundaries needed
    board.store, board.weights = store, WEIGHTS
    asked: list[tuple[dt.date, dt.date | None]] = []
    day_frame = store.region_day_frame

    def recorded(until: dt.date, since: dt.date | None = None, region: object = None) -> object:
        asked.append((until, since))
        return day_frame(until, since)

    monkeypatch.setattr(store, "region_day_frame", recorded)
    table = board._scored("1", None, dt.date(2024, 6, 30))
    assert asked == []  # no read of every day up to until
    assert table.rows[("admin0", "AFG")]["fatalities"] == 6 + 3 + 2 + 8
    folded = window_days(store, [(None, dt.date(2024, 6, 30)), (None, dt.date(2024, 5, 31))])
    assert len(folded[True]) < len(day_frame(dt.date(2024, 6, 30)))


def test_roll_checkpoints_decays_the_weight_to_each_first_of_january() -> None:
    day = {
        "day": dt.date(2023, 12, 31),
        "incidents": 1,
        "fatalities": 2.0,
        "injured": 0.0,
        "hostages": 0.0,
        "militants": 3.0,
        "presence": True,
        "weight": 1.0,
        "documents": 1,
    }
    rows = roll_checkpoints(("admin0", "AFG"), None, [day], None, 2025, 1.0)
    assert [(r["year"], r["incidents"], r["militants"], r["presence"]) for r in rows] == [
        (2024, 1, 3.0, True),
        (2025, 1, 3.0, True),
    ]
    assert rows[0]["weight"] == 0.5 and rows[1]["weight"] == pytest.approx(0.5**367)
    assert roll_checkpoints(("admin0", "AFG"), None, [], None, 2025, 1.0) == []


def test_an_ingest_reads_the_aggregates_by_index(tmp_path: Path) -> None:
    """Every read or delete of the day rows in an ingest is an index lookup, never a scan of
    ``region_days`` or ``event_regions`` (whose size grows with the history)."""
    path = tmp_path / "plans.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    aggregates = RegionAggregates(INDEX, WEIGHTS)
    store.rebuild_aggregates(aggregates)
    store.aggregates = aggregates
    ingest(store, IN_ORDER[:-1])
    statements: list[tuple[str, Any]] = []

    def record(conn: object, cursor: object, statement: str, parameters: Any, *_: object) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "DELETE")):
            statements.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    ingest(store, [IN_ORDER[-1], LATE])
    sa.event.remove(store.engine, "before_cursor_execute", record)
    store.engine.dispose()
    plans = sqlite3.connect(path)
    scans = [
        (statement, detail)
        for statement, parameters in statements
        for *_, detail in plans.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        if detail.startswith(("SCAN region_days", "SCAN event_regions"))
    ]
    plans.close()
    assert any("FROM event_regions" in statement for statement, _ in statements)
    assert scans == []

"""Scores from per-region, per-day aggregates equal scores from every event.

The aggregates are updated in each ingest's transaction; a score query reads days x regions
and applies the decay. These tests compare them with :func:`geodata.scoring.score_regions`
over the events themselves, after incremental ingests and after a rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest

from geodata.incidents import extract_incidents
from geodata.scoring import (
    RegionIndex,
    ScoreWeights,
    events_frame,
    score_regions,
    scores_from_days,
)
from service.aggregates import RegionAggregates
from service.storage import NewDocument, Store, document_id
from tests.placeholders import fake_mentions

INDEX = RegionIndex.from_borders(
    {"AFG-1767": "AFG", "AFG-1754": "AFG", "AFG-1760": "AFG", "AFG-1765": "AFG"},
    [("AFG|TJK", ["AFG-1760", "AFG-1765"])],
)
WEIGHTS = ScoreWeights()
START = dt.date(2024, 9, 2)

#: (days after START, text): events in several regions and weeks, a border, a repeat report.
ARTICLES = [
    (0, "A bomb exploded in Kabul on Monday, killing 12 people."),
    (1, "Officials said 12 people died when a bomb exploded in Kabul on Monday."),
    (3, "Gunmen attacked a checkpoint in Kandahar, killing 4 soldiers and wounding 6."),
    (9, "Militants attacked a post on the Tajik-Afghan border in Badakhshan, killing 2 guards."),
    (20, "A bomb exploded in Kandahar, wounding 9 people. Kabul police raised security."),
    (40, "Gunmen kidnapped 3 aid workers in Takhar. A bomb exploded in Kabul, killing 1."),
    (41, "A report on trade in Kabul and Astana said exports grew."),
]


def ingest_all(store: Store, articles: list[tuple[int, str]] = ARTICLES) -> None:
    for offset, text in articles:
        day = START + dt.timedelta(days=offset)
        mentions = fake_mentions(text)
        reading = extract_incidents(document_id(text), text, mentions, day, day)
        store.ingest(NewDocument(text, day), mentions, reading)


def from_events(store: Store, until: dt.date, since: dt.date | None) -> pd.DataFrame:
    events = events_frame(store.events(), store.place_spans())
    return score_regions(events, INDEX, WEIGHTS, until, since, store.mention_frame())


def from_days(store: Store, until: dt.date, since: dt.date | None) -> pd.DataFrame:
    days = store.region_day_frame(until, since)
    return scores_from_days(days, WEIGHTS, until, since, store.region_mention_frame())


def assert_same_scores(store: Store) -> None:
    windows = [
        (START + dt.timedelta(days=60), None),
        (START + dt.timedelta(days=60), START + dt.timedelta(days=5)),
        (START + dt.timedelta(days=10), START),
        (START - dt.timedelta(days=1), None),
    ]
    for until, since in windows:
        expected = from_events(store, until, since).drop(columns="incident_ids")
        actual = from_days(store, until, since)
        pd.testing.assert_frame_equal(actual, expected, check_dtype=False, atol=1e-3)
        for level, region in zip(expected["level"], expected["region_id"], strict=True):
            ids = store.region_event_ids(level, region, until, since)
            events = from_events(store, until, since).set_index(["level", "region_id"])
            assert sorted(ids) == sorted(events.loc[(level, region), "incident_ids"])


@pytest.fixture()
def store(database_url: str) -> Iterator[Store]:
    """A store on each backend whose aggregates are current from the start (empty)."""
    store = Store.open(database_url)
    aggregates = RegionAggregates(INDEX, WEIGHTS)
    store.rebuild_aggregates(aggregates)
    store.aggregates = aggregates
    yield store
    store.engine.dispose()


def test_incremental_aggregates_score_like_the_events(store: Store) -> None:
    ingest_all(store)
    assert store.aggregates is not None
    assert store.aggregates_current(store.aggregates.fingerprint)
    scored = from_days(store, START + dt.timedelta(days=60), None).set_index("region_id")
    assert scored.loc["AFG", "incidents"] >= 4 and scored.loc["AFG|TJK", "incidents"] == 1
    assert scored.loc["KAZ", "mentions"] == 1 and scored.loc["KAZ", "threat_score"] == 0
    assert_same_scores(store)


def test_a_report_joining_an_event_replaces_its_contribution(store: Store) -> None:
    ingest_all(store, ARTICLES[:1])
    before = from_days(store, START, None).set_index("region_id")
    ingest_all(store, ARTICLES[1:2])  # the same bombing, a second document
    after = from_days(store, START + dt.timedelta(days=1), None).set_index("region_id")
    assert before.loc["AFG-1767", "incidents"] == after.loc["AFG-1767", "incidents"] == 1
    assert (before.loc["AFG-1767", "documents"], after.loc["AFG-1767", "documents"]) == (1, 2)
    assert_same_scores(store)


def test_an_ingest_without_the_scoring_side_leaves_them_behind_until_rebuilt(
    store: Store,
) -> None:
    aggregates = store.aggregates
    assert aggregates is not None
    ingest_all(store, ARTICLES[:3])
    store.aggregates = None  # e.g. `riskmap ingest` in another process
    ingest_all(store, ARTICLES[3:])
    store.aggregates = aggregates
    assert not store.aggregates_current(aggregates.fingerprint)
    ingest_all(store, [(50, "A bomb exploded in Kunduz, killing 5 people.")])
    assert not store.aggregates_current(aggregates.fingerprint)  # still behind, not patched
    store.rebuild_aggregates(aggregates)
    assert store.aggregates_current(aggregates.fingerprint)
    assert_same_scores(store)


def test_other_weights_make_them_stale(store: Store) -> None:
    ingest_all(store, ARTICLES[:2])
    heavier = RegionAggregates(INDEX, ScoreWeights(fatality=5.0))
    assert not store.aggregates_current(heavier.fingerprint)


def test_evidence_ids_are_paged_latest_first(store: Store) -> None:
    ingest_all(store)
    until = START + dt.timedelta(days=60)
    every = store.region_event_ids("admin0", "AFG", until)
    assert len(every) >= 4
    pages = [store.region_event_ids("admin0", "AFG", until, None, 2, o) for o in (0, 2, 4)]
    assert [i for page in pages for i in page] == every
    reports = store.event_reports(every[-1:])
    assert len(reports[every[-1]]) == 2  # the Kabul bombing, told by two documents

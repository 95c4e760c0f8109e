"""Time: per-region series, score_change against the previous window, and what the window is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from geodata.incidents import Incident, Location
from geodata.scoring import (
    RegionIndex,
    ScoreWeights,
    events_frame,
    previous_window,
    region_timeline,
    score_regions,
    with_score_change,
)
from tests.conftest import make_client

INDEX = RegionIndex.from_borders({"AFG-1767": "AFG"}, [])
KABUL = Location("admin1", "AFG-1767", "AFG", 1, "place", "Kabul")


def bombing(day: dt.date, killed: int = 0, id: str = "") -> Incident:
    return Incident(
        id=id or f"b{day.isoformat()}",
        doc_id="d",
        type="bombing",
        sentence="A bomb exploded.",
        start=0,
        end=16,
        trigger="bomb",
        trigger_start=2,
        trigger_end=6,
        locations=(KABUL,),
        killed=killed,
        date=day,
    )


def test_previous_window_has_the_same_length() -> None:
    assert previous_window(dt.date(2024, 3, 1), dt.date(2024, 3, 31), 30) == (
        dt.date(2024, 1, 30),
        dt.date(2024, 2, 29),
    )
    assert previous_window(None, dt.date(2024, 3, 31), 30) == (None, dt.date(2024, 3, 1))


def test_score_change_is_the_difference_with_the_previous_window() -> None:
    events = events_frame([[bombing(dt.date(2024, 2, 10), 1)], [bombing(dt.date(2024, 3, 10), 10)]])
    weights = ScoreWeights()
    since, until = dt.date(2024, 3, 1), dt.date(2024, 3, 31)
    now = score_regions(events, INDEX, weights, until, since)
    before = score_regions(events, INDEX, weights, *reversed(previous_window(since, until, 30)))
    changed = with_score_change(now, before).set_index("region_id")
    expected = (
        now.set_index("region_id")["threat_score"] - before.set_index("region_id")["threat_score"]
    )
    assert changed.loc["AFG-1767", "score_change"] == pytest.approx(expected["AFG-1767"], abs=1e-3)
    assert changed.loc["AFG-1767", "score_change"] > 0
    quiet = with_score_change(before, now).set_index("region_id")
    assert quiet.loc["AFG-1767", "score_change"] < 0


def test_timeline_buckets_by_month_and_week() -> None:
    events = events_frame(
        [
            [bombing(dt.date(2024, 1, 15), 2)],
            [bombing(dt.date(2024, 1, 20), 1)],
            [bombing(dt.date(2024, 3, 5), 4)],
        ]
    )
    months = region_timeline(
        events,
        INDEX,
        ScoreWeights(),
        "admin1",
        "AFG-1767",
        dt.date(2024, 1, 10),
        dt.date(2024, 3, 31),
        "month",
    )
    assert [(b["start"], b["end"]) for b in months] == [
        ("2024-01-10", "2024-01-31"),
        ("2024-02-01", "2024-02-29"),
        ("2024-03-01", "2024-03-31"),
    ]
    assert [b["incidents"] for b in months] == [2, 0, 1]
    assert [b["fatalities"] for b in months] == [3, 0, 4]
    assert months[1]["threat_score"] == 0 < months[0]["threat_score"]
    # A bucket's score is the score of that window on its own.
    alone = score_regions(events, INDEX, ScoreWeights(), dt.date(2024, 3, 31), dt.date(2024, 3, 1))
    assert months[2]["threat_score"] == pytest.approx(
        float(alone.set_index("region_id").loc["AFG-1767", "threat_score"])
    )
    weeks = region_timeline(
        events,
        INDEX,
        ScoreWeights(),
        "admin1",
        "AFG-1767",
        dt.date(2024, 1, 15),
        dt.date(2024, 1, 28),
        "week",
    )
    assert [(b["start"], b["incidents"]) for b in weeks] == [
        ("2024-01-15", 2),  # Monday 15 to Sunday 21 January: both bombings
        ("2024-01-22", 0),
    ]
    assert weeks[0]["end"] == "2024-01-21"


def test_timeline_of_a_region_with_no_events_is_all_zero() -> None:
    series = region_timeline(
        pd.DataFrame(),
        INDEX,
        ScoreWeights(),
        "admin1",
        "AFG-1767",
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 15),
        "month",
    )
    assert [(b["incidents"], b["threat_score"]) for b in series] == [(0, 0.0), (0, 0.0)]


def test_an_unknown_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="week, month"):
        region_timeline(
            pd.DataFrame(), INDEX, ScoreWeights(), "admin1", "x", dt.date(2024, 1, 1),
            dt.date(2024, 1, 2), "day",
        )  # fmt: skip


# -- through the API -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    clients = make_client(tmp_path_factory.mktemp("timeline"))
    client = next(clients)
    for published, text in (
        ("2024-09-12", "A roadside bomb exploded in Kandahar on Tuesday, killing three soldiers."),
        ("2024-11-06", "A car bomb exploded in Kandahar on Monday, killing nine people."),
        ("2024-11-20", "Gunmen attacked a checkpoint in Kandahar on Tuesday, killing two guards."),
    ):
        response = client.post("/documents", json={"text": text, "published": published})
        assert response.status_code == 201
    yield client
    clients.close()


def test_region_timeline_per_month(api: TestClient) -> None:
    response = api.get(
        "/regions/AF-KAN/timeline",
        params={"interval": "month", "since": "2024-09-01", "until": "2024-11-30"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "AFG-1741" or body["name"] == "Kandahar"
    assert body["interval"] == "month"
    assert [b["start"][:7] for b in body["buckets"]] == ["2024-09", "2024-10", "2024-11"]
    assert [b["incidents"] for b in body["buckets"]] == [1, 0, 2]
    assert [b["fatalities"] for b in body["buckets"]] == [3, 0, 11]
    assert body["buckets"][2]["threat_score"] > body["buckets"][0]["threat_score"] > 0
    assert body["scoring"]["latest_report"] == "2024-11-19"


def test_timeline_by_week_starts_at_the_first_event_by_default(api: TestClient) -> None:
    body = api.get(
        "/regions/AF-KAN/timeline", params={"interval": "week", "until": "2024-11-30"}
    ).json()
    assert body["since"] == "2024-09-10"
    assert sum(b["incidents"] for b in body["buckets"]) == 3
    assert all(dt.date.fromisoformat(b["start"]).weekday() == 0 for b in body["buckets"][1:])


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("/regions/AF-KAN/timeline?interval=day", "week"),
        ("/regions/AF-XXX/timeline", "AF-XXX"),
        ("/regions/AF-KAN/timeline?since=2024-12-01&until=2024-11-01", "after"),
    ],
)
def test_timeline_bad_requests_are_problems(api: TestClient, url: str, needle: str) -> None:
    response = api.get(url)
    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert needle in response.json()["detail"]


def test_border_timeline(api: TestClient) -> None:
    response = api.get("/borders/AFG%7CPAK/timeline", params={"until": "2024-11-30"})
    assert response.status_code == 200
    assert response.json()["level"] == "border"


def test_scored_responses_state_window_change_and_latest_report(api: TestClient) -> None:
    params = {"since": "2024-11-01", "until": "2024-11-30"}
    region = api.get("/regions/AF-KAN", params=params).json()["properties"]
    assert region["incidents"] == 2 and region["fatalities"] == 11
    # October had nothing in Kandahar: the whole November score is new.
    assert region["score_change"] == pytest.approx(region["threat_score"])
    scoring = region["scoring"]
    assert (scoring["since"], scoring["until"]) == ("2024-11-01", "2024-11-30")
    assert scoring["score_change_since"] == {"since": "2024-10-02", "until": "2024-10-31"}
    assert scoring["latest_report"] == "2024-11-19"
    assert "decayed" in scoring["counts"]
    listed = api.get("/regions", params={"country": "AFG", **params}).json()
    assert listed["scoring"]["latest_report"] == "2024-11-19"
    kandahar = next(f for f in listed["features"] if f["properties"]["name"] == "Kandahar")
    assert kandahar["properties"]["score_change"] == region["score_change"]
    quiet = next(f for f in listed["features"] if not f["properties"]["has_evidence"])
    assert quiet["properties"]["score_change"] is None


def test_open_window_compares_with_the_same_window_a_month_earlier(api: TestClient) -> None:
    now = api.get("/regions/AF-KAN", params={"until": "2024-11-30"}).json()["properties"]
    month_ago = api.get("/regions/AF-KAN", params={"until": "2024-10-31"}).json()["properties"]
    assert now["scoring"]["score_change_since"] == {"since": None, "until": "2024-10-31"}
    assert now["score_change"] == pytest.approx(
        now["threat_score"] - month_ago["threat_score"], abs=1e-3
    )


def test_scores_decay_unchanged_for_old_windows(api: TestClient) -> None:
    old = api.get("/regions/AF-KAN", params={"until": "2024-09-30"}).json()["properties"]
    assert old["incidents"] == 1 and old["fatalities"] == 3


def test_bombing_dates(api: TestClient) -> None:
    incidents = api.get("/incidents", params={"country": "AFG"}).json()["features"]
    assert sorted(f["properties"]["date"] for f in incidents) == [
        "2024-09-10",
        "2024-11-04",
        "2024-11-19",
    ]

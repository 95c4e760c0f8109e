"""The scoring formula, roll-ups and evidence."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from geodata.incidents import Incident, Location
from geodata.scoring import RegionIndex, ScoreWeights, event_weight, events_frame, score_regions

UNTIL = date(2024, 11, 30)
INDEX = RegionIndex.from_borders(
    {"AFG-1760": "AFG", "AFG-1767": "AFG", "TJK-366": "TJK"},
    [("AFG|TJK", ["AFG-1760", "TJK-366"]), ("AFG|CHN", ["AFG-1760"])],
)


def make(**changes: object) -> Incident:
    base = Incident(
        id="inc-1",
        doc_id="d1",
        type="bombing",
        sentence="s",
        start=0,
        end=1,
        trigger="bomb",
        trigger_start=0,
        trigger_end=1,
        locations=(Location("admin1", "AFG-1767", "AFG", 1, "place", "Kabul"),),
        date=UNTIL,
        confidence=1.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def scores(incidents: list[Incident], **kwargs: object) -> dict[tuple[str, str], dict[str, object]]:
    frame = score_regions(
        events_frame([[i] for i in incidents]),
        INDEX,
        ScoreWeights(),
        UNTIL,
        **kwargs,  # type: ignore[arg-type]
    )
    return {(r["level"], r["region_id"]): r for r in frame.to_dict("records")}


def test_gti_weights() -> None:
    weights = ScoreWeights()
    assert event_weight(make(), UNTIL, weights) == pytest.approx(1.0)
    assert event_weight(make(killed=2, wounded=4, hostages=2), UNTIL, weights) == pytest.approx(
        1 + 6 + 2 + 1
    )
    assert event_weight(make(deadly=True), UNTIL, weights) == pytest.approx(4.0)


def test_time_decay_halves_at_the_half_life() -> None:
    weights = ScoreWeights(half_life_days=30)
    old = make(date=date(2024, 10, 31))
    assert event_weight(old, UNTIL, weights) == pytest.approx(0.5)


def test_precision_and_confidence_scale_the_weight() -> None:
    national = make(locations=(Location("country", "AFG", "AFG", 6, "country", "Afghanistan"),))
    assert event_weight(national, UNTIL, ScoreWeights()) == pytest.approx(0.5)
    assert event_weight(make(confidence=0.5), UNTIL, ScoreWeights()) == pytest.approx(0.5)


def test_militant_presence_weight() -> None:
    presence = make(type="militant_presence", militants=999)
    expected = 1 + 2 + 0.5 * math.log10(1000)
    assert event_weight(presence, UNTIL, ScoreWeights()) == pytest.approx(expected)


def test_admin1_rolls_up_to_country_not_to_the_borders_it_touches() -> None:
    result = scores([make(locations=(Location("admin1", "AFG-1760", "AFG", 4, "p", "B"),))])
    assert set(result) == {("admin1", "AFG-1760"), ("admin0", "AFG")}
    assert all(r["threat_score"] > 0 for r in result.values())


def test_border_location_counts_for_both_countries() -> None:
    on_border = make(locations=(Location("border", "AFG|TJK", None, 5, "border", "b"),))
    result = scores([on_border])
    assert {("border", "AFG|TJK"), ("admin0", "AFG"), ("admin0", "TJK")} == set(result)


def test_an_event_counts_once_per_region() -> None:
    two_places = make(
        killed=55,
        locations=(
            Location("admin1", "AFG-1767", "AFG", 1, "p", "Kabul"),
            Location("admin1", "AFG-1760", "AFG", 4, "p", "Badakhshan"),
        ),
    )
    country = scores([two_places])[("admin0", "AFG")]
    assert country["incidents"] == 1
    assert country["fatalities"] == 55
    assert country["incident_ids"] == ["inc-1"]


def test_time_window_filters_events() -> None:
    old = make(id="old", date=date(2020, 1, 1))
    new = make(id="new")
    result = scores([old, new], since=date(2024, 1, 1))
    assert result[("admin0", "AFG")]["incident_ids"] == ["new"]
    future = make(id="future", date=date(2025, 6, 1))
    assert scores([future]) == {}


def test_score_is_logarithmic_and_capped() -> None:
    small = scores([make()])[("admin0", "AFG")]["threat_score"]
    big = scores([make(killed=10_000)])[("admin0", "AFG")]["threat_score"]
    assert 0 < small < 2 < big == 10.0


def test_mentioned_only_regions_have_zero_not_missing() -> None:
    import pandas as pd

    mentions = pd.DataFrame([{"level": "admin0", "region_id": "BLR", "doc_id": "d1"}])
    result = scores([make()], mentions=mentions)
    belarus = result[("admin0", "BLR")]
    assert belarus["threat_score"] == 0
    assert belarus["mentions"] == 1 and belarus["incidents"] == 0


def test_formula_is_described() -> None:
    description = ScoreWeights().describe()
    assert "half_life_days" in description["weights"]  # type: ignore[operator]
    assert "threat_score" in str(description["formula"])


def test_every_weight_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.settings import Settings

    monkeypatch.setenv("RISKMAP_SCORE_FATALITY", "5")
    monkeypatch.setenv("RISKMAP_SCORE_HALF_LIFE_DAYS", "30")
    monkeypatch.setenv("RISKMAP_SCORE_PRECISION_FACTOR", '{"6": 0.25}')
    weights = Settings().score_weights()
    assert weights.fatality == 5 and weights.half_life_days == 30
    assert weights.precision_factor[6] == 0.25 and weights.precision_factor[1] == 1.0
    national = make(locations=(Location("country", "AFG", "AFG", 6, "country", "Afghanistan"),))
    assert event_weight(national, UNTIL, weights) == pytest.approx(0.25)

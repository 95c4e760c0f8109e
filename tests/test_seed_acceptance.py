"""Acceptance: the two seed articles, read end to end, give what a careful analyst reads.

``../shared/seeds/expected.json`` lists the places each article names, which of them carry a
threat and which are only context. The articles go through the real gazetteer, the incident
extractor, the event clustering and the scoring, exactly as the service runs them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from geodata.boundaries import Boundaries
from geodata.dedup import cluster_incidents
from geodata.gazetteer import Gazetteer
from geodata.scoring import ScoreWeights, events_frame, score_regions
from service.pipeline import Reader, Reading
from service.scores import region_index
from service.storage import NewDocument

UNTIL = dt.date(2024, 11, 30)  # just after the second article's publication


@pytest.fixture(scope="module")
def expected(shared_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_dir / "seeds" / "expected.json").read_text())
    return data


@pytest.fixture(scope="module")
def readings(
    shared_dir: Path, expected: dict[str, Any], real_gazetteer: Gazetteer
) -> dict[str, tuple[str, Reading]]:
    reader = Reader(real_gazetteer)
    out = {}
    for name, gold in expected["documents"].items():
        text = (shared_dir / "seeds" / name).read_text(encoding="utf-8")
        published = dt.date.fromisoformat(gold["published"]) if gold["published"] else None
        # An article with no date is read as if ingested the day the other was published.
        out[name] = (text, reader.read(NewDocument(text, published), today=dt.date(2024, 11, 25)))
    return out


@pytest.fixture(scope="module")
def scores(
    readings: dict[str, tuple[str, Reading]], real_boundaries: Boundaries
) -> dict[str, dict[str, Any]]:
    incidents = [i for _, r in readings.values() for i in r.incidents.incidents]
    texts = {r.doc_id: text for text, r in readings.values()}
    places = {r.doc_id: r.mentions for _, r in readings.values()}
    frame = score_regions(
        events_frame(cluster_incidents(incidents, texts), places),
        region_index(real_boundaries),
        ScoreWeights(),
        until=UNTIL,
    )
    return {row["region_id"]: row for row in frame.to_dict("records")}


def canonical(boundaries: Boundaries, code: str) -> str:
    """Countries and borders keep their ids; ISO 3166-2 codes become Natural Earth ids."""
    if len(code) == 3 or "|" in code:
        return code
    return boundaries.canonical_admin1_id(code)


def test_every_expected_place_is_geocoded(
    readings: dict[str, tuple[str, Reading]],
    expected: dict[str, Any],
    real_boundaries: Boundaries,
) -> None:
    for name, gold in expected["documents"].items():
        mentions = readings[name][1].mentions
        countries = {m.country for m in mentions if m.country} | {
            c for m in mentions if m.border for c in m.border.split("|")
        }
        admin1 = {m.admin1 for m in mentions if m.admin1}
        borders = {m.border for m in mentions if m.border}
        assert set(gold["countries"]) <= countries, name
        assert {canonical(real_boundaries, a) for a in gold["admin1"]} <= admin1, name
        assert set(gold["borders"]) <= borders, name


def test_threat_places_score_above_zero(
    scores: dict[str, dict[str, Any]], expected: dict[str, Any], real_boundaries: Boundaries
) -> None:
    for code in expected["threat"]:
        region = canonical(real_boundaries, code)
        assert region in scores, f"{code} has no score"
        assert scores[region]["threat_score"] > 0, code


def test_context_only_places_score_zero(
    scores: dict[str, dict[str, Any]], expected: dict[str, Any], real_boundaries: Boundaries
) -> None:
    for code in expected["context_only"]:
        region = canonical(real_boundaries, code)
        assert scores.get(region, {"threat_score": 0})["threat_score"] == 0, code


def test_pakistan_fatalities_counted_once(scores: dict[str, dict[str, Any]]) -> None:
    assert scores["PAK"]["fatalities"] == 55


def test_border_provinces_carry_militant_presence(
    scores: dict[str, dict[str, Any]], real_boundaries: Boundaries
) -> None:
    for code in ("AF-BDS", "AF-KDZ", "AF-TAK"):
        region = scores[canonical(real_boundaries, code)]
        assert region["militant_presence"], code
        assert region["militants"] == 4000, code
    assert scores["AFG|TJK"]["threat_score"] > 0


def test_the_story_told_twice_is_not_two_events(
    readings: dict[str, tuple[str, Reading]],
) -> None:
    incidents = [i for _, r in readings.values() for i in r.incidents.incidents]
    clusters = cluster_incidents(incidents, {r.doc_id: t for t, r in readings.values()})
    merged = [c for c in clusters if len({i.doc_id for i in c}) > 1]
    # Both articles report terrorist groups active in Afghanistan: one event, two reports.
    assert merged, "no incident of one article was recognised in the other"
    assert all(c[0].type == "militant_presence" for c in merged)


def test_historical_operation_decays(scores: dict[str, dict[str, Any]], readings: Any) -> None:
    historical = [
        i
        for _, r in readings.values()
        for i in r.incidents.incidents
        if i.date is not None and i.date.year <= 2019
    ]
    assert historical and all(i.killed == 200 for i in historical)

"""Border scores come only from incidents on or near the border (issue 14).

Unit tests on small geometries and sentences of our own, then the real boundary data: a bombing
in Peshawar and militants in Badakhshan, read by the real geoparser and incident extractor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient

from geodata.border_proximity import BorderLines, border_kernel
from geodata.border_ties import BorderText, StoredPlace, text_evidence, tied_borders
from geodata.boundaries import Boundaries
from geodata.dedup import cluster_incidents
from geodata.gazetteer import Gazetteer
from geodata.incidents import Incident, Location
from geodata.scoring import RegionIndex, ScoreWeights, events_frame, score_regions
from service.pipeline import Reader
from service.scores import region_index
from service.storage import NewDocument
from tests.conftest import make_client

UNTIL = dt.date(2024, 11, 30)


# -- the distance kernel and the line index ------------------------------------------------


def test_kernel_is_one_on_the_line_and_zero_at_the_limit() -> None:
    assert border_kernel(0, 50) == 1.0
    assert border_kernel(10, 50) == pytest.approx(0.8)
    assert border_kernel(45, 50) == pytest.approx(0.1)
    assert border_kernel(50, 50) == 0.0
    assert border_kernel(80, 50) == 0.0
    assert border_kernel(0, 0) == 0.0


def test_line_distances_in_kilometres() -> None:
    meridian = shapely.LineString([(10.0, -5.0), (10.0, 5.0)])
    lines = BorderLines(["AAA|BBB"], [meridian])
    # 0.2 degrees of longitude at the equator: 22.2 km.
    assert lines.near(10.2, 0.0, 50)["AAA|BBB"] == pytest.approx(22.24, abs=0.1)
    # At 60 degrees north a degree of longitude is half as long.
    northern = BorderLines(["AAA|BBB"], [shapely.LineString([(10.0, 55.0), (10.0, 65.0)])])
    assert northern.near(10.2, 60.0, 50)["AAA|BBB"] == pytest.approx(11.12, abs=0.1)
    assert lines.near(11.0, 0.0, 50) == {}  # 111 km away


# -- what the text ties to a border ----------------------------------------------------------


def incident(sentence: str, *locations: Location, start: int = 0) -> Incident:
    return Incident(
        id=f"i{start}",
        doc_id="doc",
        type="armed_attack",
        sentence=sentence,
        start=start,
        end=start + len(sentence),
        trigger="attack",
        trigger_start=start,
        trigger_end=start + 6,
        locations=locations,
        date=UNTIL,
    )


BADAKHSHAN = Location("admin1", "AFG-1760", "AFG", 4, "place", "Badakhshan")
KHOST = Location("admin1", "AFG-1757", "AFG", 4, "place", "Khost")
TOUCHING = {"AFG-1760": ("AFG|TJK", "AFG|CHN", "AFG|PAK"), "AFG-1757": ("AFG|PAK",)}
KNOWN = frozenset({"AFG|TJK", "AFG|CHN", "AFG|PAK", "AFG|IRN"})


def ties(event: Incident, places: list[StoredPlace]) -> set[str]:
    countries = {loc.country for loc in event.locations if loc.country}
    regions = [loc.region_id for loc in event.locations if loc.level == "admin1"]
    return tied_borders(text_evidence(event, places), countries, regions, TOUCHING, KNOWN)


def test_a_border_named_in_the_sentence_ties_the_incident() -> None:
    event = incident(
        "Gunmen attacked a post in Badakhshan near the border with Tajikistan.", BADAKHSHAN
    )
    places = [StoredPlace(20, "admin1", "AFG", None), StoredPlace(42, "border", None, "AFG|TJK")]
    assert ties(event, places) == {"AFG|TJK"}


def test_a_border_named_in_another_sentence_does_not() -> None:
    event = incident("Gunmen attacked a post in Badakhshan.", BADAKHSHAN)
    later = [StoredPlace(200, "border", None, "AFG|TJK")]  # outside the incident's span
    assert ties(event, later) == set()


def test_a_cue_with_the_other_country_named() -> None:
    event = incident("Pakistani forces carried out cross-border strikes in Badakhshan.", BADAKHSHAN)
    places = [StoredPlace(0, "country", "PAK", None), StoredPlace(50, "admin1", "AFG", None)]
    assert ties(event, places) == {"AFG|PAK"}


def test_a_cue_alone_ties_only_a_region_with_one_border() -> None:
    khost = incident("A cross-border raid hit a village in Khost.", KHOST)
    assert ties(khost, []) == {"AFG|PAK"}
    badakhshan = incident("A cross-border raid hit a village in Badakhshan.", BADAKHSHAN)
    assert ties(badakhshan, []) == set()  # three borders: which one is not said


def test_a_border_of_other_countries_is_not_this_incidents() -> None:
    event = incident("A bomb went off in Badakhshan as the Iran-Iraq border reopened.", BADAKHSHAN)
    places = [StoredPlace(36, "border", None, "IRN|IRQ")]
    assert ties(event, places) == set()


def test_evidence_of_every_report_is_pooled() -> None:
    a = BorderText(frozenset({"AFG|TJK"}), False, frozenset({"AFG", "TJK"}))
    b = BorderText(frozenset(), True, frozenset({"PAK"}))
    assert (a | b) == BorderText(frozenset({"AFG|TJK"}), True, frozenset({"AFG", "TJK", "PAK"}))


# -- scoring with synthetic geometry -----------------------------------------------------------

SQUARE_INDEX = RegionIndex.from_borders(
    {"AAA-1": "AAA", "BBB-1": "BBB"},
    [("AAA|BBB", ["AAA-1", "BBB-1"])],
    [shapely.LineString([(10.0, -5.0), (10.0, 5.0)])],
)


def scored(events: list[Incident], **places: Any) -> dict[str, dict[str, Any]]:
    frame = score_regions(
        events_frame([[e] for e in events], places or None), SQUARE_INDEX, ScoreWeights(), UNTIL
    )
    return {row["region_id"]: row for row in frame.to_dict("records")}


def town(lon: float) -> Location:
    return Location("admin1", "AAA-1", "AAA", 1, "place", "Town", point=(lon, 0.0))


def test_a_point_near_the_line_counts_by_distance() -> None:
    near = scored([replace(incident("A bomb exploded.", town(9.9)), killed=5)])
    far = scored([replace(incident("A bomb exploded.", town(9.0)), killed=5)])
    assert 0 < near["AAA|BBB"]["threat_score"] < near["AAA-1"]["threat_score"]
    assert "AAA|BBB" not in far  # 111 km from the line
    half = scored([incident("A bomb exploded.", town(10.0 - 25 / 111.195))])
    whole = scored([incident("A bomb exploded.", town(10.0))])
    # 25 km from a 50 km zone's line: half the weight of an incident on the line.
    assert whole["AAA|BBB"]["raw"] == pytest.approx(1.0)
    assert half["AAA|BBB"]["raw"] == pytest.approx(0.5, abs=0.01)


def test_a_region_level_incident_reaches_the_border_only_through_its_text() -> None:
    region = Location("admin1", "AAA-1", "AAA", 4, "place", "Region")
    plain = incident("Militants attacked a police post.", region)
    assert "AAA|BBB" not in scored([plain])
    tied = incident("Militants attacked a police post near the border.", region, start=100)
    border_mention = [StoredPlace(140, "border", None, "AAA|BBB")]
    assert scored([tied], doc=border_mention)["AAA|BBB"]["threat_score"] > 0


# -- the real boundary data -----------------------------------------------------------------


def read_and_score(
    texts: list[str], gazetteer: Gazetteer, boundaries: Boundaries
) -> dict[str, dict[str, Any]]:
    reader = Reader(gazetteer)
    readings = [reader.read(NewDocument(text, UNTIL), today=UNTIL) for text in texts]
    incidents = [i for r in readings for i in r.incidents.incidents]
    by_doc = {r.doc_id: text for r, text in zip(readings, texts, strict=True)}
    places = {r.doc_id: r.mentions for r in readings}
    frame = score_regions(
        events_frame(cluster_incidents(incidents, by_doc), places),
        region_index(boundaries),
        ScoreWeights(),
        until=UNTIL,
    )
    return {row["region_id"]: row for row in frame.to_dict("records")}


PESHAWAR = "A suicide bomber blew himself up at a bus station in Peshawar, killing 20 people."


def test_one_bombing_in_peshawar_leaves_the_border_below_its_region(
    real_gazetteer: Gazetteer, real_boundaries: Boundaries
) -> None:
    scores = read_and_score([PESHAWAR], real_gazetteer, real_boundaries)
    province = real_boundaries.canonical_admin1_id("PK-KP")
    assert scores[province]["threat_score"] > 5
    # Peshawar lies some 47 km from the line in the data: inside the 50 km zone, near its edge.
    reader = Reader(real_gazetteer)
    (event,) = reader.read(NewDocument(PESHAWAR, UNTIL), today=UNTIL).incidents.incidents
    (point,) = [loc.point for loc in event.locations if loc.point]
    lines = region_index(real_boundaries).border_lines
    assert lines is not None
    distance = lines.near(point[0], point[1], 50)["AFG|PAK"]
    assert 30 < distance < 50
    border = scores.get("AFG|PAK", {"threat_score": 0.0})["threat_score"]
    assert border < scores[province]["threat_score"]
    assert border < 3  # the whole 2,245 km line is not dark red from one bombing


def test_militants_in_badakhshan_give_the_china_border_nothing(
    real_gazetteer: Gazetteer, real_boundaries: Boundaries
) -> None:
    text = "Officials said about 3,000 militants are active in Badakhshan province."
    scores = read_and_score([text], real_gazetteer, real_boundaries)
    assert scores[real_boundaries.canonical_admin1_id("AF-BDS")]["militant_presence"]
    for border in ("AFG|CHN", "AFG|TJK", "AFG|PAK"):
        assert scores.get(border, {"threat_score": 0})["threat_score"] == 0, border


def test_militants_near_the_border_with_tajikistan_score_that_border_only(
    real_gazetteer: Gazetteer, real_boundaries: Boundaries
) -> None:
    text = (
        "Afghan officials said about 3,000 militants are active in Badakhshan "
        "near the border with Tajikistan."
    )
    scores = read_and_score([text], real_gazetteer, real_boundaries)
    assert scores["AFG|TJK"]["threat_score"] > 0
    assert scores.get("AFG|CHN", {"threat_score": 0})["threat_score"] == 0


# -- through the service: stored mentions tie stored incidents to borders --------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from make_client(tmp_path_factory.mktemp("borders"))


def test_the_service_scores_borders_from_stored_text(api: TestClient) -> None:
    text = (
        "Gunmen killed four border guards in Badakhshan near the border with Tajikistan. "
        "Separately, militants attacked a police post in Badakhshan, wounding two officers."
    )
    assert api.post("/documents", json={"text": text, "published": "2024-11-20"}).status_code == 201
    params = {"until": "2024-11-30"}
    tajik = api.get("/borders/AFG%7CTJK", params=params).json()["properties"]
    china = api.get("/borders/AFG%7CCHN", params=params).json()["properties"]
    province = api.get("/regions/AF-BDS", params=params).json()["properties"]
    assert tajik["threat_score"] > 0 and tajik["incidents"] == 1
    assert [e["reports"][0]["sentence"][:6] for e in tajik["evidence"]] == ["Gunmen"]
    assert not china["has_evidence"]
    assert province["incidents"] == 2

"""The learned reading ranker (geodata/ranker.py): features from the document, the choice they
make, and the coefficients' format. Sentences written for the test."""

from __future__ import annotations

import pytest
from geoparse_support import gazetteer_or_skip

from geodata.gazetteer import Gazetteer
from geodata.geoparse import geoparse
from geodata.ranker import FEATURES, Ranker, name_choices

OHIO_STORY = "Dublin firefighters helped crews from Worthington, Hilliard and Westerville."


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return gazetteer_or_skip()


def _only(feature: str, weight: float = 1.0) -> Ranker:
    return Ranker(tuple(weight if name == feature else 0.0 for name in FEATURES))


def _dublin(gaz: Gazetteer, ranker: Ranker | None) -> tuple[str | None, str | None]:
    [dublin] = [m for m in geoparse(OHIO_STORY, gaz, ranker=ranker) if m.surface == "Dublin"]
    return dublin.country, dublin.admin1


def test_every_reading_gets_the_features_of_its_place_in_the_document(gazetteer: Gazetteer) -> None:
    mentions = geoparse(OHIO_STORY, gazetteer)
    [dublin] = [c for c in name_choices(OHIO_STORY, mentions, gazetteer) if c.name == "dublin"]
    ohio = mentions[1].admin1  # Worthington's region
    same_region = FEATURES.index("same_region")
    closeness = FEATURES.index("closeness")
    for place, row in zip(dublin.places, dublin.rows, strict=True):
        assert len(row) == len(FEATURES)
        in_ohio = gazetteer.place_admin1[place] == ohio
        assert (row[same_region] == 1.0) == in_ohio  # three other names in Ohio
        if in_ohio and gazetteer.place_kind[place] == "city":
            assert row[closeness] > 0.6  # within about 25 km of Worthington
    assert dublin.chosen is not None
    assert gazetteer.place_admin1[dublin.places[dublin.chosen]] == ohio


def test_the_ranker_moves_every_occurrence_to_the_reading_it_scores_highest(
    gazetteer: Gazetteer,
) -> None:
    text = OHIO_STORY + " Dublin schools stayed open."
    plain = [m for m in geoparse(text, gazetteer) if m.surface == "Dublin"]
    assert {m.country for m in plain} == {"USA"}
    famous = _only("log_population")  # a ranker that only knows population
    moved = [m for m in geoparse(text, gazetteer, ranker=famous) if m.surface == "Dublin"]
    assert len(moved) == 2
    assert {(m.country, m.kind) for m in moved} == {("IRL", "city")}


def test_a_ranker_that_agrees_or_lacks_the_margin_changes_nothing(gazetteer: Gazetteer) -> None:
    assert _dublin(gazetteer, _only("same_region")) == _dublin(gazetteer, None)
    timid = Ranker(_only("log_population").weights, margin=100.0)
    assert _dublin(gazetteer, timid) == _dublin(gazetteer, None)


def test_coefficients_round_trip_and_refuse_other_features() -> None:
    ranker = Ranker(tuple(float(i) for i in range(len(FEATURES))), margin=0.5)
    assert Ranker.from_json(ranker.as_json()) == ranker
    stale = ranker.as_json() | {"features": ["population"]}
    with pytest.raises(ValueError, match="retrain"):
        Ranker.from_json(stale)

"""A county and a town inside it settle each other's state (geodata/county_towns.py).

The sentences are written for these tests: each names a county that several states have and a
town that several states have, where only one state holds that town inside that county.
"""

from __future__ import annotations

import pytest
from geoparse_support import gazetteer_or_skip

import geodata.geoparse as geoparse_module
from geodata.county_towns import county_moves
from geodata.gazetteer import Gazetteer
from geodata.geoparse import DEFAULT_MIN_CONFIDENCE, Mention, geoparse


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return gazetteer_or_skip()


def _regions(text: str, gaz: Gazetteer, compiled: bool | None = None) -> dict[str, str | None]:
    return {
        m.surface: gaz.admin1_iso.get(m.admin1 or "")
        for m in geoparse(text, gaz, compiled=compiled)
    }


def test_the_gazetteer_knows_which_counties_a_us_town_lies_in(gazetteer: Gazetteer) -> None:
    counties = {
        gazetteer.place_name[county]
        for town, towns_counties in gazetteer.place_counties.items()
        if gazetteer.place_name[town] == "Marietta"
        and gazetteer.admin1_iso.get(gazetteer.place_admin1[town] or "") == "US-OH"
        for county in towns_counties
    }
    assert counties == {"Washington County"}
    assert len(gazetteer.place_counties) > 20_000


@pytest.mark.parametrize("compiled", [False, None])
@pytest.mark.parametrize(
    ("text", "county", "town", "state"),
    [
        (
            "The Washington County sheriff said a barn burned outside Marietta on Friday.",
            "Washington County",
            "Marietta",
            "US-OH",
        ),
        (
            "Franklin County commissioners met in Greenfield to discuss the bridge.",
            "Franklin County",
            "Greenfield",
            "US-MA",
        ),
        (
            "A Lincoln County judge in Brookhaven set bail at a hearing on Monday.",
            "Lincoln County",
            "Brookhaven",
            "US-MS",
        ),
    ],
)
def test_a_county_and_its_town_resolve_to_the_state_that_holds_both(
    gazetteer: Gazetteer, text: str, county: str, town: str, state: str, compiled: bool | None
) -> None:
    regions = _regions(text, gazetteer, compiled)
    assert regions[county] == state
    assert regions[town] == state


def test_a_named_state_keeps_its_county_against_a_town_elsewhere(gazetteer: Gazetteer) -> None:
    # Marion County, Missouri holds no Columbia, but the text names Missouri: the county stays.
    text = "MARION COUNTY, Mo. - A Columbia man was hurt when his truck left a Marion County road."
    regions = _regions(text, gazetteer)
    assert regions["Marion County"] == "US-MO"


def test_a_town_with_no_county_named_is_left_alone(gazetteer: Gazetteer) -> None:
    mentions = geoparse("Residents of Marietta and Atlanta lined the parade route.", gazetteer)
    assert county_moves(mentions, gazetteer) == {}


def test_moves_name_only_county_and_town_mentions(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "A Lincoln County judge in Brookhaven set bail; the Texas man stays in jail."
    monkeypatch.setattr(geoparse_module, "county_moves", lambda *args: {})
    before: list[Mention] = geoparse(text, gazetteer, compiled=False)  # the pass not yet run
    moved = county_moves(before, gazetteer)
    assert {before[i].surface for i in moved} == {"Lincoln County", "Brookhaven"}
    assert all(before[i].kind == "city" for i in moved)  # "Texas", a region, stays


def test_a_country_name_becomes_the_town_inside_the_named_county(gazetteer: Gazetteer) -> None:
    # Mexico, Missouri lies in Audrain County: next to that county the name is the town.
    regions = _regions("A Mexico man was arrested by Audrain County deputies.", gazetteer)
    assert regions == {"Mexico": "US-MO", "Audrain County": "US-MO"}
    alone = geoparse("A Mexico man was arrested by federal agents.", gazetteer)
    assert [(m.surface, m.kind) for m in alone] == [("Mexico", "country")]


@pytest.mark.parametrize("compiled", [False, None])
def test_a_foreign_region_becomes_the_town_inside_the_named_county(
    gazetteer: Gazetteer, compiled: bool | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ravenna and Mantua are Italian provinces and two towns of Ohio's Portage County.
    text = "Portage County deputies said the fire near Ravenna spread toward Mantua overnight."
    assert _regions(text, gazetteer, compiled) == {
        "Portage County": "US-OH",
        "Ravenna": "US-OH",
        "Mantua": "US-OH",
    }
    monkeypatch.setattr(geoparse_module, "county_moves", lambda *args: {})
    before = geoparse(text, gazetteer, compiled=False)  # the reference, without the pass
    assert {m.surface: m.country for m in before if m.kind == "admin1"} == {
        "Ravenna": "ITA",
        "Mantua": "ITA",
    }


def test_a_state_named_beside_its_county_stays_the_state(gazetteer: Gazetteer) -> None:
    text = "Portage County deputies said the fire near Ravenna spread, Ohio officials said."
    kinds = {
        m.surface: (m.kind, gazetteer.admin1_iso.get(m.admin1 or ""))
        for m in geoparse(text, gazetteer)
    }
    assert kinds["Ohio"] == ("admin1", "US-OH")
    assert kinds["Ravenna"] == ("city", "US-OH")


@pytest.mark.parametrize("compiled", [False, None])
@pytest.mark.parametrize(
    ("text", "county", "town", "state"),
    [
        (
            "The Erie County sheriff said a barn burned outside Fairview on Friday.",
            "Erie County",
            "Fairview",
            "US-PA",
        ),
        (
            "Norfolk County prosecutors said the Dover man was arraigned on Monday.",
            "Norfolk County",
            "Dover",
            "US-MA",
        ),
    ],
)
def test_a_town_below_the_bar_is_reported_inside_the_named_county(
    gazetteer: Gazetteer, text: str, county: str, town: str, state: str, compiled: bool | None
) -> None:
    # Alone, the town is a village in a dozen states and falls below the bar: no state (at most
    # a namesake abroad that the country-level pass places, Dover in Kent).
    alone = geoparse(f"A barn burned outside {town} on Friday.", gazetteer, compiled=compiled)
    assert all(m.country != "USA" or m.admin1 is None for m in alone)
    mentions = {m.surface: m for m in geoparse(text, gazetteer, compiled=compiled)}
    assert gazetteer.admin1_iso.get(mentions[county].admin1 or "") == state
    assert gazetteer.admin1_iso.get(mentions[town].admin1 or "") == state
    assert mentions[town].confidence >= DEFAULT_MIN_CONFIDENCE


@pytest.mark.parametrize("compiled", [False, None])
def test_a_town_below_the_bar_that_no_named_county_holds_stays_out(
    gazetteer: Gazetteer, compiled: bool | None
) -> None:
    # Fairview lies in Sanpete County, Utah; no Dover does.
    text = (
        "A barn burned outside Fairview on Friday, the Sanpete County sheriff said,"
        " and a shed in Dover."
    )
    regions = _regions(text, gazetteer, compiled)
    assert regions == {"Fairview": "US-UT", "Sanpete County": "US-UT"}


@pytest.mark.parametrize("compiled", [False, None])
def test_a_claimed_town_is_reported_at_the_callers_bar(
    gazetteer: Gazetteer, compiled: bool | None
) -> None:
    text = "Norfolk County prosecutors said the Dover man was arraigned on Monday."
    mentions = geoparse(text, gazetteer, min_confidence=0.9, compiled=compiled)
    assert {m.surface for m in mentions} == {"Norfolk County", "Dover"}
    assert all(m.confidence >= 0.9 for m in mentions)


def test_a_held_back_county_is_read_as_the_one_that_holds_a_town(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "A Lincoln County judge in Brookhaven set bail at a hearing on Monday."
    monkeypatch.setattr(geoparse_module, "county_moves", lambda *args: {})
    before = geoparse(text, gazetteer, compiled=False)  # the pass not yet run
    held = [m.surface == "Lincoln County" for m in before]
    moves = county_moves(before, gazetteer, held)
    regions = {
        before[i].surface: gazetteer.admin1_iso[gazetteer.place_admin1[p]] for i, p in moves.items()
    }
    # the county that holds the town, and the town moved into it
    assert regions == {"Lincoln County": "US-MS", "Brookhaven": "US-MS"}
    # ... and a held-back county that holds none of the document's towns stays out
    text = "A Lincoln County judge flew to Tokyo on Monday."
    before = geoparse(text, gazetteer, compiled=False)
    held = [m.surface == "Lincoln County" for m in before]
    assert county_moves(before, gazetteer, held) == {}


@pytest.mark.parametrize("compiled", [False, None])
@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("A Miami County judge in Peru set bail on Monday.", "US-IN"),
        ("The Miami County sheriff said the Peru man was released.", "US-IN"),
    ],
)
def test_a_county_below_the_bar_places_the_town_it_holds(
    gazetteer: Gazetteer, text: str, region: str, compiled: bool | None
) -> None:
    # Read alone, "Peru" is the country, which leaves the county alone in its country and
    # below the bar; the county holds a Peru, and that settles both.
    regions = _regions(text, gazetteer, compiled)
    assert set(regions.values()) == {region}
    assert len(regions) == 2


@pytest.mark.parametrize("compiled", [False, None])
@pytest.mark.parametrize(
    ("text", "town", "state"),
    [
        ("Portage County deputies said a man from Ravenna, Mich., was hurt.", "Ravenna", "US-MI"),
        ("Audrain County deputies arrested a man from Mexico, N.Y., on Monday.", "Mexico", "US-NY"),
    ],
)
def test_a_town_written_with_its_own_state_stays_there(
    gazetteer: Gazetteer,
    text: str,
    town: str,
    state: str,
    compiled: bool | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The named county holds a namesake of the town, but the text names the town's own state.
    assert _regions(text, gazetteer, compiled)[town] == state
    monkeypatch.setattr(geoparse_module, "_beside_own_region", lambda *args: False)
    moved = _regions(text, gazetteer, compiled=False)  # the reference, without the exception
    assert moved[town] != state

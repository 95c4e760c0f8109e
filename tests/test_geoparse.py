"""The geoparser: mentions, case rules, ambiguity, borders, the seed articles, hostile input."""

from __future__ import annotations

import json
import re

import pytest
from geoparse_support import gazetteer_or_skip, shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.gazetteer import Gazetteer
from geodata.geoparse import Mention, _border_words, document_places, geoparse


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return gazetteer_or_skip()


def _check_offsets(text: str, mentions: list[Mention]) -> None:
    for mention in mentions:
        assert 0 <= mention.start < mention.end <= len(text)
        assert text[mention.start : mention.end] == mention.surface
        assert 0.0 <= mention.confidence <= 1.0
        assert mention.kind in {"country", "admin1", "city", "border"}
        assert mention.precision in {1, 3, 4, 5, 6}


def _by_surface(mentions: list[Mention]) -> dict[str, Mention]:
    return {m.surface: m for m in mentions if m.kind != "border"}


def test_cities_resolve_to_their_provinces(gazetteer: Gazetteer) -> None:
    text = "Afghanistan's interior ministry reported twin blasts in Kandahar and a fire in Kabul."
    mentions = geoparse(text, gazetteer)
    _check_offsets(text, mentions)
    found = _by_surface(mentions)
    assert found["Afghanistan"].country == "AFG"
    assert found["Afghanistan"].precision == 6
    assert found["Kabul"].admin1 == "AFG-1767"
    assert found["Kandahar"].admin1 == "AFG-1754"
    places = document_places(mentions)
    assert places.countries == ["AFG"]
    assert set(places.admin1) == {"AFG-1767", "AFG-1754"}


def test_admin1_with_type_words_and_translations(gazetteer: Gazetteer) -> None:
    text = "Fighting in Kunduz province, the Province of Takhar and Бадахшан (بدخشان)."
    regions = {m.surface: m.admin1 for m in geoparse(text, gazetteer)}
    assert regions["Kunduz province"] == "AFG-1763"
    assert regions["Province of Takhar"] == "AFG-1765"
    assert regions["Бадахшан"] == "AFG-1760"
    assert regions["بدخشان"] == "AFG-1760"


@pytest.mark.parametrize(
    ("text", "surface", "country"),
    [
        ("Troops from the U.S. arrived.", "U.S.", "USA"),
        ("The UK said on Monday.", "UK", "GBR"),
        ("Fighting in DR Congo continues.", "DR Congo", "COD"),
        ("an airstrike on Pakistani troops", "Pakistani", "PAK"),
        ("Speaking to Belarusian state TV, she confirmed it.", "Belarusian", "BLR"),
    ],
)
def test_country_short_forms_and_demonyms(
    gazetteer: Gazetteer, text: str, surface: str, country: str
) -> None:
    mentions = geoparse(text, gazetteer)
    _check_offsets(text, mentions)
    assert _by_surface(mentions)[surface].country == country


def test_possessive_and_dateline(gazetteer: Gazetteer) -> None:
    text = "KABUL (Reuters) - Afghanistan's government said."
    found = _by_surface(geoparse(text, gazetteer))
    assert found["KABUL"].admin1 == "AFG-1767"
    assert "Afghanistan" in found


def test_common_words_are_not_places(gazetteer: Gazetteer) -> None:
    text = "He bought a nice mobile home. Of course, a male nurse split the bill in March."
    assert geoparse(text, gazetteer) == []


def test_person_names_are_not_places(gazetteer: Gazetteer) -> None:
    # With Texas in context "Henderson" alone is the Texas town; here it is only a person.
    text = (
        "Police in Tyler, Texas, said Tomasina Ruth Henderson, 33, was detained. "
        "Henderson told deputies she was lost. Mr. Jackson agreed."
    )
    assert [m.surface for m in geoparse(text, gazetteer) if m.kind == "city"] == ["Tyler"]
    town = "Police in Tyler, Texas, said the car came from Henderson."
    assert _by_surface(geoparse(town, gazetteer))["Henderson"].country == "USA"


def test_a_surname_that_names_a_province_is_not_the_province(gazetteer: Gazetteer) -> None:
    text = "Michael Trapani is a keen poker player. Trapani's second film was shot in Los Angeles."
    assert "Trapani" not in _by_surface(geoparse(text, gazetteer))
    # The same name with no person around it is the Sicilian province.
    sicily = "Migrants landed in Trapani, Sicily, on Monday."
    assert _by_surface(geoparse(sicily, gazetteer))["Trapani"].country == "ITA"


@pytest.mark.parametrize(
    ("text", "person"),
    [
        # A middle initial before a surname (Marion is also a town in Illinois).
        ("Deputies in Paris, Ill., said Jordan K. Marion, 41, of rural Paris was hurt.", "Marion"),
        ("Lena Pfeiffer was crowned Miss Clark County on Saturday.", "Miss"),  # a title
    ],
)
def test_initials_and_titles_mark_people(gazetteer: Gazetteer, text: str, person: str) -> None:
    assert person not in _by_surface(geoparse(text, gazetteer))


def test_the_same_surname_without_an_initial_is_the_town(gazetteer: Gazetteer) -> None:
    text = "Deputies in Paris, Ill., said the driver from Marion was hurt."
    assert _by_surface(geoparse(text, gazetteer))["Marion"].country == "USA"


def test_a_street_named_after_a_state_is_not_the_state(gazetteer: Gazetteer) -> None:
    text = "Seattle planners approved a new clinic on Washington Drive; another opens in Arlington."
    found = _by_surface(geoparse(text, gazetteer))
    assert "Washington" not in found
    assert found["Seattle"].country == "USA"
    # Near Seattle, the bare name is the state.
    state = "Seattle planners approved a clinic in Washington."
    assert "Washington" in _by_surface(geoparse(state, gazetteer))
    # A county road still says which county it is in.
    county = "Snow closed Otter Tail County Road 12 near Alexandria, Minn."
    assert "Otter Tail County" in _by_surface(geoparse(county, gazetteer))


def test_document_context_settles_ambiguous_towns(gazetteer: Gazetteer) -> None:
    louisiana = "Alexandria man arrested. Rapides Parish deputies found the stolen truck."
    found = _by_surface(geoparse(louisiana, gazetteer))
    assert found["Alexandria"].admin1 == "USA-3535"
    assert found["Rapides Parish"].precision == 3
    egypt = "Protests spread from Cairo to Alexandria, Egypt's second city."
    assert _by_surface(geoparse(egypt, gazetteer))["Alexandria"].country == "EGY"


def test_city_comma_state_pattern(gazetteer: Gazetteer) -> None:
    text = "The plant in Alexandria, La., closed; another in Alexandria, Va., stays open."
    mentions = geoparse(text, gazetteer)
    regions = [gazetteer.admin1_iso[str(m.admin1)] for m in mentions if m.surface == "Alexandria"]
    assert regions == ["US-LA", "US-VA"]
    states = [gazetteer.admin1_iso[str(m.admin1)] for m in mentions if m.surface in ("La.", "Va.")]
    assert states == ["US-LA", "US-VA"]


@pytest.mark.parametrize(
    ("text", "border"),
    [
        ("funding to fortify the Tajikistan-Afghanistan border", "AFG|TJK"),
        ("patrols on the Tajik–Afghan border", "AFG|TJK"),
        ("the border between Afghanistan and Pakistan", "AFG|PAK"),
        ("Afghanistan's border with Iran is long", "AFG|IRN"),
        ("the Pakistan-Afghanistan frontier", "AFG|PAK"),
        ("clashes along the Durand Line", "AFG|PAK"),
        ("a convoy ambushed in Afghanistan's Takhar, near the border with Tajikistan", "AFG|TJK"),
        ("exercises held across Tajikistan, near the Afghanistan border", "AFG|TJK"),
    ],
)
def test_borders(gazetteer: Gazetteer, text: str, border: str) -> None:
    mentions = geoparse(text, gazetteer)
    _check_offsets(text, mentions)
    borders = [m for m in mentions if m.kind == "border"]
    assert [m.border for m in borders] == [border]
    assert borders[0].precision == 5
    assert len(borders[0].region_ids) >= 2
    assert document_places(mentions).borders == [border]


def test_no_border_between_countries_that_do_not_touch(gazetteer: Gazetteer) -> None:
    mentions = geoparse("the France-Japan border", gazetteer)
    assert not [m for m in mentions if m.kind == "border"]


def test_as_dict_has_the_interface_keys(gazetteer: Gazetteer) -> None:
    (mention,) = [m for m in geoparse("In Kabul.", gazetteer)]
    assert set(mention.as_dict()) == {
        "start",
        "end",
        "surface",
        "kind",
        "country",
        "admin1",
        "border",
        "confidence",
        "precision",
    }
    assert json.loads(json.dumps(mention.as_dict(regions=True)))["region_ids"] == ["AFG-1767"]


# ------------------------------------------------------------------------------ seed articles


def test_seed_articles_find_every_expected_place(gazetteer: Gazetteer) -> None:
    seeds = shared_dir() / "seeds"
    expected_path = seeds / "expected.json"
    if not expected_path.exists():
        pytest.skip(f"shared seeds not found at {seeds} (set RISKMAP_SHARED_DIR)")
    expected = json.loads(expected_path.read_text())["documents"]
    for name, wanted in expected.items():
        text = (seeds / name).read_text()
        mentions = geoparse(text, gazetteer)
        _check_offsets(text, mentions)
        places = document_places(mentions)
        admin1 = {gazetteer.admin1_iso.get(r, r) for r in places.admin1}
        assert set(wanted["countries"]) <= set(places.countries), name
        assert set(wanted["admin1"]) <= admin1, name
        assert set(wanted["borders"]) <= set(places.borders), name


# ------------------------------------------------------------------------------ hostile input

_ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
_PLACES = st.sampled_from(
    ["Kabul", "Afghanistan", "Tajik-Afghan border", "KABUL", "Бадахшан", "بدخشان", " ", "\n"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(_ANY_CHARACTER, max_size=40), _PLACES), max_size=12))
def test_any_text_gives_valid_mentions(gazetteer: Gazetteer, parts: list[str]) -> None:
    text = "".join(parts)
    mentions = geoparse(text, gazetteer)
    _check_offsets(text, mentions)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01\x02Kabul\x7f\x1b[31m",
        "\ud800Kabul\udfff",
        "הפגזה בכאבול ובקנדהאר بدخشان كابل",
        "🙂🇦🇫 Kabul 💥 Kandahar 👍🏽",
        "\u202eKabul\u202c and \u200bKandahar\ufeff",
        "İSTANBUL ﬁre in Kabul",
    ],
)
def test_bad_input_does_not_crash(gazetteer: Gazetteer, text: str) -> None:
    _check_offsets(text, geoparse(text, gazetteer))


def test_five_megabytes_are_read_whole(gazetteer: Gazetteer) -> None:
    """5 MB parse to the end with valid offsets (timings are in bench/bench_doubling.py)."""
    paragraph = (
        "Deadly bombings in Kabul and Kandahar; troops near the Tajik-Afghan border. "
        "The committee met on Tuesday to discuss the budget and other matters of local "
        "interest, and a nice mobile home was sold at the end of the afternoon. "
        "Residents said the weather had been unusually warm for the season. 🙂 بدخشان\n"
    )
    text = paragraph * (5_000_000 // len(paragraph))
    mentions = geoparse(text, gazetteer)
    assert len(mentions) > 50_000
    assert mentions[-1].start > len(text) - len(paragraph)


#: The border words as a regular expression: the specification ``_border_words`` finds
#: without one.
_BORDER_WORD = re.compile(r"[BbFf](?:orders?|rontier|oundary)\b")
_BORDER_PIECES = st.sampled_from(
    [
        *("Border", "border", "borders", "Frontier", "rontier", "oundary", "Boundary", "Forder"),
        *("order", "s", "x", " ", "_", "-", "é", "B", "f", "1", "Ж"),
    ]
)


@given(st.lists(_BORDER_PIECES, max_size=20).map("".join))
def test_border_words_are_the_regular_expressions_matches(text: str) -> None:
    assert _border_words(text) == [match.span() for match in _BORDER_WORD.finditer(text)]

"""Incident extraction: types, numbers, actors, dates and the location ladder."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.incidents import (
    PRECISION_ADMIN1,
    PRECISION_COUNTRY,
    PRECISION_FOCUS,
    PRECISION_PLACE,
    Incident,
    extract_incidents,
    load_tables,
)
from tests.placeholders import fake_mentions

PUBLISHED = date(2024, 11, 25)


def read(text: str, published: date | None = PUBLISHED) -> list[Incident]:
    return list(
        extract_incidents("doc", text, fake_mentions(text), published, date(2026, 1, 1)).incidents
    )


def test_every_type_in_the_table_has_triggers() -> None:
    tables = load_tables()
    assert {t.type for t in tables.types} == {
        "bombing",
        "airstrike",
        "kidnapping",
        "armed_attack",
        "security_operation",
        "threat_statement",
        "militant_presence",
    }


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("A suicide bomber blew himself up in Kabul.", "bombing"),
        ("An explosion tore through a market in Kandahar.", "bombing"),
        ("Cross-border strikes hit Pakistani forces.", "airstrike"),
        ("A drone strike hit a compound in Kunduz.", "airstrike"),
        ("Gunmen kidnapped two engineers in Takhar.", "kidnapping"),
        ("Militants attacked a checkpoint in Badakhshan.", "armed_attack"),
        ("Clashes erupted in Kunduz overnight.", "armed_attack"),
        (
            "The army launched a counterterrorism operation in Kunar and Kabul.",
            "security_operation",
        ),
        ("The group claimed responsibility for the blast in Kabul.", "bombing"),
        ("Hundreds of fighters are entrenched in Badakhshan.", "militant_presence"),
    ],
)
def test_incident_types(sentence: str, kind: str) -> None:
    incidents = read(sentence)
    assert [i.type for i in incidents][:1] == [kind]


@pytest.mark.parametrize(
    "sentence",
    [
        "The ministers discussed trade in Kabul.",
        "Troops held military drills in Tajikistan to prepare for threats.",
        "No attack was reported in Kandahar.",
        "The plan would help prevent attacks in Afghanistan.",
    ],
)
def test_no_incident_where_nothing_happened(sentence: str) -> None:
    assert read(sentence) == []


@pytest.mark.parametrize(
    "text",
    [
        "Fatal car bombings shook Kandahar and Kabul this week, while artillery fire pounded "
        "Pakistani border posts.",
        "Police counted fatal bombings in Kandahar and Kabul, as well as rocket fire on "
        "Pakistani outposts.",
    ],
)
def test_two_events_in_one_sentence_are_two_incidents_with_their_own_places(text: str) -> None:
    bombing, strike = read(text)
    assert bombing.type == "bombing"
    assert [loc.region_id for loc in bombing.locations] == ["AFG-1754", "AFG-1767"]
    assert all(loc.precision == PRECISION_PLACE for loc in bombing.locations)
    assert bombing.deadly and bombing.killed is None
    assert strike.type == "airstrike"
    assert [loc.region_id for loc in strike.locations] == ["PAK"]
    assert not strike.deadly


def test_casualties_date_and_country_fallback() -> None:
    (attack,) = read(
        "Officials in Pakistan said insurgents have stepped up their raids, with 38 soldiers "
        "killed during October."
    )
    assert attack.type == "armed_attack"
    assert attack.killed == 38
    assert attack.date_first == date(2024, 10, 1)
    assert attack.date_source == "text"
    (location,) = attack.locations
    assert (location.region_id, location.precision) == ("PAK", PRECISION_COUNTRY)
    assert location.reason == "country in the sentence"


def test_militant_counts_each_make_a_presence_incident() -> None:
    text = (
        "Afghanistan's wing of the movement has grown to around 3,200 insurgents, with up to "
        "1,100 stationed in the Takhar, Kunduz and Badakhshan provinces, along the Tajik-Afghan "
        "border."
    )
    national, provincial = read(text)
    assert (national.type, national.militants) == ("militant_presence", 3200)
    assert [loc.region_id for loc in national.locations] == ["AFG"]
    assert (provincial.type, provincial.militants) == ("militant_presence", 1100)
    assert [loc.region_id for loc in provincial.locations] == ["AFG-1765", "AFG-1763", "AFG-1760"]
    assert all(loc.precision == PRECISION_ADMIN1 for loc in provincial.locations)


def test_historical_incident_keeps_its_own_date_and_skips_outside_actor() -> None:
    text = (
        "The cell first surfaced in Afghanistan in March 2016. By mid-2021, the U.S. and the "
        "Afghan army said it was all but finished, after hundreds of its members were killed "
        "in counterterrorism operations."
    )
    (operation,) = read(text)
    assert operation.type == "security_operation"
    assert operation.killed == 200 and operation.approximate
    assert operation.date is not None and operation.date.year == 2021
    assert [loc.region_id for loc in operation.locations] == ["AFG"]


def test_actors_from_the_alias_table() -> None:
    (incident,) = read("ISKP militants attacked a mosque in Kabul.")
    assert incident.actors == ("Islamic State Khorasan Province",)
    (other,) = read("The Wilayah Khorasan branch claimed the bombing in Kandahar.")
    assert "Islamic State Khorasan Province" in other.actors


def test_focus_country_is_the_last_rung() -> None:
    text = "Afghanistan is in turmoil. Militants attacked a convoy on Monday."
    incidents = read(text)
    attack = incidents[-1]
    assert attack.locations[0].region_id == "AFG"
    assert attack.locations[0].precision == PRECISION_FOCUS


def test_unknown_published_date_uses_the_anchor() -> None:
    (incident,) = read("A bomb exploded in Kabul.", published=None)
    assert incident.date == date(2026, 1, 1)
    assert incident.date_source == "anchor"


def test_evidence_points_back_to_the_text() -> None:
    text = "Peace talks went on. A bomb exploded in Kabul, killing 4 people."
    (incident,) = read(text)
    assert text[incident.start : incident.end] == incident.sentence
    assert text[incident.trigger_start : incident.trigger_end] == incident.trigger
    assert incident.killed == 4
    record = incident.as_dict()
    assert record["date"] == PUBLISHED.isoformat()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=600))
def test_extractor_never_crashes(text: str) -> None:
    for incident in read(text):
        assert 0 <= incident.start <= incident.trigger_start < incident.trigger_end <= len(text)
        assert 0 < incident.confidence <= 1


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["A bomb exploded in Kabul", "55 killed", "Militants", ",", ".", " ", "\u202e", "😀"]
        ),
        max_size=40,
    )
)
def test_extractor_survives_violent_word_salad(parts: list[str]) -> None:
    text = " ".join(parts)
    for incident in read(text):
        assert incident.sentence in text


def test_headline_repeating_the_lede_is_not_a_second_incident() -> None:
    text = (
        "# Gunmen attack checkpoint in Kunduz\n\n"
        "Gunmen attacked a police checkpoint in Kunduz on Saturday, killing 4 officers."
    )
    (attack,) = read(text)
    assert attack.killed == 4
    assert not attack.sentence.startswith("#")


def test_headline_with_its_own_event_is_kept() -> None:
    text = "Bomb hits Kabul market\n\nSeparately, gunmen kidnapped two engineers in Takhar."
    assert [i.type for i in read(text)] == ["bombing", "kidnapping"]


def test_the_attack_refers_back_to_the_reported_one() -> None:
    text = (
        "Militants attacked a checkpoint in Kunduz, killing 4 officers. "
        "No group has claimed the attack, which officials blamed on fighters from Badakhshan."
    )
    (attack,) = read(text)  # one event; "fighters from Badakhshan" claims no presence there
    assert attack.type == "armed_attack"
    assert attack.killed == 4
    assert len(attack.evidence) == 2


def test_weekday_of_publication_is_that_day() -> None:
    (incident,) = read("A bomb exploded in Kabul on Monday.", published=date(2024, 11, 25))
    assert incident.date == date(2024, 11, 25)


@pytest.mark.parametrize(
    ("text", "presence"),
    [
        # who the actor is, told as background: no claim about where its fighters are now
        ("The Kunduz Front, the armed group that controls northern Takhar, denied the report.", 0),
        ("The movement, an armed group which operates in Badakhshan, issued a statement.", 0),
        # a claim that fighters are somewhere, in the sentence's own words
        ("Hundreds of fighters are entrenched in Badakhshan.", 1),
        ("The armed group controls northern Takhar, officials said.", 1),
    ],
)
def test_a_description_of_an_actor_claims_no_presence(text: str, presence: int) -> None:
    assert [i.type for i in read(text)].count("militant_presence") == presence

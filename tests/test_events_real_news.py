"""The error classes real news showed (issue 11), each on sentences written for this test.

1. one event told in many sentences is one incident; 2. tolls attach to their own verb and
never come from dates, times or ages; 3. disasters, accidents, sport, courts and drills are
not attacks; 4. datelines, group names, governments and nationalities are not scenes;
5. militant presence needs a claim that fighters are somewhere.
"""

from __future__ import annotations

from datetime import date

import pytest

from geodata.coref import type_group
from geodata.incidents import Incident, extract_incidents
from geodata.quantities import find_quantities
from geodata.roles import assign_roles, dateline_spans
from geodata.text import split_sentences
from tests.placeholders import FakeMention, fake_mentions

PUBLISHED = date(2026, 3, 12)


def read(text: str) -> list[Incident]:
    return list(extract_incidents("doc", text, fake_mentions(text), PUBLISHED, PUBLISHED).incidents)


def roles_of(text: str) -> dict[str, str]:
    mentions = fake_mentions(text)
    roles = assign_roles(text, mentions, split_sentences(text))
    return {m.surface: r.role for m, r in zip(mentions, roles, strict=True)}


# -- 1. one event, many sentences ----------------------------------------------------------


def test_lead_toll_quote_and_update_are_one_incident_with_the_final_toll() -> None:
    text = (
        "Suicide bomber strikes market in Kandahar\n\n"
        "A suicide bomber blew himself up in a crowded market in Kandahar on Tuesday. "
        "The blast killed 12 people and wounded 30, a hospital official said. "
        '"It was carnage," said a shopkeeper who saw the explosion. '
        "By evening the death toll had risen to 17, officials said."
    )
    (event,) = read(text)
    assert event.type == "bombing"
    assert event.killed == 17
    assert event.wounded == 30
    assert event.locations[0].region_id == "AFG-1754"
    assert event.date == date(2026, 3, 10)
    assert len(event.evidence) == 5
    assert not event.sentence.startswith("Suicide bomber strikes")  # the lead, not the title


def test_a_background_attack_with_its_own_date_stays_separate() -> None:
    text = (
        "Gunmen attacked a police post in Kunduz on Monday, killing three officers. "
        "In 2019, a similar attack on the same post killed nine."
    )
    recent, old = read(text)
    assert recent.killed == 3 and recent.date == date(2026, 3, 9)
    assert old.killed == 9 and old.date is not None and old.date.year == 2019


def test_two_places_are_two_events_and_an_also_adds_to_the_toll() -> None:
    text = (
        "Militants ambushed a convoy in Takhar, killing four soldiers. "
        "Two attackers were also killed in the gunfight. "
        "Separately, gunmen attacked a checkpoint in Badakhshan."
    )
    takhar, badakhshan = read(text)
    assert takhar.locations[0].region_id == "AFG-1765" and takhar.killed == 6
    assert badakhshan.locations[0].region_id == "AFG-1760"


# -- 2. tolls ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gunmen fired, killing four officers and wounding six.", {"killed": 4, "wounded": 6}),
        ("More than 80 people were killed and injured in the attack.", {"casualties": 80}),
        ("2026-03-14 Three soldiers were killed in the raid.", {"killed": 3}),
        ("At 10:30 militants attacked; 5 died.", {"killed": 5}),
        ("A 45-year-old teacher was among 7 killed.", {"killed": 7}),
        ("A guard and four pupils were killed in the raid.", {"killed": 5}),
        ("The mine killed the district chief and two others.", {"killed": 3}),
        ("Gunmen killed 9 villagers and one soldier.", {"killed": 10}),
        ("Eleven people, including two women, were gunned down.", {"killed": 11}),
        ("A dozen people, five of them children, died.", {"killed": 12}),
        ("A ranger was killed and 4 others were hurt.", {"killed": 1, "wounded": 4}),
        ("An elder said 3 were killed.", {"killed": 3}),
        ("Gunmen killed a mayor along with two of his guards.", {"killed": 3}),
        ("Raiders stormed the post, killing a sentry and four recruits.", {"killed": 5}),
        ("A wounded trader died later in hospital.", {"killed": 1}),
        ("Another 30 were hurt, including 25 pupils and two teachers.", {"wounded": 30}),
        ("The raid claimed the lives of five guards and left 8 hurt.", {"killed": 5, "wounded": 8}),
    ],
)
def test_numbers_attach_to_their_own_verb_and_dates_are_no_tolls(
    text: str, expected: dict[str, int]
) -> None:
    found: dict[str, int] = {}
    for quantity in find_quantities(text):
        found[quantity.category] = found.get(quantity.category, 0) + quantity.value
    assert found == expected


def test_a_combined_figure_is_not_a_death_toll() -> None:
    (event,) = read("A car bomb in Kabul left more than 40 people dead and injured on Sunday.")
    assert event.killed is None
    assert event.casualties == 40


# -- 3. not an attack -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Floods and landslides killed 23 people in Badakhshan after days of heavy rain.",
        "Six people were killed when a bus plunged into a ravine in Takhar.",
        "A gas cylinder explosion at a factory in Kabul killed two workers.",
        "The striker attacked the defence all afternoon as Kabul won the match.",
        "A court in Kabul sentenced two men over the 2017 bombing of a mosque.",
        "Troops in Kunduz practised repelling an attack during the annual drills.",
        "Such attacks have often been blamed on militants in the region.",
        "Three people were killed in Kandahar on Monday.",
    ],
)
def test_non_events_give_no_incident(text: str) -> None:
    assert read(text) == []


def test_a_witness_is_no_attacker_in_an_accident_story() -> None:
    text = (
        "A boiler burst at a brick kiln in Kunduz on Monday. "
        "Police said nine workers were dead and four hurt."
    )
    assert read(text) == []


def test_gunned_down_is_an_attack() -> None:
    (event,) = read("Four farmers were gunned down by unknown assailants in Takhar on Friday.")
    assert event.type == "armed_attack" and event.killed == 4


def test_a_death_sentence_after_a_reported_attack_gives_it_its_toll() -> None:
    text = "Gunmen stormed a wedding hall in Kunduz on Friday. Eleven guests were killed."
    (event,) = read(text)
    assert event.killed == 11


# -- 4. scene or context ----------------------------------------------------------------------


def test_a_dateline_is_where_the_reporter_is() -> None:
    text = "KABUL (Reuters) - A roadside bomb hit a patrol in Takhar on Monday."
    assert dateline_spans(text) == [(0, len("KABUL (Reuters) - "))]
    dateline = FakeMention(0, 5, "KABUL", "city", "AFG", "AFG-1767")
    mentions = [dateline, *fake_mentions(text)]
    roles = assign_roles(text, mentions, split_sentences(text))
    assert [r.role for r in roles] == ["dateline", "location"]
    (event,) = extract_incidents("d", text, mentions, PUBLISHED, PUBLISHED).incidents
    assert [loc.region_id for loc in event.locations] == ["AFG-1765"]


def test_a_capital_that_speaks_is_its_government() -> None:
    roles = roles_of("Kabul accused the group of sheltering fighters; Kandahar was calm.")
    assert roles["Kabul"] == "government"
    assert roles["Kandahar"] == "location"


def test_victims_nationality_is_not_the_scene() -> None:
    roles = roles_of("Two Pakistani engineers were kidnapped in Kunduz.")
    assert roles["Pakistani"] == "nationality"
    (event,) = read("Two Pakistani engineers were kidnapped in Kunduz.")
    assert {loc.country for loc in event.locations} == {"AFG"}


def test_where_victims_come_from_is_not_the_scene() -> None:
    roles = roles_of("Two engineers from Pakistan were shot dead in Kunduz on Monday.")
    assert roles["Pakistan"] == "nationality"
    assert roles["Kunduz"] == "location"


def test_where_people_went_afterwards_is_not_the_scene() -> None:
    roles = roles_of(
        "Troops killed 40 fighters in Kunduz; their bodies were transferred to Pakistan "
        "through Takhar, and survivors fled to Tajikistan."
    )
    assert roles["Kunduz"] == "location"
    assert roles["Pakistan"] == roles["Takhar"] == roles["Tajikistan"] == "destination"


def test_where_travellers_were_heading_is_not_the_scene() -> None:
    roles = roles_of(
        "Gunmen stopped a Kabul-bound bus in Kunduz; the passengers were travelling from "
        "Takhar to Kandahar."
    )
    assert roles["Kunduz"] == "location"
    assert roles["Kabul"] == roles["Kandahar"] == "destination"


def test_a_capital_that_harbours_is_its_government() -> None:
    roles = roles_of("Officials in Kunduz say Kabul provides sanctuary to the fighters.")
    assert roles["Kabul"] == "government"


def role_of_demonym(text: str, demonym: str, country: str) -> str:
    start = text.index(demonym)
    mention = FakeMention(start, start + len(demonym), demonym, "country", country)
    (role,) = assign_roles(text, [mention], split_sentences(text))
    return role.role


@pytest.mark.parametrize(
    ("text", "demonym", "country"),
    [
        ("The Tajik foreign minister said groups operate there.", "Tajik", "TJK"),
        ("An Uzbek general said the drill went well.", "Uzbek", "UZB"),
        ("Russian forces fought there for years, the general said.", "Russian", "RUS"),
    ],
)
def test_whose_official_or_force_it_is_is_not_a_scene(
    text: str, demonym: str, country: str
) -> None:
    assert role_of_demonym(text, demonym, country) != "location"


def test_a_claim_about_a_country_stays_with_the_country() -> None:
    text = (
        "Talks were held in Kabul on Monday. Officials warned that terrorist groups "
        "operate in Afghanistan."
    )
    (presence,) = [e for e in read(text) if e.type == "militant_presence"]
    assert [loc.region_id for loc in presence.locations] == ["AFG"]


def test_a_foreign_force_or_weapon_is_not_the_scene() -> None:
    roles = roles_of(
        "In Kunduz, a U.S. air strike hit a compound as Pakistani troops fired across the line."
    )
    assert roles["U.S."] == roles["Pakistani"] == "outside_actor"
    assert roles["Kunduz"] == "location"


def test_an_operation_after_an_attack_is_an_event_of_its_own() -> None:
    text = (
        "Militants attacked a checkpoint in Kunduz on Monday, killing six policemen. "
        "In clearing operations, security forces killed 40 insurgents in Kunduz."
    )
    events = read(text)
    assert sorted((e.type, e.killed) for e in events) == [
        ("armed_attack", 6),
        ("security_operation", 40),
    ]


# -- 5. militant presence -----------------------------------------------------------------------


def test_groups_named_as_a_topic_are_no_presence() -> None:
    text = "Ministers in Astana discussed terrorist groups and regional security."
    assert read(text) == []


def test_fighters_said_to_be_somewhere_are_presence() -> None:
    (presence,) = read("Hundreds of fighters are based in Badakhshan, officials say.")
    assert presence.type == "militant_presence"
    assert presence.locations[0].region_id == "AFG-1760"


def test_type_groups() -> None:
    assert type_group("bombing") == type_group("armed_attack") == "violent"
    assert type_group("kidnapping") == "kidnapping"


def test_an_anniversary_carries_the_original_date() -> None:
    text = (
        "Families gathered in Kandahar to mark the fifth anniversary of the bombing of the "
        "city's central mosque, which killed 40 worshippers."
    )
    (event,) = read(text)
    assert event.date == date(2021, 3, 12)
    assert event.killed == 40


def test_a_tribute_is_no_new_attack() -> None:
    text = (
        "Hundreds gathered in Kabul on Friday to pay tribute to the pupils killed when gunmen "
        "stormed their school."
    )
    assert read(text) == []


def test_a_metadata_date_prefix_is_not_the_event_date() -> None:
    (event,) = read("date 2026-03-12 Gunmen attacked a bus in Kunduz on Tuesday, killing 6.")
    assert event.date == date(2026, 3, 10)


def test_a_precise_toll_beats_a_vague_one() -> None:
    text = (
        "Dozens of guests were killed when a bomb hit a wedding in Kandahar on Sunday. "
        "The blast killed 31 guests, officials said."
    )
    (event,) = read(text)
    assert event.killed == 31


def test_years_ago_dates_the_event_back() -> None:
    (event,) = read("Ten years ago, militants attacked a school in Kunduz, killing 14 pupils.")
    assert event.date is not None and event.date.year == 2016


def test_the_attackers_deaths_add_to_the_victims_toll() -> None:
    text = (
        "Militants stormed a police post in Kunduz on Tuesday, killing seven officers. "
        "Security forces killed four of the attackers in the gunfight that followed."
    )
    (event,) = read(text)
    assert event.killed == 11


def test_a_title_after_a_metadata_prefix_is_not_the_quoted_sentence() -> None:
    text = (
        " date 2026-03-12 Nine killed in Kandahar market blast\n"
        "A bomb tore through a market in Kandahar on Wednesday, killing nine people."
    )
    (event,) = read(text)
    assert event.killed == 9
    assert event.sentence.startswith("A bomb tore")


def test_counts_after_a_turn_to_another_time_belong_to_that_event() -> None:
    text = "Gunmen killed five guards in Kunduz on Tuesday, a day after nine died in a raid nearby."
    events = read(text)
    assert events[0].killed == 5


def test_last_month_name_dates_a_background_event() -> None:
    text = (
        "Gunmen attacked a checkpoint in Kunduz on Tuesday, killing three soldiers. "
        "Last January, militants raided the same district, killing 12 police."
    )
    events = read(text)
    assert [e.killed for e in events] == [3, 12]
    assert events[1].date is not None and events[1].date.month == 1


def test_a_figure_told_twice_in_one_sentence_counts_once() -> None:
    text = (  # a title and a lead run together without a full stop
        "Blast at Kandahar mosque kills 41 worshippers Officials at the provincial hospital "
        "say that 41 people were killed by the bomb"
    )
    (event,) = read(text)
    assert event.killed == 41


def test_years_ago_today_is_the_original_day() -> None:
    (event,) = read("Ten years ago today, gunmen killed 30 worshippers at a mosque in Kabul.")
    assert event.date == date(2016, 3, 12)
    assert event.killed == 30


def test_a_tribute_on_a_weekday_keeps_the_old_event_date() -> None:
    text = (
        "Leaders on Friday paid tributes to those killed in the bombing of a Kabul market, "
        "which shook the capital 13 years ago."
    )
    (event,) = read(text)
    assert event.date is not None and event.date.year == 2013


def test_whom_security_forces_kill_are_counted_with_the_attackers() -> None:
    text = (
        "Militants attacked a district office in Kunduz on Monday, killing nine officials. "
        "Security forces killed 14 Taliban fighters while repelling the assault."
    )
    (event,) = read(text)
    assert event.killed == 23


def test_the_dead_of_a_wave_of_attacks_are_not_this_events() -> None:
    text = (
        "A bomb killed a ranger in Kandahar on Tuesday, the third in a wave of raids that left "
        "nine dead across the south since Friday."
    )
    (event,) = read(text)
    assert event.killed == 1


def test_jets_destroying_depots_is_a_strike_not_weapons_found() -> None:
    (event,) = read("Jets destroyed rebel shelters and ammunition depots in Kunduz on Sunday.")
    assert event.type == "airstrike"


def test_deaths_in_a_later_operation_are_an_operation_of_their_own() -> None:
    text = (
        "A roadside bomb killed seven soldiers in Kandahar on Monday. "
        "Four rebels and a police constable were killed in the two-day operation that followed."
    )
    events = read(text)
    assert sorted((e.type, e.killed) for e in events) == [
        ("bombing", 7),
        ("security_operation", 5),
    ]


def test_a_photo_caption_is_not_the_quoted_sentence() -> None:
    text = (
        "The wreck of a police van hit by a bomb in Kandahar that killed four, 10 March 2026.\n\n"
        "A roadside bomb tore through a police van in Kandahar on Tuesday, killing four officers."
    )
    (event,) = read(text)
    assert event.sentence.startswith("A roadside bomb")


def test_passengers_gunned_down_off_a_bus_is_an_attack_not_an_accident() -> None:
    text = "Five passengers were gunned down after being taken off a bus in Kandahar on Monday."
    (event,) = read(text)
    assert event.type == "armed_attack" and event.killed == 5


def test_an_also_far_from_the_verb_adds_no_dead() -> None:
    text = (
        "Gunmen opened fire on a bus in Kandahar on Monday, killing six passengers. "
        "The governor also confirmed that the gunmen fled after killing six passengers."
    )
    (event,) = read(text)
    assert event.killed == 6


def test_another_before_a_count_adds_victims_not_an_event() -> None:
    text = (
        "Fighting broke out in Kunduz on Monday. "
        "Nine soldiers were killed and another 40 wounded in the fighting, officials said."
    )
    (event,) = read(text)
    assert (event.killed, event.wounded) == (9, 40)


def test_the_killing_of_people_is_an_attack_of_its_own_words() -> None:
    text = "Police have not found who was behind the killing of seven farmers in Kunduz on Monday."
    (event,) = read(text)
    assert event.type == "armed_attack"
    assert event.killed == 7


def test_the_sentence_that_tells_the_event_first_is_quoted() -> None:
    text = (
        "Gunmen raided a camp for displaced families in Kunduz on Monday. "
        "That attack, which officials blamed on a local militia, claimed nine lives."
    )
    (event,) = read(text)
    assert event.killed == 9
    assert event.sentence.startswith("Gunmen raided")


def test_a_strike_by_a_named_military_is_an_airstrike() -> None:
    (event,) = read("At least ten people were killed in an Afghan strike on a camp in Kunduz.")
    assert event.type == "airstrike" and event.killed == 10


def test_a_strike_by_workers_is_no_attack() -> None:
    assert read("Dock workers in Kandahar began a strike on Monday over unpaid wages.") == []


def test_an_air_strike_is_never_the_same_event_as_a_bombing() -> None:
    text = (
        "Two suicide bombers killed 20 people at a market in Kandahar on Saturday. "
        "On Friday an air strike had hit a militant camp in Kandahar."
    )
    events = read(text)
    assert sorted(e.type for e in events) == ["airstrike", "bombing"]
    (bombing,) = [e for e in events if e.type == "bombing"]
    assert bombing.date == date(2026, 3, 7)


def test_a_year_to_the_day_dates_the_event_a_year_back() -> None:
    (event,) = read(
        "A year to the day after gunmen killed 12 guests at a hotel in Kabul, few came."
    )
    assert event.date == date(2025, 3, 12)


def test_a_quotation_is_not_the_quoted_sentence_of_the_report() -> None:
    text = (
        "Gunmen shot dead 11 road workers at a camp in Kunduz on Sunday. "
        '"Some say 11 workers are dead, some say 14, we are checking," a spokesman said.'
    )
    (event,) = read(text)
    assert event.sentence.startswith("Gunmen shot dead")

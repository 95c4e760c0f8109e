"""Numbers and what they count."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geodata.quantities import find_quantities, parse_number


@pytest.mark.parametrize(
    ("text", "value", "approximate"),
    [
        ("55", (55), False),
        ("6,500", 6500, False),
        ("1,250,000", 1_250_000, False),
        ("twelve", 12, False),
        ("twenty-one", 21, False),
        ("two hundred", 200, False),
        ("three thousand", 3000, False),
        ("2.5 million", 2_500_000, False),
        ("dozens", 24, True),
        ("hundreds", 200, True),
        ("a dozen", 12, True),
    ],
)
def test_parse_number(text: str, value: int, approximate: bool) -> None:
    assert parse_number(text) == (value, approximate)


def test_parse_number_rejects_words() -> None:
    assert parse_number("province") is None
    assert parse_number("") is None


def counts(text: str) -> list[tuple[str, int]]:
    return [(q.category, q.value) for q in find_quantities(text)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Insurgents stepped up their raids, with 38 soldiers killed in October.",
            [("killed", 38)],
        ),
        (
            "A car bomb killed twelve people and wounded at least 30.",
            [("killed", 12), ("wounded", 30)],
        ),
        ("The blast, killing 3 soldiers, hit the base.", [("killed", 3)]),
        ("Gunmen kidnapped 5 aid workers.", [("hostages", 5)]),
        ("Dozens were injured in the stampede.", [("wounded", 24)]),
        ("Officials said 10 to 15 civilians were killed.", [("killed", 10)]),
        ("Hundreds of the rebels were killed in the offensive.", [("killed", 200)]),
        ("The group holds 14 hostages.", [("hostages", 14)]),
        ("Several hundred fighters are active in the region.", [("militants", 300)]),
        (
            "The faction fields roughly 2,800 fighters, with up to 700 stationed in the east.",
            [("militants", 2800), ("militants", 700)],
        ),
    ],
)
def test_numbers_attach_to_the_right_noun(sentence: str, expected: list[tuple[str, int]]) -> None:
    assert counts(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The programme was discussed in 2023 and will be adopted on November 28.",
        "The meeting of 6 ministers took place in Astana.",
        "He served 12 years in parliament.",
        "The road is 40 km long.",
    ],
)
def test_numbers_that_count_nothing_violent_are_ignored(sentence: str) -> None:
    assert counts(sentence) == []


def test_approximate_hedges_are_flagged() -> None:
    (quantity,) = find_quantities("around 2,800 fighters")
    assert quantity.approximate
    (exact,) = find_quantities("38 soldiers killed")
    assert not exact.approximate


@given(st.text(max_size=400))
def test_never_crashes(text: str) -> None:
    for quantity in find_quantities(text):
        assert 0 <= quantity.start < quantity.end <= len(text)
        assert quantity.value >= 0


# -- tolls on real news (issue 11): each number on its own verb, parts are not more dead -----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a count right after its verb counts victims, even with "of them"
        ("The raid on the convoy late on Monday, killing five of them.", [("killed", 5)]),
        # "N were among M killed": the N are part of the M
        ("Two teachers were among eight shot dead in the valley.", [("killed", 8)]),
        # "and N others" continues the list of the dead, whatever follows the comma
        (
            "The blast killed 31 pilgrims and 9 others, besides leaving dozens badly hurt.",
            [("killed", 31), ("killed", 9), ("wounded", 24)],
        ),
        ("Four guards were killed and 11 others injured.", [("killed", 4), ("wounded", 11)]),
        ("Both gunmen also died.", [("killed", 2)]),
        ("A trader lost his life in the shelling.", [("killed", 1)]),
        ("Monitors recorded the death of a young farmer near the dam.", [("killed", 1)]),
        ("a 33-year-old border guard Timur Aliev was killed in a shootout", [("killed", 1)]),
        ("a mine killed six deminers and their local driver", [("killed", 6), ("killed", 1)]),
        ("Two were killed at once and a third died in hospital.", [("killed", 2), ("killed", 1)]),
        # a breakdown by place after the total and its verb is not more dead
        (
            "Last week 19 people were killed in two raids, one in the port and two others inland.",
            [("killed", 19)],
        ),
        # the attackers counted before a verb that has its own count are not the dead
        (
            "Dozens of gunmen stormed a post, killing at least 14 guards.",
            [("killed", 14)],
        ),
        # a verb's own count between a number and the verb: "which left N dead"
        ("The raids have risen to 212, which left 97 people dead.", [("killed", 97)]),
        ("Three people - including a nurse - were killed.", [("killed", 3)]),
        # a part of the dead, then the hurt with a verb of their own
        (
            "Five people - including two guards - were killed and 14 others sustained injuries.",
            [("killed", 5), ("wounded", 14)],
        ),
        (
            "A bomber killed nine people, including four guards, and 17 others were wounded.",
            [("killed", 9), ("wounded", 17)],
        ),
        ("Some two dozen others were wounded.", [("wounded", 24)]),
        ("a truck exploded, killing and injuring 15 workers", [("casualties", 15)]),
        ("11 men are still missing and 7 soldiers were hurt.", [("wounded", 7)]),
        (
            "The number of people killed in the twin blasts stands at 18 and another 33 were hurt.",
            [("killed", 18), ("wounded", 33)],
        ),
        ("with one guard killed and another wounded", [("killed", 1), ("wounded", 1)]),
        ("A bomb killed a ranger near the gate.", [("killed", 1)]),
        ("the blast that killed four, 10 March 2026.", [("killed", 4)]),
        (
            "Nine died in the raid and another person was critically wounded.",
            [("killed", 9), ("wounded", 1)],
        ),
        ("Six rebels, aged 19 to 30, were killed.", [("killed", 6)]),
    ],
)
def test_tolls_of_real_news_shapes(text: str, expected: list[tuple[str, int]]) -> None:
    assert counts(text) == expected


def test_a_death_of_someone_already_named_is_no_new_toll() -> None:
    assert counts("It came a week after the death of the district governor.") == []


def test_ordinals_are_no_counts() -> None:
    assert counts("It was the fourth attack this month.") == []
    assert counts("a fourth of the town") == []

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

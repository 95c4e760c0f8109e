"""Date expressions anchored on the published date."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geodata.timeexpr import find_dates, parse_published

ANCHOR = date(2024, 11, 25)


def first_span(text: str) -> tuple[date, date]:
    (span,) = find_dates(text, ANCHOR)
    return span.first, span.last


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("55 killed in November alone", date(2024, 11, 1), date(2024, 11, 30)),
        ("attacks in December", date(2023, 12, 1), date(2023, 12, 31)),
        ("In February of last year", date(2023, 2, 1), date(2023, 2, 28)),
        ("first appeared in January 2015", date(2015, 1, 1), date(2015, 1, 31)),
        ("By late 2019", date(2019, 9, 1), date(2019, 12, 31)),
        ("in early 2020", date(2020, 1, 1), date(2020, 4, 30)),
        ("discussed as early as 2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("last year", date(2023, 1, 1), date(2023, 12, 31)),
        ("on November 28", date(2024, 11, 28), date(2024, 11, 28)),
        ("November 25, 2024", date(2024, 11, 25), date(2024, 11, 25)),
        ("3 March 2021", date(2021, 3, 3), date(2021, 3, 3)),
        ("on 2022-07-14", date(2022, 7, 14), date(2022, 7, 14)),
        ("yesterday", date(2024, 11, 24), date(2024, 11, 24)),
        ("on Friday", date(2024, 11, 22), date(2024, 11, 22)),
        ("last month", date(2024, 10, 1), date(2024, 10, 31)),
        ("Last July, a raid on the camp", date(2024, 7, 1), date(2024, 7, 31)),
        ("five guards were shot Friday night", date(2024, 11, 22), date(2024, 11, 22)),
    ],
)
def test_expressions_resolve_against_the_anchor(text: str, first: date, last: date) -> None:
    assert first_span(text) == (first, last)


def test_midpoint_of_a_historical_span_is_old() -> None:
    (span,) = find_dates("By late 2019", ANCHOR)
    assert span.midpoint.year == 2019


def test_invalid_calendar_dates_are_skipped() -> None:
    assert find_dates("February 31, 2023", ANCHOR) == []


def test_parse_published() -> None:
    assert parse_published("2024-11-25") == date(2024, 11, 25)
    assert parse_published("2024-11-25T10:00:00Z") == date(2024, 11, 25)
    assert parse_published(None) is None
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_published("25/11/2024")


@given(st.text(max_size=300))
def test_never_crashes(text: str) -> None:
    for span in find_dates(text, ANCHOR):
        assert span.first <= span.last
        assert text[span.start : span.end] == span.text


def test_a_weekday_in_lower_case_or_before_prayers_is_no_date() -> None:
    assert find_dates("they pray after Friday prayers", ANCHOR) == []
    assert find_dates("a monday-morning habit", ANCHOR) == []

"""North American phone numbers tell the region of a local story (geodata/phone_regions.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.phone_regions import PHONE_PATTERN, national_numbers, phone_regions, region_table

#: A toy table in the shape region_table builds: postal codes and names of two regions.
_TABLE = {"NY": "R-NY", "New York": "R-NY", "ON": "R-ON", "Ontario": "R-ON"}


def test_the_table_reads_postal_codes_and_names_of_the_two_countries_only() -> None:
    table = region_table(
        {"R-NY": "USA", "R-ON": "CAN", "R-BY": "DEU"},
        {"R-NY": "US-NY", "R-ON": "CA-ON", "R-BY": "DE-BY"},
        {"R-NY": "New York", "R-ON": "Ontario", "R-BY": "Bayern"},
    )
    assert table == _TABLE


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("Call the station at (845) 677-0000 with tips.", {"R-NY"}),  # Millbrook, NY
        ("Tickets: 705-474-0000 or at the door.", {"R-ON"}),  # North Bay, ON
        ("Both lines, 845.677.0000 and (705) 474-0000, are open.", {"R-NY", "R-ON"}),
        ("The hotline is (800) 555-0100, free of charge.", set()),  # toll-free: no place
        ("Quote reference 123-456-7890 when you call.", set()),  # no such area code
        ("The account 1845-677-00001 is closed.", set()),  # digits run on: no number
        ("No number in this sentence.", set()),
    ],
)
def test_the_regions_of_the_numbers_in_a_text(text: str, regions: set[str]) -> None:
    assert phone_regions(text, _TABLE) == regions


def test_a_name_without_its_accents_finds_the_region_too() -> None:
    table = region_table({"R-QC": "CAN"}, {"R-QC": "CA-QC"}, {"R-QC": "Québec"})
    assert table == {"Québec": "R-QC", "Quebec": "R-QC", "QC": "R-QC"}


def test_a_place_the_table_lacks_gives_nothing() -> None:
    assert phone_regions("Call (512) 974-0000 today.", _TABLE) == set()  # Austin, TX


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.from_regex(PHONE_PATTERN, fullmatch=True),
            st.sampled_from(["(", ")", "-", ".", " ", "845", "677", "0000"]),
        ),
        max_size=12,
    ).map("".join)
)
def test_any_text_gives_regions_of_the_table_and_never_raises(text: str) -> None:
    assert phone_regions(text, _TABLE) <= set(_TABLE.values())


_PIECES = st.lists(
    st.one_of(
        st.text(max_size=8),
        st.from_regex(PHONE_PATTERN, fullmatch=True),
        st.sampled_from(["(", ")", ") ", "-", ".", " ", "1", "845", "677", "0000", "\u0663"]),
    ),
    max_size=14,
).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_PIECES)
def test_the_fast_scan_finds_exactly_the_numbers_of_the_pattern(text: str) -> None:
    expected = {re.sub(r"[^0-9]", "", match) for match in PHONE_PATTERN.findall(text)}
    assert national_numbers(text) == expected

"""Anniversaries and retrospectives: "ten years ago today", "the seventh anniversary of".

Such a sentence tells an old event on the day it is remembered; read naively, the old attack
is dated the day of publication and a memorial story paints a fresh threat on the map. The
number of years back gives the original date: the same day that many years before the
reference date (an anniversary falls on its day), as a :class:`~geodata.timeexpr.DateSpan`
so it competes with the sentence's other date expressions by position.
"""

from __future__ import annotations

import re
from datetime import date

from geodata.timeexpr import DateSpan

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "twenty-fifth": 25, "thirtieth": 30, "fortieth": 40,
    "fiftieth": 50,
}  # fmt: skip
_CARDINALS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "twenty-five": 25, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip
_ORDINAL_RE = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_CARDINAL_RE = "|".join(sorted(_CARDINALS, key=len, reverse=True))
_ANNIVERSARY = re.compile(
    rf"\b(?:(?P<ordinal>{_ORDINAL_RE})|(?P<digits>\d{{1,2}})(?:st|nd|rd|th))\s+anniversary\b",
    re.IGNORECASE,
)
# "ten years ago today": the "today" is the anniversary's day, part of the same expression.
_YEARS_AGO = re.compile(
    rf"\b(?P<count>{_CARDINAL_RE}|\d{{1,2}}|a)\s+years?\s+(?:ago|since|after|to the day)\b"
    r"(?:\s+(?:today|this week|this month|on this day))?",
    re.IGNORECASE,
)


def retrospective_dates(text: str, reference: date) -> list[DateSpan]:
    """The original dates that anniversaries and "N years ago" in ``text`` point back to."""
    spans = []
    for match in (*_ANNIVERSARY.finditer(text), *_YEARS_AGO.finditer(text)):
        groups = {k: v for k, v in match.groupdict().items() if v}
        if "ordinal" in groups:
            years = _ORDINALS[groups["ordinal"].lower()]
        elif "digits" in groups:
            years = int(groups["digits"])
        else:
            count = groups["count"].lower()
            years = int(count) if count.isdigit() else _CARDINALS.get(count, 1)  # "a year ago"
        year = reference.year - years
        if year < 1:
            continue
        day = _same_day(reference, year)
        spans.append(DateSpan(day, day, match.start(), match.end(), match.group(0)))
    return spans


def _same_day(reference: date, year: int) -> date:
    """The reference's month and day in ``year`` (29 February falls back to the 28th)."""
    try:
        return reference.replace(year=year)
    except ValueError:
        return reference.replace(year=year, day=28)

"""When things happened: date expressions in news text, anchored on the published date.

News rarely gives full dates. "In November" means the most recent November on or before the
article's date; "last year" is the anchor's year minus one; "late 2019" is the last quarter of
2019. Each expression becomes a :class:`DateSpan` (first and last possible day), and an
incident's date is the span's midpoint, so time decay treats a 2015 event as old.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_ENGLISH_WEEKDAY_RE = "|".join(_WEEKDAYS)
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
#: Russian months: genitive after a day ("28 ноября"), prepositional after "в" ("в ноябре").
_RU_MONTH_STEMS = (
    "январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр",
    "ноябр", "декабр",
)  # fmt: skip
_RU_GENITIVE = {
    stem + ("а" if stem in ("март", "август") else "я"): i
    for i, stem in enumerate(_RU_MONTH_STEMS, start=1)
}
_RU_PREPOSITIONAL = {stem + "е": i for i, stem in enumerate(_RU_MONTH_STEMS, start=1)}
_RU_NOMINATIVE = {
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7,
    "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
}  # fmt: skip
_RU_GEN_RE = "|".join(sorted(_RU_GENITIVE, key=len, reverse=True))
_RU_PREP_RE = "|".join(sorted(_RU_PREPOSITIONAL, key=len, reverse=True))
_RU_WEEKDAYS = {
    "понедельник": 0, "вторник": 1, "среду": 2, "четверг": 3, "пятницу": 4, "субботу": 5,
    "воскресенье": 6,
}  # fmt: skip
#: Russian relative words, read as the English ones the resolver knows.
_RELATIVE_WORDS = {
    "прошлом": "last", "прошлого": "last", "прошлой": "last", "минувшем": "last",
    "минувшей": "last", "минувшего": "last", "этом": "this", "этой": "this", "текущем": "this",
    "текущей": "this", "нынешнем": "this",
}  # fmt: skip
_PART_WORDS = {"начале": "early", "середине": "mid", "конце": "late"}
_YEAR_WORD = r"(?:\s*(?:года?|г\.))?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "month_day_year",
        re.compile(
            rf"\b(?P<month>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b",
            re.I,
        ),
    ),
    (
        "day_month_year",
        re.compile(
            rf"\b(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH_RE})\.?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I
        ),
    ),
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b")),
    (
        "month_of_last_year",
        re.compile(rf"\b(?P<month>{_MONTH_RE})\s+of\s+(?P<rel>last|this|next)\s+year\b", re.I),
    ),
    ("month_year", re.compile(rf"\b(?P<month>{_MONTH_RE})\.?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I)),
    (
        "part_year",
        re.compile(
            r"\b(?P<part>early|mid|late|end of|beginning of)[- ](?P<year>(?:19|20)\d\d)\b", re.I
        ),
    ),
    (
        "month_day",
        re.compile(
            rf"\b(?P<month>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*\d)", re.I
        ),
    ),
    ("relative_year", re.compile(r"\b(?P<rel>last|this|past|previous)\s+year\b", re.I)),
    ("relative_week", re.compile(r"\b(?P<rel>last|this|past)\s+week\b", re.I)),
    ("relative_month", re.compile(r"\b(?P<rel>last|this|past)\s+month\b", re.I)),
    ("yesterday", re.compile(r"\b(?P<word>yesterday|today|tonight|overnight)\b", re.I)),
    ("weekday", re.compile(r"\b(?:on|last)\s+(?P<weekday>" + _ENGLISH_WEEKDAY_RE + r")\b", re.I)),
    # "were killed Thursday", "Friday's attack": a capitalised weekday alone is a date in news.
    (
        "weekday",
        re.compile(r"\b(?P<weekday>" + "|".join(calendar.day_name) + r")\b(?!\s+(?:prayers?))"),
    ),
    (
        "in_month",
        re.compile(
            rf"\b(?:in|during|since|by|last|early|late)\s+(?P<month>{_MONTH_RE})\b(?!\s+\d)", re.I
        ),
    ),
    (
        "year",
        re.compile(
            r"\b(?:in|since|by|during|of|as early as|as late as)\s+(?P<year>(?:19|20)\d\d)\b", re.I
        ),
    ),
]


# Russian: the same kinds, resolved by the same code.
_PATTERNS += [
    (
        "day_month_year",
        re.compile(
            rf"\b(?P<day>\d{{1,2}})\s+(?P<month>{_RU_GEN_RE})\s+(?P<year>(?:19|20)\d\d){_YEAR_WORD}",
            re.I,
        ),
    ),
    (
        "month_year",
        re.compile(
            rf"\b(?:в|во)\s+(?P<month>{_RU_PREP_RE})\s+(?P<year>(?:19|20)\d\d){_YEAR_WORD}", re.I
        ),
    ),
    (
        "part_year",
        re.compile(
            r"\b(?:в\s+)?(?P<part>начале|середине|конце)\s+(?P<year>(?:19|20)\d\d)\s+года\b", re.I
        ),
    ),
    ("month_day", re.compile(rf"\b(?P<day>\d{{1,2}})\s+(?P<month>{_RU_GEN_RE})\b(?!\s+\d)", re.I)),
    (
        "relative_year",
        re.compile(r"\b(?:в\s+)?(?P<rel>прошлом|минувшем|этом|текущем|нынешнем)\s+году\b", re.I),
    ),
    ("relative_week", re.compile(r"\b(?:на\s+)?(?P<rel>прошлой|минувшей|этой)\s+неделе\b", re.I)),
    ("relative_month", re.compile(r"\b(?:в\s+)?(?P<rel>прошлом|минувшем|этом)\s+месяце\b", re.I)),
    ("yesterday", re.compile(r"\b(?P<word>вчера|сегодня|накануне|этой ночью)\b", re.I)),
    (
        "weekday",
        re.compile(r"\b(?:в|во)\s+(?P<weekday>" + "|".join(_RU_WEEKDAYS) + r")\b", re.I),
    ),
    ("in_month", re.compile(rf"\b(?:в|во)\s+(?P<month>{_RU_PREP_RE})\b(?!\s+\d)", re.I)),
    ("year", re.compile(r"\b(?:в|с|к)\s+(?P<year>(?:19|20)\d\d)\s*(?:году|года|г\.)", re.I)),
]
_MONTHS.update(_RU_GENITIVE)
_MONTHS.update(_RU_PREPOSITIONAL)
_MONTHS.update(_RU_NOMINATIVE)
_WEEKDAYS.update(_RU_WEEKDAYS)
_YESTERDAY_WORDS = frozenset({"yesterday", "вчера", "накануне"})


@dataclass(frozen=True)
class DateSpan:
    """The first and last day a date expression can mean, and where it sits in the text."""

    first: date
    last: date
    start: int
    end: int
    text: str

    @property
    def midpoint(self) -> date:
        return self.first + (self.last - self.first) / 2


def shift_days(day: date, days: int) -> date:
    """``day`` moved by ``days``, held at ``date.min`` or ``date.max`` rather than overflowing.

    For windows around a date (dedup, queries): a window reaching past year 9999 simply has
    no end, where ``date + timedelta`` would raise ``OverflowError``.
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _month_before(anchor: date, month: int) -> int:
    """The year of the most recent ``month`` on or before ``anchor`` (news reports the past)."""
    return anchor.year if month <= anchor.month else anchor.year - 1


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(kind: str, match: re.Match[str], anchor: date) -> tuple[date, date] | None:
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    if "rel" in groups:
        groups["rel"] = _RELATIVE_WORDS.get(groups["rel"].lower(), groups["rel"])
    if "part" in groups:
        groups["part"] = _PART_WORDS.get(groups["part"].lower(), groups["part"])
    month = _MONTHS.get(groups.get("month", "").lower().rstrip(".")) if "month" in groups else None
    if kind == "iso":
        month = int(groups["month"])
    if kind in ("month_day_year", "day_month_year", "iso"):
        day = _safe_date(int(groups["year"]), month or 0, int(groups["day"]))
        return (day, day) if day else None
    if kind == "month_year" and month:
        return _month_span(int(groups["year"]), month)
    if kind == "month_of_last_year" and month:
        offset = {"last": -1, "this": 0, "next": 1}[groups["rel"].lower()]
        return _month_span(anchor.year + offset, month)
    if kind == "part_year":
        year = int(groups["year"])
        part = groups["part"].lower()
        if part in ("early", "beginning of"):
            return date(year, 1, 1), date(year, 4, 30)
        if part == "mid":
            return date(year, 5, 1), date(year, 8, 31)
        return date(year, 9, 1), date(year, 12, 31)
    if kind == "month_day" and month:
        day = _safe_date(_month_before(anchor, month), month, int(groups["day"]))
        return (day, day) if day else None
    if kind == "in_month" and month:
        return _month_span(_month_before(anchor, month), month)
    if kind == "relative_year":
        year = anchor.year if groups["rel"].lower() == "this" else anchor.year - 1
        return date(year, 1, 1), date(year, 12, 31)
    if kind == "relative_week":
        back = 0 if groups["rel"].lower() == "this" else 7
        return anchor - timedelta(days=back + 6), anchor - timedelta(days=back)
    if kind == "relative_month":
        if groups["rel"].lower() == "this":
            return _month_span(anchor.year, anchor.month)
        first = anchor.replace(day=1) - timedelta(days=1)
        return _month_span(first.year, first.month)
    if kind == "yesterday":
        back = 1 if groups["word"].lower() in _YESTERDAY_WORDS else 0
        day = anchor - timedelta(days=back)
        return day, day
    if kind == "weekday":
        # Published on a Saturday, "on Saturday" is that day; otherwise the latest one before.
        back = (anchor.weekday() - _WEEKDAYS[groups["weekday"].lower()]) % 7
        day = anchor - timedelta(days=back)
        return day, day
    if kind == "year":
        year = int(groups["year"])
        return date(year, 1, 1), date(year, 12, 31)
    return None


def find_dates(text: str, anchor: date) -> list[DateSpan]:
    """Every date expression in ``text``, most specific first where they overlap."""
    taken: list[tuple[int, int]] = []
    spans: list[DateSpan] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            try:
                resolved = _resolve(kind, match, anchor)
            except (OverflowError, ValueError):
                # "yesterday" from 0001-01-01, "last year" from year 1: no calendar date.
                resolved = None
            if resolved is None:
                continue
            taken.append((match.start(), match.end()))
            spans.append(
                DateSpan(resolved[0], resolved[1], match.start(), match.end(), match.group(0))
            )
    return sorted(spans, key=lambda s: s.start)


def parse_published(value: str | date | None) -> date | None:
    """Parse an ISO date (or datetime) given at ingest; None stays None."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise ValueError(f"published date {value!r} is not ISO 8601 (YYYY-MM-DD)") from exc

"""Parsing of query parameters shared by the routes: dates, OGC datetime intervals, paging."""

from __future__ import annotations

import datetime as dt

from service.errors import InvalidParameter


def parse_date(value: str | None, name: str) -> dt.date | None:
    """An ISO date (a datetime is cut to its date); empty means no bound."""
    if value is None or value.strip() in ("", ".."):
        return None
    text = value.strip()
    try:
        if len(text) > 10:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidParameter(f"{name} {value!r} is not an ISO 8601 date (YYYY-MM-DD)") from exc


def parse_window(since: str | None, until: str | None) -> tuple[dt.date | None, dt.date | None]:
    """The ``since``/``until`` time window; ``since`` after ``until`` is a client error."""
    start, end = parse_date(since, "since"), parse_date(until, "until")
    if start and end and start > end:
        raise InvalidParameter(f"since {start} is after until {end}")
    return start, end


def parse_ogc_datetime(value: str | None) -> tuple[dt.date | None, dt.date | None]:
    """OGC API ``datetime``: an instant, or ``start/end`` with ``..`` for an open end."""
    if value is None or value == "":
        return None, None
    if "/" in value:
        start, _, end = value.partition("/")
        return parse_window(start, end)
    instant = parse_date(value, "datetime")
    return instant, instant

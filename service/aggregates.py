"""Per-region, per-day score aggregates, kept current inside the ingest transaction.

When a report is stored, the event clusters it joined are re-read (their own reports only),
their contribution to each region is replaced in ``event_regions`` and the affected
``region_days`` rows are summed again. Scores then read days x regions
(:func:`geodata.scoring.scores_from_days`); the formula stays in :mod:`geodata.scoring`.

A score of everything up to a day would still read every day before it, a cost that grows
with the years stored; so each region also has yearly checkpoints (``region_checkpoints``:
the sums of its days before 1 January, the weight decayed to that date), and such a score
reads one checkpoint per region and the days since (:func:`window_days`). An ingest
rewrites a region's checkpoints only when it changes a day of an earlier year than the
latest event's, and adds a year's checkpoints once, when the first event of a new year
arrives.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geodata.border_ties import StoredPlace
from geodata.incidents import Incident
from geodata.scoring import (
    DAY_COLUMNS,
    RegionIndex,
    ScoreWeights,
    event_contributions,
    events_frame,
    sum_days,
)
from service.schema import (
    clusters,
    event_regions,
    incidents,
    mentions,
    region_checkpoints,
    region_days,
    region_mentions,
)
from service.storage import Store, incident_from_row, mention_counts

#: Clusters re-read per query when the aggregates are rebuilt from scratch.
REBUILD_CHUNK = 2000

DayKey = tuple[str, str, Any]
RegionKey = tuple[str, str]
#: Days per statement when day rows are re-summed (one index range per region, ORed).
DAYS_PER_STATEMENT = 500
#: The columns a checkpoint adds up (``militants`` is a maximum, ``presence`` an any).
SUMMED = ("incidents", "fatalities", "injured", "hostages", "documents")


class RegionAggregates:
    """Maintains ``event_regions`` and ``region_days`` for one region index and weights."""

    def __init__(self, index: RegionIndex, weights: ScoreWeights) -> None:
        self.index = index
        self.weights = weights
        self.fingerprint = json.dumps(weights.describe()["weights"], sort_keys=True)

    def refresh(self, conn: sa.Connection, cluster_ids: Iterable[str]) -> None:
        """Replace the contributions of ``cluster_ids`` and re-sum the days they touch."""
        ids = sorted(set(cluster_ids))
        latest_before = _latest_year(conn)
        touched: set[DayKey] = set()
        for start in range(0, len(ids), REBUILD_CHUNK):
            chunk = ids[start : start + REBUILD_CHUNK]
            touched |= {
                (row.level, row.region_id, row.day)
                for row in conn.execute(
                    sa.select(
                        event_regions.c.level, event_regions.c.region_id, event_regions.c.day
                    ).where(event_regions.c.cluster_id.in_(chunk))
                )
            }
            conn.execute(event_regions.delete().where(event_regions.c.cluster_id.in_(chunk)))
            rows = self._contributions(conn, chunk)
            if rows:
                conn.execute(event_regions.insert(), rows)
            touched |= {(r["level"], r["region_id"], r["day"]) for r in rows}
        self._sum_days(conn, touched)
        self._update_checkpoints(conn, touched, latest_before)

    def rebuild(self, conn: sa.Connection) -> None:
        """Recompute every aggregate from the stored events and mentions (once, when stale)."""
        for table in (region_checkpoints, region_days, event_regions, region_mentions):
            conn.execute(table.delete())
        all_ids = [row.id for row in conn.execute(sa.select(clusters.c.id).order_by(clusters.c.id))]
        self.refresh(conn, all_ids)
        counts = mention_counts(
            conn.execute(
                sa.select(
                    mentions.c.doc_id, mentions.c.country, mentions.c.admin1, mentions.c.border
                )
            )
        )
        if counts:
            conn.execute(region_mentions.insert(), counts)

    def _contributions(
        self, conn: sa.Connection, cluster_ids: Sequence[str]
    ) -> list[dict[str, Any]]:
        grouped: dict[str, list[Incident]] = {}
        query = (
            sa.select(incidents)
            .where(incidents.c.cluster_id.in_(cluster_ids))
            .order_by(incidents.c.start, incidents.c.id)
        )
        for row in conn.execute(query):
            grouped.setdefault(row.cluster_id, []).append(incident_from_row(row._mapping))
        if not grouped:
            return []
        doc_ids = sorted({i.doc_id for members in grouped.values() for i in members})
        places = _place_spans(conn, doc_ids)
        cluster_of = {_representative_id(members): cluster for cluster, members in grouped.items()}
        frame = events_frame(list(grouped.values()), places)
        contributions = event_contributions(frame, self.index, self.weights)
        return [
            {
                "cluster_id": cluster_of[record["event_id"]],
                "level": record["level"],
                "region_id": record["region_id"],
                "day": record["day"],
                "event_id": record["event_id"],
                "killed": float(record["killed"]),
                "wounded": float(record["wounded"]),
                "hostages": float(record["hostages"]),
                "militants": float(record["militants"]),
                "presence": bool(record["presence"]),
                "weight": float(record["weight"]),
                "documents": list(record["documents"]),
            }
            for record in contributions.to_dict("records")
        ]

    def _sum_days(self, conn: sa.Connection, keys: set[DayKey]) -> None:
        """Sum the event rows of each (level, region, day) in ``keys`` into ``region_days``."""
        ordered = sorted(keys)
        for start in range(0, len(ordered), DAYS_PER_STATEMENT):
            chunk: dict[RegionKey, list[Any]] = {}
            for level, region_id, day in ordered[start : start + DAYS_PER_STATEMENT]:
                chunk.setdefault((level, region_id), []).append(day)
            conn.execute(region_days.delete().where(_day_keys(region_days, chunk)))
            rows = conn.execute(
                sa.select(event_regions).where(_day_keys(event_regions, chunk))
            ).mappings()
            sums = sum_days(rows)
            if sums:
                conn.execute(region_days.insert(), sums)

    def _update_checkpoints(
        self, conn: sa.Connection, touched: set[DayKey], latest_before: int | None
    ) -> None:
        """Keep a checkpoint per region for each year after its first up to the latest
        event's, after the days in ``touched`` changed (``latest_before``: the latest event's
        year before they did)."""
        latest = _latest_year(conn)
        if latest is None:
            conn.execute(region_checkpoints.delete())
            return
        # The latest event may have moved back (a report moved its event's date).
        conn.execute(region_checkpoints.delete().where(region_checkpoints.c.year > latest))
        new_year = latest_before is None or latest > latest_before
        if new_year:
            self._roll(conn, None, latest_before, latest)
        earliest: dict[RegionKey, int] = {}
        for level, region_id, day in touched:
            year = _year(day)
            earliest[(level, region_id)] = min(year, earliest.get((level, region_id), year))
        for region, year in sorted(earliest.items()):
            # Checkpoints of the years after a changed day are stale, unless the roll to a
            # new year just rebuilt them from an older, unchanged checkpoint.
            if year < latest and (
                not new_year or (latest_before is not None and year < latest_before)
            ):
                self._roll(conn, region, year, latest)

    def _roll(
        self, conn: sa.Connection, region: RegionKey | None, start: int | None, end: int
    ) -> None:
        """Rewrite the checkpoints of years ``start + 1`` to ``end`` of one region (or all)
        from the checkpoint of ``start`` and the days from 1 January of ``start`` on
        (``start`` None: from all the days)."""
        checkpoints = region_checkpoints.c
        where: list[Any] = []
        day_where: list[Any] = [region_days.c.day < dt.date(end, 1, 1)]
        if region is not None:
            where += [checkpoints.level == region[0], checkpoints.region_id == region[1]]
            day_where += [region_days.c.level == region[0], region_days.c.region_id == region[1]]
        if start is not None:
            day_where.append(region_days.c.day >= dt.date(start, 1, 1))
        bases: dict[RegionKey, dict[str, Any]] = {}
        if start is not None:
            query = sa.select(region_checkpoints).where(checkpoints.year == start, *where)
            bases = {(r["level"], r["region_id"]): dict(r) for r in conn.execute(query).mappings()}
            where.append(checkpoints.year > start)
        conn.execute(region_checkpoints.delete().where(*where))
        days: dict[RegionKey, list[dict[str, Any]]] = {}
        query = (
            sa.select(region_days)
            .where(*day_where)
            .order_by(region_days.c.level, region_days.c.region_id, region_days.c.day)
        )
        for row in conn.execute(query).mappings():
            days.setdefault((row["level"], row["region_id"]), []).append(dict(row))
        rows = [
            checkpoint
            for key in sorted(bases.keys() | days.keys())
            for checkpoint in roll_checkpoints(
                key, bases.get(key), days.get(key, []), start, end, self.weights.half_life_days
            )
        ]
        if rows:
            conn.execute(region_checkpoints.insert(), rows)


def roll_checkpoints(
    region: RegionKey,
    base: dict[str, Any] | None,
    days: Sequence[dict[str, Any]],
    start: int | None,
    end: int,
    half_life_days: float,
) -> list[dict[str, Any]]:
    """A region's checkpoints for the years after ``start`` up to ``end``.

    ``base`` is its checkpoint of ``start`` (None: nothing before it), ``days`` its day rows
    from 1 January of ``start`` (or its first) to the end of ``end - 1``, in date order. Each
    checkpoint holds the sums of every day before 1 January of its year, the weight decayed
    to that date; a region gets none before its first day.

    >>> day = {"day": dt.date(2023, 12, 31), "incidents": 1, "fatalities": 2.0, "injured": 0.0,
    ...        "hostages": 0.0, "militants": 0.0, "presence": False, "weight": 1.0,
    ...        "documents": 1}
    >>> [(c["year"], c["incidents"], c["weight"]) for c in
    ...  roll_checkpoints(("admin0", "AFG"), None, [day], None, 2025, 1.0)]
    [(2024, 1, 0.5), (2025, 1, 0.5 ** 367)]
    """
    if start is None:
        if not days:
            return []
        start = _year(days[0]["day"])
    state = None if base is None else {name: base[name] for name in DAY_COLUMNS[3:]}
    out = []
    position = 0
    for year in range(start + 1, end + 1):
        boundary = dt.date(year, 1, 1)
        if state is not None:
            state["weight"] *= 0.5 ** ((boundary - dt.date(year - 1, 1, 1)).days / half_life_days)
        while position < len(days) and _as_day(days[position]["day"]) < boundary:
            day = days[position]
            position += 1
            if state is None:
                state = {name: 0 for name in SUMMED}
                state.update(militants=0.0, presence=False, weight=0.0)
            for name in SUMMED:
                state[name] += day[name]
            state["militants"] = max(float(state["militants"]), float(day["militants"]))
            state["presence"] = bool(state["presence"] or day["presence"])
            age = (boundary - _as_day(day["day"])).days
            state["weight"] += float(day["weight"]) * 0.5 ** (age / half_life_days)
        if state is not None:
            out.append({"level": region[0], "region_id": region[1], "year": year, **state})
    return out


def window_days(
    store: Store, windows: Sequence[tuple[dt.date | None, dt.date]]
) -> dict[bool, pd.DataFrame]:
    """The day rows that scores of ``windows`` (``(since, until)`` pairs) need, from one read,
    keyed by whether a window is open (``since`` None: everything up to ``until``).

    For the open ones the days before 1 January of the earliest ``until``'s year (or of the
    latest event's, if earlier) come folded into one row per region dated that 1 January: its
    checkpoint, whose weight is already decayed to that date. So however many years are
    stored, the rows read are one per region, the days of about a year, and the days of the
    closed windows.
    """
    columns = [c.name for c in region_days.c]
    open_untils = [until for since, until in windows if since is None]
    closed_starts = [since for since, _ in windows if since is not None]
    folded: list[dict[str, Any]] = []
    fold_day = None
    days: list[dict[str, Any]] = []
    with store.connection() as conn:
        latest = _latest_year(conn) if open_untils else None
        if latest is not None:
            year = min(min(open_untils).year, latest)
            fold_day = dt.date(year, 1, 1)
            query = sa.select(
                *(region_checkpoints.c[name] for name in columns if name != "day")
            ).where(region_checkpoints.c.year == year)
            folded = [{**row, "day": fold_day} for row in conn.execute(query).mappings()]
        first_days = closed_starts + ([fold_day] if fold_day is not None else [])
        if first_days:
            query = sa.select(region_days).where(
                region_days.c.day >= min(first_days),
                region_days.c.day <= max(until for _, until in windows),
            )
            days = [dict(row) for row in conn.execute(query).mappings()]
    frames: dict[bool, pd.DataFrame] = {}
    if open_untils:
        since_fold = [r for r in days if fold_day is not None and _as_day(r["day"]) >= fold_day]
        frames[True] = pd.DataFrame([*folded, *since_fold], columns=columns)
    if closed_starts:
        frames[False] = pd.DataFrame(days, columns=columns)
    return frames


def _day_keys(table: sa.Table, days: dict[RegionKey, list[Any]]) -> Any:
    """``table``'s rows of these days of these regions, as one index range per region.

    Written as ORed ``level = ? AND region_id = ? AND day IN (...)``: a row-value
    ``(level, region_id, day) IN (...)`` makes SQLite scan the whole table, a cost that grew
    with the days stored on every ingest with an event.
    """
    return sa.or_(
        *(
            sa.and_(
                table.c.level == level,
                table.c.region_id == region_id,
                table.c.day.in_(sorted(set(chosen))),
            )
            for (level, region_id), chosen in days.items()
        )
    )


def _latest_year(conn: sa.Connection) -> int | None:
    """The year of the latest day with an event (an index lookup)."""
    value = conn.execute(sa.select(sa.func.max(region_days.c.day))).scalar()
    return None if value is None else _year(value)


def _as_day(value: Any) -> dt.date:
    """A day as a date (SQLite may hand back ISO text, pandas a Timestamp)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _year(value: Any) -> int:
    return _as_day(value).year


def _place_spans(conn: sa.Connection, doc_ids: Sequence[str]) -> dict[str, list[StoredPlace]]:
    by_doc: dict[str, list[StoredPlace]] = {}
    for start in range(0, len(doc_ids), 1000):
        query = sa.select(
            mentions.c.doc_id,
            mentions.c.start,
            mentions.c.kind,
            mentions.c.country,
            mentions.c.border,
        ).where(
            mentions.c.doc_id.in_(doc_ids[start : start + 1000]),
            sa.or_(mentions.c.country.is_not(None), mentions.c.border.is_not(None)),
        )
        for m in conn.execute(query):
            by_doc.setdefault(m.doc_id, []).append(
                StoredPlace(m.start, m.kind, m.country, m.border)
            )
    return by_doc


def _representative_id(members: Sequence[Incident]) -> str:
    from geodata.dedup import representative

    return representative(members).id

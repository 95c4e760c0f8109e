"""Current scores per region, from per-region, per-day aggregates.

Scoring is pure (:mod:`geodata.scoring`); storage keeps each region's daily sums current in
the ingest transaction (:mod:`service.aggregates`), so a score query reads days x regions and
applies the decay, never every event. Results are memoised per ``(data version, since,
until)``; a region's evidence list is read from storage on demand, a page at a time.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import shapely

from geodata.boundaries import Boundaries
from geodata.scoring import (
    SCORE_COLUMNS,
    RegionIndex,
    ScoreWeights,
    previous_window,
    scores_from_days,
    timeline_from_days,
    with_score_change,
)
from service.aggregates import RegionAggregates, window_days
from service.cache import ByteCache
from service.storage import Store

#: ``(level, region_id, limit, offset)`` -> the ids of the region's events in a window.
EventIdPager = Callable[[str, str, int | None, int], list[str]]

#: Bytes of score tables kept (one per data version and time window asked for).
SCORE_CACHE_BYTES = 32 * 2**20

#: Score columns a region's properties carry (the evidence ids go out separately).
_SCORE_FIELDS = tuple(
    column
    for column in SCORE_COLUMNS
    if column not in ("level", "region_id", "raw", "incident_ids")
)


@dataclass(frozen=True)
class ScoreTable:
    """Scores of every region with evidence, keyed by ``(level, region_id)``."""

    rows: dict[tuple[str, str], dict[str, Any]]
    since: dt.date | None
    until: dt.date
    version: str
    #: The window ``score_change`` compares with (see :func:`geodata.scoring.previous_window`).
    previous: tuple[dt.date | None, dt.date] | None = None
    #: The date of the latest stored incident report, whatever the window.
    latest_report: dt.date | None = None
    #: Reads a region's evidence ids from storage (none when the table was built without).
    event_ids: EventIdPager | None = None

    def window(self) -> dict[str, Any]:
        """What the scores and counts of this table describe, for every scored response."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat(),
            "counts": "incidents, fatalities, injured and hostages are those of the events "
            "dated in the window; threat_score weighs the same events, decayed back from until",
            "score_change_since": {
                "since": self.previous[0].isoformat()
                if self.previous and self.previous[0]
                else None,
                "until": self.previous[1].isoformat() if self.previous else None,
            },
            "latest_report": self.latest_report.isoformat() if self.latest_report else None,
        }

    def properties(self, level: str, region_id: str) -> dict[str, Any]:
        """Score properties for a region; ``has_evidence`` False when nothing names it."""
        row = self.rows.get((level, region_id))
        if row is None:
            empty: dict[str, Any] = {name: 0 for name in _SCORE_FIELDS}
            empty["militant_presence"] = False
            empty["threat_score"] = None
            empty["score_change"] = None
            empty["has_evidence"] = False
            return empty
        props = {name: row[name] for name in _SCORE_FIELDS}
        # A table scored without the window before (a map's windows) knows no change.
        props["score_change"] = None if self.previous is None else row.get("score_change", 0.0)
        props["has_evidence"] = True
        return props

    def incident_ids(
        self, level: str, region_id: str, limit: int | None = None, offset: int = 0
    ) -> list[str]:
        """The events that count for a region in this window, latest first; paged."""
        if (level, region_id) not in self.rows or self.event_ids is None:
            return []
        return self.event_ids(level, region_id, limit, offset)

    def nbytes(self) -> int:
        """Roughly the memory the rows hold (dicts, keys, values and incident id lists)."""
        total = sys.getsizeof(self.rows)
        for key, row in self.rows.items():
            total += sys.getsizeof(key) + sys.getsizeof(row)
            for value in row.values():
                total += sys.getsizeof(value)
                if isinstance(value, list | tuple):
                    total += sum(sys.getsizeof(item) for item in value)
        return total


def region_index(boundaries: Boundaries) -> RegionIndex:
    """Which country each admin-1 region is in, which borders it touches, and the lines."""
    return RegionIndex.from_borders(
        dict(zip(boundaries.admin1["region_id"], boundaries.admin1["country"], strict=True)),
        [
            (border_id, [r["region_id"] for r in regions])
            for border_id, regions in zip(
                boundaries.borders["border_id"], boundaries.borders["regions"], strict=True
            )
        ],
        list(boundaries.borders.geometry),
    )


def region_shapes(boundaries: Boundaries) -> list[tuple[str, str, str | None, bytes]]:
    """``(level, region_id, name, WKB)`` of every country, admin-1 region and border."""
    layers = (
        ("admin0", boundaries.admin0, "country", "name"),
        ("admin1", boundaries.admin1, "region_id", "name"),
        ("border", boundaries.borders, "border_id", None),
    )
    return [
        (level, str(rid), None if name_column is None else str(name), shapely.to_wkb(geom))
        for level, frame, id_column, name_column in layers
        for rid, name, geom in zip(
            frame[id_column],
            frame[name_column] if name_column else frame[id_column],
            frame.geometry,
            strict=True,
        )
    ]


class ScoreBoard:
    """Scores on demand from the stored aggregates, memoised per data version and window."""

    def __init__(self, store: Store, boundaries: Boundaries, weights: ScoreWeights) -> None:
        self.store = store
        self.weights = weights
        self.index = region_index(boundaries)
        self.aggregates = RegionAggregates(self.index, weights)
        # From now on every ingest through this store keeps the aggregates current.
        store.aggregates = self.aggregates
        if store.spatial:  # the PostGIS layer views join scores with these shapes
            store.publish_regions(region_shapes(boundaries))
        self._rebuild_lock = threading.Lock()
        # Current from start-up, so ingests keep them so and the layer views are right.
        self.ensure_current()
        # Keyed ``(version, since, until)`` for tables with ``score_change``, and
        # ``(version, since, until, "plain")`` for those scored without (map windows).
        self._cache: ByteCache[tuple[Hashable, ...], ScoreTable] = ByteCache(
            SCORE_CACHE_BYTES, ScoreTable.nbytes
        )
        self._records: tuple[str, dict[str, dict[str, Any]]] = ("", {})

    def ensure_current(self) -> None:
        """Rebuild the aggregates once when they lag the data (an ingest by a process that
        does not score, e.g. ``riskmap ingest``) or were computed with other weights."""
        if self.store.aggregates_current(self.aggregates.fingerprint):
            return
        with self._rebuild_lock:
            if not self.store.aggregates_current(self.aggregates.fingerprint):
                self.store.rebuild_aggregates(self.aggregates)

    def incident_records(self) -> dict[str, dict[str, Any]]:
        """Every stored incident report by id, with its document's source (memoised).

        A full read, for the incident layers and maps that draw every report; scores and
        evidence no longer need it.
        """
        version = self.store.data_version()
        if self._records[0] != version:
            self._records = (version, {r["id"]: r for r in self.store.incident_records()})
        return self._records[1]

    def evidence(self, event_ids: list[str]) -> list[dict[str, Any]]:
        """For each scored event, every report of it: document, sentence and spans."""
        reports = self.store.event_reports(event_ids)
        out = []
        for event_id in event_ids:
            members = reports.get(event_id)
            if not members:
                continue
            record = next(r for r in members if r["id"] == event_id)
            out.append(
                {
                    "event_id": event_id,
                    "type": record["type"],
                    "date": record["date"],
                    "killed": record["killed"],
                    "wounded": record["wounded"],
                    "hostages": record["hostages"],
                    "militants": record["militants"],
                    "confidence": record["confidence"],
                    "reports": [evidence_of(r) for r in members],
                }
            )
        return out

    def table(self, since: dt.date | None = None, until: dt.date | None = None) -> ScoreTable:
        until = until or dt.datetime.now(dt.UTC).date()
        self.ensure_current()
        version = self.store.data_version()
        return self._cache.get_or_build(
            (version, since, until), lambda: self._scored(version, since, until)
        )

    def window_tables(self, windows: Sequence[tuple[dt.date | None, dt.date]]) -> list[ScoreTable]:
        """Scores of several ``(since, until)`` windows, for a map that switches between them.

        A map shows each window's scores and counts, never ``score_change``, so the window
        before each is not scored; and all the windows not yet kept are scored from one read
        of the day sums and mention counts. A table with ``score_change`` already kept for a
        window serves it too. Returns the tables in the order asked.
        """
        self.ensure_current()
        version = self.store.data_version()
        found: dict[tuple[dt.date | None, dt.date], ScoreTable] = {}
        for since, until in dict.fromkeys(windows):
            table = self._cache.get((version, since, until)) or self._cache.get(
                (version, since, until, "plain")
            )
            if table is not None:
                found[(since, until)] = table
        todo = [w for w in dict.fromkeys(windows) if w not in found]
        if todo:
            days = window_days(self.store, todo)
            mentions = self.store.region_mention_frame()
            latest = self.store.latest_event_day()
            for since, until in todo:
                frame = scores_from_days(
                    days[since is None], self.weights, until, since, mentions=mentions
                )
                table = ScoreTable(
                    _rows(frame), since, until, version, None, latest, self._pager(since, until)
                )
                self._cache.put((version, since, until, "plain"), table)
                found[(since, until)] = table
        return [found[window] for window in windows]

    def _pager(self, since: dt.date | None, until: dt.date) -> EventIdPager:
        """Reads a region's evidence ids in ``[since, until]`` from storage, a page at a time."""
        store = self.store

        def event_ids(level: str, region_id: str, limit: int | None, offset: int) -> list[str]:
            return store.region_event_ids(level, region_id, until, since, limit, offset)

        return event_ids

    def _scored(self, version: str, since: dt.date | None, until: dt.date) -> ScoreTable:
        """Score the window and the one before it (for ``score_change``)."""
        previous = previous_window(since, until, self.weights.change_days)
        days = window_days(self.store, [(since, until), previous])[since is None]
        frame = scores_from_days(
            days, self.weights, until, since, mentions=self.store.region_mention_frame()
        )
        before = scores_from_days(days, self.weights, previous[1], previous[0])
        return ScoreTable(
            _rows(with_score_change(frame, before)),
            since,
            until,
            version,
            previous,
            self.store.latest_event_day(),
            self._pager(since, until),
        )

    def timeline(
        self,
        level: str,
        region_id: str,
        since: dt.date | None,
        until: dt.date | None,
        interval: str,
    ) -> dict[str, Any]:
        """One region's incidents, fatalities and score per week or month.

        ``until`` defaults to today; ``since`` to the first event that counts for the region
        (or a year before ``until`` when none does).
        """
        until = until or dt.datetime.now(dt.UTC).date()
        self.ensure_current()
        if since is None:
            first = self.store.first_event_day(level, region_id, until)
            since = first or until - dt.timedelta(days=365)
        days = self.store.region_day_frame(until, since, (level, region_id))
        buckets = timeline_from_days(days, self.weights, since, until, interval)
        return {"since": since.isoformat(), "until": until.isoformat(), "buckets": buckets}


def evidence_of(record: dict[str, Any]) -> dict[str, Any]:
    """Where one incident report came from: document, sentence and character spans."""
    return {
        "incident_id": record["id"],
        "doc_id": record["doc_id"],
        "source": record.get("source"),
        "url": record.get("url"),
        "published": record.get("published"),
        "sentence": record["sentence"],
        "span": [record["start"], record["end"]],
        "trigger": record["trigger"],
        "trigger_span": [record["trigger_start"], record["trigger_end"]],
        "locations": record["locations"],
    }


def _rows(frame: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for record in frame.to_dict("records"):
        clean: dict[str, Any] = {
            str(key): (value.item() if hasattr(value, "item") else value)
            for key, value in record.items()
        }
        clean["threat_score"] = round(float(clean["threat_score"]), 3)
        rows[(str(clean["level"]), str(clean["region_id"]))] = clean
    return rows

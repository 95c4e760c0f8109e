"""Current scores per region, recomputed only when the stored data changes.

Scoring is pure (:mod:`geodata.scoring`); this module feeds it from storage and memoises the
result per ``(data version, since, until)``, so a burst of map requests costs one computation
and the next ingest invalidates it.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geodata.boundaries import Boundaries
from geodata.scoring import (
    SCORE_COLUMNS,
    RegionIndex,
    ScoreWeights,
    events_frame,
    previous_window,
    region_timeline,
    score_regions,
    with_score_change,
)
from service.cache import ByteCache
from service.storage import Store

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
        props["score_change"] = row.get("score_change", 0.0)
        props["has_evidence"] = True
        return props

    def incident_ids(self, level: str, region_id: str) -> list[str]:
        row = self.rows.get((level, region_id))
        return list(row["incident_ids"]) if row else []

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


class ScoreBoard:
    """Scores on demand, memoised per data version and time window."""

    def __init__(self, store: Store, boundaries: Boundaries, weights: ScoreWeights) -> None:
        self.store = store
        self.weights = weights
        self.index = region_index(boundaries)
        self._cache: ByteCache[tuple[str, dt.date | None, dt.date], ScoreTable] = ByteCache(
            SCORE_CACHE_BYTES, ScoreTable.nbytes
        )
        self._records: tuple[str, dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]
        self._records = ("", {}, {})
        # The events and mentions of the latest data version, read once for all its windows
        # (a map page scores eight windows; each read both tables again).
        self._frames: tuple[str, pd.DataFrame, pd.DataFrame] | None = None
        self._frames_lock = threading.Lock()

    def _load_records(self) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """Incident reports by id and by event cluster, reloaded when the data changes."""
        version = self.store.data_version()
        cached = self._records
        if cached[0] == version:
            return cached[1], cached[2]
        records = {r["id"]: r for r in self.store.incident_records()}
        by_cluster: dict[str, list[dict[str, Any]]] = {}
        for record in sorted(records.values(), key=lambda r: r["id"]):
            by_cluster.setdefault(record["cluster_id"], []).append(record)
        self._records = (version, records, by_cluster)
        return records, by_cluster

    def incident_records(self) -> dict[str, dict[str, Any]]:
        """Every stored incident report by id, with its document's source (memoised)."""
        return self._load_records()[0]

    def evidence(self, event_ids: list[str]) -> list[dict[str, Any]]:
        """For each scored event, every report of it: document, sentence and spans."""
        records, by_cluster = self._load_records()
        out = []
        for event_id in event_ids:
            found = records.get(event_id)
            if found is None:
                continue
            record = found
            reports = by_cluster.get(record["cluster_id"], [record])
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
                    "reports": [evidence_of(r) for r in reports],
                }
            )
        return out

    def table(self, since: dt.date | None = None, until: dt.date | None = None) -> ScoreTable:
        until = until or dt.datetime.now(dt.UTC).date()
        version = self.store.data_version()
        return self._cache.get_or_build(
            (version, since, until), lambda: self._scored(version, since, until)
        )

    def _events(self) -> pd.DataFrame:
        """Every stored event, with the place mentions that tie events to borders."""
        return events_frame(self.store.events(), self.store.place_spans())

    def _inputs(self, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The events and mention frames of ``version`` (scoring never modifies them)."""
        with self._frames_lock:
            if self._frames is None or self._frames[0] != version:
                self._frames = (version, self._events(), self.store.mention_frame())
            return self._frames[1], self._frames[2]

    def _scored(self, version: str, since: dt.date | None, until: dt.date) -> ScoreTable:
        """Score the window and the one before it (for ``score_change``)."""
        events, mentions = self._inputs(version)
        frame = score_regions(
            events, self.index, self.weights, until=until, since=since, mentions=mentions
        )
        previous = previous_window(since, until, self.weights.change_days)
        before = score_regions(
            events, self.index, self.weights, until=previous[1], since=previous[0]
        )
        latest = pd.to_datetime(events["date"]).max() if len(events) else None
        return ScoreTable(
            _rows(with_score_change(frame, before)),
            since,
            until,
            version,
            previous,
            None if latest is None or pd.isna(latest) else latest.date(),
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
        events = self._events()
        if since is None:
            ids = self.table(None, until).incident_ids(level, region_id)
            dated: list[dt.date] = (
                [d for d in events[events["event_id"].isin(ids)]["date"] if d is not None]
                if len(events)
                else []
            )
            first = min(dated, default=None)
            since = first or until - dt.timedelta(days=365)
        buckets = region_timeline(
            events, self.index, self.weights, level, region_id, since, until, interval
        )
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

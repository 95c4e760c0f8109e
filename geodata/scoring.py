"""Threat scores per region, with the formula written down and every score traceable.

For each event (a cluster of incident reports, see :mod:`geodata.dedup`), scored by its
representative report ``i``::

    base_i   = w_incident
             + w_fatality * killed_i          (a "deadly" report with no number counts 1)
             + w_injury   * wounded_i
             + w_hostage  * hostages_i
             + [militant presence] * (w_presence + w_militants * log10(1 + militants_i))
    decay_i  = 0.5 ** (age_days_i / half_life_days)      age measured back from ``until``
    weight_i = base_i * decay_i * precision_factor[precision_i] * confidence_i

    raw_r        = sum of weight_i over the events located in region r
    threat_score = min(10, 10 * ln(1 + raw_r) / ln(1 + saturation))

The GTI weights (1 per incident, 3 per fatality, 0.5 per injury, 0.5 per hostage) are the
defaults. Roll-ups: an event in an admin-1 region also counts for its country; an event located
on a border counts for the border and both countries. A border otherwise counts only events on
or near it: those whose sentences tie them to it (:mod:`geodata.border_ties`) at full weight,
and those with a point within ``border_distance_km`` of its line at ``weight_i * kernel(d)``
(:func:`geodata.border_proximity.border_kernel`); lying in a province that touches a border is
not enough. An event counts once per region however many of its places fall in that region.
``docs/scoring.md`` is the reader's version of this docstring.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from geodata.border_proximity import BorderLines, border_kernel
from geodata.border_ties import BorderText, PlaceSpan, event_evidence, tied_borders
from geodata.incidents import Incident


@dataclass(frozen=True)
class ScoreWeights:
    """Every number the formula uses; the service fills them from ``RISKMAP_SCORE_*``."""

    incident: float = 1.0
    fatality: float = 3.0
    injury: float = 0.5
    hostage: float = 0.5
    militant_presence: float = 2.0
    militants_log: float = 0.5
    deadly_unknown_fatalities: float = 1.0
    half_life_days: float = 180.0
    saturation: float = 200.0
    #: Incidents with a point count for a border within this distance of its line.
    border_distance_km: float = 50.0
    #: An open window's ``score_change`` compares with the score this many days earlier.
    change_days: int = 30
    precision_factor: Mapping[int, float] = field(
        default_factory=lambda: {1: 1.0, 2: 0.95, 3: 0.9, 4: 0.8, 5: 0.7, 6: 0.5, 7: 0.3}
    )

    def describe(self) -> dict[str, object]:
        """The formula and its weights, returned with every scored response."""
        weights = asdict(self)
        weights["precision_factor"] = {str(k): v for k, v in self.precision_factor.items()}
        return {
            "formula": (
                "weight = (incident + fatality*killed + injury*wounded + hostage*hostages"
                " + presence*(militant_presence + militants_log*log10(1+militants)))"
                " * 0.5^(age_days/half_life_days) * precision_factor[precision] * confidence;"
                " threat_score = min(10, 10*ln(1+sum(weight))/ln(1+saturation));"
                " a border counts events its text ties to it at full weight and events with a"
                " point d km from its line at weight*max(0, 1-d/border_distance_km)"
            ),
            "weights": weights,
            "documentation": "/docs/scoring",
        }


@dataclass(frozen=True)
class RegionIndex:
    """What roll-ups need to know about the regions: their country, the borders they touch and
    (to score borders by nearby incidents) the border lines."""

    admin1_country: Mapping[str, str]
    admin1_borders: Mapping[str, tuple[str, ...]]
    borders: frozenset[str] = frozenset()
    border_lines: BorderLines | None = None

    @classmethod
    def from_borders(
        cls,
        admin1_country: Mapping[str, str],
        borders: Sequence[tuple[str, Sequence[str]]],
        lines: Sequence[Any] | None = None,
    ) -> RegionIndex:
        """Build from ``(border_id, [admin-1 ids touching it])`` pairs and, optionally, each
        border's line (shapely, lon/lat) in the same order."""
        touching: dict[str, list[str]] = {}
        for border_id, regions in borders:
            for region in regions:
                touching.setdefault(region, []).append(border_id)
        ids = [border_id for border_id, _ in borders]
        return cls(
            dict(admin1_country),
            {k: tuple(v) for k, v in touching.items()},
            frozenset(ids),
            BorderLines(ids, lines) if lines is not None else None,
        )


def event_weight(incident: Incident, until: date, weights: ScoreWeights) -> float:
    """The decayed, precision- and confidence-weighted weight of one event."""
    return float(
        _base(
            np.array([incident.killed or 0.0]),
            np.array([incident.deadly]),
            np.array([incident.wounded or 0.0]),
            np.array([incident.hostages or 0.0]),
            np.array([incident.type == "militant_presence"]),
            np.array([incident.militants or 0.0]),
            weights,
        )[0]
        * _decay(np.array([(until - (incident.date or until)).days]), weights)[0]
        * weights.precision_factor.get(_precision(incident), 0.3)
        * incident.confidence
    )


def _base(
    killed: np.ndarray,
    deadly: np.ndarray,
    wounded: np.ndarray,
    hostages: np.ndarray,
    presence: np.ndarray,
    militants: np.ndarray,
    weights: ScoreWeights,
) -> np.ndarray:
    fatalities = np.where((killed == 0) & deadly, weights.deadly_unknown_fatalities, killed)
    result: np.ndarray = (
        weights.incident
        + weights.fatality * fatalities
        + weights.injury * wounded
        + weights.hostage * hostages
        + presence * (weights.militant_presence + weights.militants_log * np.log10(1 + militants))
    )
    return result


def _decay(age_days: np.ndarray, weights: ScoreWeights) -> np.ndarray:
    result: np.ndarray = np.power(0.5, np.maximum(age_days, 0) / weights.half_life_days)
    return result


def _precision(incident: Incident) -> int:
    return min((loc.precision for loc in incident.locations), default=7)


def to_score(raw: np.ndarray | float, weights: ScoreWeights) -> np.ndarray:
    """Map summed weights to 0-10 on a logarithmic scale (``saturation`` maps to 10)."""
    scaled = 10 * np.log1p(np.asarray(raw, dtype=float)) / math.log1p(weights.saturation)
    result: np.ndarray = np.minimum(10.0, np.round(scaled, 3))
    return result


SCORE_COLUMNS = [
    "level",
    "region_id",
    "incidents",
    "fatalities",
    "injured",
    "hostages",
    "militant_presence",
    "militants",
    "documents",
    "mentions",
    "raw",
    "threat_score",
    "incident_ids",
]


def events_frame(
    events: Sequence[Sequence[Incident]],
    places: Mapping[str, Sequence[PlaceSpan]] | None = None,
) -> pd.DataFrame:
    """One row per event (cluster) with its representative's numbers and every report's docs.

    ``places`` (document id -> its place mentions) lets the text tie events to borders: without
    it, only events located on a border or with a point near one count for borders.
    """
    from geodata.dedup import representative

    rows = []
    for cluster in events:
        rep = representative(cluster)
        border_text = event_evidence(cluster, places) if places else BorderText()
        rows.append(
            {
                "event_id": rep.id,
                "type": rep.type,
                "date": rep.date,
                "killed": float(rep.killed or 0),
                "deadly": rep.deadly,
                "wounded": float(rep.wounded or 0),
                "hostages": float(rep.hostages or 0),
                "militants": float(rep.militants or 0),
                "confidence": rep.confidence,
                "precision": _precision(rep),
                "locations": [(loc.level, loc.region_id, loc.country) for loc in rep.locations],
                "points": [loc.point for loc in rep.locations if loc.point],
                "border_text": border_text,
                "documents": sorted({member.doc_id for member in cluster}),
            }
        )
    return pd.DataFrame(rows)


def score_regions(
    events: pd.DataFrame,
    index: RegionIndex,
    weights: ScoreWeights,
    until: date,
    since: date | None = None,
    mentions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Scores for every admin-0, admin-1 and border region with evidence in the window.

    ``events`` is :func:`events_frame` output (or the same columns from storage); ``mentions``
    optionally has ``level``, ``region_id`` and ``doc_id`` columns, so regions that are only
    mentioned appear with a zero score (distinct from regions with no evidence at all).
    """
    frame = events
    if len(frame):
        dates = pd.to_datetime(frame["date"])
        keep = dates <= pd.Timestamp(until)
        if since is not None:
            keep &= dates >= pd.Timestamp(since)
        frame = frame[keep.to_numpy()]
    rows = _located_rows(frame, index, weights.border_distance_km)
    if len(rows):
        rows["weight"] = _row_weights(rows, weights, until)
        rows["fatalities"] = rows["killed"]
        rows["presence"] = rows["type"] == "militant_presence"
        grouped = rows.groupby(["level", "region_id"], sort=True)
        scored = grouped.agg(
            incidents=("event_id", "nunique"),
            fatalities=("fatalities", "sum"),
            injured=("wounded", "sum"),
            hostages=("hostages", "sum"),
            militant_presence=("presence", "any"),
            militants=("militants", "max"),
            raw=("weight", "sum"),
            incident_ids=("event_id", list),
        ).reset_index()
        documents = (
            rows[["level", "region_id", "documents"]]
            .explode("documents")
            .groupby(["level", "region_id"])["documents"]
            .nunique()
            .rename("documents")
            .reset_index()
        )
        scored = scored.merge(documents, on=["level", "region_id"], how="left")
    else:
        scored = pd.DataFrame(columns=[c for c in SCORE_COLUMNS if c != "mentions"])
    if mentions is not None and len(mentions):
        counts = (
            mentions.groupby(["level", "region_id"])
            .agg(mentions=("doc_id", "size"), mention_docs=("doc_id", "nunique"))
            .reset_index()
        )
        scored = scored.merge(counts, on=["level", "region_id"], how="outer")
        scored["documents"] = scored["documents"].fillna(scored["mention_docs"])
        scored = scored.drop(columns="mention_docs")
    else:
        scored["mentions"] = 0
    for column in ("incidents", "fatalities", "injured", "hostages", "militants", "raw"):
        scored[column] = scored[column].fillna(0)
    for column in ("incidents", "fatalities", "injured", "hostages", "militants", "documents"):
        scored[column] = scored[column].fillna(0).astype(int)
    scored["mentions"] = scored["mentions"].fillna(0).astype(int)
    scored["militant_presence"] = scored["militant_presence"].astype("boolean").fillna(False)
    scored["militant_presence"] = scored["militant_presence"].astype(bool)
    scored["incident_ids"] = [v if isinstance(v, list) else [] for v in scored["incident_ids"]]
    scored["raw"] = scored["raw"].astype(float).round(4)
    scored["threat_score"] = to_score(scored["raw"].to_numpy(), weights)
    return scored[SCORE_COLUMNS].reset_index(drop=True)


def _row_weights(rows: pd.DataFrame, weights: ScoreWeights, until: date) -> np.ndarray:
    """The weight of each (event, region) row, decayed back from ``until``."""
    ages = (pd.Timestamp(until) - pd.to_datetime(rows["date"])).dt.days.to_numpy()
    result: np.ndarray = _undecayed_weights(rows, weights) * _decay(ages, weights)
    return result


def _undecayed_weights(rows: pd.DataFrame, weights: ScoreWeights) -> np.ndarray:
    """The weight of each (event, region) row at age 0: everything but the decay."""
    base = _base(
        rows["killed"].to_numpy(),
        rows["deadly"].to_numpy(dtype=bool),
        rows["wounded"].to_numpy(),
        rows["hostages"].to_numpy(),
        (rows["type"] == "militant_presence").to_numpy(),
        rows["militants"].to_numpy(),
        weights,
    )
    factor = rows["precision"].map(lambda p: weights.precision_factor.get(int(p), 0.3))
    result: np.ndarray = (
        base * factor.to_numpy() * rows["confidence"].to_numpy() * rows["border_share"].to_numpy()
    )
    return result


def previous_window(since: date | None, until: date, change_days: int) -> tuple[date | None, date]:
    """The window ``score_change`` compares with: the one of the same length just before.

    A closed window ``[since, until]`` of L days is compared with the L days before ``since``;
    an open one (everything up to ``until``, decayed) with the same open window ending
    ``change_days`` earlier.

    >>> previous_window(date(2024, 3, 1), date(2024, 3, 31), 30)
    (datetime.date(2024, 1, 30), datetime.date(2024, 2, 29))
    """
    if since is None:
        return None, until - timedelta(days=change_days)
    length = (until - since).days + 1
    return since - timedelta(days=length), since - timedelta(days=1)


def with_score_change(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """``current`` with ``score_change``: its score minus the previous window's (0 if none)."""
    before = previous.set_index(["level", "region_id"])["threat_score"]
    keys = pd.MultiIndex.from_frame(current[["level", "region_id"]])
    earlier = before.reindex(keys).fillna(0.0).to_numpy(dtype=float)
    out = current.copy()
    out["score_change"] = np.round(current["threat_score"].to_numpy(dtype=float) - earlier, 3)
    return out


INTERVALS = ("week", "month")


def region_timeline(
    events: pd.DataFrame,
    index: RegionIndex,
    weights: ScoreWeights,
    level: str,
    region_id: str,
    since: date,
    until: date,
    interval: str,
) -> list[dict[str, Any]]:
    """Incidents, fatalities and score of one region per week (Monday-Sunday) or month.

    Each bucket is a window of its own: its counts are the events dated in it and its score
    weighs them decayed back from the bucket's last day, exactly as :func:`score_regions` would
    for ``since=start, until=end``. The first and last buckets are cut to ``[since, until]``.
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    rows = _located_rows(events, index, weights.border_distance_km)
    if len(rows):
        rows = rows[(rows["level"] == level) & (rows["region_id"] == region_id)]
    days = (
        pd.to_datetime(rows["date"]).to_numpy(dtype="datetime64[D]")
        if len(rows)
        else np.array([], dtype="datetime64[D]")
    )
    buckets = []
    for period in pd.period_range(since, until, freq="W-SUN" if interval == "week" else "M"):
        start = max(period.start_time.date(), since)
        end = min(period.end_time.date(), until)
        inside = rows[(days >= np.datetime64(start)) & (days <= np.datetime64(end))]
        raw = float(_row_weights(inside, weights, end).sum()) if len(inside) else 0.0
        buckets.append(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "incidents": int(inside["event_id"].nunique()) if len(inside) else 0,
                "fatalities": int(inside["killed"].sum()) if len(inside) else 0,
                "raw": round(raw, 4),
                "threat_score": float(to_score(raw, weights)),
            }
        )
    return buckets


def _located_rows(events: pd.DataFrame, index: RegionIndex, border_km: float) -> pd.DataFrame:
    """Explode events to one row per (event, region) it counts for, roll-ups included.

    ``border_share`` is the part of the event's weight the region receives: 1, except for a
    border reached only through a point near its line (the distance kernel).
    """
    if not len(events):
        return pd.DataFrame()
    targets: list[list[tuple[str, str, float]]] = []
    no_points: list[tuple[float, float]] = []
    points_column = events["points"] if "points" in events else [no_points] * len(events)
    text_column = events["border_text"] if "border_text" in events else [None] * len(events)
    for locations, points, border_text in zip(
        events["locations"], points_column, text_column, strict=True
    ):
        shares: dict[tuple[str, str], float] = {}
        countries: set[str] = set()
        regions: list[str] = []
        for level, region_id, country in locations:
            if level == "admin1":
                shares[("admin1", region_id)] = 1.0
                regions.append(region_id)
                owner = index.admin1_country.get(region_id, country)
                if owner:
                    shares[("admin0", owner)] = 1.0
                    countries.add(owner)
            elif level == "border":
                shares[("border", region_id)] = 1.0
                for code in region_id.split("|"):
                    shares[("admin0", code)] = 1.0
                    countries.add(code)
            elif region_id:
                shares[("admin0", region_id)] = 1.0
                countries.add(region_id)
        if isinstance(border_text, BorderText):
            for border in tied_borders(
                border_text, countries, regions, index.admin1_borders, index.borders
            ):
                shares[("border", border)] = 1.0
        if index.border_lines is not None:
            for lon, lat in points:
                near = index.border_lines.near(float(lon), float(lat), border_km)
                for border, distance in near.items():
                    key = ("border", border)
                    share = border_kernel(distance, border_km)
                    if share > shares.get(key, 0.0):
                        shares[key] = share
        targets.append([(level, rid, share) for (level, rid), share in sorted(shares.items())])
    exploded = (
        events.assign(target=pd.Series(targets, index=events.index))
        .explode("target")
        .dropna(subset=["target"])
    )
    exploded["level"] = [t[0] for t in exploded["target"]]
    exploded["region_id"] = [t[1] for t in exploded["target"]]
    exploded["border_share"] = [float(t[2]) for t in exploded["target"]]
    dropped = [c for c in ("target", "locations", "points", "border_text") if c in exploded]
    return exploded.drop(columns=dropped).reset_index(drop=True)


# -- the same formula over per-region, per-day aggregates ---------------------------------------
#
# An event has one date, so everything the score adds up is additive per day: a day's weight
# before decay is the sum of its events' weights at age 0, and decaying that sum back from
# ``until`` equals decaying each event (the decay depends only on the day). Storage keeps
# these sums per (region, day), updated as events are stored, and a score query reads
# days x regions instead of every event.

#: Columns of a per-(region, day) aggregate row (:func:`day_aggregates`).
DAY_COLUMNS = [
    "level",
    "region_id",
    "day",
    "incidents",
    "fatalities",
    "injured",
    "hostages",
    "militants",
    "presence",
    "weight",
    "documents",
]


def event_contributions(
    events: pd.DataFrame, index: RegionIndex, weights: ScoreWeights
) -> pd.DataFrame:
    """One row per (event, region it counts for): its numbers and its weight before decay.

    ``events`` is :func:`events_frame` output. Undated events are left out: no window counts
    them (:func:`score_regions` drops them too).
    """
    columns = ["event_id", "level", "region_id", "day", "type", "killed", "wounded"]
    columns += ["hostages", "militants", "presence", "weight", "documents"]
    if not len(events):
        return pd.DataFrame(columns=columns)
    dated = events[pd.notna(events["date"]).to_numpy()]
    rows = _located_rows(dated, index, weights.border_distance_km)
    if not len(rows):
        return pd.DataFrame(columns=columns)
    days = pd.to_datetime(rows["date"])
    undecayed = _undecayed_weights(rows, weights)  # the decay is applied at query time
    return pd.DataFrame(
        {
            "event_id": rows["event_id"],
            "level": rows["level"],
            "region_id": rows["region_id"],
            "day": [d.date() for d in days],
            "type": rows["type"],
            "killed": rows["killed"].astype(float),
            "wounded": rows["wounded"].astype(float),
            "hostages": rows["hostages"].astype(float),
            "militants": rows["militants"].astype(float),
            "presence": (rows["type"] == "militant_presence").to_numpy(),
            "weight": undecayed,
            "documents": rows["documents"],
        }
    )[columns]


def day_aggregates(contributions: pd.DataFrame) -> pd.DataFrame:
    """Sum event contributions per (level, region_id, day): the rows storage keeps.

    ``documents`` is the number of distinct documents reporting the day's events.
    """
    return pd.DataFrame(sum_days(contributions.to_dict("records")), columns=DAY_COLUMNS)


def sum_days(contributions: Iterable[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    """:func:`day_aggregates` over plain records (no DataFrame: it runs in every ingest)."""
    days: dict[tuple[str, str, Any], dict[str, Any]] = {}
    documents: dict[tuple[str, str, Any], set[str]] = {}
    events: dict[tuple[str, str, Any], set[str]] = {}
    for row in contributions:
        key = (row["level"], row["region_id"], row["day"])
        total = days.setdefault(
            key,
            {
                "level": key[0],
                "region_id": key[1],
                "day": key[2],
                "incidents": 0,
                "fatalities": 0.0,
                "injured": 0.0,
                "hostages": 0.0,
                "militants": 0.0,
                "presence": False,
                "weight": 0.0,
                "documents": 0,
            },
        )
        events.setdefault(key, set()).add(row["event_id"])
        documents.setdefault(key, set()).update(row["documents"])
        total["fatalities"] += float(row["killed"])
        total["injured"] += float(row["wounded"])
        total["hostages"] += float(row["hostages"])
        total["militants"] = max(total["militants"], float(row["militants"]))
        total["presence"] = total["presence"] or bool(row["presence"])
        total["weight"] += float(row["weight"])
    for key, total in days.items():
        total["incidents"] = len(events[key])
        total["documents"] = len(documents[key])
    return [days[key] for key in sorted(days)]


def scores_from_days(
    days: pd.DataFrame,
    weights: ScoreWeights,
    until: date,
    since: date | None = None,
    mentions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`score_regions` from per-day aggregates, with the decay applied here.

    ``days`` has :data:`DAY_COLUMNS`; ``mentions`` has ``level``, ``region_id``, ``mentions``
    and ``documents`` (mention rows and distinct documents naming the region). The one
    difference from :func:`score_regions`: ``documents`` adds up each day's distinct
    documents, so an article telling two events of one region on different days counts twice.
    Returns :data:`SCORE_COLUMNS` without ``incident_ids`` (storage pages those per region).
    """
    frame = days
    if len(frame):
        dates = pd.to_datetime(frame["day"])
        keep = dates <= pd.Timestamp(until)
        if since is not None:
            keep &= dates >= pd.Timestamp(since)
        frame = frame[keep.to_numpy()]
    columns = [c for c in SCORE_COLUMNS if c != "incident_ids"]
    if len(frame):
        ages = (pd.Timestamp(until) - pd.to_datetime(frame["day"])).dt.days.to_numpy()
        frame = frame.assign(raw=frame["weight"].to_numpy(dtype=float) * _decay(ages, weights))
        scored = (
            frame.groupby(["level", "region_id"], sort=True)
            .agg(
                incidents=("incidents", "sum"),
                fatalities=("fatalities", "sum"),
                injured=("injured", "sum"),
                hostages=("hostages", "sum"),
                militant_presence=("presence", "any"),
                militants=("militants", "max"),
                raw=("raw", "sum"),
                documents=("documents", "sum"),
            )
            .reset_index()
        )
    else:
        scored = pd.DataFrame(columns=[c for c in columns if c != "mentions"])
    if mentions is not None and len(mentions):
        counts = mentions.rename(columns={"documents": "mention_docs"})[
            ["level", "region_id", "mentions", "mention_docs"]
        ]
        scored = scored.merge(counts, on=["level", "region_id"], how="outer")
        scored["documents"] = scored["documents"].fillna(scored["mention_docs"])
        scored = scored.drop(columns="mention_docs")
    else:
        scored["mentions"] = 0
    for column in ("incidents", "fatalities", "injured", "hostages", "militants", "documents"):
        scored[column] = scored[column].fillna(0).astype(float).astype(int)
    scored["mentions"] = scored["mentions"].fillna(0).astype(int)
    scored["militant_presence"] = scored["militant_presence"].astype("boolean").fillna(False)
    scored["militant_presence"] = scored["militant_presence"].astype(bool)
    scored["raw"] = scored["raw"].fillna(0).astype(float).round(4)
    scored["threat_score"] = to_score(scored["raw"].to_numpy(), weights)
    return scored.sort_values(["level", "region_id"])[columns].reset_index(drop=True)


def timeline_from_days(
    days: pd.DataFrame,
    weights: ScoreWeights,
    since: date,
    until: date,
    interval: str,
) -> list[dict[str, Any]]:
    """:func:`region_timeline` from one region's per-day aggregates (:data:`DAY_COLUMNS`)."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    day_values = (
        pd.to_datetime(days["day"]).to_numpy(dtype="datetime64[D]")
        if len(days)
        else np.array([], dtype="datetime64[D]")
    )
    buckets = []
    for period in pd.period_range(since, until, freq="W-SUN" if interval == "week" else "M"):
        start = max(period.start_time.date(), since)
        end = min(period.end_time.date(), until)
        inside = (day_values >= np.datetime64(start)) & (day_values <= np.datetime64(end))
        chosen = days[inside]
        raw = 0.0
        if len(chosen):
            ages = (np.datetime64(end) - day_values[inside]).astype(int)
            raw = float((chosen["weight"].to_numpy(dtype=float) * _decay(ages, weights)).sum())
        buckets.append(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "incidents": int(chosen["incidents"].sum()) if len(chosen) else 0,
                "fatalities": int(chosen["fatalities"].sum()) if len(chosen) else 0,
                "raw": round(raw, 4),
                "threat_score": float(to_score(raw, weights)),
            }
        )
    return buckets

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
defaults. Roll-ups: an event in an admin-1 region also counts for its country; an event in an
admin-1 region along a border also counts for that border; an event located on a border counts
for the border and both countries. An event counts once per region however many of its places
fall in that region. ``docs/scoring.md`` is the reader's version of this docstring.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np
import pandas as pd

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
                " threat_score = min(10, 10*ln(1+sum(weight))/ln(1+saturation))"
            ),
            "weights": weights,
            "documentation": "/docs/scoring",
        }


@dataclass(frozen=True)
class RegionIndex:
    """What roll-ups need to know about the regions: their country and the borders they touch."""

    admin1_country: Mapping[str, str]
    admin1_borders: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_borders(
        cls, admin1_country: Mapping[str, str], borders: Sequence[tuple[str, Sequence[str]]]
    ) -> RegionIndex:
        """Build from ``(border_id, [admin-1 ids touching it])`` pairs."""
        touching: dict[str, list[str]] = {}
        for border_id, regions in borders:
            for region in regions:
                touching.setdefault(region, []).append(border_id)
        return cls(dict(admin1_country), {k: tuple(v) for k, v in touching.items()})


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


def events_frame(events: Sequence[Sequence[Incident]]) -> pd.DataFrame:
    """One row per event (cluster) with its representative's numbers and every report's docs."""
    from geodata.dedup import representative

    rows = []
    for cluster in events:
        rep = representative(cluster)
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
    rows = _located_rows(frame, index)
    if len(rows):
        ages = (pd.Timestamp(until) - pd.to_datetime(rows["date"])).dt.days.to_numpy()
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
        rows["weight"] = base * _decay(ages, weights) * factor.to_numpy() * rows["confidence"]
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


def _located_rows(events: pd.DataFrame, index: RegionIndex) -> pd.DataFrame:
    """Explode events to one row per (event, region) it counts for, roll-ups included."""
    if not len(events):
        return pd.DataFrame()
    targets: list[list[tuple[str, str]]] = []
    for locations in events["locations"]:
        regions: set[tuple[str, str]] = set()
        for level, region_id, country in locations:
            if level == "admin1":
                regions.add(("admin1", region_id))
                owner = index.admin1_country.get(region_id, country)
                if owner:
                    regions.add(("admin0", owner))
                for border in index.admin1_borders.get(region_id, ()):
                    regions.add(("border", border))
            elif level == "border":
                regions.add(("border", region_id))
                regions.update(("admin0", c) for c in region_id.split("|"))
            elif region_id:
                regions.add(("admin0", region_id))
        targets.append(sorted(regions))
    exploded = (
        events.assign(target=pd.Series(targets, index=events.index))
        .explode("target")
        .dropna(subset=["target"])
    )
    exploded["level"] = [t[0] for t in exploded["target"]]
    exploded["region_id"] = [t[1] for t in exploded["target"]]
    return exploded.drop(columns=["target", "locations"]).reset_index(drop=True)

"""Per-region, per-day score aggregates, kept current inside the ingest transaction.

When a report is stored, the event clusters it joined are re-read (their own reports only),
their contribution to each region is replaced in ``event_regions`` and the affected
``region_days`` rows are summed again. Scores then read days x regions
(:func:`geodata.scoring.scores_from_days`); the formula stays in :mod:`geodata.scoring`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from geodata.border_ties import StoredPlace
from geodata.incidents import Incident
from geodata.scoring import (
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
    region_days,
    region_mentions,
)
from service.storage import incident_from_row, mention_counts

#: Clusters re-read per query when the aggregates are rebuilt from scratch.
REBUILD_CHUNK = 2000

DayKey = tuple[str, str, Any]


class RegionAggregates:
    """Maintains ``event_regions`` and ``region_days`` for one region index and weights."""

    def __init__(self, index: RegionIndex, weights: ScoreWeights) -> None:
        self.index = index
        self.weights = weights
        self.fingerprint = json.dumps(weights.describe()["weights"], sort_keys=True)

    def refresh(self, conn: sa.Connection, cluster_ids: Iterable[str]) -> None:
        """Replace the contributions of ``cluster_ids`` and re-sum the days they touch."""
        ids = sorted(set(cluster_ids))
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

    def rebuild(self, conn: sa.Connection) -> None:
        """Recompute every aggregate from the stored events and mentions (once, when stale)."""
        for table in (region_days, event_regions, region_mentions):
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
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            conn.execute(
                region_days.delete().where(
                    sa.tuple_(region_days.c.level, region_days.c.region_id, region_days.c.day).in_(
                        chunk
                    )
                )
            )
            rows = conn.execute(
                sa.select(event_regions).where(
                    sa.tuple_(
                        event_regions.c.level, event_regions.c.region_id, event_regions.c.day
                    ).in_(chunk)
                )
            ).mappings()
            sums = sum_days(rows)
            if sums:
                conn.execute(region_days.insert(), sums)


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

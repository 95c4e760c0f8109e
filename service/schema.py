"""Database tables (SQLAlchemy Core). Migrations in ``service/migrations`` create them.

Plain SQL types only (JSON text, ISO dates), so the same queries run on SQLite and PostgreSQL;
a PostGIS backend would add geometry columns without changing what is here.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the normalised text
    sa.Column("source", sa.String(200)),
    sa.Column("url", sa.String(2000)),
    sa.Column("published", sa.Date),
    sa.Column("language", sa.String(16)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("focus_country", sa.String(3)),
)

mentions = sa.Table(
    "mentions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "doc_id", sa.String(64), sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True
    ),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("surface", sa.String(500), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("country", sa.String(3)),
    sa.Column("admin1", sa.String(32)),
    sa.Column("border", sa.String(8)),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("precision", sa.Integer, nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("role_reason", sa.String(200)),
)

clusters = sa.Table(
    "clusters",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "doc_id", sa.String(64), sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True
    ),
    sa.Column("cluster_id", sa.String(32), sa.ForeignKey("clusters.id"), index=True),
    sa.Column("type", sa.String(32), nullable=False, index=True),
    sa.Column("sentence", sa.Text, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("trigger", sa.String(200), nullable=False),
    sa.Column("trigger_start", sa.Integer, nullable=False),
    sa.Column("trigger_end", sa.Integer, nullable=False),
    sa.Column("locations", sa.JSON, nullable=False),
    sa.Column("killed", sa.Integer),
    sa.Column("wounded", sa.Integer),
    sa.Column("hostages", sa.Integer),
    sa.Column("militants", sa.Integer),
    sa.Column("deadly", sa.Boolean, nullable=False),
    sa.Column("approximate", sa.Boolean, nullable=False),
    sa.Column("actors", sa.JSON, nullable=False),
    sa.Column("date", sa.Date, index=True),
    sa.Column("date_first", sa.Date),
    sa.Column("date_last", sa.Date),
    sa.Column("date_text", sa.String(100)),
    sa.Column("date_source", sa.String(16), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("casualties", sa.Integer),
    sa.Column("evidence", sa.JSON, nullable=False, server_default="[]"),
)

#: One row (``id`` 1): a counter raised in the transaction of every ingest that stores
#: something, and when, with the row counts of the four main tables raised alongside. Caches
#: key on it and ``/health`` reports it; reading it is a primary-key lookup, whatever the
#: number of documents (``count(*)`` over ``documents`` grew with every article).
data_version = sa.Table(
    "data_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("documents", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("mentions", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("incidents", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("clusters", sa.BigInteger, nullable=False, server_default="0"),
)

#: A MinHash signature per document (:func:`geodata.dedup.signature_bytes`), computed once when
#: the document is stored, so dedup never re-reads or re-hashes a stored text.
document_signatures = sa.Table(
    "document_signatures",
    metadata,
    sa.Column(
        "doc_id",
        sa.String(64),
        sa.ForeignKey("documents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)

#: Banded LSH of the signatures as indexed rows: the database finds the documents sharing a
#: band with a new one (near-copy candidates) by an index lookup, and every API process sees
#: the same index (an in-memory LSH would be one per process and lost on restart).
document_bands = sa.Table(
    "document_bands",
    metadata,
    sa.Column("band", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column(
        "doc_id",
        sa.String(64),
        sa.ForeignKey("documents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    #: The document's publication week: near-copies are looked up within a horizon.
    sa.Column("week", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_document_bands_bucket_week", "band", "hash", "week"),
)

#: Dedup blocks: each incident is filed under (type, country, week) for the week of its date
#: and the week its document was published; a new report is compared only with the incidents
#: of its blocks and the neighbouring weeks. ``id`` keeps the order incidents were stored in.
incident_blocks = sa.Table(
    "incident_blocks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("country", sa.String(8), nullable=False),
    sa.Column("week", sa.Integer, nullable=False),
    sa.Column(
        "incident_id",
        sa.String(32),
        sa.ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Index("ix_incident_blocks_block", "type", "country", "week"),
)

# -- aggregates the scores are computed from (maintained in the ingest transaction) ------------

#: One row per (event cluster, region it counts for): the event's numbers and its weight
#: before decay (:func:`geodata.scoring.event_contributions`). Replaced when a report joins
#: the cluster; the source of the per-day sums and of each region's evidence list.
event_regions = sa.Table(
    "event_regions",
    metadata,
    sa.Column(
        "cluster_id",
        sa.String(32),
        sa.ForeignKey("clusters.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("level", sa.String(8), primary_key=True),
    sa.Column("region_id", sa.String(32), primary_key=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("event_id", sa.String(32), nullable=False),
    sa.Column("killed", sa.Float, nullable=False),
    sa.Column("wounded", sa.Float, nullable=False),
    sa.Column("hostages", sa.Float, nullable=False),
    sa.Column("militants", sa.Float, nullable=False),
    sa.Column("presence", sa.Boolean, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("documents", sa.JSON, nullable=False),
    sa.Index("ix_event_regions_region_day", "level", "region_id", "day"),
)

#: Per region and day: what a score adds up (:data:`geodata.scoring.DAY_COLUMNS`), the weight
#: before decay. A score query reads days x regions, whatever the number of events.
region_days = sa.Table(
    "region_days",
    metadata,
    sa.Column("level", sa.String(8), primary_key=True),
    sa.Column("region_id", sa.String(32), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("incidents", sa.Integer, nullable=False),
    sa.Column("fatalities", sa.Float, nullable=False),
    sa.Column("injured", sa.Float, nullable=False),
    sa.Column("hostages", sa.Float, nullable=False),
    sa.Column("militants", sa.Float, nullable=False),
    sa.Column("presence", sa.Boolean, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("documents", sa.Integer, nullable=False),
    sa.Index("ix_region_days_day", "day"),
)

#: Per region and year: the sums of every ``region_days`` row dated before 1 January of that
#: year (militants their largest, presence whether any), the weight decayed to that date; kept
#: for each year after the region's first up to the latest event's. A score of everything up
#: to a day reads one row per region and that year's days, however long the history.
region_checkpoints = sa.Table(
    "region_checkpoints",
    metadata,
    sa.Column("level", sa.String(8), primary_key=True),
    sa.Column("region_id", sa.String(32), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("incidents", sa.Integer, nullable=False),
    sa.Column("fatalities", sa.Float, nullable=False),
    sa.Column("injured", sa.Float, nullable=False),
    sa.Column("hostages", sa.Float, nullable=False),
    sa.Column("militants", sa.Float, nullable=False),
    sa.Column("presence", sa.Boolean, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("documents", sa.Integer, nullable=False),
    sa.Index("ix_region_checkpoints_year", "year"),
)

#: Per region: how many place mentions name it and in how many documents.
region_mentions = sa.Table(
    "region_mentions",
    metadata,
    sa.Column("level", sa.String(8), primary_key=True),
    sa.Column("region_id", sa.String(32), primary_key=True),
    sa.Column("mentions", sa.Integer, nullable=False),
    sa.Column("documents", sa.Integer, nullable=False),
)

#: One row (``id`` 1): the data version the aggregates describe and the score weights they
#: were computed with. Behind the data version (an ingest by a process that does not score)
#: or with other weights, they are rebuilt once.
aggregate_state = sa.Table(
    "aggregate_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("weights", sa.Text, nullable=False),
)

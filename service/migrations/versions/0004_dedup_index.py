"""Dedup that stays flat: stored MinHash signatures, LSH bands as rows, incident blocks.

Storing a report compared it with every incident of its type in a ±7-day window, re-reading
and re-hashing the text of each candidate document. Now each document's signature is stored
once, near-copies are found through indexed LSH band rows, and incidents are filed under
(type, country, week) blocks so a new report meets only its own block. Existing documents and
incidents are indexed here (their texts are hashed once, by this migration).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from geodata.dedup import (
    DedupSettings,
    MinHasher,
    band_hashes,
    dedup_blocks,
    signature_bytes,
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    signatures = op.create_table(
        "document_signatures",
        sa.Column(
            "doc_id",
            sa.String(64),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("signature", sa.LargeBinary, nullable=False),
    )
    bands = op.create_table(
        "document_bands",
        sa.Column("band", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column(
            "doc_id",
            sa.String(64),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    blocks = op.create_table(
        "incident_blocks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("week", sa.Integer, nullable=False),
        sa.Column(
            "incident_id",
            sa.String(32),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_incident_blocks_incident_id", "incident_blocks", ["incident_id"])
    op.create_index("ix_incident_blocks_block", "incident_blocks", ["type", "country", "week"])
    _index_stored(signatures, bands, blocks)


def _index_stored(signatures: sa.Table, bands: sa.Table, blocks: sa.Table) -> None:
    """Hash every stored text once and file every stored incident under its blocks."""
    bind = op.get_bind()
    settings = DedupSettings()
    hasher = MinHasher(settings.permutations, settings.shingle_words)
    documents = sa.table(
        "documents",
        sa.column("id", sa.String),
        sa.column("text", sa.Text),
        sa.column("published", sa.Date),
        sa.column("ingested_at", sa.DateTime),
    )
    incidents = sa.table(
        "incidents",
        sa.column("id", sa.String),
        sa.column("doc_id", sa.String),
        sa.column("type", sa.String),
        sa.column("date", sa.Date),
        sa.column("locations", sa.JSON),
    )
    published: dict[str, dt.date | None] = {}
    for row in bind.execute(sa.select(documents)):
        signature = hasher.signature(row.text)
        # An undated document is filed under the day it was stored, as the ingest does.
        published[row.id] = _as_date(row.published) or _as_date(str(row.ingested_at)[:10])
        bind.execute(
            signatures.insert().values(doc_id=row.id, signature=signature_bytes(signature))
        )
        hashes = band_hashes(signature, settings.lsh_bands, settings.lsh_rows)
        bind.execute(
            bands.insert(),
            [{"band": b, "hash": h, "doc_id": row.id} for b, h in enumerate(hashes)],
        )
    query = sa.select(incidents).order_by(incidents.c.doc_id, incidents.c.id)
    for row in bind.execute(query):
        locations: list[dict[str, Any]] = (
            json.loads(row.locations) if isinstance(row.locations, str) else row.locations
        )
        countries = {loc.get("country") or loc["region_id"][:3] for loc in locations}
        days = (_as_date(row.date), published.get(row.doc_id))
        rows = [
            {"type": t, "country": c, "week": w, "incident_id": row.id}
            for t, c, w in sorted(dedup_blocks(row.type, countries, days))
        ]
        if rows:
            bind.execute(blocks.insert(), rows)


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def downgrade() -> None:
    op.drop_table("incident_blocks")
    op.drop_table("document_bands")
    op.drop_table("document_signatures")

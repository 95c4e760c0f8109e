"""LSH band rows carry their document's week, so near-copies are looked up within a horizon.

Without it, the reprints of one wire story accumulate in the same band buckets over the
years and every new reprint reads all of them: the lookup grew with the archive. Now it reads
the bucket's rows of the weeks within ``DedupSettings.near_copy_days`` of the document
(an index range on ``(band, hash, week)``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document_bands") as batch:
        batch.add_column(sa.Column("week", sa.Integer, nullable=False, server_default="0"))
    documents = sa.table(
        "documents",
        sa.column("id", sa.String),
        sa.column("published", sa.Date),
        sa.column("ingested_at", sa.DateTime),
    )
    bands = sa.table(
        "document_bands", sa.column("doc_id", sa.String), sa.column("week", sa.Integer)
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(documents)):
        day = dt.date.fromisoformat(str(row.published or row.ingested_at)[:10])
        week = (day.toordinal() - 1) // 7
        bind.execute(bands.update().where(bands.c.doc_id == row.id).values(week=week))
    op.create_index("ix_document_bands_bucket_week", "document_bands", ["band", "hash", "week"])


def downgrade() -> None:
    op.drop_index("ix_document_bands_bucket_week", "document_bands")
    with op.batch_alter_table("document_bands") as batch:
        batch.drop_column("week")

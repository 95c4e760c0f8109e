"""The data version as a counter row, raised in each ingest's transaction.

Scored responses are cached per data version; reading it was ``count(*)`` and
``max(ingested_at)`` over ``documents`` on every request, a scan that grew with the archive.
The row starts at the number of stored documents (any value would do: caches live in memory)
and the last ingest time, or now for an empty database.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    documents = sa.table("documents", sa.column("ingested_at", sa.DateTime(timezone=True)))
    count, last = (
        op.get_bind()
        .execute(sa.select(sa.func.count(), sa.func.max(documents.c.ingested_at)))
        .one()
    )
    op.bulk_insert(
        table, [{"id": 1, "version": int(count), "changed_at": last or dt.datetime.now(dt.UTC)}]
    )


def downgrade() -> None:
    op.drop_table("data_version")

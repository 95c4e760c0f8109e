"""Initial tables: documents, mentions, incidents and dedup clusters.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(200)),
        sa.Column("url", sa.String(2000)),
        sa.Column("published", sa.Date),
        sa.Column("language", sa.String(16)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("focus_country", sa.String(3)),
    )
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id", ondelete="CASCADE")),
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
    op.create_index("ix_mentions_doc_id", "mentions", ["doc_id"])
    op.create_table(
        "clusters",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id", ondelete="CASCADE")),
        sa.Column("cluster_id", sa.String(32), sa.ForeignKey("clusters.id")),
        sa.Column("type", sa.String(32), nullable=False),
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
        sa.Column("date", sa.Date),
        sa.Column("date_first", sa.Date),
        sa.Column("date_last", sa.Date),
        sa.Column("date_text", sa.String(100)),
        sa.Column("date_source", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
    )
    op.create_index("ix_incidents_doc_id", "incidents", ["doc_id"])
    op.create_index("ix_incidents_cluster_id", "incidents", ["cluster_id"])
    op.create_index("ix_incidents_type", "incidents", ["type"])
    op.create_index("ix_incidents_date", "incidents", ["date"])


def downgrade() -> None:
    op.drop_table("incidents")
    op.drop_table("clusters")
    op.drop_table("mentions")
    op.drop_table("documents")

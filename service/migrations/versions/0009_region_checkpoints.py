"""Yearly checkpoints of each region's day sums, so a score of all history reads no history.

A score of everything up to a day (the default window of ``/regions`` and the OGC items)
read every ``region_days`` row before that day: the query grew with the years stored. Each
region now has, per year, the sums of its days before 1 January (``region_checkpoints``); the
query reads one such row per region and the days of the current year.

The table starts empty and the aggregates are marked stale, so the first scoring process
fills it once with the other aggregates (as revision 0005 did).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_checkpoints",
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
    )
    op.create_index("ix_region_checkpoints_year", "region_checkpoints", ["year"])
    state = sa.table("aggregate_state", sa.column("id"), sa.column("version"))
    op.execute(state.update().where(state.c.id == 1).values(version=-1))


def downgrade() -> None:
    op.drop_index("ix_region_checkpoints_year", "region_checkpoints")
    op.drop_table("region_checkpoints")

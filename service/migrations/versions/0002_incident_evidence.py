"""Incidents carry every sentence that reports them and a combined casualty figure.

One incident is now one event of an article (the lead, the toll sentence and the official's
update are merged), so its evidence is a list of spans, and "80 killed and injured" is kept as
``casualties`` rather than read as a death toll.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("casualties", sa.Integer))
        batch.add_column(sa.Column("evidence", sa.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("evidence")
        batch.drop_column("casualties")

"""Row counts of documents, mentions, incidents and clusters on the data version row.

``/health`` reported them as four ``count(*)`` queries, scans that grew with the archive on
every call (the Docker HEALTHCHECK and load balancers call it often). They are now kept on the
data version row, raised in the same ingest transaction as the version, so ``/health`` reads
one row by its primary key. The columns start at the counts of what is stored.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: The counted tables, each with the column on ``data_version`` that holds its count.
COUNTED = ("documents", "mentions", "incidents", "clusters")


def upgrade() -> None:
    with op.batch_alter_table("data_version") as batch:
        for name in COUNTED:
            batch.add_column(sa.Column(name, sa.BigInteger, nullable=False, server_default="0"))
    bind = op.get_bind()
    counts = {
        name: int(bind.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one())
        for name in COUNTED
    }
    row = sa.table("data_version", sa.column("id"), *(sa.column(name) for name in COUNTED))
    bind.execute(row.update().where(row.c.id == 1).values(**counts))


def downgrade() -> None:
    with op.batch_alter_table("data_version") as batch:
        for name in COUNTED:
            batch.drop_column(name)

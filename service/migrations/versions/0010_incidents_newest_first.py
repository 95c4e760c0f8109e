"""An index in the incident layer's order (newest first, undated last), so a page is read
along it and stops at its last row.

``/incidents`` and the OGC incident items read every stored report to cut a page; they now
read the page (``Store.incident_record_page``). SQLite walks ``ix_incidents_date`` backwards
for that order already (its NULLs sort first), but PostgreSQL's backward walk puts the NULLs
first, so it sorted every report for each page: this index has the order itself.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    nulls = " NULLS LAST" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(f"CREATE INDEX ix_incidents_newest ON incidents (date DESC{nulls}, id DESC)")


def downgrade() -> None:
    op.drop_index("ix_incidents_newest", "incidents")

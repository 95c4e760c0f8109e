"""PostGIS on PostgreSQL: incident points and region shapes with GiST indexes, and a view
per layer with its scores for QGIS and other desktop GIS (``docs/qgis.md``).

Only PostgreSQL gets these; on SQLite this revision changes nothing (the service filters
there in Python). ``incidents.geom`` is filled by a trigger from the points in
``locations``, so the ingest code stays the same on both backends; ``regions`` is filled by
the scoring process from the boundary data (:meth:`service.storage.Store.publish_regions`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: Score columns of the layer views; the decay and the 0-10 scale use the weights the
#: aggregates were computed with (``aggregate_state.weights``), decayed back from today.
_SCORE_VIEW = """
CREATE VIEW {name} AS
WITH weights AS (
    SELECT coalesce((nullif(weights, '')::json ->> 'half_life_days')::float8, 180) AS half_life,
           coalesce((nullif(weights, '')::json ->> 'saturation')::float8, 200) AS saturation
    FROM aggregate_state WHERE id = 1
), summed AS (
    SELECT d.level, d.region_id,
           sum(d.incidents) AS incidents, sum(d.fatalities) AS fatalities,
           sum(d.injured) AS injured, sum(d.hostages) AS hostages,
           bool_or(d.presence) AS militant_presence, max(d.day) AS latest_event,
           sum(d.weight * power(0.5, greatest(current_date - d.day, 0) / w.half_life)) AS raw
    FROM region_days d CROSS JOIN weights w
    GROUP BY d.level, d.region_id
)
SELECT r.region_id, r.name, r.geom,
       coalesce(s.incidents, 0)::int AS incidents,
       coalesce(s.fatalities, 0)::int AS fatalities,
       coalesce(s.injured, 0)::int AS injured,
       coalesce(s.hostages, 0)::int AS hostages,
       coalesce(s.militant_presence, false) AS militant_presence,
       s.latest_event,
       CASE WHEN s.raw IS NULL THEN NULL
            ELSE least(10, round((10 * ln(1 + s.raw) / ln(1 + w.saturation))::numeric, 3))
       END AS threat_score
FROM regions r CROSS JOIN weights w
LEFT JOIN summed s ON s.level = r.level AND s.region_id = r.region_id
WHERE r.level = '{level}'
"""

_LAYERS = {
    "riskmap_admin0_scores": "admin0",
    "riskmap_admin1_scores": "admin1",
    "riskmap_border_scores": "border",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from geoalchemy2 import Geometry

    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.add_column(
        "incidents",
        sa.Column("geom", Geometry("MULTIPOINT", 4326, spatial_index=False), nullable=True),
    )
    op.execute("CREATE INDEX ix_incidents_geom ON incidents USING gist (geom)")
    op.execute(
        """
        CREATE FUNCTION riskmap_incident_geom() RETURNS trigger AS $$
        BEGIN
            NEW.geom := (
                SELECT ST_Multi(ST_Collect(ST_SetSRID(ST_MakePoint(
                    (loc -> 'point' ->> 0)::float8, (loc -> 'point' ->> 1)::float8), 4326)))
                FROM json_array_elements(NEW.locations) AS loc
                WHERE json_typeof(loc -> 'point') = 'array'
            );
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER incidents_geom BEFORE INSERT OR UPDATE OF locations ON incidents "
        "FOR EACH ROW EXECUTE FUNCTION riskmap_incident_geom()"
    )
    op.execute("UPDATE incidents SET locations = locations")
    op.create_table(
        "regions",
        sa.Column("level", sa.String(8), primary_key=True),
        sa.Column("region_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("geom", Geometry("GEOMETRY", 4326, spatial_index=False), nullable=False),
    )
    op.execute("CREATE INDEX ix_regions_geom ON regions USING gist (geom)")
    for name, level in _LAYERS.items():
        op.execute(_SCORE_VIEW.format(name=name, level=level))
    op.execute(
        """
        CREATE VIEW riskmap_incidents AS
        SELECT i.id, i.cluster_id AS event_id, i.type, i.date, i.killed, i.wounded,
               i.hostages, i.confidence, i.sentence, d.source, d.url, d.published, i.geom
        FROM incidents i JOIN documents d ON d.id = i.doc_id
        WHERE i.geom IS NOT NULL
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP VIEW IF EXISTS riskmap_incidents")
    for name in _LAYERS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_table("regions")
    op.execute("DROP TRIGGER IF EXISTS incidents_geom ON incidents")
    op.execute("DROP FUNCTION IF EXISTS riskmap_incident_geom()")
    op.drop_column("incidents", "geom")

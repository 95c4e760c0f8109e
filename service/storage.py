"""Durable storage of documents, mentions, incidents and event clusters.

SQLite by default (WAL mode, so readers never block the writer), through SQLAlchemy Core so a
PostgreSQL URL works with the same queries. Every ingest is one transaction: a document is
stored with all its mentions and incidents, or not at all; a crash mid-batch loses only the
documents not yet acknowledged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from geodata.border_ties import StoredPlace
from geodata.dedup import (
    DedupSettings,
    MinHasher,
    band_hashes,
    dedup_blocks,
    estimated_jaccard,
    incident_countries,
    neighbouring_weeks,
    same_event,
    signature_bytes,
    signature_from_bytes,
    week_number,
)
from geodata.incidents import DocumentReading, Incident, Location
from geodata.roles import PlaceMention
from service.errors import ShuttingDown
from service.schema import (
    aggregate_state,
    clusters,
    data_version,
    document_bands,
    document_signatures,
    documents,
    event_regions,
    incident_blocks,
    incidents,
    mentions,
    region_days,
    region_mentions,
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Tables whose row counts the data version row keeps (see :meth:`Store.counts`).
COUNTED_TABLES = ("documents", "mentions", "incidents", "clusters")


def normalise_text(text: str) -> str:
    """The form a document's id is computed from: NFC, unified line ends, trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def document_id(text: str) -> str:
    """SHA-256 of the normalised text: the same article ingested twice is one document."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewDocument:
    """A document as a client submits it (already validated)."""

    text: str
    published: dt.date | None = None
    source: str | None = None
    url: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class IngestResult:
    id: str
    created: bool


@dataclass(frozen=True)
class DataVersion:
    """How many ingests changed the stored data, and when the last one did."""

    number: int
    changed_at: dt.datetime


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable against a killed process (the WAL is on disk before commit returns);
    # only a power cut can lose the last transactions.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(url: str) -> sa.Engine:
    """An engine with SQLite's pragmas set on every new connection."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the latest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class AggregateMaintainer(Protocol):
    """Keeps the score aggregates current (:class:`service.aggregates.RegionAggregates`)."""

    fingerprint: str

    def refresh(self, conn: sa.Connection, cluster_ids: Iterable[str]) -> None: ...

    def rebuild(self, conn: sa.Connection) -> None: ...


class Store:
    """Documents and what was read from them."""

    def __init__(self, engine: sa.Engine, dedup: DedupSettings | None = None) -> None:
        self.engine = engine
        self.dedup = dedup or DedupSettings()
        #: Set by the scoring side: with it every ingest updates the score aggregates in its
        #: transaction; without it (a CLI ingest) they fall behind and are rebuilt once.
        self.aggregates: AggregateMaintainer | None = None
        self._write_lock = threading.Lock()
        self._closing = threading.Event()

    @classmethod
    def open(cls, url: str, dedup: DedupSettings | None = None) -> Store:
        engine = create_engine(url)
        migrate(engine)
        return cls(engine, dedup)

    # -- writing -----------------------------------------------------------------------------

    def ingest(
        self,
        document: NewDocument,
        mention_list: Sequence[PlaceMention],
        reading: DocumentReading,
        ingested_at: dt.datetime | None = None,
    ) -> IngestResult:
        """Store one document with its mentions and incidents in one transaction."""
        (result,) = self.ingest_many([(document, mention_list, reading)], ingested_at)
        return result

    def ingest_many(
        self,
        readings: Sequence[tuple[NewDocument, Sequence[PlaceMention], DocumentReading]],
        ingested_at: dt.datetime | None = None,
    ) -> list[IngestResult]:
        """Store documents already read, all in one transaction: every one of them, or none.

        A batch is read in full before this is called, so a failure reading its last item
        stores nothing; a failure while writing (or :meth:`close` during the write) rolls
        the whole transaction back.
        """
        now = ingested_at or dt.datetime.now(dt.UTC)
        results = []
        touched: set[str] = set()
        added = dict.fromkeys(COUNTED_TABLES, 0)
        with self._write_lock, self.engine.begin() as conn:
            _serialise_writers(conn)
            for document, mention_list, reading in readings:
                self._refuse_when_closing()
                created = self._write_document(
                    conn, document, mention_list, reading, now, touched, added
                )
                results.append(IngestResult(reading.doc_id, created))
            if any(result.created for result in results):
                version = _bump_data_version(conn, now, added)
                self._update_aggregates(conn, touched, version)
            self._refuse_when_closing()
        return results

    def _update_aggregates(self, conn: sa.Connection, touched: set[str], version: int) -> None:
        """Re-sum the clusters this ingest touched, when the aggregates were current before."""
        maintainer = self.aggregates
        if maintainer is None:
            return
        state = conn.execute(
            sa.select(aggregate_state.c.version, aggregate_state.c.weights).where(
                aggregate_state.c.id == 1
            )
        ).one()
        if state.version != version - 1 or state.weights != maintainer.fingerprint:
            return  # behind already: the next score query rebuilds them
        maintainer.refresh(conn, touched)
        _mark_aggregates(conn, version, maintainer.fingerprint)

    def aggregates_current(self, fingerprint: str) -> bool:
        """Whether the score aggregates describe the stored data under these weights."""
        with self.engine.connect() as conn:
            state = conn.execute(
                sa.select(aggregate_state.c.version, aggregate_state.c.weights).where(
                    aggregate_state.c.id == 1
                )
            ).one()
            version = conn.execute(
                sa.select(data_version.c.version).where(data_version.c.id == 1)
            ).scalar_one()
        return bool(state.version == version and state.weights == fingerprint)

    def rebuild_aggregates(self, maintainer: AggregateMaintainer) -> None:
        """Recompute the score aggregates from every stored event (once, when behind)."""
        with self._write_lock, self.engine.begin() as conn:
            _serialise_writers(conn)
            version = conn.execute(
                sa.select(data_version.c.version).where(data_version.c.id == 1)
            ).scalar_one()
            maintainer.rebuild(conn)
            _mark_aggregates(conn, int(version), maintainer.fingerprint)

    def close(self, wait_seconds: float = 5.0) -> None:
        """Refuse new writes, give a running one ``wait_seconds`` to roll back, then dispose."""
        self._closing.set()
        if self._write_lock.acquire(timeout=wait_seconds):
            self._write_lock.release()
        self.engine.dispose()

    def _refuse_when_closing(self) -> None:
        if self._closing.is_set():
            raise ShuttingDown("the server is shutting down; nothing was stored, send it again")

    def _write_document(
        self,
        conn: sa.Connection,
        document: NewDocument,
        mention_list: Sequence[PlaceMention],
        reading: DocumentReading,
        now: dt.datetime,
        touched: set[str],
        added: dict[str, int] | None = None,
    ) -> bool:
        """Insert one document and what was read from it; False when it is already stored.

        ``added`` counts the rows inserted per table of :data:`COUNTED_TABLES`.
        """
        added = added if added is not None else dict.fromkeys(COUNTED_TABLES, 0)
        doc_id = reading.doc_id
        # ON CONFLICT DO NOTHING: the same article sent to two API processes at once is
        # stored by one of them; the other learns it exists from the row count.
        inserted = conn.execute(
            upsert(conn, documents)
            .values(
                id=doc_id,
                source=document.source,
                url=document.url,
                published=document.published,
                language=document.language,
                text=document.text,
                ingested_at=now,
                focus_country=reading.focus_country,
            )
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(documents.c.id)
        )
        if inserted.first() is None:
            return False
        added["documents"] += 1
        added["mentions"] += len(mention_list)
        added["incidents"] += len(reading.incidents)
        if mention_list:
            conn.execute(
                mentions.insert(),
                [
                    {
                        "doc_id": doc_id,
                        "start": m.start,
                        "end": m.end,
                        "surface": m.surface[:500],
                        "kind": m.kind,
                        "country": m.country,
                        "admin1": m.admin1,
                        "border": m.border,
                        "confidence": float(m.confidence),
                        "precision": int(m.precision),
                        "role": role.role,
                        "role_reason": role.reason,
                    }
                    for m, role in zip(mention_list, reading.roles, strict=True)
                ],
            )
            _add_region_mentions(
                conn,
                mention_counts((doc_id, m.country, m.admin1, m.border) for m in mention_list),
            )
        published = document.published or now.date()
        near = self._index_near_copies(conn, doc_id, document.text, published)
        for incident in reading.incidents:
            cluster_id = self._cluster_for(conn, incident, published, near)
            if cluster_id is None:
                cluster_id = uuid.uuid4().hex
                conn.execute(
                    clusters.insert().values(id=cluster_id, type=incident.type, created_at=now)
                )
                added["clusters"] += 1
            conn.execute(incidents.insert().values(**_incident_row(incident, cluster_id)))
            touched.add(cluster_id)
            blocks = dedup_blocks(
                incident.type, incident_countries(incident), (incident.date, published)
            )
            if blocks:
                conn.execute(
                    incident_blocks.insert(),
                    [
                        {"type": t, "country": c, "week": w, "incident_id": incident.id}
                        for t, c, w in sorted(blocks)
                    ],
                )
        return True

    def _index_near_copies(
        self, conn: sa.Connection, doc_id: str, text: str, published: dt.date
    ) -> set[str]:
        """Store the document's MinHash signature and LSH bands; return its near-copies.

        The signature is computed once, here; stored documents are found through their band
        rows (an index lookup) and compared by their stored signatures, never re-hashed.
        """
        settings = self.dedup
        signature = MinHasher(settings.permutations, settings.shingle_words).signature(text)
        hashes = band_hashes(signature, settings.lsh_bands, settings.lsh_rows)
        week = week_number(published)
        horizon = neighbouring_weeks(published, settings.near_copy_days)
        # One index range per band on (band, hash, week); written as text because a row-value
        # IN made SQLite scan the whole table, and building 21 ORed expressions per document
        # cost more than the lookup.
        params: dict[str, Any] = {"first": horizon.start, "last": horizon.stop - 1}
        for band, value in enumerate(hashes):
            params[f"h{band}"] = value
        sharing = sa.text(
            "SELECT DISTINCT doc_id FROM document_bands WHERE "
            + " OR ".join(
                f"(band = {band} AND hash = :h{band} AND week BETWEEN :first AND :last)"
                for band in range(len(hashes))
            )
        ).columns(doc_id=sa.String)
        sharing_ids = [row.doc_id for row in conn.execute(sharing, params) if row.doc_id != doc_id]
        candidates = sa.select(document_signatures.c.doc_id, document_signatures.c.signature).where(
            document_signatures.c.doc_id.in_(sharing_ids)
        )
        near = {
            row.doc_id
            for row in conn.execute(candidates)
            if estimated_jaccard(signature, signature_from_bytes(row.signature))
            >= settings.near_duplicate_jaccard
        }
        conn.execute(
            document_signatures.insert().values(doc_id=doc_id, signature=signature_bytes(signature))
        )
        conn.execute(
            document_bands.insert(),
            [
                {"band": band, "hash": value, "doc_id": doc_id, "week": week}
                for band, value in enumerate(hashes)
            ],
        )
        return near

    def _cluster_for(
        self,
        conn: sa.Connection,
        incident: Incident,
        published: dt.date,
        near: set[str],
    ) -> str | None:
        """The event cluster an incident joins, or None when it starts a new one.

        Candidates are the incidents of the same type filed under one of its countries in
        the weeks within the window of its date or its document's publication
        (:func:`geodata.dedup.dedup_blocks`), and those of near-copy documents whatever
        their dates (a rewrite of a wire story often anchors relative dates differently).
        Only these blocks are read, so the cost of a report does not grow with the archive.
        """
        window = self.dedup.window_days
        countries = incident_countries(incident)
        weeks = set(neighbouring_weeks(published, window))
        if incident.date is not None:
            weeks |= set(neighbouring_weeks(incident.date, window))
        # Two index-driven reads (an OR of the two would let the planner fall back to every
        # incident of the type): the block rows, then the incidents of near-copy documents.
        first_stored = (
            sa.select(incident_blocks.c.incident_id, sa.func.min(incident_blocks.c.id).label("seq"))
            .where(
                incident_blocks.c.type == incident.type,
                incident_blocks.c.country.in_(sorted(countries)),
                incident_blocks.c.week.in_(sorted(weeks)),
            )
            .group_by(incident_blocks.c.incident_id)
            .subquery()
        )
        query = (
            sa.select(incidents)
            .join(first_stored, first_stored.c.incident_id == incidents.c.id)
            .where(incidents.c.doc_id != incident.doc_id)
            .order_by(first_stored.c.seq)
        )
        rows = list(conn.execute(query))
        if near:
            seen = {row.id for row in rows}
            copies = (
                sa.select(incidents)
                .where(incidents.c.doc_id.in_(sorted(near)), incidents.c.type == incident.type)
                .order_by(incidents.c.id)
            )
            rows += [row for row in conn.execute(copies) if row.id not in seen]
        for row in rows:
            candidate = incident_from_row(row._mapping)
            if not countries & incident_countries(candidate):
                continue
            if same_event(candidate, incident, self.dedup, candidate.doc_id in near):
                return str(row.cluster_id)
        return None

    # -- reading -----------------------------------------------------------------------------

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A document with its mentions and incidents, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(documents).where(documents.c.id == doc_id)).first()
            if row is None:
                return None
            record = _jsonable(dict(row._mapping))
            record["mentions"] = [
                _jsonable({k: v for k, v in m._mapping.items() if k not in ("id", "doc_id")})
                for m in conn.execute(
                    sa.select(mentions)
                    .where(mentions.c.doc_id == doc_id)
                    .order_by(mentions.c.start)
                )
            ]
            record["incidents"] = [
                _jsonable(dict(i._mapping))
                for i in conn.execute(
                    sa.select(incidents)
                    .where(incidents.c.doc_id == doc_id)
                    .order_by(incidents.c.start)
                )
            ]
        return record

    def counts(self) -> dict[str, int]:
        """Rows of documents, mentions, incidents and clusters: kept on the data version row
        by every ingest, so this is one primary-key lookup however much is stored."""
        columns = [data_version.c[name] for name in COUNTED_TABLES]
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*columns).where(data_version.c.id == 1)).one()
        return {name: int(value) for name, value in zip(COUNTED_TABLES, row, strict=True)}

    def data_version(self) -> str:
        """Changes whenever anything is ingested: the key scored caches are invalidated by."""
        return str(self.freshness().number)

    def freshness(self) -> DataVersion:
        """The data version row: one primary-key lookup, whatever the number of documents."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(data_version.c.version, data_version.c.changed_at).where(
                    data_version.c.id == 1
                )
            ).one()
        changed_at = row.changed_at
        if changed_at.tzinfo is None:  # SQLite keeps no zone; every time stored is UTC
            changed_at = changed_at.replace(tzinfo=dt.UTC)
        return DataVersion(int(row.version), changed_at)

    def all_incidents(self) -> list[Incident]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(incidents).order_by(incidents.c.doc_id, incidents.c.start)
            )
            return [incident_from_row(row._mapping) for row in rows]

    def incident_records(self) -> list[dict[str, Any]]:
        """Every incident with its document's source, url and published date."""
        query = sa.select(
            incidents, documents.c.source, documents.c.url, documents.c.published
        ).join(documents, documents.c.id == incidents.c.doc_id)
        with self.engine.connect() as conn:
            return [_jsonable(dict(row._mapping)) for row in conn.execute(query)]

    def incident_record_page(
        self,
        incident_type: str | None,
        since: dt.date | None,
        until: dt.date | None,
        limit: int | None,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of incident reports, newest first (undated last), with their documents'
        source, url and published date, and how many match: type and dates filtered in the
        database, read along the date index (a page costs its rows, not the archive)."""
        conditions = []
        if incident_type is not None:
            conditions.append(incidents.c.type == incident_type)
        if since is not None:
            conditions.append(incidents.c.date >= since)
        if until is not None:
            conditions.append(incidents.c.date <= until)
        query = (
            sa.select(incidents, documents.c.source, documents.c.url, documents.c.published)
            .join(documents, documents.c.id == incidents.c.doc_id)
            .where(*conditions)
            .order_by(incidents.c.date.desc().nulls_last(), incidents.c.id.desc())
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        if conditions:
            count = sa.select(sa.func.count()).select_from(incidents).where(*conditions)
        else:  # kept on the data version row by every ingest: no count of every report
            count = sa.select(data_version.c.incidents).where(data_version.c.id == 1)
        with self.engine.connect() as conn:
            records = [_jsonable(dict(row._mapping)) for row in conn.execute(query)]
            return records, int(conn.execute(count).scalar_one())

    def events(self) -> list[list[Incident]]:
        """Incidents grouped by their event cluster."""
        grouped: dict[str, list[Incident]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(sa.select(incidents).order_by(incidents.c.start)):
                grouped.setdefault(row.cluster_id, []).append(incident_from_row(row._mapping))
        return list(grouped.values())

    def mention_frame(self) -> pd.DataFrame:
        """One row per (mention, region it names) for the "mentions" count of each region."""
        query = sa.select(
            mentions.c.doc_id,
            mentions.c.kind,
            mentions.c.country,
            mentions.c.admin1,
            mentions.c.border,
        )
        rows: list[dict[str, str]] = []
        with self.engine.connect() as conn:
            for m in conn.execute(query):
                if m.country:
                    rows.append({"level": "admin0", "region_id": m.country, "doc_id": m.doc_id})
                if m.admin1:
                    rows.append({"level": "admin1", "region_id": m.admin1, "doc_id": m.doc_id})
                if m.border:
                    rows.append({"level": "border", "region_id": m.border, "doc_id": m.doc_id})
        return pd.DataFrame(rows, columns=["level", "region_id", "doc_id"])

    def place_spans(self) -> dict[str, list[StoredPlace]]:
        """Each document's place mentions (offset, kind, country, border), for the border
        evidence in the sentences that report an incident (:mod:`geodata.border_ties`)."""
        query = sa.select(
            mentions.c.doc_id,
            mentions.c.start,
            mentions.c.kind,
            mentions.c.country,
            mentions.c.border,
        ).where(sa.or_(mentions.c.country.is_not(None), mentions.c.border.is_not(None)))
        by_doc: dict[str, list[StoredPlace]] = {}
        with self.engine.connect() as conn:
            for m in conn.execute(query):
                by_doc.setdefault(m.doc_id, []).append(
                    StoredPlace(m.start, m.kind, m.country, m.border)
                )
        return by_doc

    # -- PostGIS (PostgreSQL only; see migration 0006 and docs/qgis.md) ---------------------

    @property
    def spatial(self) -> bool:
        """Whether the database has the PostGIS columns (PostgreSQL)."""
        return self.engine.dialect.name == "postgresql"

    def publish_regions(self, shapes: Sequence[tuple[str, str, str | None, bytes]]) -> int:
        """Store ``(level, region_id, name, WKB)`` region shapes for the layer views.

        Idempotent (ON CONFLICT DO NOTHING): every API process may call it at start-up.
        Returns the number of regions stored. Nothing to do on SQLite.
        """
        if not self.spatial:
            return 0
        statement = sa.text(
            "INSERT INTO regions (level, region_id, name, geom) "
            "VALUES (:level, :region_id, :name, ST_SetSRID(ST_GeomFromWKB(:wkb), 4326)) "
            "ON CONFLICT (level, region_id) DO NOTHING"
        )
        with self.engine.begin() as conn:
            stored = conn.exec_driver_sql("SELECT count(*) FROM regions").scalar_one()
            if stored != len(shapes):
                conn.execute(
                    statement,
                    [
                        {"level": level, "region_id": rid, "name": name, "wkb": wkb}
                        for level, rid, name, wkb in shapes
                    ],
                )
            return int(conn.exec_driver_sql("SELECT count(*) FROM regions").scalar_one())

    def incident_ids_in_bbox(
        self, west: float, south: float, east: float, north: float
    ) -> list[str]:
        """Incidents with a point inside a lon/lat box: a GiST index lookup on PostGIS, a
        scan of the stored points on SQLite."""
        if self.spatial:
            query = sa.text(
                "SELECT id FROM incidents "
                "WHERE geom && ST_MakeEnvelope(:west, :south, :east, :north, 4326) "
                "AND ST_Intersects(geom, ST_MakeEnvelope(:west, :south, :east, :north, 4326)) "
                "ORDER BY id"
            )
            box = {"west": west, "south": south, "east": east, "north": north}
            with self.engine.connect() as conn:
                return [str(row.id) for row in conn.execute(query, box)]
        found = []
        with self.engine.connect() as conn:
            for row in conn.execute(
                sa.select(incidents.c.id, incidents.c.locations).order_by(incidents.c.id)
            ):
                points = [loc["point"] for loc in row.locations if loc.get("point")]
                if any(west <= p[0] <= east and south <= p[1] <= north for p in points):
                    found.append(str(row.id))
        return found

    # -- score aggregates (see service.aggregates) -----------------------------------------

    def region_day_frame(
        self,
        until: dt.date,
        since: dt.date | None = None,
        region: tuple[str, str] | None = None,
    ) -> pd.DataFrame:
        """Per-(region, day) sums dated in ``[since, until]``, of one region or all."""
        query = sa.select(region_days).where(region_days.c.day <= until)
        if since is not None:
            query = query.where(region_days.c.day >= since)
        if region is not None:
            query = query.where(
                region_days.c.level == region[0], region_days.c.region_id == region[1]
            )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in region_days.c])

    def region_mention_frame(self) -> pd.DataFrame:
        """Per region: mention rows naming it and the documents they are in."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(region_mentions)).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in region_mentions.c])

    def region_event_ids(
        self,
        level: str,
        region_id: str,
        until: dt.date,
        since: dt.date | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[str]:
        """The events counting for a region in a window, latest first, one page at a time."""
        query = (
            sa.select(event_regions.c.event_id)
            .where(
                event_regions.c.level == level,
                event_regions.c.region_id == region_id,
                event_regions.c.day <= until,
            )
            .order_by(event_regions.c.day.desc(), event_regions.c.event_id)
            .offset(offset)
        )
        if since is not None:
            query = query.where(event_regions.c.day >= since)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [str(row.event_id) for row in conn.execute(query)]

    def first_event_day(self, level: str, region_id: str, until: dt.date) -> dt.date | None:
        """The date of a region's first event up to ``until`` (an index range lookup)."""
        query = sa.select(sa.func.min(region_days.c.day)).where(
            region_days.c.level == level,
            region_days.c.region_id == region_id,
            region_days.c.day <= until,
        )
        with self.engine.connect() as conn:
            return _as_date(conn.execute(query).scalar())

    def latest_event_day(self) -> dt.date | None:
        """The date of the latest scored event, whatever the window (an index lookup)."""
        with self.engine.connect() as conn:
            return _as_date(conn.execute(sa.select(sa.func.max(region_days.c.day))).scalar())

    def event_reports(self, event_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """For each event id (an incident id), every report of its cluster with its source."""
        if not event_ids:
            return {}
        cluster_of = (
            sa.select(incidents.c.id, incidents.c.cluster_id)
            .where(incidents.c.id.in_(sorted(set(event_ids))))
            .subquery()
        )
        query = (
            sa.select(
                cluster_of.c.id.label("event_id"),
                incidents,
                documents.c.source,
                documents.c.url,
                documents.c.published,
            )
            .join(incidents, incidents.c.cluster_id == cluster_of.c.cluster_id)
            .join(documents, documents.c.id == incidents.c.doc_id)
            .order_by(incidents.c.id)
        )
        out: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                record = _jsonable(dict(row._mapping))
                out.setdefault(str(record.pop("event_id")), []).append(record)
        return out

    @contextmanager
    def connection(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn


def _bump_data_version(
    conn: sa.Connection, now: dt.datetime, added: dict[str, int] | None = None
) -> int:
    """Raise the data version, and the row counts by ``added``, inside the ingest's
    transaction: a rolled-back batch leaves both.

    Returns the new number.
    """
    counts = {name: data_version.c[name] + n for name, n in (added or {}).items() if n}
    conn.execute(
        data_version.update()
        .where(data_version.c.id == 1)
        .values(version=data_version.c.version + 1, changed_at=now, **counts)
    )
    return int(
        conn.execute(sa.select(data_version.c.version).where(data_version.c.id == 1)).scalar_one()
    )


def _serialise_writers(conn: sa.Connection) -> None:
    """One writing transaction at a time across processes.

    SQLite allows one writer anyway. On PostgreSQL a transaction-scoped advisory lock keeps two
    API processes from clustering the same event twice or re-summing the same region day
    from different snapshots; it is released at commit or rollback.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(15015)"))


def _mark_aggregates(conn: sa.Connection, version: int, fingerprint: str) -> None:
    conn.execute(
        aggregate_state.update()
        .where(aggregate_state.c.id == 1)
        .values(version=version, weights=fingerprint)
    )


def mention_counts(
    rows: Iterable[tuple[str, str | None, str | None, str | None]],
) -> list[dict[str, Any]]:
    """``region_mentions`` rows from ``(doc_id, country, admin1, border)`` of place mentions:
    per region, the mentions naming it and the distinct documents they are in."""
    counts: dict[tuple[str, str], int] = {}
    docs: dict[tuple[str, str], set[str]] = {}
    for doc_id, country, admin1, border in rows:
        for level, region in (("admin0", country), ("admin1", admin1), ("border", border)):
            if region:
                counts[(level, region)] = counts.get((level, region), 0) + 1
                docs.setdefault((level, region), set()).add(doc_id)
    return [
        {
            "level": level,
            "region_id": region,
            "mentions": n,
            "documents": len(docs[(level, region)]),
        }
        for (level, region), n in sorted(counts.items())
    ]


def _add_region_mentions(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Add to the per-region mention counts (INSERT ... ON CONFLICT DO UPDATE)."""
    if not rows:
        return
    statement = upsert(conn, region_mentions)
    statement = statement.on_conflict_do_update(
        index_elements=["level", "region_id"],
        set_={
            "mentions": region_mentions.c.mentions + statement.excluded.mentions,
            "documents": region_mentions.c.documents + statement.excluded.documents,
        },
    )
    conn.execute(statement, rows)


def upsert(conn: sa.Connection, table: sa.Table) -> Any:
    """The dialect's ``INSERT`` with ``ON CONFLICT`` (SQLite and PostgreSQL both have it)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def _incident_row(incident: Incident, cluster_id: str) -> dict[str, Any]:
    record = incident.as_dict()
    record["locations"] = [
        {key: value for key, value in vars(loc).items()} for loc in incident.locations
    ]
    record["actors"] = list(incident.actors)
    for key in ("date", "date_first", "date_last"):
        record[key] = getattr(incident, key)
    record["cluster_id"] = cluster_id
    return record


def incident_from_row(row: Any) -> Incident:
    """Rebuild an :class:`Incident` from a database row (for dedup and scoring)."""
    values = {f.name: row[f.name] for f in fields(Incident) if f.name != "quantities"}
    values["locations"] = tuple(
        Location(**{**loc, "point": tuple(loc["point"]) if loc.get("point") else None})
        for loc in row["locations"]
    )
    values["actors"] = tuple(row["actors"])
    values["evidence"] = tuple(tuple(span) for span in row["evidence"] or ())
    values["deadly"] = bool(row["deadly"])
    values["approximate"] = bool(row["approximate"])
    return Incident(**values)


def _as_date(value: Any) -> dt.date | None:
    """A date column's value (SQLite may hand back ISO text for an aggregate)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in record.items():
        if isinstance(value, dt.datetime | dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out

"""``riskmap batch load``: a finished batch into the served database, as the API stores it.

Documents go through :meth:`service.storage.Store.ingest_many`, the API's own write path, so
a document already stored is skipped (loading twice stores nothing new) and each incident
joins its event cluster by the same dedup rules. Partitions are loaded by publication date,
then in input order, a transaction per :data:`CHUNK` documents. Before anything is stored,
the manifest is read and every file it lists is checked (present, the expected columns, the
row counts of the manifest), so a damaged batch stores nothing; a load cut short midway
(a killed process) is finished by running it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.batch.errors import BatchError
from service.batch.files import filesystem, join
from service.batch.manifest import TABLES, Manifest, Partition, read_manifest
from service.batch.tables import SCHEMAS, StoredReading, stored_readings
from service.settings import Settings
from service.storage import AggregateMaintainer, Store

if TYPE_CHECKING:
    import pyarrow as pa
    from fsspec import AbstractFileSystem

#: Documents per transaction: the API's batch size order, short enough to keep other
#: writers (an API process ingesting meanwhile) from waiting long.
CHUNK = 200


@dataclass(frozen=True)
class LoadSummary:
    documents: int
    new: int
    duplicate: int
    incidents: int
    seconds: float


def load_batch(url: str, store: Store, chunk: int = CHUNK) -> LoadSummary:
    """Store the batch at ``url``; see the module docstring."""
    started = time.perf_counter()
    manifest = read_manifest(url)
    fs, root = filesystem(url)
    check_files(fs, root, manifest)
    new = duplicate = incidents = 0
    pending: list[StoredReading] = []

    def flush() -> None:
        nonlocal new, duplicate, incidents
        results = store.ingest_many(pending)
        for result, (_, _, reading) in zip(results, pending, strict=True):
            new += result.created
            duplicate += not result.created
            incidents += len(reading.incidents) if result.created else 0
        pending.clear()

    for partition in sorted(manifest.partitions, key=Partition.sort_key):
        tables = {name: _table(fs, join(root, partition.files[name])) for name in TABLES}
        pending += stored_readings(tables, partition.published)
        if len(pending) >= chunk:
            flush()
    if pending:
        flush()
    return LoadSummary(new + duplicate, new, duplicate, incidents, time.perf_counter() - started)


def check_files(fs: AbstractFileSystem, root: str, manifest: Manifest) -> None:
    """Every listed file present, with the columns and row count expected (footers only)."""
    import pyarrow.parquet as pq

    for partition in manifest.partitions:
        for name in TABLES:
            path = join(root, partition.files[name])
            where = partition.files[name]
            try:
                with fs.open(path, "rb") as handle:
                    metadata = pq.ParquetFile(handle).metadata
                    schema = metadata.schema.to_arrow_schema()
            except (OSError, ValueError) as exc:
                raise BatchError(f"{where}: missing or unreadable ({exc}); nothing loaded") from exc
            if not schema.remove_metadata().equals(SCHEMAS[name]):
                raise BatchError(
                    f"{where}: not the columns this riskmap writes (read by riskmap "
                    f"{manifest.riskmap}? read the inputs again); nothing loaded"
                )
            if metadata.num_rows != partition.rows[name]:
                raise BatchError(
                    f"{where}: {metadata.num_rows} rows, the manifest says "
                    f"{partition.rows[name]}; nothing loaded"
                )


def _table(fs: AbstractFileSystem, path: str) -> pa.Table:
    import pyarrow.parquet as pq

    with fs.open(path, "rb") as handle:
        return pq.read_table(handle)


def scores_maintainer(settings: Settings) -> AggregateMaintainer:
    """The score aggregates of the served layers (the API's), to keep current while loading."""
    from geodata.boundaries import load_boundaries
    from service.aggregates import RegionAggregates
    from service.scores import region_index

    boundaries = load_boundaries(settings.boundary_source_object(), settings.data_dir)
    return RegionAggregates(region_index(boundaries), settings.score_weights())


def make_scores_current(store: Store, maintainer: AggregateMaintainer) -> bool:
    """Rebuild the score aggregates once when the load left them behind (as a served database
    that was behind before does), so the first score query after a backfill does not pay for
    it. True when they were rebuilt."""
    if store.aggregates_current(maintainer.fingerprint):
        return False
    store.rebuild_aggregates(maintainer)
    return True

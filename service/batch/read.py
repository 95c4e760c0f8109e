"""``riskmap batch read``: article shards in, GeoParquet partitioned by date and a manifest out.

Two passes over the shards: every row is checked first (cheap: JSON or Parquet decoding), so a
bad row stops the batch before any reading; then each shard is read by the same
:class:`service.pipeline.Reader` as the API and its documents written per publication date::

    OUT/documents/published=2026-11-02/part-00000.parquet
    OUT/mentions/published=2026-11-02/part-00000.parquet
    OUT/incidents/published=2026-11-02/part-00000.parquet
    ...
    OUT/_manifest.json        (last: the batch is finished)

A runner decides where shards are read: :class:`InProcess` here (no Dask import), or
:class:`service.batch.cluster.DaskRunner` on a local or remote Dask cluster. Either reads each
shard with :func:`read_shard`, so their files are identical. When anything fails, the
partition folders are removed and no manifest is written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, TextIO

from maps.words import counted
from service.batch.errors import BatchError, BatchInputError
from service.batch.files import filesystem, full_url, join
from service.batch.inputs import Shard, find_shards, read_articles
from service.batch.manifest import NAME, TABLES, Manifest, Partition, partition_dir, write_manifest
from service.batch.tables import ReadDocument, partition_tables
from service.pipeline import Reader, Reading
from service.progress import Steps
from service.settings import Settings
from service.storage import NewDocument

if TYPE_CHECKING:
    import pyarrow as pa
    from fsspec import AbstractFileSystem


@dataclass(frozen=True)
class ReadJob:
    """What every shard's reading shares: where to write, the date relative dates anchor on
    (one for the whole batch, so workers agree) and the document size limit."""

    out: str
    today: dt.date
    max_document_bytes: int


def load_reader(settings: Settings) -> Reader:
    """The API's reader over the configured boundaries and gazetteer (seconds; load once)."""
    from geodata.boundaries import load_boundaries
    from geodata.gazetteer import load_gazetteer

    boundaries = load_boundaries(settings.boundary_source_object(), settings.data_dir)
    assert boundaries.cache_dir is not None
    return Reader(load_gazetteer(boundaries.cache_dir, boundaries=boundaries))


def check_shard(shard: Shard, max_document_bytes: int) -> int:
    """The number of articles in ``shard``; BatchInputError at its first bad row."""
    return len(read_articles(shard, max_document_bytes))


def read_shard(shard: Shard, reader: Reader, job: ReadJob) -> list[Partition]:
    """Read every article of ``shard`` and write its date partitions; the written files."""
    documents: dict[dt.date | None, list[ReadDocument]] = {}
    for article in read_articles(shard, job.max_document_bytes):
        reading = _read(reader, article.document, article.origin, job.today)
        documents.setdefault(article.document.published, []).append(
            ReadDocument(shard.index, article, reading)
        )
    fs, root = filesystem(job.out)
    partitions = []
    for published, items in sorted(documents.items(), key=_by_date):
        tables = partition_tables(items)
        files = {}
        for name in TABLES:
            relative = join(name, partition_dir(published), f"part-{shard.index:05d}.parquet")
            _write_parquet(fs, join(root, relative), tables[name])
            files[name] = relative
        rows = {name: tables[name].num_rows for name in TABLES}
        partitions.append(Partition(published, shard.index, rows, files))
    return partitions


def _by_date(item: tuple[dt.date | None, object]) -> tuple[bool, dt.date]:
    return (item[0] is None, item[0] or dt.date.min)


def _read(reader: Reader, document: NewDocument, origin: str, today: dt.date) -> Reading:
    try:
        return reader.read(document, today)
    except (ValueError, OverflowError, RecursionError) as exc:  # as the API's 422
        raise BatchInputError(
            f"{origin}: the text could not be read ({type(exc).__name__})"
        ) from exc


def _write_parquet(fs: AbstractFileSystem, path: str, table: pa.Table) -> None:
    import pyarrow.parquet as pq

    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    with fs.open(path, "wb") as handle:
        pq.write_table(table, handle, compression="zstd")


class Runner(Protocol):
    """Where shards are checked and read: in this process or on Dask workers."""

    where: str

    #: What entering the runner does ("" when nothing: no step is printed for it).
    starting: str

    def check(self, shards: Sequence[Shard], max_document_bytes: int) -> list[int]: ...

    def load_reader(self) -> None: ...

    def read(self, shards: Sequence[Shard], job: ReadJob) -> list[list[Partition]]: ...

    def __enter__(self) -> Runner: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class InProcess(AbstractContextManager["InProcess"]):
    """Shards read one after the other here; the reader is loaded once, when first needed."""

    where = "in process"
    starting = ""

    def __init__(self, reader: Callable[[], Reader]) -> None:
        self._reader = cache(reader)

    def check(self, shards: Sequence[Shard], max_document_bytes: int) -> list[int]:
        return [check_shard(shard, max_document_bytes) for shard in shards]

    def load_reader(self) -> None:
        self._reader()

    def read(self, shards: Sequence[Shard], job: ReadJob) -> list[list[Partition]]:
        return [read_shard(shard, self._reader(), job) for shard in shards]

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


@dataclass(frozen=True)
class ReadSummary:
    """A finished read: its manifest, where it ran and the seconds of each step."""

    manifest: Manifest
    shards: int
    seconds: float
    where: str
    steps: dict[str, float]


def run_read(
    inputs: Sequence[str],
    out: str,
    settings: Settings,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    worker_memory: str = "2GiB",
    reader: Reader | None = None,
    progress: TextIO | None = None,
) -> ReadSummary:
    """Read ``inputs`` into a new batch at ``out``; see the module docstring.

    Without ``workers`` or ``scheduler`` everything runs here and dask is never imported;
    ``reader`` (tests) saves loading the gazetteer again.
    """
    started = time.perf_counter()
    shards = find_shards(inputs)
    runner: Runner
    if workers or scheduler:
        from service.batch.cluster import DaskRunner

        runner = DaskRunner(settings, workers=workers, scheduler=scheduler, memory=worker_memory)
    else:
        runner = InProcess(lambda: reader or load_reader(settings))
    root_url, created = _empty_output(out)
    job = ReadJob(root_url, dt.datetime.now(dt.UTC).date(), settings.max_document_bytes)
    total = 4 if runner.starting else 3
    steps = Steps(total, stream=progress) if progress else Steps(total)
    seconds: dict[str, float] = {}
    try:
        with ExitStack() as stack:
            if runner.starting:
                with steps.step("cluster", runner.starting) as step:
                    stack.enter_context(runner)
                seconds["cluster"] = step.elapsed()
            else:
                stack.enter_context(runner)
            with steps.step("inputs", f"checking {counted(len(shards), 'shard')}") as step:
                counts = runner.check(shards, job.max_document_bytes)
                if not sum(counts):
                    raise BatchInputError(f"no articles in {', '.join(inputs)}")
                step.outcome = counted(sum(counts), "article")
            seconds["inputs"] = step.elapsed()
            with steps.step("reader", f"loading the gazetteer {runner.where}") as step:
                runner.load_reader()
            seconds["reader"] = step.elapsed()
            with steps.step("reading", f"geoparse and incidents {runner.where}") as step:
                partitions = [p for written in runner.read(shards, job) for p in written]
                step.outcome = f"{len(partitions)} partition files per table"
            seconds["reading"] = step.elapsed()
        manifest = Manifest(
            [shard.label for shard in shards],
            job.today,
            _version(),
            sorted(partitions, key=Partition.sort_key),
        )
        write_manifest(root_url, manifest)
    except BaseException:
        _discard(root_url, created)
        raise
    elapsed = time.perf_counter() - started
    return ReadSummary(manifest, len(shards), elapsed, runner.where, seconds)


def _empty_output(out: str) -> tuple[str, bool]:
    """The batch folder's URL, and whether it was made here; it must be new or empty, so no
    earlier file mixes in."""
    fs, root = filesystem(out)
    if fs.exists(root):
        if not fs.isdir(root):
            raise BatchError(f"{out}: exists and is not a folder")
        if fs.ls(root):
            raise BatchError(f"{out}: not empty; batch read writes into a new or empty folder")
        return full_url(fs, root), False
    fs.makedirs(root, exist_ok=True)
    return full_url(fs, root), True


def _discard(root_url: str, created: bool) -> None:
    """Remove what a failed read wrote: the folder when it was made for this read, else the
    partition folders and any manifest."""
    fs, root = filesystem(root_url)
    if created:
        fs.rm(root, recursive=True)
        return
    for name in (*TABLES, NAME):
        path = join(root, name)
        if fs.exists(path):
            fs.rm(path, recursive=True)


def _version() -> str:
    try:
        return version("riskmap")
    except PackageNotFoundError:
        return "unknown"

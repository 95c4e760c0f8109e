"""The batch read on Dask: a local cluster of worker processes, or a remote scheduler.

The only module of riskmap that imports dask. Each worker loads the reader once, in
:class:`ReaderPlugin`'s ``setup`` (the gazetteer takes seconds and most of a GiB), and then
reads whole shards with the same :func:`service.batch.read.read_shard` as the in-process run,
so the files are identical. Workers open inputs and write outputs themselves (fsspec URLs):
on a remote cluster those must be paths every worker sees (object storage, a shared disk), and
every worker needs the boundary cache at the client's ``RISKMAP_DATA_DIR``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

from maps.words import counted
from service.batch.errors import BatchError
from service.batch.files import INSTALL_HINT
from service.batch.inputs import Shard
from service.batch.manifest import Partition
from service.batch.read import ReadJob, check_shard, load_reader, read_shard
from service.pipeline import Reader
from service.settings import Settings

try:
    from distributed import Client, LocalCluster, WorkerPlugin, get_worker, wait
    from distributed.scheduler import KilledWorker
except ImportError as exc:  # the dask extra is not installed
    raise BatchError(f"--workers and --scheduler need dask.distributed ({INSTALL_HINT})") from exc

PLUGIN = "riskmap-reader"


class ReaderPlugin(WorkerPlugin):
    """Loads the reader once per worker (and on each worker that joins later)."""

    name = PLUGIN

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reader: Reader | None = None

    async def setup(self, worker: Any) -> None:
        # Off the worker's event loop, so its heartbeats go on while the gazetteer loads.
        loop = asyncio.get_running_loop()
        self.reader = await loop.run_in_executor(None, load_reader, self.settings)

    def teardown(self, worker: Any) -> None:
        self.reader = None


def _read_on_worker(shard: Shard, job: ReadJob) -> list[Partition]:
    plugin = get_worker().plugins[PLUGIN]
    assert isinstance(plugin, ReaderPlugin) and plugin.reader is not None
    return read_shard(shard, plugin.reader, job)


def _keys(step: str, shards: Sequence[Shard]) -> list[str]:
    """Task keys naming the shard, unique per run (a reused key would return a result of an
    earlier batch still held by a long-lived cluster)."""
    run = uuid.uuid4().hex[:8]
    return [f"riskmap-{step}-{run}-{shard.index}" for shard in shards]


class DaskRunner(AbstractContextManager["DaskRunner"]):
    """Shards checked and read as Dask tasks, one task per shard.

    Parameters
    ----------
    settings : the client's settings (the workers load the same boundaries).
    workers : start a local cluster of this many worker processes, one thread each.
    scheduler : or connect to the scheduler at this address (``tcp://host:8786``).
    memory : each local worker's memory limit; the reader alone takes most of a GiB.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        memory: str = "2GiB",
    ) -> None:
        if (workers is None) == (scheduler is None):
            raise BatchError("give either --workers or --scheduler")
        if workers is not None and workers < 1:
            raise BatchError("--workers must be at least 1")
        self.settings = settings
        self.workers = workers
        self.scheduler = scheduler
        self.memory = memory
        if workers:
            self.where = f"on {counted(workers, 'local Dask worker')}"
            self.starting = f"starting {counted(workers, 'local Dask worker')}"
        else:
            self.where = f"on the Dask cluster at {scheduler}"
            self.starting = f"connecting to the scheduler at {scheduler}"
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None

    def __enter__(self) -> DaskRunner:
        if self.scheduler is not None:
            self._client = Client(self.scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                memory_limit=self.memory,
                dashboard_address=None,
                # A bad row is one error line from the CLI, not a log record per task too.
                silence_logs=logging.CRITICAL,
            )
            self._client = Client(self._cluster)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    @property
    def client(self) -> Client:
        assert self._client is not None, "use DaskRunner as a context manager"
        return self._client

    def check(self, shards: Sequence[Shard], max_document_bytes: int) -> list[int]:
        """Rows checked on the workers, before any reader is loaded."""
        futures = self.client.map(
            check_shard,
            list(shards),
            max_document_bytes=max_document_bytes,
            key=_keys("check", shards),
        )
        return [int(count) for count in self.client.gather(futures)]

    def load_reader(self) -> None:
        """The reader loaded on every worker (returns when all have it)."""
        self.client.register_plugin(ReaderPlugin(self.settings))

    def read(self, shards: Sequence[Shard], job: ReadJob) -> list[list[Partition]]:
        """Every shard read; on failure, the first failed shard's error after all have ended
        (so no task is still writing when the caller removes the output)."""
        futures = self.client.map(
            _read_on_worker,
            list(shards),
            job=job,
            key=_keys("read", shards),
        )
        wait(futures)
        for shard, future in zip(shards, futures, strict=True):
            if future.status == "error":
                error = future.exception()
                if isinstance(error, KilledWorker):
                    raise BatchError(
                        f"{shard.label}: the worker reading it died (out of memory? a worker "
                        f"needs at least 2 GiB): {error}"
                    )
                raise error
            if future.status != "finished":
                raise BatchError(f"{shard.label}: the task reading it was {future.status}")
        return [list(partitions) for partitions in self.client.gather(futures)]

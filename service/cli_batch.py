"""``riskmap batch read`` and ``riskmap batch load``: backfills (see docs/batch.md).

The handlers only parse options and print summaries; the work is in :mod:`service.batch`,
imported when a command runs (dask only by ``read --workers``/``--scheduler``).
"""

from __future__ import annotations

import argparse

from maps.words import counted
from service.settings import Settings


def _cmd_read(args: argparse.Namespace, settings: Settings) -> int:
    from service.batch.read import run_read

    summary = run_read(
        args.inputs,
        args.out,
        settings,
        workers=args.workers,
        scheduler=args.scheduler,
        worker_memory=args.worker_memory,
    )
    totals = summary.manifest.totals()
    dates = len({p.published for p in summary.manifest.partitions})
    print(
        f"read {counted(totals['documents'], 'article')} from {counted(summary.shards, 'shard')} "
        f"{summary.where} in {summary.seconds:.1f} s: {counted(totals['mentions'], 'mention')}, "
        f"{counted(totals['incidents'], 'incident')} in {counted(dates, 'date partition')}; "
        f"wrote {args.out}"
    )
    return 0


def _cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    from service.batch.load import load_batch, make_scores_current, scores_maintainer
    from service.batch.manifest import read_manifest
    from service.storage import Store

    read_manifest(args.batch)  # no database touched for a folder that holds no batch
    store = Store.open(settings.database, settings.dedup_settings())
    try:
        store.aggregates = scores_maintainer(settings)
        summary = load_batch(args.batch, store)
        rebuilt = make_scores_current(store, store.aggregates)
    finally:
        store.engine.dispose()
    scores = "score aggregates rebuilt" if rebuilt else "score aggregates current"
    print(
        f"loaded {counted(summary.documents, 'document')} from {args.batch} in "
        f"{summary.seconds:.1f} s: {summary.new} new, {summary.duplicate} duplicate, "
        f"{counted(summary.incidents, 'incident')} stored; {scores}"
    )
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``batch read`` and ``batch load`` to the ``riskmap`` command line."""
    batch = commands.add_parser(
        "batch",
        help="backfills: read article shards to GeoParquet, load them",
        description="Backfills of many articles: read shards into GeoParquet (in process or on "
        "Dask), then load that into the served database.",
    )
    batch_commands = batch.add_subparsers(dest="batch_command", required=True, metavar="COMMAND")
    read = batch_commands.add_parser(
        "read",
        help="read JSON Lines or Parquet shards into GeoParquet partitioned by date",
        description="Read article shards (.jsonl, .jsonl.gz or .parquet files, or folders of "
        "them; local paths or fsspec URLs) with the same reader as the API, and write "
        "documents, mentions and incidents as GeoParquet partitioned by published date, then a "
        "manifest. Runs in this process unless --workers or --scheduler is given.",
    )
    read.add_argument("inputs", nargs="+", metavar="INPUT", help="shard files or folders")
    read.add_argument("--out", required=True, help="a new or empty output folder (or URL)")
    where = read.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=_positive, help="read on a local Dask cluster of N worker processes"
    )
    where.add_argument(
        "--scheduler", help="read on the Dask cluster at this address (tcp://host:8786)"
    )
    read.add_argument(
        "--worker-memory",
        default="2GiB",
        help="memory limit of each local Dask worker (default 2GiB; the reader needs ~1GiB)",
    )
    read.set_defaults(handler=_cmd_read)
    load = batch_commands.add_parser(
        "load",
        help="load a finished batch into the served database",
        description="Store a batch written by batch read in the database (RISKMAP_DATABASE_URL) "
        "as the API would: documents already stored are skipped, incidents join their events. "
        "Refuses a folder whose read did not finish.",
    )
    load.add_argument("batch", metavar="DIR", help="the --out folder (or URL) of batch read")
    load.set_defaults(handler=_cmd_load)

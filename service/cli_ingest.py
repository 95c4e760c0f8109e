"""``riskmap ingest PATH...``: read article files into the database, with a summary."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from maps.words import counted
from service.settings import Settings


def _progress(done: int, total: int, started: float) -> None:
    if not sys.stderr.isatty():
        return
    rate = done / max(time.perf_counter() - started, 1e-9)
    width = 30
    filled = int(width * done / max(total, 1))
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r[{bar}] {done}/{total} ({rate:.1f} docs/s)", end="", file=sys.stderr, flush=True)


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.boundaries import load_boundaries
    from geodata.gazetteer import load_gazetteer
    from service.ingest_files import read_paths
    from service.pipeline import Reader
    from service.queries import parse_date
    from service.storage import Store

    published = parse_date(args.published, "--published") if args.published else None
    items = list(read_paths([Path(p) for p in args.paths], published, args.source))
    boundaries = load_boundaries(settings.boundary_source_object(), settings.data_dir)
    assert boundaries.cache_dir is not None
    reader = Reader(load_gazetteer(boundaries.cache_dir, boundaries=boundaries))
    store = Store.open(settings.database, settings.dedup_settings())
    counts: dict[str, Any] = {"new": 0, "duplicate": 0, "failed": 0}
    started = time.perf_counter()
    for done, item in enumerate(items, start=1):
        if item.document is None:
            counts["failed"] += 1
            print(f"\nriskmap: {item.origin}: {item.error}", file=sys.stderr)
            continue
        if len(item.document.text.encode("utf-8")) > settings.max_document_bytes:
            counts["failed"] += 1
            print(
                f"\nriskmap: {item.origin}: longer than {settings.max_document_bytes:,} bytes",
                file=sys.stderr,
            )
            continue
        reading = reader.read(item.document)
        result = store.ingest(item.document, reading.mentions, reading.incidents)
        counts["new" if result.created else "duplicate"] += 1
        _progress(done, len(items), started)
    elapsed = time.perf_counter() - started
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"ingested {counted(len(items), 'item')} in {elapsed:.1f} s: {counts['new']} new, "
        f"{counts['duplicate']} duplicate, {counts['failed']} failed"
    )
    store.engine.dispose()
    return 1 if counts["failed"] else 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``ingest`` to the ``riskmap`` command line."""
    ingest = commands.add_parser(
        "ingest",
        help="ingest .txt, .md and .jsonl articles",
        description="Read articles from files or folders (.txt and .md: one article each; .jsonl: "
        "one JSON object with a text per line) and store what is found in them.",
    )
    ingest.add_argument("paths", nargs="+", help="files or folders")
    ingest.add_argument("--published", help="publication date for all (YYYY-MM-DD)")
    ingest.add_argument("--source", help="source name for all")
    ingest.set_defaults(handler=_cmd_ingest)

"""Benchmark (issue 15): ``riskmap batch read`` in process against 2 local Dask workers.

The ``../shared/eval`` texts are written (to a temporary folder, never committed) as JSON
Lines shards, ``--copies`` times over with shifted dates and a marker sentence so each copy is
a document of its own. Both runs read the same shards end to end, loading the reader included
(once here; once per worker there, after the cluster starts), and write GeoParquet; the two
batches are then compared file by file. Printed: wall time of each and whether the files are
identical.

Run: ``python bench/bench_batch.py [--copies 10 --shards 8]``. The default (2 copies, 1,870
texts) takes about a minute on 2 CPUs; ``--copies 10`` is the issue's 9,350 texts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.batch.manifest import TABLES  # noqa: E402
from service.batch.read import ReadSummary, run_read  # noqa: E402
from service.settings import Settings  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
START = dt.date(2025, 1, 6)


def eval_texts() -> list[str]:
    texts = []
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):  # not at U+2028
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def write_shards(folder: Path, texts: list[str], copies: int, shards: int) -> list[str]:
    """``shards`` JSON Lines files holding every text ``copies`` times, dated over a year.

    Each shard holds a run of dates, as a feed exported by day or week does: a shard spread
    over every date would write a file per table for each of its dates (the small-files cost
    docs/batch.md describes), which is not what this measures.
    """
    records = []
    for copy in range(copies):
        for j, text in enumerate(texts):
            published = START + dt.timedelta(days=(copy * 37 + j) % 365)
            records.append({"text": f"{text}\nBench copy {copy}-{j}.", "published": published})
    records.sort(key=lambda record: record["published"])
    size = -(-len(records) // shards)
    paths = []
    for i in range(shards):
        path = folder / f"shard-{i:03d}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for record in records[i * size : (i + 1) * size]:
                handle.write(json.dumps({**record, "published": record["published"].isoformat()}))
                handle.write("\n")
        paths.append(str(path))
    return paths


def identical(first: ReadSummary, first_dir: Path, second: ReadSummary, second_dir: Path) -> bool:
    import pyarrow.parquet as pq

    if first.manifest.partitions != second.manifest.partitions:
        return False
    return all(
        pq.read_table(first_dir / p.files[name], partitioning=None).equals(
            pq.read_table(second_dir / p.files[name], partitioning=None), check_metadata=True
        )
        for p in first.manifest.partitions
        for name in TABLES
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=2, help="copies of the eval texts")
    parser.add_argument("--shards", type=int, default=8, help="JSON Lines files to split into")
    parser.add_argument("--workers", type=int, default=2, help="local Dask workers")
    args = parser.parse_args()
    if not EVAL.is_dir():
        print(f"skipped: no eval corpus at {EVAL}")
        return 0
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("skipped: dask.distributed is not installed (pip install -e '.[dask]')")
        return 0
    settings = Settings()
    load = os.getloadavg()[0]  # other work on a shared machine slows the workers most
    with tempfile.TemporaryDirectory(prefix="riskmap-bench-batch-") as tmp:
        folder = Path(tmp)
        (folder / "in").mkdir()
        shards = write_shards(folder / "in", eval_texts(), args.copies, args.shards)
        runs = {}
        for label, workers in (("in process", None), ("dask", args.workers)):
            out = folder / label.replace(" ", "-")
            started = time.perf_counter()
            summary = run_read(shards, str(out), settings, workers=workers, progress=sys.stderr)
            runs[label] = (time.perf_counter() - started, summary, out)
        (plain, first, first_dir), (dask, second, second_dir) = runs.values()
        documents = first.manifest.totals()["documents"]
        same = identical(first, first_dir, second, second_dir)
    print(
        f"batch read of {documents:,} texts in {args.shards} shards (wall time, reader included):"
    )
    for label, seconds, summary in (
        ("in process", plain, first),
        (f"{args.workers} Dask workers", dask, second),
    ):
        parts = ", ".join(f"{step} {t:.1f} s" for step, t in summary.steps.items())
        print(f"  {label:<16}{seconds:6.1f} s  ({documents / seconds:,.0f} texts/s; {parts})")
    print(f"  identical files: {'yes' if same else 'NO'}")
    print(f"  load average at the start: {load:.1f} on {os.cpu_count()} CPUs")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

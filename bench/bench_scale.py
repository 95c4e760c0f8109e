"""Benchmark (issue 15): does the cost per stored document stay flat as the archive grows?

A synthetic corpus is generated here from the ``../shared/eval`` texts (never committed): each
text is read once, then copied many times with its dates shifted (over ten years) and a light
perturbation (a marker sentence appended, so each copy is a new document that stays a
near-copy of its original). Printed, per backend (SQLite, and PostgreSQL when
``RISKMAP_TEST_POSTGRES_URL`` or the local server answers):

* ingest cost per document (one transaction each, dedup and score aggregates included) at
  ``--small`` and ``--large`` stored documents, and the ratio (bar: <= 1.3);
* a score query (every region, the open window and the one before) and a single-feature OGC
  request (``/collections/admin1/items/...``), cold (just after an ingest), at both sizes;
* near-duplicate recall and precision on perturbed copies (5 % of words replaced) among the
  other texts, through the LSH bands (:func:`geodata.dedup.near_duplicate_groups`).

Run: ``python bench/bench_scale.py [--small 10000 --large 100000]``. The defaults (10,000 and
40,000) take about 5 minutes per backend on 2 CPUs; pass ``--large 100000`` for the issue's size.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.boundaries import cache_dir_for, load_cache  # noqa: E402
from geodata.dedup import near_duplicate_groups  # noqa: E402
from geodata.gazetteer import load_gazetteer  # noqa: E402
from geodata.incidents import DocumentReading  # noqa: E402
from service.pipeline import Reader  # noqa: E402
from service.scores import ScoreBoard  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.storage import NewDocument, Store, document_id  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
PROBES = 200
#: Days between two rounds of copies: past the near-copy horizon and the dedup window.
ROUND_DAYS = 200
BATCH = 250
Item = tuple[NewDocument, list, DocumentReading]


def eval_texts() -> list[str]:
    texts = []
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def synthetic(bases: list[tuple[NewDocument, list, DocumentReading]]) -> Iterator[Item]:
    """Endless rounds of copies of the read texts, a marker appended to each.

    Round ``k`` is dated ``k * ROUND_DAYS`` later, so the archive grows over time at a steady
    rate (as a real one does) and a copy is no near-copy of its own original's other rounds:
    what grows is the history, not the density of one week. The density one week can reach
    is a separate question (docs/scaling.md).
    """
    for copy in range(10**9):
        for j, (document, mentions, reading) in enumerate(bases):
            shift = dt.timedelta(days=copy * ROUND_DAYS + j % 7)
            text = f"{document.text}\nReference {copy}-{j}."
            doc_id = document_id(text)
            incidents = tuple(
                dataclasses.replace(
                    incident,
                    id=hashlib.blake2b(f"{incident.id}{copy}".encode(), digest_size=16).hexdigest(),
                    doc_id=doc_id,
                    date=incident.date + shift if incident.date else None,
                    date_first=incident.date_first + shift if incident.date_first else None,
                    date_last=incident.date_last + shift if incident.date_last else None,
                )
                for incident in reading.incidents
            )
            published = (document.published or dt.date(2020, 6, 1)) + shift
            yield (
                NewDocument(text, published, source="synthetic"),
                mentions,
                dataclasses.replace(reading, doc_id=doc_id, incidents=incidents),
            )


def fill(store: Store, corpus: Iterator[Item], count: int) -> None:
    batch: list[Item] = []
    for _ in range(count):
        batch.append(next(corpus))
        if len(batch) == BATCH:
            store.ingest_many(batch)
            batch = []
    if batch:
        store.ingest_many(batch)


def probe(store: Store, corpus: Iterator[Item]) -> float:
    """Median milliseconds to store one document in its own transaction."""
    times = []
    for _ in range(PROBES):
        document, mentions, reading = next(corpus)
        start = time.perf_counter()
        store.ingest(document, mentions, reading)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def cold_requests(board: ScoreBoard, client: object, feature: str) -> tuple[float, float]:
    """Milliseconds of a cold score query and a cold single-feature OGC request."""
    until = dt.date(2024, 12, 1)
    start = time.perf_counter()
    board._scored(board.store.data_version(), None, until)
    score_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    response = client.get(f"/collections/admin1/items/{feature}")  # type: ignore[attr-defined]
    ogc_ms = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.text
    return score_ms, ogc_ms


def run_backend(
    name: str, url: str, bases: list[Item], settings: Settings, sizes: tuple[int, int]
) -> None:
    from fastapi.testclient import TestClient

    from service.app import create_app

    app_settings = settings.model_copy(
        update={"database_url": url, "allowed_hosts": ["testserver"]}
    )
    with TestClient(create_app(app_settings)) as client:
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        board: ScoreBoard = client.app.state.scoreboard  # type: ignore[attr-defined]
        corpus = synthetic(bases)
        stored = 0
        figures = []
        for size in sizes:
            started = time.perf_counter()
            fill(store, corpus, size - stored - PROBES)
            fill_s = time.perf_counter() - started
            ingest_ms = probe(store, corpus)
            stored = size
            score_ms, ogc_ms = cold_requests(board, client, "AFG-1767")
            figures.append((ingest_ms, score_ms, ogc_ms))
            print(
                f"{name:10} {size:>7} docs: fill {fill_s:6.1f} s "
                f"({fill_s / max(size - PROBES, 1) * 1000:.2f} ms/doc in batches); "
                f"ingest {ingest_ms:6.2f} ms/doc, score query {score_ms:7.1f} ms, "
                f"OGC feature {ogc_ms:7.1f} ms",
                flush=True,
            )
        (a, b) = figures
        print(
            f"{name:10} ratio {sizes[1]}/{sizes[0]}: ingest {b[0] / a[0]:.2f}x, "
            f"score {b[1] / a[1]:.2f}x, OGC feature {b[2] / a[2]:.2f}x (bar <= 1.3)",
            flush=True,
        )


def dedup_quality(texts: list[str]) -> None:
    rng = random.Random(15)
    chosen = rng.sample(texts, min(300, len(texts)))
    corpus: dict[str, str] = {f"orig{i}": text for i, text in enumerate(chosen)}
    for i, text in enumerate(chosen):
        words = text.split()
        for _ in range(max(1, len(words) // 20)):
            words[rng.randrange(len(words))] = rng.choice(["reportedly", "local", "several"])
        corpus[f"copy{i}"] = " ".join(words)
    leaders = near_duplicate_groups(corpus)
    found = sum(leaders[f"copy{i}"] == f"orig{i}" for i in range(len(chosen)))
    grouped = [d for d, leader in leaders.items() if leader != d]
    true = sum(d.startswith("copy") and leaders[d] == "orig" + d[4:] for d in grouped)
    print(
        f"near-duplicates: {len(chosen)} copies with 5% of words replaced among "
        f"{len(chosen)} texts: recall {found / len(chosen):.3f}, "
        f"precision {true / max(len(grouped), 1):.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=40_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if not EVAL.is_dir():
        print(f"skipped: no eval corpus at {EVAL}")
        return 0
    texts = eval_texts()
    dedup_quality(texts)
    settings = Settings()
    boundaries = load_cache(cache_dir_for(settings.data_dir, settings.boundary_source_object().key))
    assert boundaries.cache_dir is not None
    reader = Reader(load_gazetteer(boundaries.cache_dir, boundaries=boundaries))
    started = time.perf_counter()
    bases = []
    for text in texts:
        document = NewDocument(text, dt.date(2020, 6, 1))
        reading = reader.read(document, today=dt.date(2020, 6, 1))
        bases.append((document, list(reading.mentions), reading.incidents))
    print(f"read {len(bases)} eval texts once in {time.perf_counter() - started:.1f} s")
    sizes = (args.small, args.large)
    with tempfile.TemporaryDirectory() as folder:
        run_backend("sqlite", f"sqlite:///{Path(folder) / 'scale.sqlite3'}", bases, settings, sizes)
    if not args.no_postgres:
        sys.path.insert(0, str(ROOT))
        from tests.backends import postgres_schema_url, postgres_unavailable

        reason = postgres_unavailable()
        if reason:
            print(f"postgresql skipped: {reason}")
        else:
            for url in postgres_schema_url():
                run_backend("postgresql", url, bases, settings, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())

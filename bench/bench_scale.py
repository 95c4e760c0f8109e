"""Benchmark (issue 15): does the cost per stored document stay flat as the archive grows?

A synthetic corpus is generated here from the ``../shared/eval`` texts (never committed): each
text is read once, then copied round after round, each round dated 200 days after the last
(the last ending today), with a light perturbation (a marker sentence appended, so each copy
is a new document that stays a near-copy of its original). What grows is the history behind
today, as in a real archive, not the density of one week.

SQLite is filled through the API's write path (``Store.ingest_many``, 500 documents per
transaction, dedup and score aggregates included). PostgreSQL (when
``RISKMAP_TEST_POSTGRES_URL`` or the local server answers) gets a copy of those rows in a
fresh schema of its own (``store_copy.py``: filling it through the write path would take
10-20 ms per document here), dropped afterwards. At ``--small`` and ``--large`` stored
documents, both backends then store the same next 200 documents and print:

* the ingest cost per document (the median of the 200, each in its own transaction, and
  their mean: a third of the documents report incidents and cost more);
* after each of the last 7 of them (so every request is cold), the median time of a score
  query (every region, everything up to today and the window before, as ``/regions`` by
  default), a single admin-1 feature and a single incident feature by OGC API
  (``/collections/{admin1,incidents}/items/{id}``, the same two at both sizes) and the first
  page of incident items (``?limit=10``, newest first);
* the ratio of each figure, large over small (bar: <= 1.3);

and before them near-duplicate recall and precision on perturbed copies (5 % of words
replaced) among the other texts, through the LSH bands
(:func:`geodata.dedup.near_duplicate_groups`).

Run: ``python bench/bench_scale.py [--small 10000] [--large 100000] [--no-postgres]``: about
25 minutes on 2 CPUs at the defaults (the issue's sizes), mostly filling SQLite.
"""

from __future__ import annotations

import argparse
import contextlib
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
from typing import Any

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
Item = tuple[NewDocument, list, DocumentReading]
PROBES = 200
#: Cold requests timed (after each of the last probes); their median is printed.
ROUNDS = 7
#: A feature of the admin-1 collection the eval texts give events.
REGION = "AFG-1767"
PROGRESS = 5_000
#: Days between two rounds of copies: past the near-copy horizon and the dedup window.
ROUND_DAYS = 200
BATCH = 500
#: The publication date the eval texts are read with (their relative dates resolve to it).
READ_ON = dt.date(2020, 6, 1)


def eval_texts() -> list[str]:
    texts = []
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def synthetic(bases: list[Item], first: dt.date) -> Iterator[Item]:
    """Endless rounds of copies of the read texts, a marker appended to each.

    Round ``k`` is dated ``k * ROUND_DAYS`` after ``first``, so the archive grows over time at
    a steady rate (as a real one does) and a copy is no near-copy of its own original's other
    rounds: what grows is the history, not the density of one week. The density one week can
    reach is a separate question (docs/scaling.md).
    """
    for copy in range(10**9):
        for j, (document, mentions, reading) in enumerate(bases):
            shift = first - READ_ON + dt.timedelta(days=copy * ROUND_DAYS + j % 7)
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
            published = (document.published or READ_ON) + shift
            yield (
                NewDocument(text, published, source="synthetic"),
                mentions,
                dataclasses.replace(reading, doc_id=doc_id, incidents=incidents),
            )


def fill(store: Store, corpus: Iterator[Item], count: int, name: str) -> None:
    """Store ``count`` documents through the API's write path, ``BATCH`` per transaction."""
    batch: list[Item] = []
    started = time.perf_counter()
    for done in range(1, count + 1):
        batch.append(next(corpus))
        if len(batch) == BATCH or done == count:
            store.ingest_many(batch)
            batch = []
        if done % PROGRESS == 0 or done == count:
            spent = time.perf_counter() - started
            print(
                f"  {name} fill: {done:>7,}/{count:,} documents, {spent / done * 1000:.2f} ms "
                f"each, {spent:.0f} s",
                flush=True,
            )


@dataclasses.dataclass(frozen=True)
class Figures:
    ingest_ms: float
    ingest_mean_ms: float
    score_ms: float
    region_ms: float
    incident_ms: float
    page_ms: float


def measure(
    name: str, size: int, client: Any, probes: list[Item], until: dt.date, incident_id: str
) -> Figures:
    """Store ``probes`` one per transaction (their median is the ingest cost); after each of
    the last ``ROUNDS`` (so every request is cold: the data version has just moved), time a
    score query, a single admin-1 feature and a single incident feature by OGC API (the same
    features at every size, so the work per feature is the same)."""
    store: Store = client.app.state.store
    board: ScoreBoard = client.app.state.scoreboard
    ingest: list[float] = []
    requests: list[tuple[float, float, float, float]] = []
    for i, (document, mentions, reading) in enumerate(probes):
        start = time.perf_counter()
        store.ingest(document, mentions, reading)
        ingest.append(time.perf_counter() - start)
        if i < len(probes) - ROUNDS:
            continue
        start = time.perf_counter()
        board._scored(store.data_version(), None, until)
        score = time.perf_counter() - start
        start = time.perf_counter()
        response = client.get(f"/collections/admin1/items/{REGION}")
        region = time.perf_counter() - start
        assert response.status_code == 200, response.text
        start = time.perf_counter()
        response = client.get(f"/collections/incidents/items/{incident_id}")
        incident = time.perf_counter() - start
        assert response.status_code == 200, response.text
        start = time.perf_counter()
        response = client.get("/collections/incidents/items", params={"limit": 10})
        page = time.perf_counter() - start
        assert response.status_code == 200, response.text
        requests.append((score, region, incident, page))
    figures = Figures(
        statistics.median(ingest) * 1000,
        statistics.fmean(ingest) * 1000,
        *(statistics.median(column) * 1000 for column in zip(*requests, strict=True)),
    )
    print(
        f"{name:10} {size:>7,} docs: ingest {figures.ingest_ms:6.2f} ms/doc "
        f"(mean {figures.ingest_mean_ms:.2f}), "
        f"score query {figures.score_ms:7.1f} ms, OGC admin-1 feature {figures.region_ms:7.1f} "
        f"ms, OGC incident feature {figures.incident_ms:7.1f} ms, OGC incident page "
        f"{figures.page_ms:7.1f} ms",
        flush=True,
    )
    return figures


@contextlib.contextmanager
def served(url: str, settings: Settings) -> Iterator[Any]:
    """The real app over ``url`` (a TestClient: requests go through routing and caches)."""
    from fastapi.testclient import TestClient

    from service.app import create_app

    app_settings = settings.model_copy(
        update={"database_url": url, "allowed_hosts": ["testserver"]}
    )
    with TestClient(create_app(app_settings)) as client:
        yield client


def report(name: str, sizes: tuple[int, int], figures: list[Figures]) -> None:
    a, b = figures
    print(
        f"{name:10} ratio {sizes[1]:,}/{sizes[0]:,}: ingest {b.ingest_ms / a.ingest_ms:.2f}x "
        f"(mean {b.ingest_mean_ms / a.ingest_mean_ms:.2f}x), "
        f"score {b.score_ms / a.score_ms:.2f}x, OGC admin-1 feature "
        f"{b.region_ms / a.region_ms:.2f}x, OGC incident feature "
        f"{b.incident_ms / a.incident_ms:.2f}x, OGC incident page {b.page_ms / a.page_ms:.2f}x "
        "(bar <= 1.3)",
        flush=True,
    )


def measure_postgres(
    sqlite_path: Path,
    size: int,
    probes: list[Item],
    settings: Settings,
    today: dt.date,
    incident_id: str,
) -> Figures:
    """Copy the SQLite store into a fresh PostgreSQL schema and measure there (the schema is
    dropped afterwards)."""
    from bench.store_copy import copy_store
    from tests.backends import postgres_schema_url

    with contextlib.contextmanager(postgres_schema_url)() as url:
        print(f"postgresql: copying the {size - PROBES:,} documents", flush=True)
        store = Store.open(url)
        copy_store(str(sqlite_path), store.engine)
        store.engine.dispose()
        with served(url, settings) as client:
            return measure("postgresql", size, client, probes, today, incident_id)


def run(bases: list[Item], settings: Settings, sizes: tuple[int, int], postgres: bool) -> None:
    """Fill SQLite to each size through the write path, copy it into a fresh PostgreSQL
    schema (``store_copy``), and measure both on the same next documents."""
    figures: dict[str, list[Figures]] = {"sqlite": [], "postgresql": []}
    # The last round ends by today: the service scores up to today unless asked otherwise
    # (the OGC single-feature route takes no window), and all the history lies before it.
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=(sizes[1] // len(bases) + 2) * ROUND_DAYS)
    # The first report of the first round: stored at both sizes.
    incident_id = next(i.id for _, _, reading in synthetic(bases, first) for i in reading.incidents)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.sqlite3"
        with served(f"sqlite:///{path}", settings) as client:
            corpus = synthetic(bases, first)
            stored = 0
            for size in sizes:
                fill(client.app.state.store, corpus, size - stored - PROBES, "sqlite")
                probes = [next(corpus) for _ in range(PROBES)]
                stored = size
                if postgres:
                    figures["postgresql"].append(
                        measure_postgres(path, size, probes, settings, today, incident_id)
                    )
                figures["sqlite"].append(
                    measure("sqlite", size, client, probes, today, incident_id)
                )
    for name, found in figures.items():
        if found:
            report(name, sizes, found)


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
    parser.add_argument("--large", type=int, default=100_000)
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
        document = NewDocument(text, READ_ON)
        reading = reader.read(document, today=READ_ON)
        bases.append((document, list(reading.mentions), reading.incidents))
    print(f"read {len(bases)} eval texts once in {time.perf_counter() - started:.1f} s")
    sizes = (args.small, args.large)
    postgres = not args.no_postgres
    if postgres:
        from tests.backends import postgres_unavailable

        reason = postgres_unavailable()
        if reason:
            print(f"postgresql skipped: {reason}")
            postgres = False
    run(bases, settings, sizes, postgres)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark (issue 15): does the cost per stored document stay flat as the archive grows?

A synthetic corpus is generated here from the ``../shared/eval`` texts (never committed): each
text is read once, then copied round after round, each round dated 200 days after the last
(the last ending today), with a light perturbation (a marker sentence appended, so each copy
is a new document that stays a near-copy of its original). What grows is the history behind
today, as in a real archive, not the density of one week.

SQLite is filled through the API's write path (``Store.ingest_many``, 500 documents per
transaction, dedup and score aggregates included) to ``--small`` documents, copied (the
backup API), and filled on to ``--large``. PostgreSQL (when ``RISKMAP_TEST_POSTGRES_URL`` or
the local server answers) gets a copy of each SQLite store's rows in a fresh schema of its
own (``store_copy.py``: filling it through its write path would take 15-20 ms per document
here), dropped afterwards. Each store then stores 200 more documents, copies of the same 200
texts in the round after its last (so both sizes store the same work, at the same density),
the stores taking turns document by document, so that the load of the shared machine falls
on all alike (measured one size after the other, with the next documents of the stream, the
ratios moved between 0.7 and 1.5 from run to run). Printed per store:

* the ingest cost per document (the median of the 200, each in its own transaction, and
  their mean: the documents that report incidents, 15 %, cost several times more);
* after each of the last 7 of them (so every request is cold), the median time of a score
  query (every region, everything up to today and the window before, as ``/regions`` by
  default), a single admin-1 feature and a single incident feature by OGC API
  (``/collections/{admin1,incidents}/items/{id}``, the same two at both sizes) and the first
  page of incident items in the weeks of those 200 documents (``?limit=100&datetime=...``:
  all of their reports, the same at both sizes, newest first; a smaller page would cut
  among reports of the same day by their ids, which differ from copy to copy);
* the ratio of each figure, large over small (bar: <= 1.3);

and before them near-duplicate recall and precision on perturbed copies (5 % of words
replaced) among the other texts, through the LSH bands
(:func:`geodata.dedup.near_duplicate_groups`).

Run: ``python bench/bench_scale.py [--small 10000] [--large 100000] [--no-postgres]``: about
15 minutes on 2 CPUs at the defaults (the issue's sizes), mostly filling SQLite.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
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


def copied(item: Item, j: int, copy: int, first: dt.date, marker: str = "Reference") -> Item:
    """Copy ``copy`` of read text ``j``: dated in round ``copy``, ``marker`` and numbers
    appended (a new document, a near-copy of its original), its incidents moved as far."""
    document, mentions, reading = item
    shift = first - READ_ON + dt.timedelta(days=copy * ROUND_DAYS + j % 7)
    text = f"{document.text}\n{marker} {copy}-{j}."
    doc_id = document_id(text)
    tag = "" if marker == "Reference" else marker
    incidents = tuple(
        dataclasses.replace(
            incident,
            id=hashlib.blake2b(f"{incident.id}{tag}{copy}".encode(), digest_size=16).hexdigest(),
            doc_id=doc_id,
            date=incident.date + shift if incident.date else None,
            date_first=incident.date_first + shift if incident.date_first else None,
            date_last=incident.date_last + shift if incident.date_last else None,
        )
        for incident in reading.incidents
    )
    published = (document.published or READ_ON) + shift
    return (
        NewDocument(text, published, source="synthetic"),
        mentions,
        dataclasses.replace(reading, doc_id=doc_id, incidents=incidents),
    )


def synthetic(bases: list[Item], first: dt.date) -> Iterator[Item]:
    """Endless rounds of copies of the read texts, a marker appended to each.

    Round ``k`` is dated ``k * ROUND_DAYS`` after ``first``, so the archive grows over time at
    a steady rate (as a real one does) and a copy is no near-copy of its own original's other
    rounds: what grows is the history, not the density of one week. The density one week can
    reach is a separate question (docs/scaling.md).
    """
    for copy in range(10**9):
        for j, item in enumerate(bases):
            yield copied(item, j, copy, first)


def probe_round(bases: list[Item], first: dt.date, stored: int) -> list[Item]:
    """The documents a store of ``stored`` documents is measured with: copies of the first
    ``PROBES`` texts in the round after its last, so every store is measured with the same
    texts, and as many reports in their week."""
    copy = stored // len(bases) + 1
    return [copied(bases[j], j, copy, first, "Probe") for j in range(PROBES)]


def fill(store: Store, corpus: Iterable[Item], count: int, name: str) -> None:
    """Store ``count`` documents through the API's write path, ``BATCH`` per transaction."""
    batch: list[Item] = []
    started = time.perf_counter()
    items = iter(corpus)
    for done in range(1, count + 1):
        batch.append(next(items))
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


class Target:
    """One store being measured: its app, the documents it stores next, what was timed."""

    def __init__(
        self, name: str, size: int, client: Any, probes: list[Item], incident_id: str
    ) -> None:
        self.name, self.size, self.client, self.probes = name, size, client, probes
        self.incident_id = incident_id
        # The probes' weeks: the page of incidents lists the same reports at every size.
        days = [document.published for document, _, _ in probes if document.published]
        self.window = f"{min(days) - dt.timedelta(days=14)}/{max(days)}"
        self.ingest: list[float] = []
        self.requests: list[tuple[float, float, float, float]] = []

    def step(self, i: int, until: dt.date) -> None:
        """Store probe ``i`` in its own transaction; after each of the last ``ROUNDS`` (so
        every request is cold: the data version has just moved), time a score query, a
        single admin-1 and a single incident feature and a page of incidents by OGC API (the
        same features at every size, so the work per feature is the same)."""
        store: Store = self.client.app.state.store
        board: ScoreBoard = self.client.app.state.scoreboard
        start = time.perf_counter()
        store.ingest(*self.probes[i])
        self.ingest.append(time.perf_counter() - start)
        if i < len(self.probes) - ROUNDS:
            return
        start = time.perf_counter()
        board._scored(store.data_version(), None, until)
        score = time.perf_counter() - start
        timed = [score]
        for path, params in (
            (f"/collections/admin1/items/{REGION}", {}),
            (f"/collections/incidents/items/{self.incident_id}", {}),
            ("/collections/incidents/items", {"limit": 100, "datetime": self.window}),
        ):
            start = time.perf_counter()
            response = self.client.get(path, params=params)
            timed.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
        self.requests.append((timed[0], timed[1], timed[2], timed[3]))

    def figures(self) -> Figures:
        """Medians (and the mean ingest) in milliseconds, printed."""
        figures = Figures(
            statistics.median(self.ingest) * 1000,
            statistics.fmean(self.ingest) * 1000,
            *(statistics.median(column) * 1000 for column in zip(*self.requests, strict=True)),
        )
        print(
            f"{self.name:10} {self.size:>7,} docs: ingest {figures.ingest_ms:6.2f} ms/doc "
            f"(mean {figures.ingest_mean_ms:.2f}), score query {figures.score_ms:7.1f} ms, "
            f"OGC admin-1 feature {figures.region_ms:7.1f} ms, OGC incident feature "
            f"{figures.incident_ms:7.1f} ms, OGC incident page {figures.page_ms:7.1f} ms",
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


def snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file that an app has open (the backup API)."""
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def postgres_copy(stack: contextlib.ExitStack, sqlite_path: Path, size: int) -> str:
    """A fresh PostgreSQL schema (dropped when ``stack`` closes) holding the SQLite store's
    rows; returns its URL."""
    from bench.store_copy import copy_store
    from tests.backends import postgres_schema_url

    url = stack.enter_context(contextlib.contextmanager(postgres_schema_url)())
    print(f"postgresql: copying the {size - PROBES:,}-document store", flush=True)
    store = Store.open(url)
    copy_store(str(sqlite_path), store.engine)
    store.engine.dispose()
    return url


def run(bases: list[Item], settings: Settings, sizes: tuple[int, int], postgres: bool) -> None:
    """Fill SQLite through the write path to the small size, keep a copy, fill on to the large
    size; copy both into PostgreSQL schemas; then measure the (up to) four stores in turn,
    one document each, so that the load of the shared machine falls on all of them alike."""
    small, large = sizes
    # The last round ends by today: the service scores up to today unless asked otherwise
    # (the OGC single-feature route takes no window), and all the history lies before it.
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=(large // len(bases) + 2) * ROUND_DAYS)
    # The first report of the first round: stored at both sizes.
    incident_id = next(i.id for _, _, reading in synthetic(bases, first) for i in reading.incidents)
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        path, small_path = Path(folder) / "large.sqlite3", Path(folder) / "small.sqlite3"
        client = stack.enter_context(served(f"sqlite:///{path}", settings))
        corpus = synthetic(bases, first)
        fill(client.app.state.store, corpus, small - PROBES, "sqlite")
        snapshot(path, small_path)
        fill(client.app.state.store, corpus, large - small, "sqlite")
        small_probes = probe_round(bases, first, small - PROBES)
        large_probes = probe_round(bases, first, large - PROBES)
        targets = [
            Target(
                "sqlite",
                small,
                stack.enter_context(served(f"sqlite:///{small_path}", settings)),
                small_probes,
                incident_id,
            ),
            Target("sqlite", large, client, large_probes, incident_id),
        ]
        if postgres:
            for size, source, probes in (
                (small, small_path, small_probes),
                (large, path, large_probes),
            ):
                url = postgres_copy(stack, source, size)
                pg_client = stack.enter_context(served(url, settings))
                targets.append(Target("postgresql", size, pg_client, probes, incident_id))
        print(f"measuring {len(targets)} stores in turn, {PROBES} documents each", flush=True)
        for i in range(PROBES):
            for target in targets if i % 2 else reversed(targets):
                target.step(i, today)
        figures = [target.figures() for target in targets]
    for name in ("sqlite", "postgresql"):
        found = [f for t, f in zip(targets, figures, strict=True) if t.name == name]
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

"""``riskmap batch read`` and ``batch load``: backfills in process and on Dask.

Inputs are the fictional samples (as JSON Lines, one shard gzipped) and a Parquet shard of our
own short fictional articles (two reports of one event, and an undated one). Checked: typed
GeoParquet out; readings survive the round trip; 2 local Dask workers and a remote scheduler
write files identical to the in-process run; scores after ``batch load`` equal scores after
API ingest of the same articles; loading twice stores nothing new; bad input is one error line
and leaves nothing to load.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.gazetteer import Gazetteer
from geodata.incident_model import Incident, Location
from service.batch.errors import BatchError, BatchInputError
from service.batch.inputs import Shard, read_articles
from service.batch.load import load_batch
from service.batch.manifest import NAME, TABLES, read_manifest
from service.batch.read import run_read
from service.batch.tables import INCIDENTS, LOCATION, stored_readings
from service.cli import main
from service.ingest_files import read_paths
from service.pipeline import Reader, Reading
from service.settings import Settings
from service.storage import NewDocument, Store
from tests.conftest import make_client

pytest.importorskip("fsspec", reason="riskmap batch needs fsspec (pip install -e '.[dask]')")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
#: Our own fictional articles, dated after the samples so input order is date order (the order
#: a load stores them in); the last is undated.
OWN_ARTICLES = [
    {
        "text": "Two rockets struck the central market of Kandahar on Sunday, killing three "
        "traders and wounding five, police said.",
        "published": dt.date(2026, 11, 23),
        "source": "riskmap test (fictional)",
        "shelf": "ignored column",
    },
    {
        "text": "Police in Kandahar said two rockets hit the city's central market on Sunday, "
        "killing three traders and wounding five people.",
        "published": dt.date(2026, 11, 24),
        "source": "riskmap test (fictional)",
        "shelf": "ignored column",
    },
    {
        "text": "Gunmen abducted two road engineers near Gao on Tuesday, a local official said.",
        "published": None,
        "source": None,
        "shelf": None,
    },
]
PARTITIONING = ds.partitioning(pa.schema([("published", pa.date32())]), flavor="hive")


def _sample_records() -> list[dict[str, Any]]:
    records = []
    for item in read_paths([SAMPLES]):
        assert item.document is not None
        document = item.document
        published = document.published.isoformat() if document.published else None
        records.append({"text": document.text, "published": published, "source": document.source})
    return records


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Three shards: JSON Lines, gzipped JSON Lines and Parquet (published as a date column)."""
    folder = tmp_path_factory.mktemp("shards")
    samples = _sample_records()
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in samples[:3]))
    with gzip.open(folder / "b.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in samples[3:]) + "\n\n")
    pq.write_table(pa.Table.from_pylist(OWN_ARTICLES), folder / "c.parquet")
    return [str(folder / name) for name in ("a.jsonl", "b.jsonl.gz", "c.parquet")]


@pytest.fixture(scope="module")
def reader(real_gazetteer: Gazetteer) -> Reader:
    return Reader(real_gazetteer)


@pytest.fixture(scope="module")
def in_process(inputs: list[str], reader: Reader, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("batch") / "in-process"
    run_read(inputs, str(out), Settings(), reader=reader)
    return out


def _tables(batch: str | Path) -> dict[str, pa.Table]:
    """Every table of a batch, by manifest order; metadata (GeoParquet's ``geo``) included."""
    manifest = read_manifest(str(batch))
    fs_root = str(batch).removeprefix("file://")
    out = {}
    for name in TABLES:
        parts = [
            pq.read_table(f"{fs_root}/{p.files[name]}", partitioning=None)
            for p in manifest.partitions
        ]
        out[name] = pa.concat_tables(parts)
    return out


def _same_batches(first: str | Path, second: str | Path) -> None:
    one, two = read_manifest(str(first)), read_manifest(str(second))
    assert one.partitions == two.partitions and one.inputs == two.inputs
    for name, table in _tables(first).items():
        assert table.equals(_tables(second)[name], check_metadata=True), name


# -- in process ------------------------------------------------------------------------------


def test_in_process_cli_never_imports_dask(inputs: list[str], tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from service.cli import main\n"
        f"code = main(['batch', 'read', {inputs[0]!r}, '--out', {str(tmp_path / 'out')!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
        "print('dask modules:', loaded)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "dask modules: []" in done.stdout
    assert "read 3 articles from 1 shard in process" in done.stdout
    assert (tmp_path / "out" / NAME).exists()


def test_partitions_by_date_with_typed_geoparquet(in_process: Path) -> None:
    import geopandas

    folders = sorted(p.name for p in (in_process / "documents").iterdir())
    assert folders[0] == "published=2026-11-02" and folders[-1] == "undated"
    mentions = geopandas.read_parquet(in_process / "mentions", partitioning=PARTITIONING)
    assert mentions.crs is not None and mentions.crs.to_string() == "OGC:CRS84"
    towns = mentions[mentions["kind"] == "city"]
    assert len(towns) and set(towns.geometry.geom_type) == {"Point"}
    assert mentions[mentions["kind"] != "city"].geometry.isna().all()
    peshawar = towns[towns["surface"] == "Peshawar"].geometry.iloc[0]
    assert 71 < peshawar.x < 72 and 33 < peshawar.y < 35  # lon/lat order
    incidents = pq.read_table(in_process / "incidents", partitioning=PARTITIONING)
    assert incidents.schema.field("date").type == pa.date32()
    assert incidents.schema.field("published").type == pa.date32()
    assert incidents.schema.field("locations").type == pa.list_(LOCATION)
    assert pa.types.is_list(incidents.schema.field("evidence").type)
    located = [g for g in incidents.column("geometry").to_pylist() if g is not None]
    assert located  # an incident in a town is drawn as its points
    assert incidents.schema.field("killed").type == pa.int64()
    documents = pq.read_table(in_process / "documents", partitioning=PARTITIONING)
    assert documents.column("published").null_count == 1  # the undated article


def test_incident_columns_cover_every_field() -> None:
    kept = {f.name for f in dataclasses.fields(Incident)} - {"quantities"}  # never stored
    assert kept <= set(INCIDENTS.names)
    location = {f.name for f in dataclasses.fields(Location)} - {"point"}
    assert location | {"lon", "lat"} == {LOCATION.field(i).name for i in range(LOCATION.num_fields)}


def test_readings_survive_the_round_trip(in_process: Path, reader: Reader) -> None:
    manifest = read_manifest(str(in_process))
    documents = {r["doc_id"]: r for r in _tables(in_process)["documents"].to_pylist()}
    seen = 0
    for partition in manifest.partitions:
        tables = {
            n: pq.read_table(in_process / partition.files[n], partitioning=None) for n in TABLES
        }
        for new, mentions, stored in stored_readings(tables, partition.published):
            again: Reading = reader.read(new, manifest.today)
            assert mentions == again.mentions
            assert stored.roles == again.incidents.roles
            assert stored.focus_country == again.incidents.focus_country
            assert stored.incidents == tuple(
                dataclasses.replace(i, quantities=()) for i in again.incidents.incidents
            )
            assert new.language == again.language == documents[stored.doc_id]["language"]
            seen += 1
    assert seen == len(documents) == 9


# -- Dask ------------------------------------------------------------------------------------


def test_two_local_workers_write_identical_files(
    inputs: list[str], in_process: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed", reason="pip install -e '.[dask]'")
    out = tmp_path / "dask"
    code = main(["batch", "read", *inputs, "--out", f"file://{out}", "--workers", "2"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "read 9 articles from 3 shards on 2 local Dask workers" in captured.out
    _same_batches(in_process, out)


@pytest.fixture()
def scheduler() -> Iterator[str]:
    """A separate cluster, reached by address only, as a remote one would be."""
    pytest.importorskip("distributed", reason="pip install -e '.[dask]'")
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield str(cluster.scheduler_address)


def test_remote_scheduler_gives_the_same_files(
    inputs: list[str], in_process: Path, scheduler: str, tmp_path: Path
) -> None:
    summary = run_read(inputs, f"file://{tmp_path / 'remote'}", Settings(), scheduler=scheduler)
    assert summary.where == f"on the Dask cluster at {scheduler}"
    _same_batches(in_process, tmp_path / "remote")


# -- loading ---------------------------------------------------------------------------------


def _post_in_load_order(client: Any, inputs: list[str]) -> None:
    """POST every input article to the API, in the order batch load stores them."""
    articles = _sample_records() + [
        {**r, "published": r["published"].isoformat() if r["published"] else None}
        for r in OWN_ARTICLES
    ]
    for article in articles:
        body = {k: article[k] for k in ("text", "published", "source") if article.get(k)}
        assert client.post("/documents", json=body).status_code == 201


def _scores(client: Any, until: dt.date) -> dict[tuple[str, str], dict[str, Any]]:
    table = client.app.state.scoreboard.table(until=until)
    return {key: table.properties(*key) for key in table.rows}


def _events(client: Any) -> list[list[str]]:
    """Event clusters as sorted incident ids (cluster ids are random)."""
    return sorted(sorted(i.id for i in event) for event in client.app.state.store.events())


def test_scores_after_batch_load_equal_scores_after_api_ingest(
    inputs: list[str],
    in_process: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    until = dt.datetime.now(dt.UTC).date()
    by_api = None
    for client in make_client(tmp_path / "api"):
        _post_in_load_order(client, inputs)
        by_api = (_scores(client, until), _events(client), client.get("/regions/AFG").json())
    (tmp_path / "batch").mkdir()
    url = f"sqlite:///{tmp_path / 'batch' / 'riskmap.sqlite3'}"
    monkeypatch.setenv("RISKMAP_DATABASE_URL", url)
    assert main(["batch", "load", str(in_process)]) == 0
    first = capsys.readouterr().out
    assert "loaded 9 documents" in first and "9 new, 0 duplicate" in first
    assert "score aggregates rebuilt" in first
    counts, version = Store.open(url).counts(), Store.open(url).data_version()
    assert main(["batch", "load", str(in_process)]) == 0  # again: nothing new
    second = capsys.readouterr().out
    assert "0 new, 9 duplicate, 0 incidents stored; score aggregates current" in second
    assert Store.open(url).counts() == counts and Store.open(url).data_version() == version
    for client in make_client(tmp_path / "batch", database_url=url):
        scores, events, afghanistan = by_api
        assert _scores(client, until) == scores
        assert any(len(event) > 1 for event in events)  # the two market reports merged
        assert _events(client) == events
        assert client.get("/regions/AFG").json()["properties"] == afghanistan["properties"]


def test_load_is_idempotent_on_each_backend(in_process: Path, database_url: str) -> None:
    store = Store.open(database_url)
    try:
        first = load_batch(str(in_process), store, chunk=4)  # several transactions
        assert (first.new, first.duplicate) == (9, 0)
        counts = store.counts()
        again = load_batch(str(in_process), store)
        assert (again.new, again.duplicate, again.incidents) == (0, 9, 0)
        assert store.counts() == counts
    finally:
        store.engine.dispose()


def test_memory_filesystem_urls(inputs: list[str], reader: Reader, tmp_path: Path) -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    root = f"memory://riskmap-{uuid.uuid4().hex[:8]}"
    for path in inputs:
        fs.pipe(f"{root}/in/{Path(path).name}", Path(path).read_bytes())
    try:
        summary = run_read([f"{root}/in"], f"{root}/out", Settings(), reader=reader)
        assert summary.manifest.totals()["documents"] == 9
        store = Store.open(f"sqlite:///{tmp_path / 'memory.sqlite3'}")
        assert load_batch(f"{root}/out", store).new == 9
        store.engine.dispose()
    finally:
        fs.rm(root, recursive=True)


# -- bad input -------------------------------------------------------------------------------


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 or all(line.startswith("step ") for line in lines[:-1]), lines
    assert lines[-1].startswith("riskmap: error: ")
    assert "Traceback" not in "".join(lines)
    return lines[-1]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", '{"text": "A bomb exploded in Kabul."}\nnot json\n', "bad.jsonl:2: not JSON"),
        ("rows.jsonl", '{"title": "no text"}\n[1, 2]\n', "rows.jsonl:1: no 'text' member (and 1"),
        ("typed.jsonl", '{"text": "Kabul.", "source": 5}\n', "typed.jsonl:1: source must be text"),
        ("dated.jsonl", '{"text": "Kabul.", "published": "soon"}\n', "is not YYYY-MM-DD"),
        ("notes.txt", "A bomb exploded in Kabul.", "notes.txt: not a shard"),
        ("broken.parquet", "not parquet", "broken.parquet: not a Parquet file"),
        ("missing.jsonl", None, "missing.jsonl: no such file or folder"),
    ],
)
def test_bad_input_is_one_error_line_and_nothing_to_load(
    name: str,
    content: str | None,
    message: str,
    inputs: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shard = tmp_path / name
    if content is not None:
        shard.write_text(content)
    out = tmp_path / "out"
    assert main(["batch", "read", inputs[0], str(shard), "--out", str(out)]) == 1
    assert message in _error_line(capsys)
    assert not out.exists()  # made for this read, removed with it
    assert main(["batch", "load", str(out)]) == 1
    assert "no finished batch here" in _error_line(capsys)


def test_parquet_timestamps_are_publication_dates(tmp_path: Path) -> None:
    when = pa.array([dt.datetime(2026, 11, 3, 22, 15)], pa.timestamp("ms"))
    pq.write_table(
        pa.table({"text": ["Shots were fired in Herat."], "published": when}),
        tmp_path / "t.parquet",
    )
    (article,) = read_articles(Shard(0, str(tmp_path / "t.parquet"), "t.parquet"), 1_000)
    assert article.document.published == dt.date(2026, 11, 3)
    assert type(article.document.published) is dt.date


def test_inputs_without_articles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "blank.jsonl").write_text("\n\n")
    assert main(["batch", "read", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert f"no articles in {tmp_path}" in _error_line(capsys)


def test_parquet_without_text_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pq.write_table(pa.table({"body": ["A bomb exploded in Kabul."]}), tmp_path / "x.parquet")
    assert main(["batch", "read", str(tmp_path / "x.parquet"), "--out", str(tmp_path / "o")]) == 1
    assert "x.parquet: no 'text' column (columns: body)" in _error_line(capsys)


def test_output_must_be_new_or_empty(
    inputs: list[str], in_process: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(in_process.rglob("*"))
    assert main(["batch", "read", inputs[0], "--out", str(in_process)]) == 1
    assert "not empty" in _error_line(capsys)
    assert sorted(in_process.rglob("*")) == before


class _FailingReader(Reader):
    """The real reader, failing on one text as a reader bug would."""

    def read(self, document: NewDocument, today: dt.date | None = None) -> Reading:
        if "Gao" in document.text:
            raise ValueError("unreadable")
        return super().read(document, today)


def test_failure_while_reading_removes_what_was_written(
    inputs: list[str], reader: Reader, tmp_path: Path
) -> None:
    out = tmp_path / "failed"
    out.mkdir()  # given empty: kept, and left empty
    with pytest.raises(BatchInputError, match=r"c\.parquet:row 3: the text could not be read"):
        run_read(inputs, str(out), Settings(), reader=_FailingReader(reader.gazetteer))
    assert out.is_dir() and not any(out.iterdir())
    with pytest.raises(BatchError, match="no finished batch"):
        load_batch(str(out), Store.open(f"sqlite:///{tmp_path / 'x.sqlite3'}"))


def test_damaged_batch_loads_nothing(
    in_process: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(in_process, damaged)
    last = read_manifest(str(damaged)).partitions[-1]
    (damaged / last.files["incidents"]).unlink()
    store = Store.open(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    with pytest.raises(
        BatchError, match=r"part-00002\.parquet: missing or unreadable .*; nothing loaded"
    ):
        load_batch(str(damaged), store)
    assert store.counts()["documents"] == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=60).filter(lambda b: b"\n" not in b), min_size=1, max_size=4))
def test_any_json_lines_bytes_give_articles_or_one_input_error(lines: list[bytes]) -> None:
    import fsspec

    url = f"memory://riskmap-rows/{uuid.uuid4().hex}.jsonl"
    fsspec.filesystem("memory").pipe(url, b"\n".join(lines))
    try:
        articles = read_articles(Shard(0, url, "x.jsonl"), 1_000)
        assert all(a.document.text.strip() for a in articles)
    except BatchInputError as error:
        assert str(error).startswith("x.jsonl")
    finally:
        fsspec.filesystem("memory").rm(url)

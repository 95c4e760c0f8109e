"""Reading article files and the ``riskmap ingest`` command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from service.cli import main
from service.ingest_files import read_article, read_paths, split_front_matter
from service.storage import Store

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_front_matter() -> None:
    fields, body = split_front_matter("---\npublished: 2024-11-02\nsource: 'X'\n---\nBody.")
    assert fields == {"published": "2024-11-02", "source": "X"}
    assert body == "Body."
    assert split_front_matter("No front matter.") == ({}, "No front matter.")


def test_date_from_file_name_and_command_line(tmp_path: Path) -> None:
    path = tmp_path / "2023-05-06_story.txt"
    path.write_text("A bomb exploded in Kabul.")
    assert read_article(path).published == dt.date(2023, 5, 6)
    assert read_article(path, published=dt.date(2020, 1, 1)).published == dt.date(2020, 1, 1)


def test_samples_all_read() -> None:
    items = list(read_paths([SAMPLES]))
    assert len(items) >= 5
    assert all(item.document is not None for item in items)
    assert all(item.document and item.document.published for item in items)


def test_bad_files_are_items_with_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"text": "A bomb in Kabul."}\nnot json\n{"x": 1}\n')
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "empty.md").write_text("---\nsource: x\n---\n\n")
    items = {item.origin: item for item in read_paths([tmp_path])}
    assert items[f"{tmp_path / 'bad.jsonl'}:1"].document is not None
    assert "Expecting value" in (items[f"{tmp_path / 'bad.jsonl'}:2"].error or "")
    assert "no 'text'" in (items[f"{tmp_path / 'bad.jsonl'}:3"].error or "")
    assert "not UTF-8" in (items[str(tmp_path / "latin1.txt")].error or "")
    assert "no article text" in (items[str(tmp_path / "empty.md")].error or "")


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_boundaries: object) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("RISKMAP_DATABASE_URL", url)
    return url


def test_cli_ingest_summary_and_idempotence(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(SAMPLES)]) == 0
    first = capsys.readouterr().out
    assert "0 duplicate, 0 failed" in first
    assert main(["ingest", str(SAMPLES), "--source", "again"]) == 0
    assert "0 new" in capsys.readouterr().out
    counts = Store.open(database).counts()
    assert counts["documents"] == len(list(read_paths([SAMPLES])))
    assert counts["incidents"] > 5


def test_cli_ingest_failures_exit_non_zero_and_keep_the_rest(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "A bomb exploded in Kabul.", "published": "2024-01-02"}))
    code = main(["ingest", str(good), str(tmp_path / "missing.txt")])
    captured = capsys.readouterr()
    assert code == 1
    assert "1 new, 0 duplicate, 1 failed" in captured.out
    assert "missing.txt: no such file or folder" in captured.err
    assert Store.open(database).counts()["documents"] == 1


def test_cli_ingest_bad_date_is_one_line(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(SAMPLES), "--published", "yesterday"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("riskmap: error:")


def test_cli_ingest_counts_in_words(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "one.txt"
    article.write_text("Gunmen attacked a police post in Herat on Friday.", encoding="utf-8")
    assert main(["ingest", str(article)]) == 0
    out = capsys.readouterr().out
    assert "ingested 1 item in " in out and "item(s)" not in out

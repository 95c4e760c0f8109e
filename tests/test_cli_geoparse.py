"""``riskmap geoparse``: JSON Lines in and out, bad lines reported per id, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from geoparse_support import gazetteer_or_skip

from geodata.boundaries import Boundaries
from geodata.gazetteer import Gazetteer
from service.cli import build_parser, main
from service.cli_geoparse import parse_line, run
from service.region_names import RegionNames


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return gazetteer_or_skip()


def _run(lines: list[bytes], gazetteer: Gazetteer) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    failed = run(lines, gazetteer, out)
    return failed, [json.loads(line) for line in out.getvalue().splitlines()]


def test_parser_has_the_geoparse_command() -> None:
    args = build_parser().parse_args(["geoparse", "articles.jsonl"])
    assert args.file == Path("articles.jsonl")
    assert build_parser().parse_args(["geoparse"]).file is None


def test_parse_line_rejects_what_it_cannot_read() -> None:
    assert parse_line(b'{"id": 1, "text": "Kabul"}') == (1, "Kabul")
    for bad in (b"{", b"[1, 2]", b'{"id": 1}', b'{"id": 1, "text": 5}'):
        with pytest.raises(ValueError):
            parse_line(bad)


def test_output_record_shape(gazetteer: Gazetteer) -> None:
    line = json.dumps(
        {"id": "a1", "text": "Bombings in Kabul and Kandahar near the Tajik-Afghan border."}
    ).encode()
    failed, (record,) = _run([line], gazetteer)
    assert failed == 0
    assert set(record) == {"id", "mentions", "countries", "admin1", "borders"}
    assert record["id"] == "a1"
    assert record["countries"] == ["AFG", "TJK"]
    assert set(record["admin1"]) == {"AFG-1767", "AFG-1754"}
    assert record["borders"] == ["AFG|TJK"]
    mention = record["mentions"][0]
    assert set(mention) == {
        "start",
        "end",
        "surface",
        "kind",
        "country",
        "admin1",
        "border",
        "confidence",
        "precision",
    }


def test_bad_lines_are_reported_and_processing_goes_on(gazetteer: Gazetteer) -> None:
    lines = [
        b'{"id": 1, "text": "Kabul"}\n',
        b"not json\n",
        b'{"id": 3}\n',
        b'{"id": 4, "text": "caf\xe9 in Kabul \xff\xfe"}\n',  # invalid UTF-8 inside the text
        b"\n",
        b'{"id": 5, "text": "\\ud800 lone surrogate in Kandahar \\u0000"}\n',
        b'{"id": 6, "text": ""}\n',
    ]
    failed, records = _run(lines, gazetteer)
    assert failed == 2
    assert [r["id"] for r in records] == [1, None, 3, 4, 5, 6]
    assert "error" in records[1] and "error" in records[2]
    assert records[3]["admin1"] == ["AFG-1767"]
    assert records[4]["admin1"] == ["AFG-1754"]
    assert records[5]["mentions"] == []


def test_command_line_exit_codes(
    gazetteer: Gazetteer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "x", "text": "Fighting in Kunduz province."}) + "\n")
    assert main(["geoparse", str(good)]) == 0
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["admin1"] == ["AFG-1763"]

    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(good.read_bytes() + b"\xff\xfe{oops\n")
    assert main(["geoparse", str(bad)]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert "riskmap: 1 line failed" in captured.err


def test_missing_file_is_a_readable_error(gazetteer: Gazetteer, tmp_path: Path) -> None:
    assert main(["geoparse", str(tmp_path / "nope.jsonl")]) == 1


def test_regions_come_with_names_and_points(
    gazetteer: Gazetteer, real_boundaries: Boundaries
) -> None:
    boundaries = real_boundaries
    names = RegionNames.from_boundaries(boundaries)
    line = json.dumps(
        {"id": "n1", "text": "Militants crossed into Badakhshan near the Tajik-Afghan border."}
    ).encode()
    out = io.StringIO()
    assert run([line], gazetteer, out, names) == 0
    record = json.loads(out.getvalue())
    places = {p["id"]: p for p in record["places"]}
    assert places["AFG-1760"]["name"] == "Badakhshan"
    assert places["AFG"]["name"] == "Afghanistan"
    assert places["AFG|TJK"]["name"] == "Afghanistan–Tajikistan border"
    # The point lies inside the region it names.
    badakhshan = boundaries.admin1.set_index("region_id").geometry["AFG-1760"]
    lon, lat = places["AFG-1760"]["lon"], places["AFG-1760"]["lat"]
    assert badakhshan.contains(shapely.Point(lon, lat))
    mention = next(m for m in record["mentions"] if m["surface"] == "Badakhshan")
    assert mention["name"] == "Badakhshan" and mention["lon"] == lon

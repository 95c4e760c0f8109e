"""``riskmap geoparse [FILE]``: JSON Lines of articles in, one JSON line of places per article out.

Input lines are ``{"id": ..., "text": ...}``; output lines are ``{"id", "mentions", "countries",
"admin1", "borders", "places"}``: ids in the three lists, and in ``places`` each of them with its
name and a point (lon, lat) inside it; each mention carries the name of what it resolved to and
a point (the town's own, else one inside its region).

Input is read as bytes and decoded per line with replacement characters, so a line of invalid
UTF-8 cannot stop the stream: a line that is not a JSON object with a string ``text`` gets
``{"id", "error"}`` and processing goes on. The exit code is 1 if any line failed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from geodata.gazetteer import Gazetteer
from maps.words import counted
from service.region_names import RegionNames
from service.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``geoparse`` sub-command to the ``riskmap`` parser."""
    parser = subparsers.add_parser(
        "geoparse",
        help="geocode place mentions in JSON Lines articles",
        description='Read JSON Lines of articles ({"id": ..., "text": ...}) and write one '
        "JSON line of places per article: mentions, countries, admin-1 regions and borders, "
        'each with its name and a point. A bad line gets {"id", "error"}; the exit code '
        "is 1 if any line failed.",
    )
    parser.add_argument(
        "file", nargs="?", type=Path, default=None, help="JSON Lines input (default: stdin)"
    )
    parser.set_defaults(handler=handle_geoparse)


def load_settings_gazetteer(settings: Settings) -> Gazetteer:
    """The gazetteer next to the configured boundary cache (built on first use)."""
    from geodata.boundaries import cache_dir_for
    from geodata.gazetteer import load_gazetteer

    source = settings.boundary_source_object()
    return load_gazetteer(cache_dir_for(settings.data_dir, source.key))


def parse_line(raw: bytes) -> tuple[Any, str]:
    """(id, text) of one input line; raises ValueError with a readable reason otherwise."""
    line = raw.decode("utf-8", errors="replace")
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    if not isinstance(record, dict):
        raise ValueError("a line must be a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" must be a string')
    return record.get("id"), text


def geoparse_record(
    doc_id: Any, text: str, gazetteer: Gazetteer, names: RegionNames | None = None
) -> dict[str, Any]:
    """The output record of one article (with ``names``: region names and points too)."""
    from geodata.geoparse import document_places, geoparse

    mentions = geoparse(text, gazetteer)
    places = document_places(mentions)
    record: dict[str, Any] = {
        "id": doc_id,
        "mentions": [m.as_dict() for m in mentions],
        "countries": places.countries,
        "admin1": places.admin1,
        "borders": places.borders,
    }
    if names is not None:
        for out, mention in zip(record["mentions"], mentions, strict=True):
            out.update(_mention_place(mention, names))
        record["places"] = (
            [names.describe("admin0", code) for code in places.countries]
            + [names.describe("admin1", rid) for rid in places.admin1]
            + [names.describe("border", bid) for bid in places.borders]
        )
    return record


def _mention_place(mention: Any, names: RegionNames) -> dict[str, Any]:
    """The name of what a mention resolved to and a point: the town's own, else its region's."""
    if mention.kind == "border" and mention.border:
        place = names.describe("border", mention.border)
    elif mention.admin1:
        place = names.describe("admin1", mention.admin1)
    else:
        place = names.describe("admin0", mention.country or "")
    if mention.kind == "city":
        place["name"] = mention.surface
        if mention.point:
            place["lon"], place["lat"] = mention.point
    return {"name": place["name"], "lon": place["lon"], "lat": place["lat"]}


def _guess_id(raw: bytes) -> Any:
    """The id of a line we could not process, when it can still be read; else None."""
    try:
        record = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    return record.get("id") if isinstance(record, dict) else None


def run(
    lines: Iterable[bytes], gazetteer: Gazetteer, out: IO[str], names: RegionNames | None = None
) -> int:
    """Geoparse every non-blank line; return how many failed."""
    failed = 0
    for raw in lines:
        if not raw.strip():
            continue
        try:
            doc_id, text = parse_line(raw)
            record = geoparse_record(doc_id, text, gazetteer, names)
        except (ValueError, RecursionError) as exc:
            failed += 1
            record = {"id": _guess_id(raw), "error": str(exc)}
        out.write(json.dumps(record, ensure_ascii=True) + "\n")
    return failed


def _lines(handle: IO[bytes]) -> Iterator[bytes]:
    yield from handle


def handle_geoparse(args: argparse.Namespace, settings: Settings) -> int:
    """Read FILE (or stdin), write one JSON line per article to stdout."""
    from geodata.boundaries import cache_dir_for, load_cache

    gazetteer = load_settings_gazetteer(settings)
    cache = cache_dir_for(settings.data_dir, settings.boundary_source_object().key)
    names = RegionNames.from_boundaries(load_cache(cache))
    if args.file is None:
        failed = run(_lines(sys.stdin.buffer), gazetteer, sys.stdout, names)
    else:
        with args.file.open("rb") as handle:
            failed = run(_lines(handle), gazetteer, sys.stdout, names)
    sys.stdout.flush()
    if failed:
        print(f"riskmap: {counted(failed, 'line')} failed", file=sys.stderr)
    return 1 if failed else 0

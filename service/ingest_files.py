"""Documents from files: ``.txt`` and ``.md`` articles (optional front matter) and ``.jsonl``.

Front matter is the common ``---`` block of ``key: value`` lines (``published``, ``source``,
``url``, ``language``). A file name starting with a date (``2024-11-20_...``) gives the
published date when nothing else does. JSON Lines hold one ``{"text": ..., ...}`` per line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.storage import NewDocument

SUFFIXES = (".txt", ".md", ".jsonl")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class FileItem:
    """One document read from a file, or the reason it could not be read."""

    origin: str  # path, or path:line for JSON Lines
    document: NewDocument | None
    error: str | None = None


def _date(value: object, origin: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):  # a Parquet timestamp column
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise ValueError(f"{origin}: published {value!r} is not YYYY-MM-DD") from exc


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``key: value`` pairs of a leading ``---`` block, and the text after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[match.end() :]


def read_article(
    path: Path, published: dt.date | None = None, source: str | None = None
) -> NewDocument:
    """One ``.txt``/``.md`` article; command-line values win over the file's own."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    fields, body = split_front_matter(text)
    if not body.strip():
        raise ValueError(f"{path}: no article text")
    prefix = _DATE_PREFIX.match(path.name)
    date = published or _date(fields.get("published") or fields.get("date"), str(path))
    if date is None and prefix:
        date = _date(prefix.group(1), str(path))
    return NewDocument(
        text=body.strip() + "\n",
        published=date,
        source=source or fields.get("source"),
        url=fields.get("url"),
        language=fields.get("language"),
    )


def record_document(
    record: object, origin: str, published: dt.date | None = None, source: str | None = None
) -> NewDocument:
    """One article record (a JSON Lines object, a Parquet row) as a document.

    Shared by ``riskmap ingest`` and ``riskmap batch read`` so both accept the same members.
    Raises ValueError when the record is no article.
    """
    if not isinstance(record, dict) or not str(record.get("text") or "").strip():
        raise ValueError("no 'text' member")
    return NewDocument(
        text=str(record["text"]),
        published=published or _date(record.get("published"), origin),
        source=source or record.get("source"),
        url=record.get("url"),
        language=record.get("language"),
    )


def read_json_lines(
    path: Path, published: dt.date | None = None, source: str | None = None
) -> Iterator[FileItem]:
    """Each line of a JSON Lines file; a bad line is reported and the rest still read."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            origin = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
                yield FileItem(origin, record_document(record, origin, published, source))
            except (ValueError, UnicodeDecodeError) as exc:
                yield FileItem(origin, None, str(exc).removeprefix(f"{origin}: "))


def discover(paths: list[Path]) -> Iterator[Path]:
    """Files to ingest: the given files, and every article file under given folders."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            yield path


def read_paths(
    paths: list[Path], published: dt.date | None = None, source: str | None = None
) -> Iterator[FileItem]:
    """Every document under ``paths``, in a stable order, errors included as items."""
    for path in discover(paths):
        if not path.exists():
            yield FileItem(str(path), None, "no such file or folder")
        elif path.suffix == ".jsonl":
            yield from read_json_lines(path, published, source)
        elif path.suffix in (".txt", ".md"):
            try:
                yield FileItem(str(path), read_article(path, published, source))
            except (ValueError, OSError) as exc:
                yield FileItem(str(path), None, str(exc).removeprefix(f"{path}: "))
        else:
            yield FileItem(str(path), None, f"unsupported file type {path.suffix!r}")

"""Input shards of articles: JSON Lines (optionally gzipped) or Parquet, one article a row.

A row holds the members ``riskmap ingest`` and the API accept (``text``, ``published``,
``source``, ``url``, ``language``; others are ignored) and is turned into a document by the
same function (:func:`service.ingest_files.record_document`). Every row of a shard is checked
before any is read, so a bad row stops the batch before hours of reading, not after.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.batch.errors import BatchInputError
from service.batch.files import filesystem, full_url
from service.ingest_files import record_document
from service.storage import NewDocument

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

JSON_LINES = (".jsonl", ".jsonl.gz")
PARQUET = (".parquet",)
SUFFIXES = JSON_LINES + PARQUET
#: The columns of a Parquet shard that are read (the rest are ignored, as JSON members are).
ARTICLE_COLUMNS = ("text", "published", "source", "url", "language")
_TEXT_MEMBERS = ("source", "url", "language")


@dataclass(frozen=True)
class Shard:
    """One input file: its position in the batch, a URL any worker can open, and its name in
    messages (the local path, or the URL)."""

    index: int
    url: str
    label: str


@dataclass(frozen=True)
class Article:
    """One row of a shard as a document; ``row`` counts from 1 (the line of a JSON Lines file)."""

    row: int
    origin: str
    document: NewDocument


def find_shards(inputs: Sequence[str]) -> list[Shard]:
    """The shards named by ``inputs``: files as given, folders searched for shard files.

    Raises BatchInputError for a missing path, a file of another type or a folder without
    shards.
    """
    found: list[tuple[str, str]] = []
    for given in inputs:
        fs, path = filesystem(given)
        local = "file" in fs.protocol
        if fs.isdir(path):
            files = sorted(p for p in fs.find(path) if p.endswith(SUFFIXES))
            if not files:
                raise BatchInputError(f"{given}: no {', '.join(SUFFIXES)} files in this folder")
            found += [(full_url(fs, p), p if local else full_url(fs, p)) for p in files]
        elif fs.exists(path):
            if not path.endswith(SUFFIXES):
                raise BatchInputError(f"{given}: not a shard (expected {', '.join(SUFFIXES)})")
            found.append((full_url(fs, path), given))
        else:
            raise BatchInputError(f"{given}: no such file or folder")
    return [Shard(index, url, label) for index, (url, label) in enumerate(found)]


def read_articles(shard: Shard, max_document_bytes: int) -> list[Article]:
    """Every article of ``shard``, or BatchInputError naming the first bad row (and how many
    more there are)."""
    articles: list[Article] = []
    problems: list[str] = []
    for row, origin, record in _records(shard):
        try:
            if isinstance(record, Exception):
                raise record
            articles.append(Article(row, origin, _document(record, origin, max_document_bytes)))
        except ValueError as exc:
            problems.append(f"{origin}: {str(exc).removeprefix(f'{origin}: ')}")
    if problems:
        more = f" (and {len(problems) - 1} more bad rows in this file)" if len(problems) > 1 else ""
        raise BatchInputError(problems[0] + more)
    return articles  # an empty shard (a quiet hour of a feed) is no error


def _document(record: object, origin: str, max_document_bytes: int) -> NewDocument:
    document = record_document(record, origin)
    for member in _TEXT_MEMBERS:
        value = getattr(document, member)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{member} must be text, not {type(value).__name__}")
    if len(document.text.encode("utf-8")) > max_document_bytes:
        raise ValueError(f"text is longer than {max_document_bytes:,} bytes")
    return document


def _records(shard: Shard) -> Iterator[tuple[int, str, object]]:
    """``(row, origin, record)`` of each non-blank row; a line that is not JSON comes as the
    ValueError saying so, to be reported with the other bad rows."""
    fs, path = filesystem(shard.url)
    try:
        if path.endswith(PARQUET):
            yield from _parquet_records(fs, path, shard.label)
            return
        with fs.open(path, "rb", compression="infer") as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    yield number, f"{shard.label}:{number}", _json_record(raw)
    except BatchInputError:
        raise
    except (OSError, EOFError, ValueError) as exc:  # unreadable, a truncated gzip, bad Parquet
        raise BatchInputError(f"{shard.label}: cannot be read ({exc})") from exc


def _json_record(raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return ValueError(f"not UTF-8 (byte {exc.start})")
    except ValueError as exc:
        return ValueError(f"not JSON ({exc})")


def _parquet_records(
    fs: AbstractFileSystem, path: str, label: str
) -> Iterator[tuple[int, str, object]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with fs.open(path, "rb") as handle:
        try:
            parquet = pq.ParquetFile(handle)
        except (pa.ArrowInvalid, OSError) as exc:
            raise BatchInputError(f"{label}: not a Parquet file ({exc})") from exc
        names = parquet.schema_arrow.names
        if "text" not in names:
            raise BatchInputError(f"{label}: no 'text' column (columns: {', '.join(names)})")
        number = 0
        for batch in parquet.iter_batches(columns=[c for c in ARTICLE_COLUMNS if c in names]):
            for record in batch.to_pylist():
                number += 1
                yield number, f"{label}:row {number}", record

"""``_manifest.json``: what a finished batch holds, written after every partition file.

The manifest is the commit mark of ``riskmap batch read``: a folder without one is an
unfinished or failed batch and ``riskmap batch load`` refuses it, so nothing half-written is
ever stored. It lists each partition file with its row counts (checked against the Parquet
footers before loading) and the date relative dates were anchored on.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from service.batch.errors import BatchError
from service.batch.files import filesystem, join

NAME = "_manifest.json"
FORMAT = "riskmap-batch"
VERSION = 1
TABLES = ("documents", "mentions", "incidents")
#: The folder of documents with no published date. Not Hive's ``__HIVE_DEFAULT_PARTITION__``:
#: pyarrow 17 cannot read that one alone and cannot turn it into pandas with the others; a
#: folder that is no ``key=value`` reads as a null date in every pyarrow and geopandas read.
NO_DATE = "undated"


@dataclass(frozen=True)
class Partition:
    """One input shard's documents of one publication date: a file per table."""

    published: dt.date | None
    shard: int
    rows: dict[str, int]  # table -> row count
    files: dict[str, str]  # table -> path relative to the batch folder

    def sort_key(self) -> tuple[bool, dt.date, int]:
        """Load order: by date (undated last), then input order."""
        return (self.published is None, self.published or dt.date.min, self.shard)


def partition_dir(published: dt.date | None) -> str:
    """``published=YYYY-MM-DD`` (Hive layout), or :data:`NO_DATE`."""
    return f"published={published.isoformat()}" if published else NO_DATE


@dataclass(frozen=True)
class Manifest:
    """A finished batch: its inputs, the reading date and every partition file."""

    inputs: list[str]
    today: dt.date
    riskmap: str
    partitions: list[Partition]
    created: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())

    def totals(self) -> dict[str, int]:
        """Rows per table over every partition."""
        return {t: sum(p.rows[t] for p in self.partitions) for t in TABLES}

    def to_json(self) -> str:
        record: dict[str, Any] = {"format": FORMAT, "version": VERSION, **asdict(self)}
        record["today"] = self.today.isoformat()
        for partition in record["partitions"]:
            published = partition["published"]
            partition["published"] = published.isoformat() if published else None
        return json.dumps(record, indent=1)

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        try:
            record = json.loads(text)
            if record.get("format") != FORMAT or record.get("version") != VERSION:
                raise ValueError(f"not a {FORMAT} manifest of version {VERSION}")
            partitions = [
                Partition(
                    dt.date.fromisoformat(p["published"]) if p["published"] else None,
                    int(p["shard"]),
                    {t: int(p["rows"][t]) for t in TABLES},
                    {t: str(p["files"][t]) for t in TABLES},
                )
                for p in record["partitions"]
            ]
            return cls(
                [str(i) for i in record["inputs"]],
                dt.date.fromisoformat(record["today"]),
                str(record["riskmap"]),
                partitions,
                str(record["created"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BatchError(f"{where}: unreadable manifest ({exc})") from exc


def write_manifest(root_url: str, manifest: Manifest) -> None:
    fs, root = filesystem(root_url)
    with fs.open(join(root, NAME), "w", encoding="utf-8") as handle:
        handle.write(manifest.to_json())


def read_manifest(root_url: str) -> Manifest:
    """The manifest of the batch in ``root_url``; BatchError when there is none."""
    fs, root = filesystem(root_url)
    path = join(root, NAME)
    if not fs.exists(path):
        raise BatchError(
            f"{root_url}: no finished batch here (no {NAME}; `riskmap batch read` writes it "
            "last, so the read did not finish)"
        )
    with fs.open(path, "r", encoding="utf-8") as handle:
        return Manifest.from_json(handle.read(), root_url)

"""Copy a filled SQLite store into a fresh PostgreSQL schema, for bench_scale.py.

Filling PostgreSQL to 100,000 documents through the ingest path takes 10-20 ms per document
on two CPUs (mostly round trips), far past the bench's time budget; the rows that path writes
do not depend on the backend (dedup and aggregates are computed in Python). So the bench
fills SQLite through the API's write path and copies its rows here with ``COPY``: the
PostgreSQL store then holds what its own ingest would have written, and every figure printed
for it (ingest, score query, OGC request) is measured on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from service.schema import aggregate_state, data_version, metadata

#: Single-row tables whose row the migrations create: updated, not copied.
STATE_TABLES = (data_version, aggregate_state)
#: Rows per ``fetchmany`` from SQLite.
CHUNK = 20_000


def _rows(source: sqlite3.Connection, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor = source.execute(f'SELECT {quoted} FROM "{table}"')
    while rows := cursor.fetchmany(CHUNK):
        yield from rows


def copy_store(sqlite_path: str, target: sa.Engine, progress: bool = True) -> None:
    """Copy every data table of the SQLite file into ``target`` (migrated, empty), then
    ``ANALYZE`` so the planner knows the sizes, as autovacuum would on a live server.

    Values go through ``COPY ... FROM STDIN`` in text form: SQLite's JSON text, ISO dates and
    0/1 booleans are all valid PostgreSQL input. The ``incidents.geom`` trigger fires for
    every copied row, as on an insert.
    """
    source = sqlite3.connect(sqlite_path)
    started = time.perf_counter()
    skip = {t.name for t in STATE_TABLES}
    raw = target.raw_connection()
    try:
        driver: Any = raw.driver_connection
        with driver.cursor() as cursor:
            for table in metadata.sorted_tables:
                if table.name in skip:
                    continue
                columns = [c.name for c in table.columns]
                quoted = ", ".join(f'"{c}"' for c in columns)
                count = 0
                with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    for row in _rows(source, table.name, columns):
                        copy.write_row(row)
                        count += 1
                for column in table.columns:
                    if column.primary_key and column.autoincrement is True:
                        cursor.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                            f"'{column.name}'), coalesce(max(\"{column.name}\"), 0) + 1, false) "
                            f'FROM "{table.name}"'
                        )
                if progress:
                    print(f"  copied {count:>9,} rows of {table.name}", flush=True)
            for table in STATE_TABLES:
                columns = [c.name for c in table.columns if c.name != "id"]
                (values,) = list(_rows(source, table.name, columns))
                assignments = ", ".join(f'"{c}" = %s' for c in columns)
                cursor.execute(f'UPDATE "{table.name}" SET {assignments} WHERE id = 1', values)
        driver.commit()
        with driver.cursor() as cursor:  # table by table: other schemas are not ours
            for table in metadata.sorted_tables:
                cursor.execute(f'ANALYZE "{table.name}"')
        driver.commit()
    finally:
        raw.close()
        source.close()
    if progress:
        print(f"  copy and ANALYZE took {time.perf_counter() - started:.1f} s", flush=True)

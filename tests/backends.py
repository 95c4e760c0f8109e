"""The two storage backends as a pytest parameter: SQLite (a file per test) and PostgreSQL
with PostGIS (a schema per test, dropped afterwards).

The PostgreSQL server is ``RISKMAP_TEST_POSTGRES_URL`` (default: the project machines' server
at 127.0.0.1:5432, database ``test``, user ``postgres``, trust authentication). Where it does
not answer, or the driver is not installed (``pip install -e '.[postgres]'``), the PostgreSQL
cases skip with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "RISKMAP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

BACKENDS = ["sqlite", "postgresql"]


@cache
def postgres_unavailable() -> str | None:
    """Why the PostgreSQL cases cannot run here, or None when they can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    except Exception as error:  # any failure to reach the server or load PostGIS
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        return f"no PostgreSQL with PostGIS at {POSTGRES_URL}: {first_line}"
    finally:
        engine.dispose()
    return None


def postgres_schema_url() -> Iterator[str]:
    """A URL whose tables live in a fresh schema (PostGIS types from ``public``); the schema
    and everything in it is dropped afterwards."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema},public"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def backend_url(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database of ``backend`` for one test."""
    if backend == "postgresql":
        yield from postgres_schema_url()
    else:
        yield f"sqlite:///{folder / 'riskmap.sqlite3'}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes it runs once per backend, on a database of its own."""
    yield from backend_url(request.param, tmp_path)

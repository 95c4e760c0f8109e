"""Shared fixtures: the real boundary cache, loaded once per session.

Synthetic fixtures live next to the tests that use them; only data every module may need sits here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from geodata.boundaries import Boundaries, cache_dir_for, load_cache
from geodata.errors import BoundaryDataError
from geodata.gazetteer import Gazetteer, load_gazetteer
from service.settings import Settings
from tests.backends import database_url  # noqa: F401  (SQLite and PostgreSQL as a parameter)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

SHARED_DEFAULT = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def real_boundaries() -> Boundaries:
    """The boundary cache built from the configured real source (``make`` builds it first).

    Skipped, not failed, when the cache is absent, so the unit tests still run on a fresh
    checkout; point ``RISKMAP_DATA_DIR`` at a built cache to run the acceptance tests.
    """
    settings = Settings()
    cache = cache_dir_for(settings.data_dir, settings.boundary_source_object().key)
    try:
        return load_cache(cache)
    except (BoundaryDataError, ValueError) as exc:
        pytest.skip(f"real boundary cache unavailable: {exc}")


@pytest.fixture(scope="session")
def real_gazetteer(real_boundaries: Boundaries) -> Gazetteer:
    """The gazetteer next to the real boundary cache (built and pickled on first use)."""
    assert real_boundaries.cache_dir is not None
    return load_gazetteer(real_boundaries.cache_dir, boundaries=real_boundaries)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (seeds and evaluation corpora), read in place, never copied."""
    path = Path(os.environ.get("RISKMAP_SHARED_DIR", SHARED_DEFAULT))
    if not (path / "seeds" / "expected.json").exists():
        pytest.skip(f"shared seeds not found at {path} (set RISKMAP_SHARED_DIR)")
    return path


#: The TestClient's peer address: loopback, as a local client's socket would be.
LOOPBACK_PEER = ("127.0.0.1", 50000)


def make_client(
    tmp_dir: Path, peer: tuple[str, int] = LOOPBACK_PEER, **overrides: object
) -> Iterator[TestClient]:
    """A TestClient over the real app with its own empty database in ``tmp_dir``.

    TestClient sends ``Host: testserver``, which is added to the allowed hosts here (never in
    the defaults); ``peer`` is the socket address the app sees.
    """
    from fastapi.testclient import TestClient

    from service.app import create_app

    overrides.setdefault("allowed_hosts", [*Settings().allowed_hosts, "testserver"])
    overrides.setdefault("database_url", f"sqlite:///{tmp_dir / 'riskmap.sqlite3'}")
    settings = Settings(**overrides)  # type: ignore[arg-type]
    cache = cache_dir_for(settings.data_dir, settings.boundary_source_object().key)
    if not (cache / "metadata.json").exists():
        pytest.skip(f"boundary cache not built at {cache}: run `riskmap data build`")
    with TestClient(create_app(settings), client=peer) as client:
        yield client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with an empty database, shared by the tests of one module."""
    yield from make_client(tmp_path_factory.mktemp("db"))

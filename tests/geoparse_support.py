"""Shared helpers for the gazetteer, geoparser and CLI tests (not a test module itself).

The gazetteer is loaded once per test session (it is built and pickled next to the boundary
cache on first use), and tests that need it skip with a reason when no boundary cache is built.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pytest

from geodata.boundaries import cache_dir_for
from geodata.errors import BoundaryDataError
from geodata.gazetteer import Gazetteer, load_gazetteer
from service.settings import Settings


def boundary_cache() -> Path:
    settings = Settings()
    return cache_dir_for(settings.data_dir, settings.boundary_source_object().key)


@lru_cache(maxsize=1)
def _load() -> Gazetteer | str:
    cache = boundary_cache()
    if not (cache / "metadata.json").exists():
        return f"no boundary cache at {cache}: run `riskmap data build` (the Makefile does)"
    try:
        return load_gazetteer(cache)
    except (BoundaryDataError, ValueError, OSError) as exc:
        return f"gazetteer unavailable: {exc}"


def gazetteer_or_skip() -> Gazetteer:
    loaded = _load()
    if isinstance(loaded, str):
        pytest.skip(loaded)
    return loaded


def shared_dir() -> Path:
    """``../shared`` next to the checkout, or ``RISKMAP_SHARED_DIR``."""
    configured = os.environ.get("RISKMAP_SHARED_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1].parent / "shared"

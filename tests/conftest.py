"""Shared fixtures: the real boundary cache, loaded once per session.

Synthetic fixtures live next to the tests that use them; only data every module may need sits here.
"""

from __future__ import annotations

import pytest

from geodata.boundaries import Boundaries, cache_dir_for, load_cache
from geodata.errors import BoundaryDataError
from service.settings import Settings


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
        pytest.skip(f"real boundary cache not built ({exc}); run `riskmap data build` first")

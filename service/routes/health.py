"""``/health``: liveness plus what boundary data is loaded (the Docker HEALTHCHECK calls it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from geodata.boundaries import Boundaries
from geodata.geoparse import compiled_core_available
from service.dependencies import get_boundaries, get_store
from service.storage import Store

router = APIRouter(tags=["health"])


@router.get("/health", summary="Service health")
def health(
    boundaries: Annotated[Boundaries, Depends(get_boundaries)],
    store: Annotated[Store, Depends(get_store)],
) -> dict[str, Any]:
    source = boundaries.metadata.get("source", {})
    return {
        "status": "ok",
        **store.counts(),
        # Which geoparser reads new documents: the compiled core, or the Python reference.
        "geoparser": "compiled" if compiled_core_available() else "python",
        "boundaries": {
            "source": source.get("name"),
            "version": source.get("version"),
            **boundaries.counts(),
        },
    }

"""The FastAPI application: resources opened once at start-up, routers and middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from geodata.boundaries import load_boundaries
from service.errors import add_exception_handlers
from service.layers import LayerCatalogue
from service.routes import boundaries, health
from service.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; heavy data (boundaries) loads once in the lifespan, not per request."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = load_boundaries(settings.boundary_source_object(), settings.data_dir)
        app.state.settings = settings
        app.state.boundaries = loaded
        app.state.catalogue = LayerCatalogue(loaded)
        yield

    app = FastAPI(
        title="riskmap",
        version="0.1.0",
        description="Geocoded news incidents and threat scores per region, as GeoJSON and maps.",
        lifespan=lifespan,
    )
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    add_exception_handlers(app)
    app.include_router(health.router)
    app.include_router(boundaries.router)
    return app

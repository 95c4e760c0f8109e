"""The FastAPI application: resources opened once at start-up, routers and middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from geodata.boundaries import load_boundaries
from geodata.gazetteer import gazetteer_path, load_gazetteer
from maps.assets import LEAFLET_DIST, PAGE_STATIC_DIR, PAGE_STATIC_PREFIX, STATIC_PREFIX
from service.cache import GZIP_LEVEL
from service.errors import add_exception_handlers
from service.layers import LayerCatalogue
from service.memory import release_freed_memory, return_freed_pages_at_once
from service.middleware import NegotiatedGZip, TrustedHosts
from service.openapi import openapi_30
from service.pipeline import Reader
from service.routes import docs, documents, downloads, health, incidents, maps, ogc, regions
from service.routes.common import response_cache
from service.scores import ScoreBoard
from service.settings import Settings, get_settings
from service.storage import Store
from service.workers import IngestWorkers


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; heavy data (boundaries, gazetteer) loads once in the lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        return_freed_pages_at_once()
        boundaries = load_boundaries(settings.boundary_source_object(), settings.data_dir)
        cache_dir = boundaries.cache_dir
        assert cache_dir is not None
        store = Store.open(settings.database, settings.dedup_settings())
        app.state.settings = settings
        app.state.boundaries = boundaries
        app.state.catalogue = LayerCatalogue(boundaries)
        app.state.reader = Reader.lazy(lambda: load_gazetteer(cache_dir, boundaries=boundaries))
        if not gazetteer_path(cache_dir).exists():
            app.state.reader.load()  # never built: build it now, not on a client's POST
        app.state.store = store
        app.state.scoreboard = ScoreBoard(store, boundaries, settings.score_weights())
        app.state.ingest_workers = IngestWorkers(settings.ingest_threads)
        app.state.response_bodies = response_cache()
        release_freed_memory()
        try:
            yield
        finally:
            store.close()  # a write still running rolls back

    app = FastAPI(
        title="riskmap",
        version="0.1.0",
        description="Geocoded news incidents and threat scores per region, as GeoJSON, "
        "OGC API - Features and Leaflet maps.",
        lifespan=lifespan,
        docs_url=None,  # served by service.routes.docs from the pinned swagger-ui-dist
        redoc_url=None,  # ReDoc loads from a CDN: no page rather than a blank one offline
    )
    # Bodies that are not cached are compressed per response: at the level cached ones use
    # (Starlette's default 9 took 0.7 s for the 7 MB world map, level 5 0.2 s for 0.3% more).
    app.add_middleware(NegotiatedGZip, minimum_size=1024, compresslevel=GZIP_LEVEL)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag"],
        )
    # Outermost: a Host nobody configured (DNS rebinding, forged links) is refused first.
    app.add_middleware(TrustedHosts, allowed_hosts=settings.trusted_hosts())
    add_exception_handlers(app)
    for router in (
        health.router,
        ogc.router,
        regions.router,
        incidents.router,
        downloads.router,
        documents.router,
        docs.router,
        maps.router,
    ):
        app.include_router(router)
    # Leaflet from the pinned npm package: map pages load nothing from other hosts.
    app.mount(
        STATIC_PREFIX,
        StaticFiles(directory=settings.assets_dir / LEAFLET_DIST, check_dir=False),
        name="static-leaflet",
    )
    # Swagger UI for /docs from the pinned npm package, so the page works offline.
    app.mount(
        docs.SWAGGER_UI_PREFIX,
        StaticFiles(directory=settings.assets_dir / docs.SWAGGER_UI_DIST, check_dir=False),
        name="static-swagger-ui",
    )
    # The map page's own script and stylesheet (no inline script: a strict CSP).
    app.mount(PAGE_STATIC_PREFIX, StaticFiles(directory=PAGE_STATIC_DIR), name="static-riskmap")

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_30(app)
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app

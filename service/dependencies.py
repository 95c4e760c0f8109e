"""Shared FastAPI dependencies: the loaded boundary data and the settings."""

from __future__ import annotations

from fastapi import Request

from geodata.boundaries import Boundaries
from service.layers import LayerCatalogue


def get_boundaries(request: Request) -> Boundaries:
    """The boundary layers loaded once at start-up (see :func:`service.app.lifespan`)."""
    boundaries: Boundaries = request.app.state.boundaries
    return boundaries


def get_catalogue(request: Request) -> LayerCatalogue:
    """The GeoJSON layer catalogue built over the boundaries at start-up."""
    catalogue: LayerCatalogue = request.app.state.catalogue
    return catalogue

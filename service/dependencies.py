"""Shared FastAPI dependencies: what the lifespan loaded, and write authorisation."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from geodata.boundaries import Boundaries
from service.errors import Forbidden, Unauthorized
from service.layers import LayerCatalogue
from service.pipeline import Reader
from service.scores import ScoreBoard
from service.settings import Settings
from service.storage import Store

_bearer = HTTPBearer(auto_error=False)
_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_boundaries(request: Request) -> Boundaries:
    """The boundary layers loaded once at start-up (see :func:`service.app.create_app`)."""
    boundaries: Boundaries = request.app.state.boundaries
    return boundaries


def get_catalogue(request: Request) -> LayerCatalogue:
    catalogue: LayerCatalogue = request.app.state.catalogue
    return catalogue


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_reader(request: Request) -> Reader:
    reader: Reader = request.app.state.reader
    return reader


def get_scoreboard(request: Request) -> ScoreBoard:
    scoreboard: ScoreBoard = request.app.state.scoreboard
    return scoreboard


def require_writer(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Writes need the bearer token when one is set; without a token, only loopback clients."""
    if settings.api_token:
        if credentials is None:
            raise Unauthorized("this endpoint needs 'Authorization: Bearer <token>'")
        if not secrets.compare_digest(credentials.credentials, settings.api_token):
            raise Forbidden("the bearer token is not valid")
        return
    host = request.client.host if request.client else ""
    if host not in _LOOPBACK:
        raise Forbidden(
            "writes are only accepted from loopback clients unless RISKMAP_API_TOKEN is set"
        )

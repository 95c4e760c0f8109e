"""Shared FastAPI dependencies: what the lifespan loaded, and write authorisation.

The getters of what the lifespan loaded are ``async``: they only read ``app.state``, and
FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per dependency per
request (three of the four hops of a cached map page).
"""

from __future__ import annotations

import ipaddress
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
from service.workers import IngestWorkers

_bearer = HTTPBearer(auto_error=False)
#: Headers a proxy adds: their presence means the socket peer is not the client.
_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_boundaries(request: Request) -> Boundaries:
    """The boundary layers loaded once at start-up (see :func:`service.app.create_app`)."""
    boundaries: Boundaries = request.app.state.boundaries
    return boundaries


async def get_catalogue(request: Request) -> LayerCatalogue:
    catalogue: LayerCatalogue = request.app.state.catalogue
    return catalogue


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_reader(request: Request) -> Reader:
    reader: Reader = request.app.state.reader
    return reader


async def get_ingest_workers(request: Request) -> IngestWorkers:
    workers: IngestWorkers = request.app.state.ingest_workers
    return workers


async def get_scoreboard(request: Request) -> ScoreBoard:
    scoreboard: ScoreBoard = request.app.state.scoreboard
    return scoreboard


def is_loopback_peer(request: Request) -> bool:
    """Whether the socket peer is a loopback address (names like ``localhost`` never count)."""
    peer = request.scope.get("client")
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def token_matches(presented: str, expected: str) -> bool:
    """Constant-time comparison of the bearer token as bytes.

    Header values arrive decoded as Latin-1, so encoding back to Latin-1 gives the bytes the
    client sent; the configured token is compared as UTF-8. ``compare_digest`` on ``str`` raises
    for non-ASCII text, which made ``Bearer s\u00e9cret`` a 500.
    """
    try:
        sent = presented.encode("latin-1")
    except UnicodeEncodeError:
        sent = presented.encode("utf-8")
    return secrets.compare_digest(sent, expected.encode("utf-8"))


def require_writer(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Writes need the bearer token when one is set; without a token, only loopback peers.

    The peer is the socket address (uvicorn rewrites it from ``X-Forwarded-For`` only for the
    proxies in ``RISKMAP_FORWARDED_ALLOW_IPS``). A request that came through a proxy nobody
    declared carries forwarding headers: its real client is unknown, so it is refused.
    """
    if settings.api_token:
        if credentials is None:
            raise Unauthorized("this endpoint needs 'Authorization: Bearer <token>'")
        if not token_matches(credentials.credentials, settings.api_token):
            raise Forbidden("the bearer token is not valid")
        return
    if not is_loopback_peer(request):
        raise Forbidden(
            "writes are only accepted from loopback clients unless RISKMAP_API_TOKEN is set"
        )
    if not settings.forwarded_allow_ips and any(h in request.headers for h in _FORWARDING_HEADERS):
        raise Forbidden(
            "a proxied write needs RISKMAP_API_TOKEN (or the proxy in RISKMAP_FORWARDED_ALLOW_IPS)"
        )

"""ASGI middleware of our own: the Host check answering in the service's problem format, and
gzip only for clients whose ``Accept-Encoding`` really accepts it."""

from __future__ import annotations

import math
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import problem


class TrustedHosts:
    """Starlette's :class:`TrustedHostMiddleware`, refusing with ``application/problem+json``.

    Starlette decides (its Host parsing and wildcard rules); only its plain-text refusal is
    replaced, so every 4xx of the service has the same shape. A Host nobody configured is how
    DNS rebinding reaches a loopback-only server, and it would be echoed into links.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allowed_hosts = list(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        passed = False

        async def accepted(scope: Scope, receive: Receive, send: Send) -> None:
            nonlocal passed
            passed = True
            await self.app(scope, receive, send)

        async def only_when_passed(message: Message) -> None:
            if passed:
                await send(message)

        await TrustedHostMiddleware(accepted, self.allowed_hosts)(scope, receive, only_when_passed)
        if not passed:
            detail = "the Host header names no host this service answers to (RISKMAP_ALLOWED_HOSTS)"
            await problem(400, detail, "Invalid host")(scope, receive, send)


def accepts_coding(header: str | None, coding: str) -> bool:
    """Whether an ``Accept-Encoding`` header (RFC 9110 12.5.3) accepts ``coding``.

    The coding's own entry decides, else ``*``; a q of 0 means "not this one". No header, or
    one that names neither, accepts only the identity.

    >>> accepts_coding("gzip;q=0, br", "gzip")
    False
    """
    own: float | None = None
    anything: float | None = None
    for element in (header or "").split(","):
        name, *parameters = element.split(";")
        q = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = q if math.isfinite(q) else 0.0
        token = name.strip().lower()
        if token == coding or (coding == "gzip" and token == "x-gzip"):
            own = q if own is None else max(own, q)
        elif token == "*":
            anything = q
    chosen = own if own is not None else anything
    return chosen is not None and chosen > 0


class NegotiatedGZip:
    """Starlette's :class:`GZipMiddleware` for clients that accept gzip, nothing for others.

    Starlette compresses whenever "gzip" appears in ``Accept-Encoding``, so ``gzip;q=0`` (a
    client saying it cannot decode gzip) got gzip. Its compression is kept; only the decision
    whether to use it is ours.
    """

    def __init__(self, app: ASGIApp, minimum_size: int = 500, compresslevel: int = 9) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and accepts_coding(
            Headers(scope=scope).get("accept-encoding"), "gzip"
        ):
            # Starlette looks for a lower-case "gzip" substring: say it plainly, so "GZIP;q=0.5"
            # and "*" get gzip too (the handlers inside see the same plain header).
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
            scope = {**scope, "headers": [*headers, (b"accept-encoding", b"gzip")]}
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)

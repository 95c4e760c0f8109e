"""ASGI middleware of our own: the Host check, answering in the service's problem format."""

from __future__ import annotations

from collections.abc import Sequence

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

"""Map domain errors to HTTP problem responses (RFC 9457 ``application/problem+json``).

Domain code raises meaningful errors (:mod:`geodata.errors`); this table alone decides which
HTTP status each becomes, so no route invents its own error format.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from geodata.errors import BoundaryDataError, DownloadError, GeodataError, NotFound

PROBLEM_JSON = "application/problem+json"


class InvalidParameter(GeodataError):
    """A query parameter that parses but makes no sense (unknown country, bad bbox...)."""


class Unauthorized(GeodataError):
    """A write without the bearer token the service requires."""


class Forbidden(GeodataError):
    """A write with a wrong token, or from a non-loopback client when no token is set."""


class PayloadTooLarge(GeodataError):
    """A document or batch larger than the configured limits."""


class UnsupportedMediaType(GeodataError):
    """A body in a format the endpoint does not read."""


class UnreadableDocument(GeodataError):
    """A well-formed document the reader could not read (its text or date led nowhere valid)."""


class ShuttingDown(GeodataError):
    """The server is stopping: the write was rolled back, send it again later."""


STATUS_BY_ERROR: dict[type[Exception], int] = {
    NotFound: 404,
    InvalidParameter: 400,
    Unauthorized: 401,
    Forbidden: 403,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    UnreadableDocument: 422,
    ShuttingDown: 503,
    BoundaryDataError: 503,
    DownloadError: 502,
}


def problem(status: int, detail: str, title: str | None = None) -> JSONResponse:
    """A problem+json response with the standard members."""
    phrase = HTTPStatus(status).phrase
    body = {
        "type": "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def add_exception_handlers(app: FastAPI) -> None:
    """Install the handlers: domain errors, request validation and plain HTTP errors."""

    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        for error_type, status in STATUS_BY_ERROR.items():
            if isinstance(exc, error_type):
                response = problem(status, str(exc))
                if status == 401:
                    response.headers["WWW-Authenticate"] = "Bearer"
                return response
        return problem(500, "internal error")

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))
            details.append(f"{where}: {error.get('msg', 'invalid')}")
        return problem(400, "; ".join(details) or "invalid request", "Invalid request")

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem(exc.status_code, str(exc.detail))

    app.add_exception_handler(GeodataError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)

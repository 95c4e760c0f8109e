"""Pieces the GeoJSON routes share: query parameters, content negotiation, responses, links."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.dependencies.models import Dependant

from geodata.scoring import ScoreWeights
from geodata.webgeom import Detail
from service.cache import ByteCache, PreparedBody, body_etag, etag_matches, prepare
from service.errors import InvalidParameter
from service.middleware import accepts_coding
from service.scores import ScoreBoard

GEOJSON = "application/geo+json"
GEOJSON_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {GEOJSON: {}}, "description": "GeoJSON (RFC 7946)"},
    400: {"description": "invalid parameter (problem+json)"},
    404: {"description": "not found (problem+json)"},
}

CountryQuery = Annotated[
    str | None, Query(description="ISO 3166-1 alpha-3 code, e.g. AFG", max_length=3)
]
DetailQuery = Annotated[
    Detail, Query(description="geometry detail: low (~5 km), medium (~1 km) or full")
]
SinceQuery = Annotated[
    str | None, Query(description="first day of the time window (YYYY-MM-DD)", max_length=40)
]
UntilQuery = Annotated[
    str | None,
    Query(description="last day of the time window (YYYY-MM-DD, default today)", max_length=40),
]
BBoxQuery = Annotated[
    str | None, Query(description="minx,miny,maxx,maxy in WGS84 degrees", max_length=200)
]
MinScoreQuery = Annotated[
    float | None, Query(ge=0, le=10, description="only regions scoring at least this")
]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]


# -- query parameters ---------------------------------------------------------------------


def declared_query_parameters(dependant: Dependant) -> set[str]:
    """Names (aliases) of every query parameter a route and its dependencies declare."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        names.update(param.alias for param in current.query_params)
        pending.extend(current.dependencies)
    return names


async def reject_unknown_query_parameters(request: Request) -> None:
    """A router dependency: 400 for any query parameter the matched route does not declare.

    OGC API - Features Part 1 (/req/core/query-param-unknown) asks for this; silently ignoring
    ``limitt=5`` or ``bbox-crs=...`` would answer a different question than the one asked. The
    allowed names come from the route's own signature, so no route lists them twice. It is
    ``async`` because it only reads the request: no thread hop for it.
    """
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    allowed = declared_query_parameters(dependant) if isinstance(dependant, Dependant) else set()
    for name in request.query_params:
        if name not in allowed:
            accepted = ", ".join(sorted(allowed)) or "no query parameters"
            raise InvalidParameter(
                f"unknown query parameter {name!r}; {request.url.path} accepts: {accepted}"
            )


# -- content negotiation ------------------------------------------------------------------


@dataclass(frozen=True)
class MediaRange:
    """One element of an ``Accept`` header: ``type/subtype`` (either may be ``*``) and its q."""

    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int | None:
        """How closely this range names ``media_type``: 2 exactly, 1 ``type/*``, 0 ``*/*``;
        ``None`` when it does not match at all."""
        kind, _, subtype = media_type.lower().partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return None
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == subtype else None


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header (RFC 9110 12.5.1), leniently.

    Elements that are not ``type/subtype`` or carry a q outside 0..1 are dropped rather than
    refused: a client's odd header should not cost it the response. A bare ``*`` (sent by
    Java's URLConnection) means ``*/*``. Media type parameters other than ``q`` are ignored.

    >>> parse_accept("application/json;q=0.1, text/html;q=0.9")
    [MediaRange(type='application', subtype='json', q=0.1), MediaRange(type='text', ...)]
    """
    return list(_media_ranges(header))


def _media_ranges(header: str) -> Iterator[MediaRange]:
    for element in header.split(","):
        media_type, *parameters = element.split(";")
        media_type = media_type.strip().lower()
        if media_type == "*":
            media_type = "*/*"
        kind, slash, subtype = media_type.partition("/")
        if not slash or not kind or not subtype or "/" in subtype or (kind == "*" != subtype):
            continue
        q: float | None = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                q = _quality(value.strip().strip('"'))
        if q is not None:
            yield MediaRange(kind, subtype, q)


def _quality(value: str) -> float | None:
    try:
        q = float(value)
    except ValueError:
        return None
    return q if math.isfinite(q) and 0.0 <= q <= 1.0 else None


def quality(media_type: str, ranges: Sequence[MediaRange]) -> float:
    """The q the client gives ``media_type``: that of the most specific range naming it (the
    first of equally specific ones), 0 when none does."""
    best: tuple[int, float] | None = None
    for media_range in ranges:
        rank = media_range.specificity(media_type)
        if rank is not None and (best is None or rank > best[0]):
            best = (rank, media_range.q)
    return 0.0 if best is None else best[1]


def best_media_type(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers; ties go to the earlier one in ``offered``.

    No (or an empty) ``Accept`` header accepts anything, so the first offer wins. ``None`` when
    the client accepts none of them (q=0 or unnamed).
    """
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0] if offered else None
    scored = [(quality(media_type, ranges), -i, media_type) for i, media_type in enumerate(offered)]
    best = max(scored, default=None)
    return best[2] if best is not None and best[0] > 0 else None


# -- responses ------------------------------------------------------------------------------


def scoring_member(weights: ScoreWeights, since: Any, until: Any) -> dict[str, Any]:
    """The formula, weights and time window returned with every scored response."""
    member = weights.describe()
    member["since"] = since.isoformat() if since else None
    member["until"] = until.isoformat() if until else None
    return member


#: Bytes of finished response bodies kept per app: map pages, OGC pages, layers. A body
#: that compresses is kept in its gzip form only: the world admin-1 map page is ~2.4 MB, a
#: 1,000-item page ~0.35 MB.
RESPONSE_CACHE_BYTES = 64 * 2**20


def response_cache() -> ByteCache[Hashable, PreparedBody]:
    """The app's cache of finished bodies (one per app: keys name its data version)."""
    return ByteCache(RESPONSE_CACHE_BYTES, lambda body: body.nbytes)


def data_key(request: Request, board: ScoreBoard) -> tuple[Hashable, ...]:
    """What every scored body depends on besides its parameters: the data version, today's
    date (an open time window ends today) and the root URL its links are built from."""
    return (board.store.data_version(), dt.datetime.now(dt.UTC).date(), str(request.base_url))


def cached_body(
    request: Request, key: tuple[Hashable, ...], build: Callable[[], PreparedBody]
) -> PreparedBody:
    """The body under ``key`` in the app's response cache, built (and compressed) once."""
    cache: ByteCache[Hashable, PreparedBody] = request.app.state.response_bodies
    return cache.get_or_build(key, build)


def accepts_gzip(request: Request) -> bool:
    """Whether the client accepts gzip (``gzip;q=0`` does not)."""
    return accepts_coding(request.headers.get("accept-encoding"), "gzip")


def send(request: Request, body: PreparedBody, headers: dict[str, str] | None = None) -> Response:
    """A prepared body with its ETag: 304 when ``If-None-Match`` names it, gzip when accepted.

    A response with a ``Content-Encoding`` is left alone by the GZip middleware, so the bytes
    compressed once are what every client gets.
    """
    out = dict(headers or {})
    out["ETag"] = body.etag
    vary = [v.strip() for v in out.get("Vary", "").split(",") if v.strip()]
    out["Vary"] = ", ".join([*vary, "Accept-Encoding"] if "Accept-Encoding" not in vary else vary)
    if etag_matches(request.headers.get("if-none-match"), body.etag):
        return Response(status_code=304, headers=out)
    if body.gzipped is not None and accepts_gzip(request):
        out["Content-Encoding"] = "gzip"
        return Response(body.gzipped, media_type=body.media_type, headers=out)
    return Response(body.raw, media_type=body.media_type, headers=out)


#: gzip bodies of uncached GeoJSON responses by ETag (equal bodies share one compression).
_BY_ETAG: ByteCache[str, PreparedBody] = ByteCache(32 * 2**20, lambda body: body.nbytes)


def geojson_response(request: Request, body: str, max_age: int = 60) -> Response:
    """A GeoJSON response with an ETag; a matching ``If-None-Match`` gets 304.

    For bodies not kept in the response cache: they are hashed per request, and compressed
    only once per distinct body.
    """
    raw = body.encode("utf-8")
    prepared = prepare_geojson(raw)
    return send(request, prepared, {"Cache-Control": f"public, max-age={max_age}"})


def prepare_geojson(raw: bytes) -> PreparedBody:
    """A GeoJSON body hashed, and compressed once per distinct body when it is large."""
    if len(raw) < 64_000:
        return PreparedBody(raw, None, body_etag(raw), GEOJSON)
    return _BY_ETAG.get_or_build(body_etag(raw), lambda: prepare(raw, GEOJSON))

"""Pieces the GeoJSON routes share: query parameter types, responses and links."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import Query, Request, Response

from geodata.scoring import ScoreWeights
from geodata.webgeom import Detail

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


def scoring_member(weights: ScoreWeights, since: Any, until: Any) -> dict[str, Any]:
    """The formula, weights and time window returned with every scored response."""
    member = weights.describe()
    member["since"] = since.isoformat() if since else None
    member["until"] = until.isoformat() if until else None
    return member


class CompressedBodies:
    """gzip bodies by ETag: the world's admin-1 layer is compressed once, not per request.

    Compressing 5 MB of GeoJSON costs far more than assembling it, and the same bytes go to
    every client until the next ingest changes the data (and so the ETag).
    """

    def __init__(self, max_bytes: int = 64_000_000, level: int = 6) -> None:
        self.max_bytes = max_bytes
        self.level = level
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, etag: str, raw: bytes) -> bytes:
        with self._lock:
            cached = self._bodies.get(etag)
            if cached is not None:
                self._bodies.move_to_end(etag)
                return cached
        compressed = gzip.compress(raw, compresslevel=self.level, mtime=0)
        with self._lock:
            if etag not in self._bodies:
                self._bodies[etag] = compressed
                self._size += len(compressed)
                while self._size > self.max_bytes and len(self._bodies) > 1:
                    _, dropped = self._bodies.popitem(last=False)
                    self._size -= len(dropped)
        return compressed


COMPRESSED = CompressedBodies()


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def geojson_response(request: Request, body: str, max_age: int = 60) -> Response:
    """A GeoJSON response with an ETag; a matching ``If-None-Match`` gets 304.

    Large bodies go out gzip-compressed from :data:`COMPRESSED` when the client accepts it
    (the GZip middleware leaves a response that already has a ``Content-Encoding`` alone).
    """
    raw = body.encode("utf-8")
    etag = '"' + hashlib.blake2b(raw, digest_size=16).hexdigest() + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Encoding",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if len(raw) >= 64_000 and _accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(COMPRESSED.get(etag, raw), media_type=GEOJSON, headers=headers)
    return Response(raw, media_type=GEOJSON, headers=headers)

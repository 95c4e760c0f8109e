"""Pieces the GeoJSON routes share: query parameter types, responses and links."""

from __future__ import annotations

import hashlib
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


def geojson_response(request: Request, body: str, max_age: int = 60) -> Response:
    """A GeoJSON response with an ETag; a matching ``If-None-Match`` gets 304."""
    etag = '"' + hashlib.blake2b(body.encode("utf-8"), digest_size=16).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=GEOJSON, headers=headers)

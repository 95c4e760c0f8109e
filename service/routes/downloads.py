"""``/downloads``: a whole layer as one file, for GIS (FlatGeobuf, GeoParquet, GeoPackage) and
spreadsheets (CSV).

Boundary layers go out at full detail with the scores of the asked window; the incidents layer
holds every incident report. Files are built per request (a world admin-1 FlatGeobuf takes a
few seconds), so they are meant to be downloaded, not polled.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Response

from geodata.webgeom import Detail
from service.dependencies import get_catalogue, get_scoreboard
from service.exports import FORMATS, Export, export, export_frame, layer_frame
from service.incident_layer import incident_page
from service.layers import LayerCatalogue
from service.queries import parse_window
from service.routes.common import SinceQuery, UntilQuery, reject_unknown_query_parameters
from service.scores import ScoreBoard

router = APIRouter(tags=["downloads"], dependencies=[Depends(reject_unknown_query_parameters)])

DownloadLayer = Literal["admin0", "admin1", "borders", "incidents"]
DownloadFormat = Literal["fgb", "parquet", "gpkg", "csv"]


def attachment(file: Export) -> Response:
    """A file response the browser saves under its name."""
    return Response(
        file.content,
        media_type=file.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/downloads/{layer}.{fmt}",
    response_class=Response,
    responses={200: {"content": {FORMATS[f][0]: {} for f in FORMATS}, "description": "a file"}},
    summary="A whole layer as FlatGeobuf, GeoParquet, GeoPackage or CSV",
)
def download_layer(
    layer: Annotated[DownloadLayer, Path(description="admin0, admin1, borders or incidents")],
    fmt: Annotated[DownloadFormat, Path(description="fgb, parquet, gpkg or csv")],
    catalogue: Annotated[LayerCatalogue, Depends(get_catalogue)],
    board: Annotated[ScoreBoard, Depends(get_scoreboard)],
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> Response:
    start, end = parse_window(since, until)
    if layer == "incidents":
        page = incident_page(catalogue, board, Detail.full, since=start, until=end)
        return attachment(export(page.features, fmt, layer))
    frame = layer_frame(catalogue, layer, board.table(start, end))
    return attachment(export_frame(frame, fmt, layer))

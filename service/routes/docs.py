"""``/docs/scoring``: the scoring formula's documentation, linked from every scored response."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from geodata.errors import NotFound
from service.settings import PROJECT_ROOT

router = APIRouter(tags=["documentation"])


@router.get(
    "/docs/scoring",
    response_class=PlainTextResponse,
    # Sent as text/markdown; FastAPI would otherwise document text/plain.
    responses={200: {"content": {"text/markdown": {}}, "description": "Markdown"}},
    summary="How scores are computed",
)
def scoring_documentation() -> PlainTextResponse:
    candidates = (PROJECT_ROOT / "docs" / "scoring.md", Path.cwd() / "docs" / "scoring.md")
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        raise NotFound("docs/scoring.md is not installed with this copy of riskmap")
    return PlainTextResponse(path.read_text(encoding="utf-8"), media_type="text/markdown")

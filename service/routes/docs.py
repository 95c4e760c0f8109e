"""``/docs/scoring``: the scoring formula's documentation, linked from every scored response."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from geodata.errors import NotFound
from service.settings import PROJECT_ROOT

router = APIRouter(tags=["documentation"])


@router.get("/docs/scoring", response_class=PlainTextResponse, summary="How scores are computed")
def scoring_documentation() -> PlainTextResponse:
    path = PROJECT_ROOT / "docs" / "scoring.md"
    if not path.exists():
        raise NotFound("docs/scoring.md is not installed with this copy of riskmap")
    return PlainTextResponse(path.read_text(encoding="utf-8"), media_type="text/markdown")

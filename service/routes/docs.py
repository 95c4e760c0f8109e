"""``/docs`` (Swagger UI) and ``/docs/scoring`` (the scoring formula), both working offline.

Swagger UI comes from the pinned npm package ``swagger-ui-dist`` served under ``/static``
(FastAPI's default page loads it from a CDN, blank without network). ``docs/scoring.md`` is
rendered with markdown-it-py, raw HTML disabled, into an autoescaped template; ``?f=md`` (or
``Accept: text/markdown``) gives the Markdown itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import jinja2
from fastapi import APIRouter, Header, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from geodata.errors import NotFound
from maps.assets import PAGE_STATIC_PREFIX
from service.settings import PROJECT_ROOT

#: Folder of the npm package's files, relative to ``node_modules``.
SWAGGER_UI_DIST = Path("swagger-ui-dist")
#: Where the app serves :data:`SWAGGER_UI_DIST`.
SWAGGER_UI_PREFIX = "/static/swagger-ui"

router = APIRouter(tags=["documentation"])

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("service", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
# CommonMark with tables; "html": False shows any raw HTML in the file as text.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=str(request.app.openapi_url),
        title="riskmap API",
        swagger_js_url=f"{SWAGGER_UI_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_UI_PREFIX}/favicon-32x32.png",
    )


def _scoring_markdown() -> str:
    candidates = (PROJECT_ROOT / "docs" / "scoring.md", Path.cwd() / "docs" / "scoring.md")
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        raise NotFound("docs/scoring.md is not installed with this copy of riskmap")
    return path.read_text(encoding="utf-8")


def markdown_page(markdown: str, title: str, markdown_url: str) -> str:
    """A Markdown document as a full HTML page (raw HTML in the Markdown shows as text)."""
    return _TEMPLATES.get_template("docs/document.html").render(
        title=title,
        body=Markup(_MARKDOWN.render(markdown)),  # markdown-it escapes the text it renders
        stylesheet=f"{PAGE_STATIC_PREFIX}/document.css",
        api_docs="/docs",
        markdown=markdown_url,
    )


@router.get(
    "/docs/scoring",
    response_class=HTMLResponse,
    responses={
        200: {
            "content": {"text/html": {}, "text/markdown": {}},
            "description": "HTML, or the Markdown with f=md or Accept: text/markdown",
        }
    },
    summary="How scores are computed",
)
def scoring_documentation(
    request: Request,
    f: Annotated[Literal["html", "md"] | None, Query(description="html or md")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    markdown = _scoring_markdown()
    wants_markdown = f == "md" or (
        f is None and accept is not None and accept.split(",")[0].strip() == "text/markdown"
    )
    if wants_markdown:
        return PlainTextResponse(markdown, media_type="text/markdown")
    url = str(request.url_for("scoring_documentation").include_query_params(f="md"))
    return HTMLResponse(markdown_page(markdown, "How riskmap computes threat scores", url))

"""The web assets a map page loads: Leaflet from the pinned npm package and the page's own files.

The page loads exactly ``leaflet.js``/``leaflet.css`` and ``riskmap.js``/``riskmap.css``
(shipped in this package under ``static/``), either from the app under ``/static`` or inlined
(Leaflet's images as data URIs) for a file that opens with no server.

Served pages need no inline script at all, so their Content-Security-Policy can say
``script-src 'self'``; the map's data travels in a JSON island that the browser never runs.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: Folder of the npm package's built files, relative to ``node_modules``.
LEAFLET_DIST = Path("leaflet") / "dist"
#: Where the app serves :data:`LEAFLET_DIST`.
STATIC_PREFIX = "/static/leaflet"
#: The page's own script and stylesheet, inside this package.
PAGE_STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Where the app serves :data:`PAGE_STATIC_DIR`.
PAGE_STATIC_PREFIX = "/static/riskmap"
PAGE_SCRIPT = "riskmap.js"
PAGE_STYLESHEET = "riskmap.css"

_CSS_URL = re.compile(r"url\((images/[\w.-]+\.png)\)")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


@dataclass(frozen=True)
class PageAssets:
    """Scripts and stylesheets of the page, in load order: links (``*_urls``) or inline text.

    Inline text has been checked by :func:`inline_script` / :func:`inline_style`: it cannot
    end its ``<script>``/``<style>`` element early.
    """

    js_urls: tuple[str, ...] = ()
    css_urls: tuple[str, ...] = ()
    inline_js: tuple[str, ...] = ()
    inline_css: tuple[str, ...] = ()


def leaflet_dir(assets_dir: Path) -> Path:
    """``node_modules/leaflet/dist``; a clear error when ``npm ci`` has not been run."""
    path = assets_dir / LEAFLET_DIST
    if not (path / "leaflet.js").exists():
        raise FileNotFoundError(f"{path / 'leaflet.js'} is missing: run `npm ci --ignore-scripts`")
    return path


@cache
def page_file_version(name: str) -> str:
    """A short content hash of one of the page's own files, so a new release busts caches."""
    return hashlib.sha256((PAGE_STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def served(prefix: str = STATIC_PREFIX, page_prefix: str = PAGE_STATIC_PREFIX) -> PageAssets:
    """Links to the copies the app serves (see the ``StaticFiles`` mounts in ``service.app``)."""
    script = f"{page_prefix}/{PAGE_SCRIPT}?v={page_file_version(PAGE_SCRIPT)}"
    stylesheet = f"{page_prefix}/{PAGE_STYLESHEET}?v={page_file_version(PAGE_STYLESHEET)}"
    return PageAssets(
        js_urls=(f"{prefix}/leaflet.js", script),
        css_urls=(f"{prefix}/leaflet.css", stylesheet),
    )


def inline_script(text: str, name: str) -> str:
    """``text`` if it can sit inside ``<script>…</script>``; raises if it would end it early."""
    lowered = text.lower()
    if "</script" in lowered or "<!--" in lowered:
        raise ValueError(f"{name} contains '</script' or '<!--' and cannot be inlined")
    return text


def inline_style(text: str, name: str) -> str:
    """``text`` if it can sit inside ``<style>…</style>``; raises if it would end it early."""
    if "</style" in text.lower():
        raise ValueError(f"{name} contains '</style' and cannot be inlined")
    return text


def inlined(assets_dir: Path) -> PageAssets:
    """Leaflet's and the page's scripts and stylesheets as text, images as data URIs."""
    folder = leaflet_dir(assets_dir)
    leaflet_js = _SOURCE_MAP.sub("", (folder / "leaflet.js").read_text(encoding="utf-8"))

    def data_uri(match: re.Match[str]) -> str:
        image = folder / match.group(1)
        if not image.exists():
            return match.group(0)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    leaflet_css = _CSS_URL.sub(data_uri, (folder / "leaflet.css").read_text(encoding="utf-8"))
    page_js = (PAGE_STATIC_DIR / PAGE_SCRIPT).read_text(encoding="utf-8")
    page_css = (PAGE_STATIC_DIR / PAGE_STYLESHEET).read_text(encoding="utf-8")
    return PageAssets(
        inline_js=(inline_script(leaflet_js, "leaflet.js"), inline_script(page_js, PAGE_SCRIPT)),
        inline_css=(
            inline_style(leaflet_css, "leaflet.css"),
            inline_style(page_css, PAGE_STYLESHEET),
        ),
    )

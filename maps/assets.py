"""The web assets a map page loads: Leaflet from the pinned npm package, nothing else.

folium's defaults pull jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs; the
risk map uses none of them (plain Leaflet GeoJSON, tooltips, popups and a layer control), so
the page loads exactly ``leaflet.js`` and ``leaflet.css``, either from the app under
``/static`` or inlined (images as data URIs) for a file that opens with no server.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

#: Folder of the npm package's built files, relative to ``node_modules``.
LEAFLET_DIST = Path("leaflet") / "dist"
#: Where the app serves :data:`LEAFLET_DIST`.
STATIC_PREFIX = "/static/leaflet"

_CSS_URL = re.compile(r"url\((images/[\w.-]+\.png)\)")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


@dataclass(frozen=True)
class PageAssets:
    """Scripts and stylesheets for the page head: links (``*_urls``) or inline text."""

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


def served(prefix: str = STATIC_PREFIX) -> PageAssets:
    """Links to the copies the app serves (folium's ``default_js``/``default_css`` replaced)."""
    return PageAssets(js_urls=(f"{prefix}/leaflet.js",), css_urls=(f"{prefix}/leaflet.css",))


def inlined(assets_dir: Path) -> PageAssets:
    """Leaflet's script and stylesheet as text, the stylesheet's images as data URIs."""
    folder = leaflet_dir(assets_dir)
    script = _SOURCE_MAP.sub("", (folder / "leaflet.js").read_text(encoding="utf-8"))
    if "</script" in script.lower():  # would end the inline <script> element early
        raise ValueError("leaflet.js contains '</script' and cannot be inlined")

    def data_uri(match: re.Match[str]) -> str:
        image = folder / match.group(1)
        if not image.exists():
            return match.group(0)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    css = _CSS_URL.sub(data_uri, (folder / "leaflet.css").read_text(encoding="utf-8"))
    return PageAssets(inline_js=(script,), inline_css=(css,))

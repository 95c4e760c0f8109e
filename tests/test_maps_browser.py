"""The map in headless Chromium against a running app with the sample articles ingested.

Debian's ``/usr/bin/chromium`` driven by Playwright (no browser download). Checks what only a
browser can: no console errors, no request leaves the app's host, every region is drawn, a
tooltip appears on hover, hostile article markup shows as text and runs nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import shapely
from live_server import live_server, test_settings
from maps_support import ingest_samples

pytestmark = pytest.mark.browser

#: Debian's chromium (what `make test` installs as root), else any chromium on PATH.
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
_DATABASES: dict[str, str] = {}  # base URL -> database URL of that server
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    pytest.skip(
        "no chromium on PATH: `make test` installs Debian's chromium only when run as root where "
        "apt-get exists; elsewhere install chromium to run the browser tests",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # file: lets a report opened from disk embed the map (the README's example).
    settings = test_settings(
        tmp_path_factory.mktemp("browser") / "riskmap.sqlite3", embed_origins=["'self'", "file:"]
    )
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        ingest_samples(client)
        _DATABASES[url] = settings.database
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A page with everything it logged, requested and tried to pop up recorded."""

    def __init__(self, browser: Any, url: str) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 860})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.goto(url, wait_until="load")
        self.page.wait_for_selector("path.rm-region", state="attached")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def point_of(self, geometry: dict[str, Any]) -> tuple[float, float]:
        """Page pixel of a point inside a region (its representative point, not its centre)."""
        inside = shapely.geometry.shape(geometry).representative_point()
        return tuple(  # type: ignore[return-value]
            self.page.evaluate(
                """([lat, lng]) => {
                    const map = window.riskmap.map;
                    const p = map.latLngToContainerPoint([lat, lng]);
                    const box = map.getContainer().getBoundingClientRect();
                    return [box.left + p.x, box.top + p.y];
                }""",
                [inside.y, inside.x],
            )
        )


def _region(base_url: str, region: str) -> dict[str, Any]:
    feature: dict[str, Any] = httpx.get(f"{base_url}regions/{region}", timeout=30).json()
    return feature


def test_country_map(browser: Any, base_url: str) -> None:
    visit = Visit(browser, f"{base_url}maps/risk?country=AFG&level=admin1")
    expected = httpx.get(f"{base_url}regions?country=AFG&level=admin1", timeout=30).json()
    page = visit.page
    assert page.locator("path.rm-region").count() == expected["numberMatched"]
    assert page.locator("path.rm-border").count() >= 6
    assert page.locator(".rm-legend").inner_text().startswith("Threat score")

    badakhshan = _region(base_url, "AF-BDS")
    x, y = visit.point_of(badakhshan["geometry"])
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=5000)
    assert "Badakhshan" in tooltip.inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_afghanistan_admin1.png"))
    assert (ARTIFACTS / "map_afghanistan_admin1.png").stat().st_size > 20_000

    host = urlsplit(base_url).netloc
    foreign = [u for u in visit.requests if urlsplit(u).netloc != host]
    assert foreign == []
    assert visit.errors == []
    page.close()


def test_hostile_markup_shows_as_text(browser: Any, base_url: str) -> None:
    visit = Visit(browser, f"{base_url}maps/risk?country=AFG&level=admin1")
    page = visit.page
    kabul = _region(base_url, "AF-KAB")
    assert kabul["properties"]["evidence"], "the hostile sample should be evidence for Kabul"
    x, y = visit.point_of(kabul["geometry"])
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    assert '<script>alert("riskmap")</script>' in text
    assert "<b>riskmap</b> sample" in text
    assert popup.locator("script, img, iframe").count() == 0
    page.wait_for_timeout(300)  # give an injected handler the chance to fire
    assert visit.dialogs == []
    assert page.locator("img[src='x']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_hostile_popup.png"))
    assert visit.errors == []
    page.close()


def test_world_and_embed(browser: Any, base_url: str) -> None:
    visit = Visit(browser, f"{base_url}maps/embed?level=admin0")
    assert visit.page.locator("path.rm-region").count() == 240
    assert visit.page.locator(".rm-header").count() == 0
    host = urlsplit(base_url).netloc
    assert [u for u in visit.requests if urlsplit(u).netloc != host] == []
    assert visit.errors == []
    visit.page.close()


def test_standalone_file_opens_offline(
    browser: Any, base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``riskmap map --out FILE.html``: one file that draws with no server and no network."""
    from service.cli import main

    monkeypatch.setenv("RISKMAP_DATABASE_URL", _DATABASES[base_url])
    out = tmp_path / "afghanistan.html"
    assert main(["map", "--out", str(out), "--country", "AFG"]) == 0
    visit = Visit(browser, out.as_uri())
    assert visit.page.locator("path.rm-region").count() == 32
    assert [
        u for u in visit.requests if not u.startswith("file:") and not u.startswith("data:")
    ] == []
    assert visit.errors == []
    visit.page.close()


#: Template, script-breaker and template-literal probes (see tests/test_maps_hostile.py).
PROBES = (
    "{{ 7*191 }}",
    "{% raw %}",
    "{{ config }}",
    "{% for x in y %}",
    "{% broken {{",
    "${7*191}",
    "`backtick`",
    "</script><script>alert(1)</script>",
)


def test_template_syntax_shows_literally(browser: Any, base_url: str, tmp_path: Path) -> None:
    """An article full of template syntax: its popup shows the characters, nothing runs."""
    probes = " ".join(PROBES)
    response = httpx.post(
        f"{base_url}documents",
        json={
            "text": f"A suicide bomber killed 4 people in Kandahar {probes} on Monday.",
            "published": "2026-11-12",
            "source": f"probe {probes}",
            "url": "https://example.org/probe?q={{ 7*191 }}",
        },
        timeout=60,
    )
    assert response.status_code in (200, 201), response.text
    visit = Visit(browser, f"{base_url}maps/risk?country=AFG&level=admin1")
    page = visit.page
    kandahar = _region(base_url, "AF-KAN")
    assert page.locator(f"path.rm-region[data-id='{kandahar['id']}']").count() == 1
    x, y = visit.point_of(kandahar["geometry"])
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    text = popup.inner_text()
    for probe in PROBES:
        assert probe in text, probe
    assert f"probe {probes}" in text
    assert "1337" not in text
    link = popup.locator("a", has_text="probe {{ 7*191 }}")
    assert link.get_attribute("href") == "https://example.org/probe?q={{ 7*191 }}"
    assert popup.locator("script, img, iframe").count() == 0
    page.wait_for_timeout(300)  # give an injected handler the chance to fire
    assert visit.dialogs == []
    shot = tmp_path / "map_template_probe_popup.png"
    page.screenshot(path=str(shot))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / shot.name).write_bytes(shot.read_bytes())
    assert shot.stat().st_size > 20_000
    assert visit.errors == []
    page.close()


# --------------------------------------------------------------------------- issue 14

#: Fills of a province with no incident in the window: not named, or named only.
QUIET_FILLS = ("#c8c8c8", "#ffffcc")


def _rect(locator: Any) -> dict[str, float]:
    box: dict[str, float] = locator.bounding_box()
    assert box is not None, "the element is not rendered"
    return box


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    assert (ARTIFACTS / name).stat().st_size > 5_000


def test_time_control_redraws_without_reloading(browser: Any, base_url: str) -> None:
    """A bombing from last year colours Helmand under "all" and not under "30 days"."""
    response = httpx.post(
        f"{base_url}documents",
        json={
            "text": "A roadside bomb killed 6 soldiers in Helmand province on 3 March 2025.",
            "published": "2025-03-04",
            "source": "time control test",
        },
        timeout=60,
    )
    assert response.status_code in (200, 201), response.text
    visit = Visit(browser, f"{base_url}maps/risk?country=AFG")
    page = visit.page
    helmand = page.locator("path.rm-region[data-id='AFG-1750']")
    assert page.locator("#rm-map").get_attribute("data-window") == "until:all"
    fill_all = helmand.get_attribute("fill")
    assert fill_all not in QUIET_FILLS
    page.evaluate("window.notReloaded = true")

    page.locator(".rm-time button[data-preset='30d']").click()
    assert page.locator("#rm-map").get_attribute("data-window") == "until:30d"
    assert helmand.get_attribute("fill") in QUIET_FILLS
    statement = page.locator("#rm-statement").inner_text()
    assert "latest report: 2026-11-2" in statement and "to 20" in statement
    _shot(page, "map_time_30_days.png")

    page.locator(".rm-time .rm-latest").click()
    assert page.locator("#rm-map").get_attribute("data-window") == "latest:30d"
    assert page.locator(".rm-time .rm-latest").get_attribute("aria-pressed") == "true"
    page.locator(".rm-time button[data-preset='all']").click()
    assert helmand.get_attribute("fill") == fill_all
    assert page.evaluate("window.notReloaded") is True
    assert visit.errors == []
    page.close()


@pytest.mark.parametrize("size", [(400, 300), (800, 520), (1280, 800)])
def test_embed_popup_fully_visible(browser: Any, base_url: str, size: tuple[int, int]) -> None:
    """A popup opened in the embed lies inside the frame and clear of legend and controls."""
    width, height = size
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base_url}maps/embed?country=PAK", wait_until="load")
    page.wait_for_selector("path.rm-point", state="attached")
    legend = page.locator(".rm-legend")
    assert ("rm-collapsed" in (legend.get_attribute("class") or "")) == (width < 700)

    page.locator("path.rm-point").first.click()
    popup = page.locator(".leaflet-popup")
    popup.wait_for(timeout=5000)
    page.wait_for_timeout(400)  # the pan that brings the popup into view
    assert "Peshawar" in popup.inner_text()
    frame = {"x": 0.0, "y": 0.0, "width": float(width), "height": float(height)}
    assert _inside(_rect(popup), frame)
    controls = page.locator(".leaflet-control")
    for i in range(controls.count()):
        if controls.nth(i).is_visible():
            assert not _overlap(_rect(popup), _rect(controls.nth(i))), controls.nth(i).inner_text()
    _shot(page, f"embed_{width}x{height}_popup.png")
    if width >= 1280:
        labels = page.locator(".rm-label").all_inner_texts()
        assert "Khyber Pakhtunkhwa" in labels and "K.P." not in labels
    assert errors == []
    page.close()


def test_phone_width_and_labels(browser: Any, base_url: str) -> None:
    """At 390 px every control of the page is on screen, and the map names its provinces."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{base_url}maps/risk?country=PAK", wait_until="load")
    page.wait_for_selector(".rm-label", state="attached")
    screen = {"x": 0.0, "y": 0.0, "width": 390.0, "height": 844.0}
    controls = page.locator(
        ".rm-header select, .rm-header input, .rm-header button, .rm-header nav a, "
        ".rm-time button, .rm-legend-toggle, .leaflet-control-zoom a"
    )
    assert controls.count() >= 14
    for i in range(controls.count()):
        assert _inside(_rect(controls.nth(i)), screen), controls.nth(i).evaluate("e => e.outerHTML")
    assert {"Balochistan", "Punjab"} <= set(page.locator(".rm-label").all_inner_texts())
    _shot(page, "map_390px.png")
    page.close()


def test_report_file_embeds_the_map(browser: Any, base_url: str, tmp_path: Path) -> None:
    """The README's iframe snippet in a report opened as a local file, with ``file:`` allowed."""
    report = tmp_path / "report.html"
    report.write_text(
        f'<h1>Report</h1><iframe src="{base_url}maps/embed?country=AFG&level=admin1" '
        'width="800" height="520" style="border:0" title="Threat scores"></iframe>',
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 900, "height": 700})
    page.goto(report.as_uri(), wait_until="load")
    frame = page.frame_locator("iframe")
    frame.locator("path.rm-region").first.wait_for(state="attached", timeout=10_000)
    assert frame.locator("path.rm-region").count() == 32
    _shot(page, "report_file_embed.png")
    page.close()

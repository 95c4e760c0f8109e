"""Template syntax and script breakers in articles and boundary names stay data (issue 10).

Article text, source and url are ingested through the API, then every map that shows them
(``/maps/risk``, ``/maps/embed``, ``riskmap map --out x.html``) must answer 200 and carry the
literal characters in its data island: never ``1337`` from ``{{ 7*191 }}``, never a 500 from an
unclosed ``{% for %}``. Region and country names from a user's boundary file are checked on the
renderers directly (HTML and PNG).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_client
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from maps_support import island

from maps.assets import served
from maps.model import EvidenceEvent, EvidenceReport, RiskMap, ScoredShape
from maps.png import render_png
from maps.render import map_data, render_html
from service.cli import main

#: Each one is a template, a script breaker or a JavaScript template-literal probe.
HOSTILE = (
    "{{ 7*191 }}",
    "{% raw %}",
    "{{ config }}",
    "{% for x in y %}",
    "{% broken {{",
    "${7*191}",
    "a `backtick` here",
    "</script><script>alert(1)</script>",
    "{{ lipsum.__globals__.os.getpid() }}",
)
#: One Afghan place per document, so that no two reports merge into one event.
CITIES = (
    "Kandahar",
    "Herat",
    "Nangarhar",
    "Kunduz",
    "Ghazni",
    "Helmand",
    "Mazar-i-Sharif",
    "Khost",
    "Badakhshan",
)


def _report_strings(data: dict[str, Any]) -> set[str]:
    """Every sentence, source and url of every report on the map."""
    out: set[str] = set()
    for feature in data["regions"]["features"]:
        for event in feature["properties"].get("evidence", []):
            for report in event["reports"]:
                out.update(str(report.get(k)) for k in ("sentence", "source", "url"))
    return out


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    """The real app with one hostile article per probe; yields the client and its database."""
    folder = tmp_path_factory.mktemp("hostile")
    for client in make_client(folder):
        for i, (probe, city) in enumerate(zip(HOSTILE, CITIES, strict=True)):
            response = client.post(
                "/documents",
                json={
                    "text": f"A suicide bomber killed {i + 2} people in {city} {probe} on Monday.",
                    "published": (dt.date(2026, 11, 2) + dt.timedelta(days=i)).isoformat(),
                    "source": f"probe {probe}",
                    "url": f"https://example.org/{i}?q={probe}",
                },
            )
            assert response.status_code in (200, 201), response.text
        yield client, folder / "riskmap.sqlite3"


def _assert_literal(page: str, *, every_probe: bool = True) -> None:
    """The page carries the probes as they were written; ``every_probe`` when none is cut.

    A country's popup lists at most ``EVENTS_PER_POPUP`` events, so the world admin-0 page
    (one Afghanistan with nine events) shows most, not all, of them.
    """
    assert "city 1337" not in page and "probe 1337" not in page
    strings = _report_strings(island(page))
    sentences = [s for s in strings if "suicide bomber" in s]
    assert sentences and all(any(p in s for p in HOSTILE) for s in sentences)
    for i, probe in enumerate(HOSTILE if every_probe else ()):
        assert any(probe in s for s in sentences), probe
        assert f"probe {probe}" in strings
        assert f"https://example.org/{i}?q={probe}" in strings
    # The only </script in the island's text would end it early: none is left raw.
    assert "</script><script>alert(1)" not in page


@pytest.mark.parametrize("path", ["/maps/risk", "/maps/embed"])
def test_pages_show_hostile_text_literally(
    hostile_client: tuple[TestClient, Path], path: str
) -> None:
    client, _ = hostile_client
    response = client.get(path, params={"country": "AFG", "level": "admin1"})
    assert response.status_code == 200, response.text[:500]
    _assert_literal(response.text)


def test_world_pages_still_answer(hostile_client: tuple[TestClient, Path]) -> None:
    client, _ = hostile_client
    for level in ("admin0", "admin1"):
        response = client.get("/maps/risk", params={"level": level})
        assert response.status_code == 200
        _assert_literal(response.text, every_probe=level == "admin1")


def test_cli_file_shows_hostile_text_literally(
    hostile_client: tuple[TestClient, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, database = hostile_client
    monkeypatch.setenv("RISKMAP_DATABASE_URL", f"sqlite:///{database}")
    out = tmp_path / "afg.html"
    assert main(["map", "--out", str(out), "--country", "AFG"]) == 0
    _assert_literal(out.read_text(encoding="utf-8"))


def _square(x: float, y: float) -> str:
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _named_map(names: tuple[str, ...], country_name: str) -> RiskMap:
    """A map whose region and country names come from a (hostile) user boundary file."""
    report = EvidenceReport("Gunmen attacked a checkpoint {{ 6*7 }}.", "Wire {% if %}", None)
    regions = [
        ScoredShape(
            f"R{i}",
            name,
            "admin1",
            _square(i, 0),
            2.0 if i == 0 else None,
            context=country_name,
            evidence=(EvidenceEvent("armed_attack", "2026-11-02", 1, 0, (report,)),)
            if i == 0
            else (),
        )
        for i, name in enumerate(names)
    ]
    return RiskMap(
        level="admin1",
        regions=regions,
        borders=[],
        outlines=[],
        bounds=(0.0, 0.0, float(len(names)), 1.0),
        until=dt.date(2026, 11, 30),
        country="XXA",
        country_name=country_name,
        links={"GeoJSON {{ 7*191 }}": "/regions?q={{ 7*191 }}"},
    )


def test_region_and_country_names_are_data_not_templates() -> None:
    country = "Land {{ 7*191 }} {% for x in y %}"
    risk_map = _named_map(HOSTILE, country)
    for embed in (False, True):
        page = render_html(risk_map, served(), embed=embed)
        assert "1337" not in page and "checkpoint 42" not in page
        data = island(page)
        names = [f["properties"]["name"] for f in data["regions"]["features"]]
        assert names == list(HOSTILE)
        assert {f["properties"]["context"] for f in data["regions"]["features"]} == {country}
        report = data["regions"]["features"][0]["properties"]["evidence"][0]["reports"][0]
        assert report["sentence"] == "Gunmen attacked a checkpoint {{ 6*7 }}."
        assert report["source"] == "Wire {% if %}"
    page = render_html(risk_map, served())
    # The title and the header's link labels are escaped text in the markup, not templates.
    assert "<title>Threat score by province: Land {{ 7*191 }} {% for x in y %}</title>" in page
    assert "GeoJSON {{ 7*191 }}</a>" in page


@settings(max_examples=200, deadline=None)
@given(name=st.text(), sentence=st.text(), source=st.text(min_size=1))
def test_any_text_comes_back_unchanged(name: str, sentence: str, source: str) -> None:
    """Whatever the text, the page's island parses back to exactly it and stays one element."""
    risk_map = _named_map((name,), name)
    report = EvidenceReport(sentence, source, None)
    event = EvidenceEvent("bombing", None, 1, 0, (report,))
    risk_map.regions[0] = ScoredShape("R0", name, "admin1", _square(0, 0), 1.0, evidence=(event,))
    text = map_data(risk_map)
    assert "<" not in text and ">" not in text and "&" not in text
    data = island(render_html(risk_map, served()))
    props = data["regions"]["features"][0]["properties"]
    assert props["name"] == name
    assert props["evidence"][0]["reports"][0] == {
        "sentence": sentence.strip(),
        "source": source,
        "url": None,
        "published": None,
    }


@pytest.mark.parametrize(
    "name", ["$\\frac{$", "$\\notacommand$ Province", "North $x^$ {{ 7*191 }}"]
)
def test_png_draws_dollar_signs_as_text(name: str) -> None:
    """Names with ``$`` are not parsed as mathtext (``$\\frac{`` used to raise: a 500)."""
    risk_map = _named_map((name, "Plain"), name)
    png = render_png(risk_map, width_px=600, height_px=400, dpi=100)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"

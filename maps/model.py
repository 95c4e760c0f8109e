"""What a risk map shows, as plain records: scored shapes, their evidence, the window.

The service assembles a :class:`RiskMap` from its stores; :mod:`maps.render` (HTML) and
:mod:`maps.png` (static image) draw the very same record, so the browser map and the report
image cannot disagree. Nothing here knows about HTTP, storage, HTML or Leaflet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["admin0", "admin1"]
Basemap = Literal["outline", "osm", "carto"]

WORLD_BOUNDS: tuple[float, float, float, float] = (-180.0, -58.0, 180.0, 84.0)


@dataclass(frozen=True)
class EvidenceReport:
    """One article's sentence about an event: untrusted text, escaped wherever it is shown."""

    sentence: str
    source: str | None = None
    url: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class EvidenceEvent:
    """One scored event (several reports of the same incident count once)."""

    type: str
    date: str | None
    killed: int | None
    wounded: int | None
    reports: tuple[EvidenceReport, ...]


@dataclass(frozen=True)
class ScoredShape:
    """A region or border with its geometry (RFC 7946 geometry JSON) and its scores.

    ``threat_score`` is ``None`` when no document names the place ("no evidence"), and ``0``
    when documents mention it without any incident: the map shows the two differently.
    """

    id: str
    name: str
    kind: Literal["admin0", "admin1", "border"]
    geometry: str
    threat_score: float | None
    context: str | None = None  # the country name of a province, for tooltips
    incidents: int = 0
    fatalities: int = 0
    injured: int = 0
    documents: int = 0
    evidence: tuple[EvidenceEvent, ...] = ()
    more_events: int = 0  # events left out of the popup to keep the page small
    label_at: tuple[float, float] | None = None  # (lon, lat) inside the shape, for its name


@dataclass(frozen=True)
class WindowScores:
    """The scores of one time window the page can switch to without asking the server.

    ``shapes`` holds only regions and borders with evidence in the window, as
    ``id -> (threat_score, incidents, fatalities, documents)``; any other shape is "no
    evidence" in it, which keeps the page small. ``anchor`` says where scores decay from:
    ``until`` (the view's last day, today by default) or ``latest`` (the latest report).
    """

    key: str
    label: str
    since: dt.date | None
    until: dt.date
    anchor: Literal["until", "latest"]
    shapes: dict[str, tuple[float, int, int, int]]


@dataclass(frozen=True)
class IncidentPoint:
    """An event placed at a town (a point, not a whole region), drawn over the choropleth."""

    lon: float
    lat: float
    place: str | None
    event: EvidenceEvent


@dataclass(frozen=True)
class RiskMap:
    """Everything one map needs: the shapes, the view and the words around them."""

    level: Level
    regions: list[ScoredShape]
    borders: list[ScoredShape]
    outlines: list[str]  # country polygons (geometry JSON) drawn as the offline basemap
    bounds: tuple[float, float, float, float]  # minx, miny, maxx, maxy to fit the view to
    until: dt.date
    since: dt.date | None = None
    country: str | None = None
    country_name: str | None = None
    formula: str = ""
    scoring_url: str | None = "/docs/scoring"
    attribution: str = "Boundaries: Natural Earth (public domain) · Scores: riskmap"
    links: dict[str, str] = field(default_factory=dict)  # e.g. GeoJSON and PNG of the view
    latest_report: dt.date | None = None  # the date of the latest report on or before until
    windows: tuple[WindowScores, ...] = ()  # preset windows the page switches between
    window_key: str | None = None  # which of ``windows`` the shapes' own scores are
    points: tuple[IncidentPoint, ...] = ()

    @property
    def title(self) -> str:
        """``Threat score by province: Afghanistan``, the heading of the page and image."""
        unit = "province" if self.level == "admin1" else "country"
        where = self.country_name or "World"
        return f"Threat score by {unit}: {where}"

    @property
    def window(self) -> str:
        """The time window in words, shown on every map so a printout says what it covers."""
        start = self.since.isoformat() if self.since else "all reports"
        return f"{start} to {self.until.isoformat()}"

    @property
    def window_statement(self) -> str:
        """The window, where scores decay from and the latest report, in one line."""
        latest = self.latest_report.isoformat() if self.latest_report else "none"
        return (
            f"Window: {self.window} (scores decay from {self.until.isoformat()}) · "
            f"latest report: {latest}"
        )

"""A :class:`~maps.model.RiskMap` as a static PNG for reports: the same data as the web map.

Drawn with matplotlib's object API (a ``Figure`` and an Agg canvas, never ``pyplot``), so
concurrent requests in the server's thread pool do not share global state. The image carries
what a printed map must: title, time window, legend, graticule, scale bar and attribution.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path
from matplotlib.ticker import FuncFormatter

from maps.model import RiskMap
from maps.style import (
    LAND_COLOUR,
    NO_EVIDENCE_COLOUR,
    OUTLINE_COLOUR,
    SEA_COLOUR,
    STEPS,
    border_colour,
    border_weight,
    score_colour,
)

KM_PER_DEGREE = 111.32


def plain_text(target: Figure | Axes, x: float, y: float, text: str, **kwargs: Any) -> Artist:
    """Draw ``text`` as the characters it is: never parsed as mathtext.

    Titles and region names come from boundary files and articles; matplotlib would read
    ``$...$`` in them as TeX (``$\\frac{$`` raises). Every text on the image goes through here.
    """
    return target.text(x, y, text, parse_math=False, **kwargs)


def _plain_legend_texts(legend: Legend) -> None:
    """Legend labels and title as plain text too (``Figure.legend`` has no such switch)."""
    for text in [*legend.get_texts(), legend.get_title()]:
        text.set_parse_math(False)


def _polygon_path(polygon: shapely.Polygon) -> Path:
    """One polygon with its holes as a compound path (even-odd fill leaves holes empty)."""
    rings = [polygon.exterior, *polygon.interiors]
    vertices = []
    codes = []
    for ring in rings:
        coords = np.asarray(ring.coords)[:, :2]
        if len(coords) < 3:
            continue
        ring_codes = np.full(len(coords), Path.LINETO, dtype=np.uint8)
        ring_codes[0] = Path.MOVETO
        ring_codes[-1] = Path.CLOSEPOLY
        vertices.append(coords)
        codes.append(ring_codes)
    if not vertices:
        return Path(np.zeros((0, 2)))
    return Path(np.concatenate(vertices), np.concatenate(codes))


def polygon_paths(geometry_json: Sequence[str]) -> list[list[Path]]:
    """Matplotlib paths of each (multi)polygon GeoJSON geometry, parsed in one vectorised call."""
    geometries = shapely.from_geojson(np.asarray(geometry_json, dtype=object))
    out = []
    for geometry in geometries:
        parts: list[Any] = list(shapely.get_parts(geometry)) if geometry is not None else []
        out.append([_polygon_path(p) for p in parts if p.geom_type == "Polygon"])
    return out


def _lines(geometry_json: Sequence[str]) -> list[list[np.ndarray]]:
    geometries = shapely.from_geojson(np.asarray(geometry_json, dtype=object))
    out = []
    for geometry in geometries:
        parts: list[Any] = list(shapely.get_parts(geometry)) if geometry is not None else []
        out.append([np.asarray(p.coords)[:, :2] for p in parts if p.geom_type == "LineString"])
    return out


def _add_polygons(
    ax: Axes,
    geometry_json: Sequence[str],
    colours: Sequence[str],
    edge: str,
    width: float,
    z: float,
) -> None:
    paths: list[Path] = []
    faces: list[str] = []
    for shape_paths, colour in zip(polygon_paths(geometry_json), colours, strict=True):
        paths.extend(shape_paths)
        faces.extend([colour] * len(shape_paths))
    collection = PathCollection(
        paths, facecolors=faces, edgecolors=edge, linewidths=width, zorder=z
    )
    ax.add_collection(collection)


def _nice_step(span: float, target: int) -> float:
    """A 1-2-5 step giving about ``target`` intervals over ``span``."""
    raw = span / max(target, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


def _degrees(axis: str) -> FuncFormatter:
    def label(value: float, _: object) -> str:
        hemisphere = ("E" if value > 0 else "W") if axis == "x" else ("N" if value > 0 else "S")
        return f"{abs(value):g}°{hemisphere if value else ''}"

    return FuncFormatter(label)


def _view(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The bounds with a margin, clamped to the globe."""
    minx, miny, maxx, maxy = bounds
    pad_x = max((maxx - minx) * 0.06, 0.5)
    pad_y = max((maxy - miny) * 0.06, 0.5)
    return (
        max(-180.0, minx - pad_x),
        max(-90.0, miny - pad_y),
        min(180.0, maxx + pad_x),
        min(90.0, maxy + pad_y),
    )


def render_png(
    risk_map: RiskMap, width_px: int = 1600, height_px: int = 1100, dpi: int = 150
) -> bytes:
    """The map as PNG bytes: equirectangular with the aspect of the view's middle latitude."""
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.07, 0.1, 0.7, 0.78))
    ax.set_facecolor(SEA_COLOUR)

    minx, miny, maxx, maxy = _view(risk_map.bounds)
    mid_lat = (miny + maxy) / 2
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / max(math.cos(math.radians(mid_lat)), 0.2), adjustable="box")

    _add_polygons(
        ax, risk_map.outlines, [LAND_COLOUR] * len(risk_map.outlines), OUTLINE_COLOUR, 0.4, 1
    )
    _add_polygons(
        ax,
        [r.geometry for r in risk_map.regions],
        [score_colour(r.threat_score) for r in risk_map.regions],
        "#5a5a5a",
        0.25 if risk_map.country is None else 0.5,
        2,
    )
    segments, colours, widths = [], [], []
    for border, parts in zip(
        risk_map.borders, _lines([b.geometry for b in risk_map.borders]), strict=True
    ):
        for part in parts:
            segments.append(part)
            colours.append(border_colour(border.threat_score))
            widths.append(border_weight(border.threat_score) * 0.6)
    if segments:
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths, zorder=3))

    # Graticule: the map's own coordinates, labelled in degrees.
    step = _nice_step(max(maxx - minx, maxy - miny), 6)
    ax.set_xticks(np.arange(math.ceil(minx / step) * step, maxx + 1e-9, step))
    ax.set_yticks(np.arange(math.ceil(miny / step) * step, maxy + 1e-9, step))
    ax.xaxis.set_major_formatter(_degrees("x"))
    ax.yaxis.set_major_formatter(_degrees("y"))
    ax.tick_params(labelsize=7, colors="#444")
    ax.grid(True, color="#ffffff", linewidth=0.6, alpha=0.8, zorder=0)
    ax.set_axisbelow(False)
    for line in ax.get_xgridlines() + ax.get_ygridlines():
        line.set_zorder(4)
        line.set_alpha(0.5)
        line.set_color("#6b7b88")
        line.set_linewidth(0.3)

    _scale_bar(ax, minx, miny, maxx, maxy, mid_lat)

    handles: list[Artist] = [
        Patch(facecolor=NO_EVIDENCE_COLOUR, edgecolor="#777", label="no evidence (not named)")
    ]
    handles += [Patch(facecolor=s.colour, edgecolor="#777", label=s.label) for s in STEPS]
    handles.append(Line2D([0], [0], color=STEPS[3].colour, linewidth=3, label="border (by score)"))
    legend = figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.79, 0.88),
        title="Threat score\n0–10, log scale",
        fontsize=8,
        title_fontsize=9,
        frameon=False,
    )
    _plain_legend_texts(legend)
    plain_text(figure, 0.07, 0.95, risk_map.title, fontsize=14, weight="bold", va="bottom")
    plain_text(figure, 0.07, 0.915, f"Time window: {risk_map.window}", fontsize=9, color="#333")
    plain_text(
        figure,
        0.07,
        0.03,
        f"{risk_map.attribution} (formula: docs/scoring.md). Equirectangular, WGS84.",
        fontsize=7,
        color="#555",
    )

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _scale_bar(
    ax: Axes, minx: float, miny: float, maxx: float, maxy: float, mid_lat: float
) -> None:
    """A scale bar valid at the view's middle latitude (equirectangular, so it says where)."""
    km_per_deg = KM_PER_DEGREE * max(math.cos(math.radians(mid_lat)), 0.05)
    width_km = (maxx - minx) * km_per_deg
    length_km = _nice_step(width_km / 5, 1)
    length_deg = length_km / km_per_deg
    x0 = minx + (maxx - minx) * 0.04
    y0 = miny + (maxy - miny) * 0.05
    # A white backing keeps the bar readable over any border line drawn beneath it.
    ax.add_patch(
        Rectangle(
            (x0 - (maxx - minx) * 0.01, y0 - (maxy - miny) * 0.02),
            length_deg + (maxx - minx) * 0.02,
            (maxy - miny) * 0.065,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=6,
        )
    )
    ax.plot([x0, x0 + length_deg], [y0, y0], color="#222", linewidth=2.5, zorder=7)
    plain_text(
        ax,
        x0,
        y0 + (maxy - miny) * 0.015,
        f"{length_km:g} km (at {mid_lat:.0f}°)",
        fontsize=7,
        zorder=7,
    )

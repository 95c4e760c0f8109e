"""A :class:`~maps.model.RiskMap` as a PNG, SVG or PDF for reports: the data of the web map.

Drawn with matplotlib's object API (a ``Figure`` and an Agg canvas, never ``pyplot``), so
concurrent requests in the server's thread pool do not share global state. The image carries
what a printed map must: title, time window, legend, graticule, scale bar and attribution.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely
from matplotlib import patheffects, rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Affine2D, Bbox

from maps.model import WORLD_BOUNDS, RiskMap
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


def plain_text(target: Figure | Axes, x: float, y: float, text: str, **kwargs: Any) -> Text:
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


#: Fill of the town-level incident points (as the page's, maps/render.py).
POINT_COLOUR = "#263238"
#: Inches of white around the figure's content.
MARGIN_IN = 0.12
#: Most region names printed on an image (the highest scores; fewer when they would overlap).
MAX_LABELS = 12

ImageFormat = Literal["png", "svg", "pdf"]


@dataclass(frozen=True)
class Layout:
    """Where each part of the image went, in display pixels: what the layout tests check."""

    map: Bbox
    title: Bbox
    legend: Bbox
    scale_bar: Bbox
    attribution: Bbox
    labels: tuple[tuple[str, Bbox], ...]

    def parts(self) -> dict[str, Bbox]:
        """The parts that must never overlap one another (labels sit on the map)."""
        return {
            "map": self.map,
            "title": self.title,
            "legend": self.legend,
            "scale_bar": self.scale_bar,
            "attribution": self.attribution,
        }


def image_dpi(width_px: int, height_px: int) -> float:
    """Dots per inch for an image size: 150 for a full page, lower for small images.

    Text sizes are in points, so a lower dpi makes a small image's inches larger and its
    title and legend take a smaller share of it (400 x 300 at 150 dpi would be 2.7 inches).
    """
    return max(72.0, min(150.0, 150.0 * min(width_px / 1600, height_px / 1100)))


def _view(
    bounds: tuple[float, float, float, float], whole_world: bool
) -> tuple[float, float, float, float]:
    """The bounds with a margin, clamped to the globe; the world map shows the whole world."""
    if whole_world:
        return WORLD_BOUNDS
    minx, miny, maxx, maxy = bounds
    pad_x = max((maxx - minx) * 0.06, 0.5)
    pad_y = max((maxy - miny) * 0.06, 0.5)
    return (
        max(-180.0, minx - pad_x),
        max(-90.0, miny - pad_y),
        min(180.0, maxx + pad_x),
        min(90.0, maxy + pad_y),
    )


def _fill_box(
    view: tuple[float, float, float, float], box_aspect: float, y_scale: float
) -> tuple[float, float, float, float]:
    """Widen or heighten ``view`` to the map box's shape, so the map fills it (no blank bands).

    ``box_aspect`` is the box's width / height on paper and ``y_scale`` how much longer a degree
    of latitude is drawn than one of longitude. The added strip is clamped to the globe.
    """
    minx, miny, maxx, maxy = view
    width, height = maxx - minx, (maxy - miny) * y_scale
    if width / height < box_aspect:
        extra = (height * box_aspect - width) / 2
        minx, maxx = max(-180.0, minx - extra), min(180.0, maxx + extra)
    else:
        extra = (width / box_aspect - height) / 2 / y_scale
        miny, maxy = max(-90.0, miny - extra), min(90.0, maxy + extra)
    return minx, miny, maxx, maxy


def _legend(figure: Figure, columns: int, points: bool) -> Legend:
    handles: list[Artist] = [
        Patch(facecolor=NO_EVIDENCE_COLOUR, edgecolor="#777", label="no evidence (not named)")
    ]
    handles += [Patch(facecolor=s.colour, edgecolor="#777", label=s.label) for s in STEPS]
    handles.append(Line2D([0], [0], color=STEPS[3].colour, linewidth=3, label="border (by score)"))
    if points:
        handles.append(
            Line2D(
                [0],
                [0],
                marker="o",
                linestyle="none",
                markerfacecolor=POINT_COLOUR,
                markeredgecolor="white",
                markersize=6,
                label="incident at a town (size: toll)",
            )
        )
    legend = figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0, 1),
        ncols=columns,
        title="Threat score (0–10, log scale)",
        fontsize=7,
        title_fontsize=8,
        frameon=False,
        borderaxespad=0,
        borderpad=0,
        columnspacing=1.0,
        handlelength=1.6,
    )
    _plain_legend_texts(legend)
    return legend


def _map_area(box_w: float, box_h: float, aspect: float) -> float:
    """Area of a map of width/height ``aspect`` fitted into a box (inches squared)."""
    if box_w <= 0 or box_h <= 0:
        return 0.0
    return min(box_w, box_h * aspect) * min(box_h, box_w / aspect)


def render_image(
    risk_map: RiskMap,
    width_px: int = 1600,
    height_px: int = 1100,
    image_format: ImageFormat = "png",
    dpi: float | None = None,
) -> bytes:
    """The map as PNG, SVG or PDF bytes (SVG text as paths, so no article text is markup)."""
    figure, _ = draw(risk_map, width_px, height_px, dpi)
    buffer = io.BytesIO()
    # No creation date: the same data gives the same bytes (and the same ETag).
    metadata: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(
        image_format, {}
    )
    with rc_context({"svg.fonttype": "path"}):
        figure.savefig(
            buffer, format=image_format, dpi=figure.dpi, facecolor="white", metadata=metadata
        )
    return buffer.getvalue()


def render_png(
    risk_map: RiskMap, width_px: int = 1600, height_px: int = 1100, dpi: float | None = None
) -> bytes:
    """The map as PNG bytes (see :func:`render_image`)."""
    return render_image(risk_map, width_px, height_px, "png", dpi)


def draw(
    risk_map: RiskMap, width_px: int, height_px: int, dpi: float | None = None
) -> tuple[Figure, Layout]:
    """The figure and where its parts are: equirectangular, aspect of the view's middle latitude.

    Title and window line go on top, attribution and scale bar along the bottom, the legend
    beside the map or under it, whichever leaves the map larger; the map view is widened to
    its box so no blank band is left. Every part is measured, none is placed by guesswork.
    """
    dpi = dpi or image_dpi(width_px, height_px)
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    fig_w, fig_h = figure.get_size_inches()
    to_in = 1 / dpi

    def inches(artist: Artist) -> Bbox:
        return artist.get_window_extent(renderer).transformed(Affine2D().scale(to_in))

    title = plain_text(
        figure, 0, 0, risk_map.title, fontsize=12, weight="bold", va="top", ha="left"
    )
    window = plain_text(
        figure, 0, 0, risk_map.window_statement, fontsize=7.5, color="#333", va="top", ha="left"
    )
    attribution = plain_text(
        figure,
        0,
        0,
        f"{risk_map.attribution} (formula: docs/scoring.md). Equirectangular, WGS84.",
        fontsize=6,
        color="#555",
        va="bottom",
        ha="right",
    )
    # Long lines shrink to the width of the image rather than run off it.
    for text in (title, window, attribution):
        width = inches(text).width
        if width > fig_w - 2 * MARGIN_IN:
            text.set_fontsize(text.get_fontsize() * (fig_w - 2 * MARGIN_IN) / width)
    title_h = inches(title).height
    window_h = inches(window).height
    top = fig_h - MARGIN_IN - title_h - 0.04 - window_h - 0.1
    title.set_position((MARGIN_IN / fig_w, 1 - MARGIN_IN / fig_h))
    window.set_position((MARGIN_IN / fig_w, 1 - (MARGIN_IN + title_h + 0.04) / fig_h))
    attribution.set_position((1 - MARGIN_IN / fig_w, MARGIN_IN / fig_h))
    # The scale bar (at most a fifth of the map plus its words) shares the attribution's line
    # when both fit on it, else it takes a line of its own above.
    attribution_box = inches(attribution)
    scale_width = (fig_w - 2 * MARGIN_IN) / 5 + 1.3
    scale_line = (
        attribution_box.height
        if attribution_box.width + scale_width + 0.2 > (fig_w - 2 * MARGIN_IN)
        else 0.0
    )
    bottom = MARGIN_IN + scale_line + max(attribution_box.height, 0.22) + 0.08
    # Tick labels of the graticule: room on the left and below the map.
    tick_left, tick_below = 0.42, 0.18

    whole_world = risk_map.country is None
    view = _view(risk_map.bounds, whole_world)
    mid_lat = (view[1] + view[3]) / 2
    y_scale = 1 / max(math.cos(math.radians(mid_lat)), 0.2)
    data_aspect = (view[2] - view[0]) / ((view[3] - view[1]) * y_scale)

    side = _legend(figure, 1, bool(risk_map.points))
    side_box = inches(side)
    under = _legend(figure, 4, bool(risk_map.points))
    under_box = inches(under)
    box_h_side = top - bottom - tick_below
    box_w_side = fig_w - MARGIN_IN - tick_left - 0.15 - side_box.width - MARGIN_IN
    box_h_under = top - bottom - tick_below - under_box.height - 0.15
    box_w_under = fig_w - 2 * MARGIN_IN - tick_left
    legend_fits_under = under_box.width <= fig_w - 2 * MARGIN_IN
    if side_box.height > box_h_side or (
        legend_fits_under
        and _map_area(box_w_under, box_h_under, data_aspect)
        > _map_area(box_w_side, box_h_side, data_aspect)
    ):
        legend, box_w, box_h = under, box_w_under, box_h_under
        side.remove()
        map_bottom = bottom + tick_below + under_box.height + 0.15
    else:
        legend, box_w, box_h = side, box_w_side, box_h_side
        under.remove()
        map_bottom = bottom + tick_below
    box_w, box_h = max(box_w, 0.5), max(box_h, 0.5)

    minx, miny, maxx, maxy = _fill_box(view, box_w / box_h, y_scale)
    ax = figure.add_axes(
        (
            (MARGIN_IN + tick_left) / fig_w,
            map_bottom / fig_h,
            box_w / fig_w,
            box_h / fig_h,
        )
    )
    ax.set_facecolor(SEA_COLOUR)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(y_scale, adjustable="box", anchor="NW")
    ax.apply_aspect()
    map_box = ax.get_position()  # figure fraction, after the aspect shrank what it had to
    spare = box_h - map_box.height * fig_h
    if legend is under and spare > 0.05:  # the globe is wider than the box: no band below
        ax.set_position((map_box.x0, map_box.y0 - spare / 2 / fig_h, map_box.width, map_box.height))
        map_box = ax.get_position()
    if legend is side:
        legend.set_bbox_to_anchor(
            (map_box.x1 + 0.15 / fig_w, map_box.y1), transform=figure.transFigure
        )
    else:
        legend.set_bbox_to_anchor(
            (MARGIN_IN / fig_w, (map_box.y0 * fig_h - tick_below - 0.06) / fig_h),
            transform=figure.transFigure,
        )

    _draw_data(ax, risk_map)
    _graticule(ax, minx, miny, maxx, maxy)
    scale = _scale_bar(figure, ax, renderer, maxx - minx, mid_lat, MARGIN_IN + scale_line + 0.07)
    labels = _labels(ax, risk_map, renderer)

    layout = Layout(
        map=ax.get_tightbbox(renderer) or ax.get_window_extent(renderer),
        title=Bbox.union([title.get_window_extent(renderer), window.get_window_extent(renderer)]),
        legend=legend.get_window_extent(renderer),
        scale_bar=scale,
        attribution=attribution.get_window_extent(renderer),
        labels=labels,
    )
    return figure, layout


def _draw_data(ax: Axes, risk_map: RiskMap) -> None:
    """Land, scored regions, borders and town-level incidents, bottom to top."""
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
    if risk_map.points:
        tolls = np.asarray(
            [(p.event.killed or 0) + (p.event.wounded or 0) for p in risk_map.points]
        )
        ax.scatter(
            [p.lon for p in risk_map.points],
            [p.lat for p in risk_map.points],
            s=(2 + np.sqrt(tolls)) ** 2 * 2,
            c=POINT_COLOUR,
            alpha=0.8,
            edgecolors="white",
            linewidths=0.6,
            zorder=5,
        )


def _graticule(ax: Axes, minx: float, miny: float, maxx: float, maxy: float) -> None:
    """The map's own coordinates as a light grid, labelled in degrees."""
    step = _nice_step(max(maxx - minx, maxy - miny), 6)
    ax.set_xticks(np.arange(math.ceil(minx / step) * step, maxx + 1e-9, step))
    ax.set_yticks(np.arange(math.ceil(miny / step) * step, maxy + 1e-9, step))
    ax.xaxis.set_major_formatter(_degrees("x"))
    ax.yaxis.set_major_formatter(_degrees("y"))
    ax.tick_params(labelsize=6, colors="#444", length=2, pad=1.5)
    ax.grid(True, zorder=4, alpha=0.5, color="#6b7b88", linewidth=0.3)
    ax.set_axisbelow(False)


def _labels(ax: Axes, risk_map: RiskMap, renderer: Any) -> tuple[tuple[str, Bbox], ...]:
    """Names of the highest-scored regions at their label points, none over another.

    A name is drawn, measured and kept only when its box stays inside the map and clear of
    the names already placed (highest score first); a name that does not fit is left out.
    """
    scored = sorted(
        (r for r in risk_map.regions if r.threat_score and r.label_at is not None),
        key=lambda r: -(r.threat_score or 0),
    )
    map_box = ax.get_window_extent(renderer)
    placed: list[tuple[str, Bbox]] = []
    for region in scored[:MAX_LABELS]:
        assert region.label_at is not None
        # Centred on its point, or beside it when the centred name would leave the map.
        for align in ("center", "left", "right"):
            text = plain_text(
                ax,
                region.label_at[0],
                region.label_at[1],
                region.name,
                fontsize=6.5,
                weight="bold",
                color="#1f1f1f",
                ha=align,
                va="center",
                zorder=8,
                path_effects=[patheffects.withStroke(linewidth=2, foreground="white")],
            )
            box = text.get_window_extent(renderer)
            inside = map_box.contains(box.x0, box.y0) and map_box.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(other) for _, other in placed):
                placed.append((region.name, box))
                break
            text.remove()
    return tuple(placed)


def _scale_bar(
    figure: Figure, ax: Axes, renderer: Any, span_deg: float, mid_lat: float, y_in: float
) -> Bbox:
    """A scale bar under the map, off the data, valid at the view's middle latitude."""
    km_per_deg = KM_PER_DEGREE * max(math.cos(math.radians(mid_lat)), 0.05)
    raw = span_deg * km_per_deg / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    # The longest 1-2-5 length within a fifth of the map, so the bar's room is known ahead.
    length_km = float(max(f * magnitude for f in (1, 2, 5) if f * magnitude <= raw))
    map_box = ax.get_position()
    length = length_km / km_per_deg / span_deg * map_box.width  # figure fraction
    fig_w, fig_h = figure.get_size_inches()
    x0 = MARGIN_IN / fig_w
    y0 = y_in / fig_h
    bar = Line2D(
        [x0, x0 + length],
        [y0, y0],
        color="#222",
        linewidth=2.5,
        transform=figure.transFigure,
        solid_capstyle="butt",
    )
    figure.add_artist(bar)
    text = plain_text(
        figure,
        x0 + length + 0.06 / fig_w,
        y0,
        f"{length_km:g} km (at {mid_lat:.0f}°)",
        fontsize=6,
        va="center",
        ha="left",
    )
    return Bbox.union([bar.get_window_extent(renderer), text.get_window_extent(renderer)])

"""``riskmap map --out FILE.html|.png|.svg|.pdf``: a risk map for a report, without a server.

The HTML file inlines Leaflet (images as data URIs), the data and the formula, so it opens
from disk with no server and no network, with the page's time control; the images are the
same as ``/maps/risk.png``, ``.svg`` and ``.pdf``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.settings import Settings

if TYPE_CHECKING:
    from maps.png import ImageFormat

#: File suffixes written as images, and their format.
IMAGE_FORMATS: dict[str, ImageFormat] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def _cmd_map(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.boundaries import load_boundaries
    from geodata.webgeom import Detail
    from service.layers import LayerCatalogue
    from service.map_data import risk_map
    from service.queries import parse_window
    from service.scores import ScoreBoard
    from service.storage import Store

    out: Path = args.out
    suffix = out.suffix.lower()
    if suffix != ".html" and suffix not in IMAGE_FORMATS:
        raise ValueError(f"--out {out}: the file name must end in .html, .png, .svg or .pdf")
    since, until = parse_window(args.since, args.until)
    boundaries = load_boundaries(settings.boundary_source_object(), settings.data_dir)
    store = Store.open(settings.database, settings.dedup_settings())
    try:
        board = ScoreBoard(store, boundaries, settings.score_weights())
        view = risk_map(
            LayerCatalogue(boundaries),
            board,
            level=args.level,
            country=args.country,
            since=since,
            until=until,
            detail=Detail(args.detail) if args.detail else None,
            scoring_url=None,  # no server to link to: the legend carries the formula
        )
    finally:
        store.engine.dispose()

    data: Any
    if suffix in IMAGE_FORMATS:
        from maps.png import render_image

        data = render_image(view, args.width, args.height, IMAGE_FORMATS[suffix])
        out.write_bytes(data)
    else:
        from maps.assets import inlined
        from maps.render import render_html

        data = render_html(view, inlined(settings.assets_dir), embed=args.embed)
        out.write_text(data, encoding="utf-8")
    scored = sum(1 for r in view.regions if r.threat_score is not None)
    print(
        f"wrote {out} ({len(data):,} bytes): {len(view.regions)} regions, {scored} with "
        f"evidence, {view.window}"
    )
    return 0


def register(commands: Any) -> None:
    """Add ``map`` to the ``riskmap`` sub-commands."""
    parser = commands.add_parser(
        "map",
        help="write a risk map as a self-contained HTML file or a PNG, SVG or PDF image",
        description="Write a risk map of the stored incidents as a self-contained HTML file "
        "or a PNG, SVG or PDF image (chosen by the --out file name).",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="FILE.html, FILE.png, FILE.svg or FILE.pdf"
    )
    parser.add_argument(
        "--level",
        choices=("admin0", "admin1"),
        default="admin1",
        help="countries (admin0) or provinces and states (admin1, the default)",
    )
    parser.add_argument("--country", default=None, help="ISO 3166-1 alpha-3 code, e.g. AFG")
    parser.add_argument("--since", default=None, help="first day (YYYY-MM-DD)")
    parser.add_argument("--until", default=None, help="last day (YYYY-MM-DD, default today)")
    parser.add_argument(
        "--detail",
        choices=("low", "medium", "full"),
        default=None,
        help="geometry detail: low (~5 km), medium (~1 km) or full (default: medium for a "
        "country, low for the world)",
    )
    parser.add_argument("--embed", action="store_true", help="HTML without the page header")
    parser.add_argument("--width", type=int, default=1600, help="image width in pixels")
    parser.add_argument("--height", type=int, default=1100, help="image height in pixels")
    parser.set_defaults(handler=_cmd_map)

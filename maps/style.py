"""The colour scale of threat scores, shared by the Leaflet map and the PNG.

The scale starts at "no evidence" (nothing names the place: neutral grey) and "0" (named,
but no incident: the palest step), so a quiet region that was looked at never looks like
one nobody wrote about. Steps are ColorBrewer YlOrRd, readable in print and by most
colour-blind readers.
"""

from __future__ import annotations

from dataclasses import dataclass

NO_EVIDENCE_COLOUR = "#c8c8c8"
NO_EVIDENCE_BORDER = "#8c8c8c"
LAND_COLOUR = "#f4f1ea"
SEA_COLOUR = "#dce9f2"
OUTLINE_COLOUR = "#a5a5a5"


@dataclass(frozen=True)
class Step:
    """One legend entry: scores in ``(low, high]`` (``0`` alone for the first) get ``colour``."""

    low: float
    high: float
    colour: str
    label: str


STEPS: tuple[Step, ...] = (
    Step(0.0, 0.0, "#ffffcc", "0 (named, no incident)"),
    Step(0.0, 1.0, "#fed976", "0 – 1"),
    Step(1.0, 2.5, "#feb24c", "1 – 2.5"),
    Step(2.5, 5.0, "#fd8d3c", "2.5 – 5"),
    Step(5.0, 7.5, "#e31a1c", "5 – 7.5"),
    Step(7.5, 10.0, "#800026", "7.5 – 10"),
)


def score_colour(score: float | None) -> str:
    """The fill colour of a threat score; ``None`` (no evidence) is grey."""
    if score is None:
        return NO_EVIDENCE_COLOUR
    if score <= 0:
        return STEPS[0].colour
    for step in STEPS[1:]:
        if score <= step.high:
            return step.colour
    return STEPS[-1].colour


def border_weight(score: float | None) -> float:
    """Line width in pixels: a border with a higher score is drawn thicker as well as darker."""
    if score is None:
        return 1.0
    return round(2.0 + 0.5 * max(0.0, min(score, 10.0)), 1)


def border_colour(score: float | None) -> str:
    """Line colour of a border: the fill scale, with a darker grey for no evidence."""
    return NO_EVIDENCE_BORDER if score is None else score_colour(score)

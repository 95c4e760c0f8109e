"""What an incident's own text says about a border: the evidence a border score may use.

A border counts an incident only when the incident happened on or near it. Besides a point
close to the line (:mod:`geodata.border_proximity`), that evidence is the text: a border named
in a sentence that reports the incident ("near the border with Tajikistan", "the Afghan-Pakistani
frontier", which the geoparser turns into border mentions) or a border word ("cross-border",
"border crossing", "border guards", "frontier") together with a second country named there.
Being in a province that happens to touch a border is not evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from geodata.incident_model import Incident

#: Words that put an incident at a border without naming which one: "cross-border shelling",
#: "a border crossing", "border guards", "near the frontier with Iran".
BORDER_CUE = re.compile(r"\b(?:cross[-\s]?)?borders?\b|\bfrontiers?\b", re.IGNORECASE)


class PlaceSpan(Protocol):
    """What border ties need of a place mention (a geoparser ``Mention`` or a stored row)."""

    @property
    def start(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def country(self) -> str | None: ...
    @property
    def border(self) -> str | None: ...


@dataclass(frozen=True)
class StoredPlace:
    """A place mention as storage keeps it: enough of it for :func:`text_evidence`."""

    start: int
    kind: str
    country: str | None
    border: str | None


@dataclass(frozen=True)
class BorderText:
    """The border evidence in the sentences that report one event."""

    named: frozenset[str] = frozenset()  # border mentions in those sentences
    cue: bool = False  # a border word: "cross-border", "border crossing", "frontier"
    countries: frozenset[str] = frozenset()  # countries those sentences name (not as a border)

    def __or__(self, other: BorderText) -> BorderText:
        return BorderText(
            self.named | other.named, self.cue or other.cue, self.countries | other.countries
        )


def text_evidence(incident: Incident, places: Sequence[PlaceSpan]) -> BorderText:
    """Border mentions, cues and countries in the sentences that report ``incident``."""
    spans = incident.evidence or ((incident.start, incident.end),)
    inside = [p for p in places if any(start <= p.start < end for start, end in spans)]
    named = frozenset(p.border for p in inside if p.kind == "border" and p.border)
    # The sides of a named border are not partners for a cue: "as the Iran-Iraq border
    # reopened" says nothing about a border of the incident's own country.
    countries = frozenset(p.country for p in inside if p.country and p.kind != "border")
    return BorderText(named, bool(BORDER_CUE.search(incident.sentence)), countries)


def event_evidence(
    reports: Iterable[Incident], places_by_doc: Mapping[str, Sequence[PlaceSpan]]
) -> BorderText:
    """The border evidence of every report of one event, together."""
    evidence = BorderText()
    for report in reports:
        evidence |= text_evidence(report, places_by_doc.get(report.doc_id, ()))
    return evidence


def tied_borders(
    evidence: BorderText,
    own_countries: set[str],
    own_regions: Iterable[str],
    region_borders: Mapping[str, Sequence[str]],
    known_borders: frozenset[str],
) -> set[str]:
    """The borders the text ties an event to.

    A named border counts when it is one of the event's own countries' borders (or the event has
    no country). A cue counts for the border between an own country and another country named in
    the same sentences; with no second country named, only when the event's admin-1 regions touch
    a single border between them, the one a "cross-border raid" there can mean.
    """
    tied = {
        border
        for border in evidence.named
        if not own_countries or own_countries & set(border.split("|"))
    }
    if evidence.cue:
        others = evidence.countries - own_countries
        paired = {
            "|".join(sorted((own, other))) for own in own_countries for other in others
        } & known_borders
        if paired:
            tied |= paired
        else:
            touching = {b for region in own_regions for b in region_borders.get(region, ())}
            if len(touching) == 1:
                tied |= touching
    return tied

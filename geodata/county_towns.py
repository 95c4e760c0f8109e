"""A county and the towns that lie in it settle each other's state.

Local news names a county and its towns together ("Walker County Judge ... Huntsville Fire
Chief"): both names exist in several states (a Walker County in Alabama and in Texas, a
Huntsville in each), and a state-level comparison cannot choose, because each pair lies in one
state. Containment can: only Texas has a Huntsville *inside* its Walker County. The gazetteer
knows which counties each US town lies in (``Gazetteer.place_counties``, from the postal
database at data-build time), and this pass reads each named county as the namesake that holds
the most of the document's towns, then moves those towns into it.

The rule lives here once, in Python, and runs on the mentions of either geoparser (compiled core
or Python reference), after resolution: the two implementations cannot disagree about it, and
documents without a county name (nearly all) pay one comparison per mention.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geodata.gazetteer import Gazetteer
    from geodata.geoparse import Mention

#: Mention precision of a US county reading (``geodata.geoparse.PRECISION["county"]``).
COUNTY_PRECISION = 3


def county_moves(mentions: Sequence[Mention], gaz: Gazetteer) -> dict[int, int]:
    """The mentions to read as another place: mention index -> place number.

    Each county name is read as the namesake county holding the most distinct town names of the
    document (plus one where the document names that county's state as a region); a tie keeps
    the chosen county, else goes to the state where more of the document's other names lie.
    Every town name with a reading inside the county so chosen, and placed in another region,
    moves there. A name is decided once, for all its mentions; the first county to claim a town
    keeps it.
    """
    counties: dict[str, str] = {}  # county name (lower case) -> its surface
    for mention in mentions:
        if mention.precision == COUNTY_PRECISION and mention.country == "USA":
            counties.setdefault(mention.surface.lower(), mention.surface)
    if not counties or not gaz.place_counties:
        return {}
    chosen: dict[str, str | None] = {}  # each name's region, first mention
    towns: dict[str, str] = {}  # town name (lower case) -> its surface
    for mention in mentions:
        name = mention.surface.lower()
        chosen.setdefault(name, mention.admin1)
        if mention.kind in ("city", "country") and mention.precision != COUNTY_PRECISION:
            towns.setdefault(name, mention.surface)
    named_regions = {m.admin1 for m in mentions if m.kind == "admin1" and m.admin1}
    decided: dict[str, int] = {}
    for county_name, surface in counties.items():
        readings = _places_of(gaz, surface, "county")
        if not readings:
            continue
        holds = {county: _towns_inside(gaz, county, towns) for county in readings}
        if not any(holds.values()):
            continue
        others = Counter(region for name, region in chosen.items() if name != county_name)
        scores = {
            county: (
                len(holds[county]) + (gaz.place_admin1[county] in named_regions),
                others[gaz.place_admin1[county]],
            )
            for county in readings
        }
        best = max(readings, key=scores.__getitem__)
        current = [c for c in readings if gaz.place_admin1[c] == chosen[county_name]]
        if current and scores[current[0]] >= scores[best]:
            best = current[0]
        else:
            decided[county_name] = best
        for town_name, town in holds[best].items():
            if chosen[town_name] != gaz.place_admin1[town]:
                decided.setdefault(town_name, town)
    if not decided:
        return {}
    return {
        index: decided[name]
        for index, mention in enumerate(mentions)
        if mention.kind in ("city", "country") and (name := mention.surface.lower()) in decided
    }


def _places_of(gaz: Gazetteer, surface: str, kind: str) -> list[int]:
    """The places of ``kind`` a mention's name can mean, in gazetteer order."""
    key = gaz.key_of(surface)
    if key is None:
        return []
    kinds = gaz.place_kind
    return [
        place
        for place in gaz.entry_place[gaz.entry_start[key] : gaz.entry_start[key + 1]]
        if kinds[place] == kind
    ]


def _towns_inside(gaz: Gazetteer, county: int, towns: dict[str, str]) -> dict[str, int]:
    """The document's town names with a reading inside ``county``: name -> that town."""
    inside: dict[str, int] = {}
    for name, surface in towns.items():
        for town in _places_of(gaz, surface, "city"):
            if county in gaz.place_counties.get(town, ()):
                inside[name] = town
                break
    return inside

"""A county and the towns that lie in it settle each other's state.

Local news names a county and its towns together ("the Washington County sheriff ... a barn
outside Marietta"): both names exist in several states (a Washington County in Georgia and in
Ohio, a Marietta in each), and a state-level comparison cannot choose, because each pair lies in
one state. Containment can: only Ohio has a Marietta *inside* its Washington County. The gazetteer
knows which counties each US town lies in (``Gazetteer.place_counties``, from the postal
database at data-build time), and this pass reads each named county as the namesake that holds
the most of the document's towns, then moves those towns into it.

This is the reference. The compiled core runs its own copy (``Core::county_moves`` in
geodata/core/src/lib.rs) right after its coherence pass, as the Python reference runs this one
after ``_cohere``: run in Python after either implementation, the pass cost a tenth of the
compiled parse of the evaluation texts, a quarter of which name a county. Change both or neither
(tests/test_geocore.py and tests/test_county_towns.py compare them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geodata.gazetteer import Gazetteer
    from geodata.geoparse import Mention

#: Mention precision of a US county reading (``geodata.geoparse.PRECISION["county"]``) and of
#: a name reported at country level only (``PRECISION["country"]``).
COUNTY_PRECISION = 3
COUNTRY_ONLY_PRECISION = 6


def county_moves(
    mentions: Sequence[Mention], gaz: Gazetteer, below_bar: Sequence[bool] = ()
) -> dict[int, int]:
    """The mentions to read as another place: mention index -> place number.

    ``below_bar`` flags the mentions of town and county names that did not clear the confidence
    bar ("Fairview", a town in a dozen states, beside Erie County, Pennsylvania): they never make
    a county or a region choose, but a county that holds them claims them like any other town,
    since lying inside a county the document names is evidence enough. A flagged county claims
    the document's towns too, and holding one of them is what makes it sure ("Miami County"
    beside "Peru", which read alone is the country and leaves the county alone in its country,
    below the bar). The caller reports the flagged mentions that move and drops the rest.

    Each county name is read as the namesake county holding the most distinct town names of the
    document (plus one where the document names that county's state as a region); a tie keeps
    the chosen county, else goes to the state where more of the document's other names lie.
    Every town name (or country name: "Mexico" next to its county; or a region of another
    country: "Ravenna" read in Italy) with a reading inside the county so chosen, and placed in
    another region, moves there. A name is decided once, for all its mentions, on its first
    mention; the first county to claim a town keeps it.
    """
    counties: dict[str, int] = {}  # county name (lower case) -> its key
    towns: dict[str, int] = {}  # town name (lower case) -> its key
    regions: dict[str, tuple[int, str | None]] = {}  # region name -> its key and country
    county_countries: set[str | None] = set()
    chosen: dict[str, str | None] = {}  # each name's region, first mention
    for at, mention in enumerate(mentions):
        name = mention.surface.lower()
        if name in chosen:
            continue
        held_back = at < len(below_bar) and below_bar[at]
        chosen[name] = None if held_back else mention.admin1  # a held-back name is nowhere yet
        if mention.kind != "city" and mention.kind != "country" and mention.kind != "admin1":
            continue
        key = gaz.key_of(mention.surface)
        if key is None:
            continue  # Gazetteer.key_of finds Latin-script names only, as the core's keys do
        if held_back:
            if mention.precision == COUNTY_PRECISION:
                counties[name] = key  # a county below the bar reads as one if it holds a town
                county_countries.add(mention.country)
            elif mention.kind == "city":
                towns[name] = key
        elif mention.kind == "admin1":
            regions[name] = (key, mention.country)
        elif mention.precision == COUNTY_PRECISION or (
            mention.precision == COUNTRY_ONLY_PRECISION
            and mention.kind == "city"
            and _places_of(gaz, key, "county")
        ):
            counties[name] = key
            county_countries.add(mention.country)
        else:
            towns[name] = key
    if not counties:
        return {}
    # A region of another country is a town name too ("Ravenna", read in Italy, beside Ohio's
    # Portage County); the regions of the county's own country stay regions.
    foreign = {name for name, (_, country) in regions.items() if country not in county_countries}
    towns.update((name, regions[name][0]) for name in foreign)
    if not towns:
        return {}
    named = {
        m.admin1
        for at, m in enumerate(mentions)
        if m.kind == "admin1" and not (at < len(below_bar) and below_bar[at])
    }
    decided: dict[str, int] = {}
    for county_name, county_key in counties.items():
        namesakes: dict[str, int] = {}  # state -> the county of this name there
        for county in _places_of(gaz, county_key, "county"):
            region = gaz.place_admin1[county]
            if region is not None:
                namesakes.setdefault(region, county)
        places = {county: state for state, county in namesakes.items()}
        holds: dict[str, dict[str, int]] = {}  # state -> town name -> its first town there
        for town_name, town_key in towns.items():
            for town in _places_of(gaz, town_key, "city"):
                for county in gaz.place_counties.get(town, ()):
                    state = places.get(county)
                    if state is not None:
                        holds.setdefault(state, {}).setdefault(town_name, town)
        if not holds:
            continue
        state = _best_state(namesakes, holds, named, chosen, county_name)
        if state != chosen[county_name]:
            decided[county_name] = namesakes[state]
        for town_name, town in holds.get(state, {}).items():
            if chosen[town_name] != state:
                decided.setdefault(town_name, town)
    if not decided:
        return {}
    return {
        at: decided[name]
        for at, mention in enumerate(mentions)
        if (mention.kind == "city" or mention.kind == "country" or mention.kind == "admin1")
        and (name := mention.surface.lower()) in decided
        and (mention.kind != "admin1" or name in foreign)
    }


def _best_state(
    namesakes: dict[str, int],
    holds: dict[str, dict[str, int]],
    named: set[str | None],
    chosen: dict[str, str | None],
    county_name: str,
) -> str:
    """The state whose county a county name should mean: the most towns held (plus one for the
    state named), then the chosen reading, then the state holding more of the other names."""
    scores = {state: len(towns) + (state in named) for state, towns in holds.items()}
    for state in named:
        if state in namesakes and state not in scores:
            scores[state] = 1
    top = max(scores.values())
    tied = [state for state, score in scores.items() if score == top]
    if len(tied) == 1:
        return tied[0]
    current = chosen[county_name]
    names_in = Counter(region for name, region in chosen.items() if name != county_name)
    most = max(names_in[state] for state in tied)
    if current is not None and current in tied and names_in[current] >= most:
        return current  # the chosen reading keeps a full tie
    return next(s for s in namesakes if s in tied and names_in[s] == most)


def _places_of(gaz: Gazetteer, key: int, kind: str) -> list[int]:
    """The places of ``kind`` a name key can mean, in gazetteer order."""
    kinds = gaz.place_kind
    return [
        place
        for place in gaz.entry_place[gaz.entry_start[key] : gaz.entry_start[key + 1]]
        if kinds[place] == kind
    ]

"""A learned choice between the readings of an ambiguous place name, from the whole document.

The geoparser (compiled core or Python reference) resolves each name from hand-set priors and
the evidence of the other names' *possible* readings. This module sees its *chosen* places and
scores every reading of each ambiguous name with a logistic regression over features that say
how famous the reading is (kind, population, rank among the namesakes) and how well it fits the
rest of the document (its country or region named, other names in the same or a neighbouring
region, distance to the other towns, an "X, Y" partner). The highest-scoring reading wins.

The coefficients are learned by ``bench/train_ranker.py`` (scikit-learn, in the ``bench``
extra) from the evaluation corpora and applied here with plain Python, so the service needs no
learning library; both geoparser implementations feed the same mentions in, so they stay
identical after this pass. Trained on two corpora and scored on the third, the ranker has not
yet beaten the geoparser's own choice (the figures are in that script's output), so
:func:`geodata.geoparse.geoparse` applies it only when given coefficients.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from geodata.gazetteer import ABBREV, POSTAL, TYPED, VARIANT, Gazetteer

#: The features of one reading, in the order the coefficients are stored.
FEATURES = (
    "chosen",  # the reading the geoparser chose
    "chosen_country",  # in the country the geoparser chose (also for country-only mentions)
    "chosen_confidence",  # the geoparser's confidence, for its chosen reading only
    "is_country",
    "is_admin1",
    "is_county",
    "log_population",  # towns and counties: log10(population) / 7
    "population_gap",  # how far below the most populous namesake town, in log10 / 7
    "most_populous",  # the most populous of the name's towns
    "variant",  # matched by an alternate name or a folding, not the main name
    "typed",  # the name carries its type word ("Kunduz Province")
    "short_form",  # a postal code or dotted abbreviation
    "same_country",  # other names placed in its country (up to 3, / 3)
    "country_named",  # its country is named as a country by another mention
    "same_region",  # other names placed in its admin-1 region (up to 3, / 3)
    "region_named",  # its region is named as a region by another mention
    "near_region",  # other names in a neighbouring region (up to 3, / 3)
    "closeness",  # 1 at the nearest other town, 0 three thousand km away or more
    "top_country",  # its country is the one most other names are in
    "paired",  # "X, Y" / "X in Y" with Y in its region or country
)

#: Namesake towns scored per name, most populous first ("Springfield" has dozens).
MAX_TOWNS = 12
#: Between a name and the place that tells where it is: "Dublin, Ohio", "Gaza in Palestine".
_PAIR_GAPS = frozenset([", ", ",", " in ", ", in "])
_EARTH_KM = 6371.0
_CACHE_SLOT = -3  #: Gazetteer.runtime_cache slot of the per-key reading lists


class _Candidate(NamedTuple):
    place: int
    kind: str  # "country", "admin1" or "place" (town or county)
    country: str | None
    admin1: str | None
    population: int
    flags: int
    point: tuple[float, float] | None
    county: bool


@dataclass(slots=True)
class NameChoice:
    """One ambiguous name of a document: its mentions, its readings and their features."""

    name: str  #: the surface, lower-cased: one decision per name and document
    mentions: list[int]  #: indices into the mention list
    places: list[int]  #: one gazetteer place per reading, one reading per area
    rows: list[list[float]]  #: features per reading, in FEATURES order
    chosen: int | None  #: index of the geoparser's reading, None for a country-only mention


@dataclass(frozen=True, slots=True)
class Ranker:
    """Linear scores over :data:`FEATURES`, learned from pairs of readings (the right one
    against each wrong one), so only differences between a name's readings matter."""

    weights: tuple[float, ...]
    #: How much a reading must outscore the geoparser's own to replace it.
    margin: float = 0.0

    def score(self, row: Sequence[float]) -> float:
        return sum(w * x for w, x in zip(self.weights, row, strict=True))

    def pick(self, choice: NameChoice) -> int | None:
        """The place to move the name to, or None to keep the geoparser's reading."""
        scores = [self.score(row) for row in choice.rows]
        best = max(range(len(scores)), key=scores.__getitem__)
        if best == choice.chosen:
            return None
        if choice.chosen is not None:
            floor = scores[choice.chosen]
        else:  # a country-only mention: a region only when one reading clearly leads
            floor = max(s for i, s in enumerate(scores) if i != best)
        if scores[best] <= floor + self.margin:
            return None
        return choice.places[best]

    def as_json(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "weights": list(self.weights), "margin": self.margin}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ranker:
        """Coefficients as ``bench/train_ranker.py`` writes them; the feature list must match."""
        if tuple(data["features"]) != FEATURES:
            raise ValueError("ranker coefficients were trained on other features; retrain them")
        return cls(tuple(float(w) for w in data["weights"]), float(data.get("margin", 0.0)))


def _area(kind: str, country: str | None, admin1: str | None) -> tuple[str, str | None, str | None]:
    return (kind, country, admin1 if kind != "country" else None)


def _candidates(gaz: Gazetteer, key: int) -> tuple[_Candidate, ...]:
    """One reading per area (country, region, or town's region), best known first; cached."""
    table: dict[int, tuple[_Candidate, ...]] = gaz.runtime_cache.setdefault(_CACHE_SLOT, {})
    found = table.get(key)
    if found is not None:
        return found
    by_area: dict[tuple[str, str | None, str | None], _Candidate] = {}
    for place, flags in gaz.entries(key):
        raw_kind = gaz.place_kind[place]
        if raw_kind == "border":
            continue
        kind = "place" if raw_kind in ("city", "county") else raw_kind
        candidate = _Candidate(
            place,
            kind,
            gaz.place_country[place],
            gaz.place_admin1[place],
            gaz.place_population[place],
            flags,
            gaz.place_point.get(place),
            raw_kind == "county",
        )
        area = _area(kind, candidate.country, candidate.admin1)
        old = by_area.get(area)
        if old is None or (candidate.flags & VARIANT, -candidate.population) < (
            old.flags & VARIANT,
            -old.population,
        ):
            by_area[area] = candidate
    towns = sorted((c for c in by_area.values() if c.kind == "place"), key=lambda c: -c.population)
    regions = [c for c in by_area.values() if c.kind != "place"]
    found = tuple(regions + towns[:MAX_TOWNS])
    table[key] = found
    return found


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def name_choices(text: str, mentions: Sequence[Any], gaz: Gazetteer) -> list[NameChoice]:
    """The ambiguous names of a document with the features of each of their readings.

    ``mentions`` are the geoparser's (``Mention`` records, borders left out by the caller or
    skipped here). A name is ambiguous when its readings lie in two or more areas; a name whose
    occurrences were already placed apart ("Alexandria, La." and "Alexandria, Va.") is left
    as it is.
    """
    by_name: dict[str, list[int]] = defaultdict(list)
    for index, mention in enumerate(mentions):
        if mention.kind != "border":
            by_name[mention.surface.lower()].append(index)
    if len(by_name) < 2:
        return []
    # Where each name was placed: the document's context.
    name_area: dict[str, tuple[str, str | None, str | None, tuple[float, float] | None]] = {}
    for name, indices in by_name.items():
        first = mentions[indices[0]]
        name_area[name] = (first.kind, first.country, first.admin1, first.point)
    country_names: Counter[str] = Counter()
    region_names: Counter[str] = Counter()
    countries_named: Counter[str] = Counter()
    regions_named: Counter[str] = Counter()
    for kind, country, admin1, _ in name_area.values():
        if country:
            country_names[country] += 1
            if kind == "country":
                countries_named[country] += 1
        if admin1:
            region_names[admin1] += 1
            if kind == "admin1":
                regions_named[admin1] += 1
    partners = _partners(text, mentions)
    neighbours = gaz.admin1_neighbours
    choices: list[NameChoice] = []
    for name, indices in by_name.items():
        first = mentions[indices[0]]
        if any(
            (mentions[i].country, mentions[i].admin1) != (first.country, first.admin1)
            for i in indices[1:]
        ):
            continue
        key = gaz.key_of(first.surface)
        if key is None:
            continue
        candidates = _candidates(gaz, key)
        if len({(c.country, c.admin1) for c in candidates}) < 2:
            continue
        kind, own_country, own_region, _ = name_area[name]
        chosen_area = _area(
            "place" if kind == "city" else kind, own_country, own_region if own_region else "?"
        )
        others_country = country_names.copy()
        others_region = region_names.copy()
        if own_country:
            others_country[own_country] -= 1
        if own_region:
            others_region[own_region] -= 1
        top = (others_country - Counter()).most_common(1)
        top_country = top[0][0] if top else None
        points = [p for n, (_, _, _, p) in name_area.items() if p is not None and n != name]
        paired = {p for i in indices for p in partners.get(i, ())}
        town_populations = [c.population for c in candidates if c.kind == "place"]
        max_log = math.log10(max(town_populations) + 1) if town_populations else 0.0
        rows: list[list[float]] = []
        chosen: int | None = None
        for position, candidate in enumerate(candidates):
            area = _area(candidate.kind, candidate.country, candidate.admin1)
            is_chosen = area == chosen_area
            if is_chosen:
                chosen = position
            rows.append(
                _features(
                    candidate,
                    is_chosen,
                    first.confidence,
                    own_country,
                    max_log,
                    others_country,
                    others_region,
                    countries_named,
                    regions_named,
                    neighbours,
                    points,
                    top_country,
                    paired,
                    name_area[name],
                )
            )
        choices.append(NameChoice(name, indices, [c.place for c in candidates], rows, chosen))
    return choices


def _features(
    candidate: _Candidate,
    is_chosen: bool,
    confidence: float,
    own_country: str | None,
    max_log: float,
    others_country: Counter[str],
    others_region: Counter[str],
    countries_named: Counter[str],
    regions_named: Counter[str],
    neighbours: dict[str, frozenset[str]],
    points: list[tuple[float, float]],
    top_country: str | None,
    paired: set[str | None],
    own: tuple[str, str | None, str | None, tuple[float, float] | None],
) -> list[float]:
    country, region = candidate.country, candidate.admin1
    is_place = candidate.kind == "place"
    own_kind, _, own_region, _ = own
    log_population = math.log10(candidate.population + 1) if is_place else 0.0
    # Another mention naming this country or region, not counting this name's own reading.
    named_country = countries_named[country or ""] - (own_kind == "country" and is_chosen)
    named_region = regions_named[region or ""] - (own_kind == "admin1" and region == own_region)
    near = 0
    if region and candidate.kind != "country":
        near = sum(others_region[r] for r in neighbours.get(region, ()) if others_region[r] > 0)
    closeness = 0.0
    if candidate.point is not None and points:
        km = min(_distance_km(candidate.point, p) for p in points)
        closeness = max(0.0, 1.0 - math.log10(1.0 + km) / 3.5)
    flags = candidate.flags
    return [
        float(is_chosen),
        float(country == own_country),
        confidence if is_chosen else 0.0,
        float(candidate.kind == "country"),
        float(candidate.kind == "admin1"),
        float(candidate.county),
        log_population / 7.0,
        (log_population - max_log) / 7.0 if is_place else 0.0,
        float(is_place and log_population >= max_log),
        float(bool(flags & VARIANT)),
        float(bool(flags & TYPED)),
        float(bool(flags & (POSTAL | ABBREV))),
        min(3, max(0, others_country[country or ""])) / 3.0,
        float(named_country > 0),
        min(3, max(0, others_region[region or ""])) / 3.0 if candidate.kind != "country" else 0.0,
        float(named_region > 0) if candidate.kind != "country" else 0.0,
        min(3, near) / 3.0,
        closeness,
        float(country is not None and country == top_country),
        float(bool(paired) and (region in paired or country in paired)),
    ]


def _partners(text: str, mentions: Sequence[Any]) -> dict[int, set[str | None]]:
    """Per mention index, the region and country of the mention right after ", " or " in "."""
    ordered = sorted(range(len(mentions)), key=lambda i: mentions[i].start)
    out: dict[int, set[str | None]] = {}
    for left, right in itertools.pairwise(ordered):
        a, b = mentions[left], mentions[right]
        if b.kind == "border" or text[a.end : b.start] not in _PAIR_GAPS:
            continue
        out[left] = {b.admin1, b.country} - {None} if b.kind != "country" else {b.country}
    return out


def rerank(text: str, mentions: Sequence[Any], gaz: Gazetteer, ranker: Ranker) -> dict[int, int]:
    """Mention index -> place, for every mention whose name the ranker moves elsewhere."""
    moves: dict[int, int] = {}
    for choice in name_choices(text, mentions, gaz):
        place = ranker.pick(choice)
        if place is not None:
            for index in choice.mentions:
                moves[index] = place
    return moves

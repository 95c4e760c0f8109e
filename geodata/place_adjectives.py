"""Towns named by their adjective in Russian: "в кулябском районе", "взрывы в московском метро".

Russian says "the Kulob district" and "the Moscow metro" with an adjective made from the town's
name, in lower case and in any case form, where English repeats the name. The gazetteer's
exact-match pass cannot hold these: a lower-case word that is also a town's key reads as an
ordinary word to the case rules. So the gazetteer keeps, per town with a Russian name, the
stems of its adjectives ("кулябск"), built at data-build time (:func:`adjective_table`, rules
checked against the OpenCorpora dictionary in :mod:`geodata.inflection`), and
:func:`adjective_readings` finds them in a text after the geoparser has run, as a post-pass
that serves the compiled core and the Python reference alike.

An adjective counts as a place only where the text supports it: before a district noun
("Дангаринский район": even a derived adjective the dictionary lacks), or, for an adjective the
dictionary knows, when the document names the town's country. "Московское время" is a time
zone, not a place (``adjective_blockers``).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from geodata.gazetteer import Gazetteer

#: Smallest town whose adjective counts without a district noun after it: a small town's
#: adjective is more often a surname or an ordinary word ("Советск" -> "советский").
FREE_ADJECTIVE_MIN_POPULATION = 50_000
#: Confidence of a town found by its adjective: before a district noun, and on its own.
TYPED_CONFIDENCE = 0.9
FREE_CONFIDENCE = 0.8

#: Letters of Russian words; an adjective made from a place name ends in -ский or -цкий.
_ADJECTIVE = re.compile(
    r"(?<![\w-])([А-Яа-яЁё]+(?:ск|цк))(ий|ая|ое|ие|ого|ой|ому|ом|ую|ые|их|им|ими|ым|ыми|ых)"
    r"(?![\w-])"
)
_CYRILLIC = re.compile("[А-Яа-яЁё]")


@dataclass(frozen=True)
class AdjectiveStems:
    """Adjective stem ("кулябск") -> the towns it names, and whether it may stand alone."""

    places: tuple[int, ...]
    free: bool


def adjective_table(towns: Iterable[tuple[str, int, int]]) -> dict[str, AdjectiveStems]:
    """Stems of the adjectives of ``(russian name, place, population)`` towns.

    A stem is free (counts without a district noun) when the dictionary knows the adjective
    and some town it names is at least :data:`FREE_ADJECTIVE_MIN_POPULATION` strong.
    """
    from geodata.inflection import toponymic_adjectives

    places: dict[str, dict[int, None]] = {}
    free: set[str] = set()
    for name, place, population in towns:
        for adjective, known in toponymic_adjectives(name):
            stem = adjective[:-2]
            places.setdefault(stem, {})[place] = None
            if known and population >= FREE_ADJECTIVE_MIN_POPULATION:
                free.add(stem)
    return {stem: AdjectiveStems(tuple(towns), stem in free) for stem, towns in places.items()}


@lru_cache(maxsize=1)
def _context_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(district noun after, blocker after), from ``data/russian_names.json``."""
    text = resources.files("geodata").joinpath("data", "russian_names.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)

    def after(words: Sequence[str]) -> re.Pattern[str]:
        return re.compile(r"\s+(?:" + "|".join(words) + r")(?![\w-])", re.IGNORECASE)

    return after(data["adjective_heads"]), after(data["adjective_blockers"])


class _Located(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def country(self) -> str | None: ...
    @property
    def admin1(self) -> str | None: ...


def adjective_readings(
    text: str, mentions: Sequence[_Located], gazetteer: Gazetteer
) -> list[tuple[int, int, int, float]]:
    """``(start, end, place, confidence)`` of towns named by an adjective in ``text``.

    Only spans no mention already covers; among namesakes, the town in a region, then in a
    country, that the other mentions name, then the most populous.
    """
    table = gazetteer.place_adjectives
    if not table or not _CYRILLIC.search(text):
        return []
    heads, blockers = _context_patterns()
    countries = {m.country for m in mentions if m.country}
    regions = {m.admin1 for m in mentions if m.admin1}
    taken = sorted((m.start, m.end) for m in mentions)
    found: list[tuple[int, int, int, float]] = []
    for match in _ADJECTIVE.finditer(text):
        stems = table.get(match.group(1).lower().replace("ё", "е"))
        if stems is None or _overlaps(taken, match.start(), match.end()):
            continue
        if blockers.match(text, match.end()):
            continue
        typed = bool(heads.match(text, match.end()))
        if not typed and not stems.free:
            continue
        place = max(
            stems.places,
            key=lambda p: (
                gazetteer.place_admin1[p] in regions,
                gazetteer.place_country[p] in countries,
                gazetteer.place_population[p],
            ),
        )
        if not typed and gazetteer.place_country[place] not in countries:
            continue  # a lone adjective of a town in a country the text never names
        confidence = TYPED_CONFIDENCE if typed else FREE_CONFIDENCE
        found.append((match.start(), match.end(), place, confidence))
    return found


def _overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of the sorted spans (mentions never nest deeply:
    the few that start just before ``end`` are enough)."""
    index = bisect.bisect_left(spans, (end, end))
    return any(s < end and start < e for s, e in spans[max(0, index - 3) : index])

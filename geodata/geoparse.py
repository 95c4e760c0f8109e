"""Find and resolve place mentions in news text: countries, admin-1 regions, towns and borders.

:func:`geoparse` is a pure function from text to :class:`Mention` records. It works in four
steps, each cheap enough that the whole pass is faster than a regex geotagger:

1. **Match.** One Aho-Corasick pass over the folded text finds every gazetteer name on token
   boundaries (:meth:`Gazetteer.matches`).
2. **Filter and select.** Case rules drop matches that are ordinary words (a lower-case
   "mobile", "US" in "let us", a person's title before "Jackson", "Post" after "Washington"),
   then the leftmost-longest non-overlapping matches are kept ("New York City" over "York").
3. **Resolve.** Every distinct name is one decision for the whole document, scored from a prior
   (kind of place, population, name quality) plus what the rest of the document says: countries
   and regions mentioned elsewhere, "X, Y" and "X in Y" patterns, adjacent regions. Two rounds:
   the first uses every reading of the other names, the second only their chosen readings.
   Candidates under ``min_confidence`` are dropped rather than guessed.
4. **Borders.** "Tajikistan-Afghanistan border", "Tajik-Afghan frontier", "the border between X
   and Y", "X's border with Y", "near the border with Y" (the other side from context) and named
   lines ("Durand Line") become border mentions carrying the admin-1 regions along the border.

Precision codes follow UCDP GED: 1 a place, 3 an admin-2 area (US county), 4 an admin-1 region,
5 a border or other line, 6 a country.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from geodata.gazetteer import ABBREV, ACRONYM, DEMONYM, LOWER_OK, POSTAL, TYPED, VARIANT, Gazetteer

#: UCDP GED "where_prec" per kind of place.
PRECISION = {"city": 1, "county": 3, "admin1": 4, "border": 5, "country": 6}

#: Mentions less sure than this are dropped, not guessed. Chosen on the evaluation corpora
#: as a single global threshold (see ``bench/eval_geoparse.py``).
DEFAULT_MIN_CONFIDENCE = 0.7

_BORDER_WORD = re.compile(r"\b(?:[Bb]order|[Bb]orders|[Ff]rontier|[Bb]oundary)\b")
_JOINER = re.compile(r"\s*(?:-|–|—|/|\s+and\s+)\s*$")
_BEFORE_BORDER = re.compile(r"^(?:['’]s)?\s+$")
_WITH = re.compile(r"\s+with\s+(?:the\s+)?")
_BETWEEN = re.compile(r"\s+between\s+(?:the\s+)?")
_AND = re.compile(r"\s+and\s+(?:the\s+)?")
_SENTENCE_END = frozenset('.!?:;"“”\n\r\t')
_WORD = re.compile(r"[^\W_]+")
_SPEECH_VERBS = frozenset("said says told added explained asked wrote argued noted".split())
#: Capitalised words that may precede a place at the start of a sentence or a headline.
_OPENERS = frozenset(
    "in at from to near outside inside across around of the a for and but when while after "
    "before as by on with into than since until during over under between north south east "
    "west northern southern eastern western central greater downtown rural suburban upper lower "
    "new old".split()
)


@dataclass(frozen=True, slots=True)
class Mention:
    """One place mentioned in a text.

    ``start``/``end`` are character offsets into the text (``text[start:end] == surface``).
    ``kind`` is ``country``, ``admin1``, ``city`` (a town, or a US county with precision 3) or
    ``border``. ``admin1`` is the Natural Earth ``region_id``; ``region_ids`` lists the admin-1
    regions the mention covers (its own region, or every region along a border).
    """

    start: int
    end: int
    surface: str
    kind: str
    country: str | None
    admin1: str | None
    border: str | None
    region_ids: tuple[str, ...]
    confidence: float
    precision: int

    def as_dict(self, *, regions: bool = False) -> dict[str, Any]:
        """The record as riskmap's JSON interface writes it (``regions`` adds region_ids)."""
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "surface": self.surface,
            "kind": self.kind,
            "country": self.country,
            "admin1": self.admin1,
            "border": self.border,
            "confidence": self.confidence,
            "precision": self.precision,
        }
        if regions:
            out["region_ids"] = list(self.region_ids)
        return out


@dataclass(frozen=True, slots=True)
class DocumentPlaces:
    """What one document is about, place-wise: each list ordered by first mention."""

    countries: list[str]
    admin1: list[str]
    borders: list[str]


def document_places(mentions: Iterable[Mention]) -> DocumentPlaces:
    """Countries (also those of regions, towns and borders), admin-1 regions (also those of
    towns) and borders of a document's mentions."""
    countries: dict[str, None] = {}
    admin1: dict[str, None] = {}
    borders: dict[str, None] = {}
    for mention in sorted(mentions, key=lambda m: m.start):
        if mention.kind == "border" and mention.border:
            borders[mention.border] = None
            for code in mention.border.split("|"):
                countries[code] = None
            continue
        if mention.country:
            countries[mention.country] = None
        if mention.admin1:
            admin1[mention.admin1] = None
    return DocumentPlaces(list(countries), list(admin1), list(borders))


# --------------------------------------------------------------------------------- matching


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    key: int
    entries: list[tuple[int, int]]
    penalty: float = 0.0  #: subtracted from town readings (looks like part of a longer name)
    person: bool = False  #: right after a person's title: no town or region reading
    organisation: bool = False  #: right before "Street", "Post", "University": no town reading


def _is_sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \u00a0":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _previous_word(text: str, start: int) -> tuple[str, int]:
    """The word right before ``start`` (skipping spaces and one full stop) and where it starts."""
    i = start - 1
    while i >= 0 and text[i] in " \u00a0.":
        i -= 1
    end = i + 1
    while i >= 0 and (text[i].isalpha() or text[i] in "'’-"):
        i -= 1
    return text[i + 1 : end], i + 1


def _next_word(text: str, end: int) -> str:
    match = _WORD.match(text, end + 1) if end < len(text) and text[end] == " " else None
    return match.group(0) if match else ""


def _candidate_spans(text: str, gazetteer: Gazetteer) -> tuple[list[_Span], set[int]]:
    """Raw matches that pass the case rules, then the leftmost-longest non-overlapping ones.

    Also returns the keys seen in lower case somewhere in the text: one sense per discourse, so
    a name the writer also uses as an ordinary word ("the bank", "a market") is suspect.
    """
    bits = gazetteer.key_bits
    starts = gazetteer.entry_start
    places = gazetteer.entry_place
    flags_of = gazetteer.entry_flags
    found: list[_Span] = []
    seen_lower: set[int] = set()
    for start, end, key in gazetteer.matches(text):
        first = text[start]
        lower_first = first.islower()
        if lower_first and not bits[key] & 4:
            seen_lower.add(key)
            continue
        if bits[key] & 8:
            found.append(_Span(start, end, key, []))
            continue
        surface_upper: bool | None = None
        entries: list[tuple[int, int]] = []
        for i in range(starts[key], starts[key + 1]):
            flags = flags_of[i]
            if flags & ACRONYM:
                if surface_upper is None:
                    surface_upper = text[start:end].isupper()
                if not surface_upper:
                    continue
            if lower_first and not flags & LOWER_OK:
                continue
            if flags & ABBREV and text[end : end + 1] != ".":
                continue
            entries.append((places[i], flags))
        if entries:
            if text[end : end + 1] == "." and "." in text[start:end]:
                end += 1  # "U.S." keeps its last full stop
            found.append(_Span(start, end, key, entries))
    found.sort(key=lambda s: (s.start, s.start - s.end))
    selected: list[_Span] = []
    last_end = -1
    for span in found:
        if span.start >= last_end:
            if span.entries:
                selected.append(span)
            last_end = span.end
    return selected, seen_lower


def _mark_context(text: str, spans: list[_Span], gazetteer: Gazetteer) -> None:
    """Case and neighbourhood rules that make a town reading unlikely (set on each span)."""
    span_ends = {s.end for s in spans}
    titles = gazetteer.person_titles
    heads = gazetteer.non_place_heads
    for span in spans:
        previous, previous_start = _previous_word(text, span.start)
        if previous and previous[0].isupper():
            lowered = previous.lower()
            if lowered in titles:
                span.person = True
            elif (
                lowered not in _OPENERS
                and not _is_sentence_start(text, previous_start)
                and previous_start + len(previous) not in span_ends
                and text[previous_start + len(previous) : span.start] == " "
            ):
                span.penalty += 0.25  # "Raquel Henry": the tail of a longer name
        following = _next_word(text, span.end)
        if following and following[0].isupper() and following.lower() in heads:
            span.organisation = True
        elif following[:1].isupper() and gazetteer.key_bits[span.key] & 16:
            span.person = True  # "George Smith": a given name before a capitalised word
        elif following in _SPEECH_VERBS:
            span.penalty += 0.3  # "Jones said"
        if gazetteer.key_bits[span.key] & 1 and _is_sentence_start(text, span.start):
            span.penalty += 0.2


# ------------------------------------------------------------------------------- resolution


@dataclass(slots=True)
class _Group:
    """Every occurrence of one name in the document: resolved once, together."""

    key: int
    spans: list[_Span] = field(default_factory=list)
    candidates: dict[int, float] = field(default_factory=dict)  #: place -> prior
    bonus: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    choice: int | None = None
    confidence: float = 0.0
    common: bool = False
    person_like: bool = False


def _prior(gazetteer: Gazetteer, place: int, flags: int, group: _Group, span: _Span) -> float:
    kind = gazetteer.place_kind[place]
    common = group.common
    if kind == "country":
        score = 0.85 if flags & DEMONYM else 0.95
        if common:
            score -= 0.25
        if span.person:
            score -= 0.4
        return score - (0.05 if flags & VARIANT else 0.0)
    if span.person:
        return 0.0
    if kind == "admin1":
        score = 0.97 if flags & TYPED else 0.85
        if flags & (POSTAL | ABBREV):
            score = 0.5  # raised by the "City, ST" bonus when it applies
    elif kind == "county":
        score = 0.9
    elif kind == "border":
        return 0.95
    else:
        if span.organisation:
            return 0.0
        population = gazetteer.place_population[place]
        score = min(0.92, 0.3 + 0.09 * math.log10(population + 10))
        score -= span.penalty
        if group.person_like:
            score -= 0.6
    if common:
        score -= 0.3
    if flags & VARIANT:
        score -= 0.07
    return score


def _pair_bonuses(text: str, spans: list[_Span], groups: dict[int, _Group], gaz: Gazetteer) -> None:
    """ "Alexandria, La." and "Kunduz in Afghanistan": a town and its region or country side by
    side support each other's compatible readings."""
    for left, right in zip(spans, spans[1:], strict=False):
        gap = text[left.end : right.start]
        if gap not in (", ", ",", " in ", ", in "):
            continue
        right_places = [p for p, _ in right.entries]
        left_group, right_group = groups[left.key], groups[right.key]
        for place, _ in left.entries:
            country = gaz.place_country[place]
            admin1 = gaz.place_admin1[place]
            for other in right_places:
                other_kind = gaz.place_kind[other]
                if (other_kind == "admin1" and admin1 == gaz.place_admin1[other]) or (
                    other_kind == "country" and country == gaz.place_country[other]
                ):
                    left_group.bonus[place] = max(left_group.bonus[place], 0.5)
                    right_group.bonus[other] = max(right_group.bonus[other], 0.45)


def _evidence(
    groups: Sequence[_Group], gaz: Gazetteer, resolved: bool
) -> tuple[list[dict[str, float]], list[dict[str, float]], dict[str, float], dict[str, float]]:
    """How much each group says for each country and admin-1 region, and the totals."""
    country_parts: list[dict[str, float]] = []
    admin1_parts: list[dict[str, float]] = []
    country_total: dict[str, float] = defaultdict(float)
    admin1_total: dict[str, float] = defaultdict(float)
    for group in groups:
        countries: dict[str, float] = {}
        regions: dict[str, float] = {}
        if resolved:
            if group.choice is not None:
                weight = group.confidence * min(2, len(group.spans)) / 1.5
                code = gaz.place_country[group.choice]
                if code:
                    countries[code] = weight
                region = gaz.place_admin1[group.choice]
                if region:
                    regions[region] = weight
        else:
            best = max(group.candidates.values(), default=0.0)
            plausible = [p for p, s in group.candidates.items() if s > best - 0.3 and s > 0.3]
            codes = {gaz.place_country[p] for p in plausible} - {None}
            areas = {gaz.place_admin1[p] for p in plausible} - {None}
            for code in codes:
                countries[str(code)] = best / len(codes)
            for area in areas:
                regions[str(area)] = best / len(areas)
        for code, weight in countries.items():
            country_total[code] += weight
        for area, weight in regions.items():
            admin1_total[area] += weight
        country_parts.append(countries)
        admin1_parts.append(regions)
    return country_parts, admin1_parts, country_total, admin1_total


def _resolve(groups: list[_Group], gaz: Gazetteer, resolved: bool) -> None:
    country_parts, admin1_parts, country_total, admin1_total = _evidence(groups, gaz, resolved)
    for group, own_countries, own_regions in zip(groups, country_parts, admin1_parts, strict=True):
        scored: list[tuple[float, int]] = []
        for place, prior in group.candidates.items():
            score = prior + group.bonus.get(place, 0.0)
            kind = gaz.place_kind[place]
            code = gaz.place_country[place]
            if code:
                support = country_total.get(code, 0.0) - own_countries.get(code, 0.0)
                weight = 0.3
                if kind == "city":  # a small town gains little from its country being named
                    size = math.log10(gaz.place_population[place] + 1)
                    weight = 0.3 * min(1.0, max(0.0, (size - 3.0) / 3.0))
                score += weight * min(1.0, support)
            region = gaz.place_admin1[place]
            if region and kind != "country":
                support = admin1_total.get(region, 0.0) - own_regions.get(region, 0.0)
                score += 0.4 * min(1.0, support)
                near = sum(
                    admin1_total.get(n, 0.0) - own_regions.get(n, 0.0)
                    for n in gaz.admin1_neighbours.get(region, ())
                )
                score += 0.1 * min(1.0, near)
            scored.append((score, place))
        if not scored:
            group.choice, group.confidence = None, 0.0
            continue
        scored.sort(reverse=True)
        best_score, best = scored[0]
        confidence = min(0.99, best_score)
        for score, other in scored[1:]:
            if _same_area(gaz, best, other):
                continue
            if score > best_score - 0.15:
                confidence -= 0.15 * (1 - (best_score - score) / 0.15)
            break
        group.choice, group.confidence = best, confidence


def _same_area(gaz: Gazetteer, a: int, b: int) -> bool:
    if gaz.place_country[a] != gaz.place_country[b]:
        return False
    region_a, region_b = gaz.place_admin1[a], gaz.place_admin1[b]
    return region_a is None or region_b is None or region_a == region_b


#: A town or region whose country nothing else in the document names is held to a higher bar:
#: a lone small "Esperance" or "Trapani" in an article about somewhere else is usually a word,
#: a surname or a namesake, and one wrong country costs more than one missed town.
_LONE_MIN_CONFIDENCE = {"city": 0.8, "county": 0.8, "admin1": 0.95}


def _supported(groups: list[_Group], gaz: Gazetteer, min_confidence: float) -> list[_Group]:
    """The groups to report: confident enough, and, for towns and regions, either supported
    by another mention of their country or confident enough on their own."""
    kept = [g for g in groups if g.choice is not None and g.confidence >= min_confidence]
    countries: dict[str, int] = defaultdict(int)
    for group in kept:
        code = gaz.place_country[group.choice] if group.choice is not None else None
        if code:
            countries[code] += 1
    out: list[_Group] = []
    for group in kept:
        assert group.choice is not None
        code = gaz.place_country[group.choice]
        bar = _LONE_MIN_CONFIDENCE.get(gaz.place_kind[group.choice])
        if bar is not None and len(group.candidates) == 1 and not group.common:
            bar = min(bar, 0.8)  # "Texas": the name means nothing else
        if bar is not None and code and countries[code] <= 1 and group.confidence < bar:
            continue
        out.append(group)
    return out


# ---------------------------------------------------------------------------------- borders


def _border_between(gaz: Gazetteer, a: str | None, b: str | None) -> str | None:
    if not a or not b or a == b:
        return None
    first, second = sorted((a, b))
    border = f"{first}|{second}"
    return border if border in gaz.border_regions else None


def _context_partner(
    gaz: Gazetteer, country: str, countries: list[Mention], before: int
) -> str | None:
    """The other side of "the border with Y": the nearest earlier country that borders Y, else
    the most mentioned one that does."""
    neighbours = gaz.country_neighbours.get(country, frozenset())
    for mention in reversed(countries):
        if mention.start < before and mention.country in neighbours:
            return mention.country
    counts: dict[str, int] = defaultdict(int)
    for mention in countries:
        if mention.country in neighbours:
            counts[mention.country] += 1
    return max(counts, key=lambda c: counts[c]) if counts else None


def _border_mention(
    gaz: Gazetteer, text: str, start: int, end: int, border: str, confidence: float
) -> Mention:
    return Mention(
        start,
        end,
        text[start:end],
        "border",
        None,
        None,
        border,
        gaz.border_regions.get(border, ()),
        round(confidence, 3),
        PRECISION["border"],
    )


def _borders(text: str, mentions: list[Mention], gaz: Gazetteer) -> list[Mention]:
    countries = [m for m in mentions if m.kind == "country"]
    if not countries:
        return []
    by_end = {m.end: m for m in countries}
    by_start = {m.start: m for m in countries}
    found: list[Mention] = []
    for word in _BORDER_WORD.finditer(text):
        ws, we = word.span()
        before = _mention_before(text, ws, by_end)
        if before is not None:
            first = _joined_before(text, before, by_end)
            if first is not None:  # "Tajik-Afghan border", "Tajikistan-Afghanistan frontier"
                border = _border_between(gaz, first.country, before.country)
                if border:
                    found.append(_border_mention(gaz, text, first.start, we, border, 0.95))
                continue
            after = _mention_after(text, we, _WITH, by_start)
            if after is not None:  # "Afghanistan's border with Tajikistan"
                border = _border_between(gaz, before.country, after.country)
                if border:
                    found.append(_border_mention(gaz, text, before.start, after.end, border, 0.9))
                continue
            if before.country:  # "near the Afghanistan border": the other side from context
                partner = _context_partner(gaz, before.country, countries, before.start)
                border = _border_between(gaz, before.country, partner)
                if border:
                    found.append(_border_mention(gaz, text, before.start, we, border, 0.75))
            continue
        first = _mention_after(text, we, _BETWEEN, by_start)
        if first is not None:  # "the border between X and Y"
            second = _mention_after(text, first.end, _AND, by_start)
            if second is not None:
                border = _border_between(gaz, first.country, second.country)
                if border:
                    found.append(_border_mention(gaz, text, ws, second.end, border, 0.9))
            continue
        after = _mention_after(text, we, _WITH, by_start)
        if after is not None and after.country:  # "near the border with Tajikistan"
            partner = _context_partner(gaz, after.country, countries, ws)
            border = _border_between(gaz, after.country, partner)
            if border:
                found.append(_border_mention(gaz, text, ws, after.end, border, 0.75))
    return found


def _mention_before(text: str, position: int, by_end: dict[int, Mention]) -> Mention | None:
    for end in range(position - 1, max(-1, position - 4), -1):
        mention = by_end.get(end)
        if mention is not None and _BEFORE_BORDER.match(text[end:position]):
            return mention
    return None


def _joined_before(text: str, second: Mention, by_end: dict[int, Mention]) -> Mention | None:
    for end in range(second.start - 1, max(-1, second.start - 7), -1):
        mention = by_end.get(end)
        if mention is not None and _JOINER.match(text[end : second.start]):
            return mention
    return None


def _mention_after(
    text: str, position: int, pattern: re.Pattern[str], by_start: dict[int, Mention]
) -> Mention | None:
    match = pattern.match(text, position)
    return by_start.get(match.end()) if match else None


# ------------------------------------------------------------------------------------ entry


def geoparse(
    text: str, gazetteer: Gazetteer, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> list[Mention]:
    """Every place mention in ``text``, resolved, in text order.

    Parameters
    ----------
    text : any string (empty, huge, any script, stray control characters all work).
    gazetteer : from :func:`geodata.gazetteer.load_gazetteer`.
    min_confidence : mentions resolved with less confidence are dropped.

    Returns
    -------
    list of :class:`Mention`; a border mention may overlap the country mentions it is made of.

    Examples
    --------
    >>> [m.surface for m in geoparse("Bombings in Kabul and Kandahar.", gaz)]  # doctest: +SKIP
    ['Kabul', 'Kandahar']
    """
    if not text:
        return []
    spans, seen_lower = _candidate_spans(text, gazetteer)
    if not spans:
        return []
    _mark_context(text, spans, gazetteer)

    groups: dict[int, _Group] = {}
    key_bits = gazetteer.key_bits
    for span in spans:
        group = groups.get(span.key)
        if group is None:
            group = groups[span.key] = _Group(span.key)
            group.common = bool(key_bits[span.key] & 1) or span.key in seen_lower
        group.spans.append(span)
        if span.person or span.penalty >= 0.25:
            group.person_like = True  # one sense per discourse: "Raquel Henry" ... "Henry"
    for group in groups.values():
        for span in group.spans:
            for place, flags in span.entries:
                prior = _prior(gazetteer, place, flags, group, span)
                if prior > group.candidates.get(place, -1.0):
                    group.candidates[place] = prior
    _pair_bonuses(text, spans, groups, gazetteer)
    ordered = list(groups.values())
    _resolve(ordered, gazetteer, resolved=False)
    _resolve(ordered, gazetteer, resolved=True)

    kept = _supported(ordered, gazetteer, min_confidence)
    mentions: list[Mention] = []
    for group in kept:
        place = group.choice
        if place is None:
            continue
        kind = gazetteer.place_kind[place]
        if kind == "border":
            border = gazetteer.place_border.get(place)
            for span in group.spans:
                if border:
                    mentions.append(
                        _border_mention(
                            gazetteer, text, span.start, span.end, border, group.confidence
                        )
                    )
            continue
        admin1 = gazetteer.place_admin1[place]
        regions = (admin1,) if admin1 else ()
        for span in group.spans:
            mentions.append(
                Mention(
                    span.start,
                    span.end,
                    text[span.start : span.end],
                    "city" if kind == "county" else kind,
                    gazetteer.place_country[place],
                    admin1,
                    None,
                    regions,
                    round(group.confidence, 3),
                    PRECISION[kind],
                )
            )
    mentions.sort(key=lambda m: m.start)
    mentions.extend(_borders(text, mentions, gazetteer))
    mentions.sort(key=lambda m: (m.start, -m.end))
    return mentions

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

Steps 1 to 3 and the document-coherence pass after them (:func:`_cohere`) also exist compiled,
in Rust (``geodata/core``, module ``riskmap_geocore``), step for step and in the same order;
``geoparse`` uses it when it is installed (``make setup`` builds it) and this module's Python
otherwise. The Python code is the reference: the two must give
identical mentions (``tests/test_geocore.py`` compares them on every text the tests have),
so a rule is changed in both or in neither. The compiled core looks the Latin-script names up
word run by word run in a hash table where Python runs an Aho-Corasick automaton; both find
every name that starts and ends on a word boundary of a segment.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import operator
import os
import re
import string
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, NamedTuple

from geodata.county_towns import COUNTRY_ONLY_PRECISION, COUNTY_PRECISION, county_moves
from geodata.gazetteer import (
    ABBREV,
    ACRONYM,
    DEMONYM,
    LOWER_OK,
    POSTAL,
    SEAT,
    SEAT_MIN_POPULATION,
    TYPED,
    VARIANT,
    Gazetteer,
)
from geodata.person_shape import (
    after_title,
    in_list_of_people,
    initial_follows,
    middle_initial,
    word_before,
)
from geodata.phone_regions import phone_regions, region_table
from geodata.place_adjectives import adjective_readings
from geodata.ranker import Ranker, rerank
from geodata.whitespace import FoldedText, fold_soft_whitespace

#: ``RISKMAP_GEOPARSER=python`` runs the Python reference even where the compiled core is
#: installed (see :func:`_load_compiled_core`).
GEOPARSER_SWITCH = "RISKMAP_GEOPARSER"


def _load_compiled_core(choice: str | None) -> ModuleType | None:
    """The compiled core (geodata/core, Rust: same algorithm, same mentions, several times
    faster), or None when it is not built here or ``choice`` is ``"python"``.

    The switch is read from the environment once, at import, rather than passed in from
    ``Settings`` like every other knob: the choice must hold for every caller of
    :func:`geoparse` in the process (app, CLI, benchmarks, and the test run of the fallback,
    ``make pytest-reference``, where no settings object exists), and the import is where the
    core is found. ``Settings.geoparser`` validates the same variable for the app and CLI.
    """
    if choice == "python":
        return None
    try:
        import riskmap_geocore
    except ImportError:  # not built here: the Python code below is the reference and works alone
        return None
    return riskmap_geocore


riskmap_geocore = _load_compiled_core(os.environ.get(GEOPARSER_SWITCH))  # None: not in use

#: UCDP GED "where_prec" per kind of place.
PRECISION = {
    "city": 1,
    "county": COUNTY_PRECISION,
    "admin1": 4,
    "border": 5,
    "country": COUNTRY_ONLY_PRECISION,
}

#: Mentions less sure than this are dropped, not guessed. One global threshold, swept over the
#: three evaluation corpora together (``bench/eval_geoparse.py --min-confidence C``): 0.65 to
#: 0.8 trade admin-1 precision for recall; 0.75 balances country and admin-1 F1.
DEFAULT_MIN_CONFIDENCE = 0.75

#: "border(s)", "frontier", "boundary", capitalised or not: what follows the first letter,
#: which is one of "BbFf" (see :func:`_border_words`); the word boundary before it and the
#: pairing of first letter and stem are checked per hit (:func:`_is_border_word`).
_BORDER_STEMS = ("order", "rontier", "oundary")
_JOINER = re.compile(r"\s*(?:-|–|—|/|\s+and\s+)\s*$")
_BEFORE_BORDER = re.compile(r"^(?:['’]s)?\s+$")
_WITH = re.compile(r"\s+with\s+(?:the\s+)?")
_BETWEEN = re.compile(r"\s+between\s+(?:the\s+)?")
_AND = re.compile(r"\s+and\s+(?:the\s+)?")
#: Nouns after a demonym that make it the country acting ("Pakistani forces"), not a language
#: or an ancestry ("Spanish class", "Irish pub").
_STATE_NOUNS = frozenset(
    [
        "forces",
        "troops",
        "army",
        "military",
        "navy",
        "government",
        "authorities",
        "officials",
        "official",
        "president",
        "minister",
        "ministry",
        "police",
        "soldiers",
        "border",
        "embassy",
        "state",
        "regime",
        "leaders",
        "leader",
        "parliament",
        "security",
        "intelligence",
        "diplomats",
        "diplomat",
        "capital",
        "territory",
        "side",
        "counterpart",
        "counterparts",
        "people",
        "citizens",
        "nationals",
        "refugees",
    ]
)
#: A middle or first initial ("Ashley L. Evens", "J.M. Barrie"): what follows is a surname.
#: Compass letters are left out ("N. Korea", "S. Carolina").
_INITIALS = re.compile(r"(?:[A-DF-MO-RT-VX-Z]\.|(?:[A-Z]\.){2,3})")
_CURRENCY = frozenset("$€£¥₹")
_COMPOUND_JOINERS = frozenset("-–—/")
_SENTENCE_END = frozenset('.!?:;"“”\n\r\t')
_WORD = re.compile(r"[^\W_]+")
#: Verbs whose subject is a person ("Jones said", "Tiverton spoke"): a town name right before one
#: is a surname. A capital's own region is no town, so "Beijing stressed" keeps the capital.
_SPEECH_VERBS = frozenset(
    [
        *("said", "says", "told", "added", "explained", "asked", "wrote", "argued", "noted"),
        *("spoke", "smiled", "laughed", "recalled", "admitted", "insisted", "testified"),
        *("replied", "commented", "acknowledged", "stressed", "urged", "praised"),
    ]
)
#: Prepositions that make the capitalised word right after them a place ("in Vista", "near
#: Justice"): a small town named by an ordinary word (``Gazetteer.word_towns``) is read as the
#: word unless one of these stands before it somewhere in the text.
_LOCATIVES = frozenset(["in", "at", "near", "from", "outside"])
#: Capitalised words that may precede a place at the start of a sentence or a headline.
_OPENERS = frozenset(
    [
        "in",
        "at",
        "from",
        "to",
        "near",
        "outside",
        "inside",
        "across",
        "around",
        "of",
        "the",
        "a",
        "for",
        "and",
        "but",
        "when",
        "while",
        "after",
        "before",
        "as",
        "by",
        "on",
        "with",
        "into",
        "than",
        "since",
        "until",
        "during",
        "over",
        "under",
        "between",
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "greater",
        "downtown",
        "rural",
        "suburban",
        "upper",
        "lower",
        "new",
        "old",
    ]
)


class Mention(NamedTuple):
    """One place mentioned in a text.

    ``start``/``end`` are character offsets into the text (``text[start:end] == surface``).
    ``kind`` is ``country``, ``admin1``, ``city`` (a town, or a US county with precision 3) or
    ``border``. ``admin1`` is the Natural Earth ``region_id``; ``region_ids`` lists the admin-1
    regions the mention covers (its own region, or every region along a border).

    A named tuple rather than a frozen dataclass: equally immutable, and made ten times faster,
    which matters at thousands of mentions a second.
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
    #: (lon, lat) for a town, so an incident there can be drawn as a point; None otherwise.
    point: tuple[float, float] | None = None

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

_COUNTRY, _ADMIN1, _COUNTY, _CITY, _BORDER = range(5)
#: A penalty this large on an occurrence (a speech verb after it, "Jones said") makes every
#: occurrence of the name a person's; the tail-of-a-longer-name penalty (0.25) does not.
_PERSON_PENALTY = 0.3
#: Readings of one name scored per document (by prior): "Springfield" has dozens of towns.
_MAX_CANDIDATES = 8
#: Readings this far below the best prior cannot win even with all the document's support.
_MAX_PRIOR_GAP = 0.4
#: A name spread over more countries or regions than this is no evidence for any of them.
_MAX_EVIDENCE_AREAS = 3
_KIND_CODES = {"country": _COUNTRY, "admin1": _ADMIN1, "county": _COUNTY, "city": _CITY}
_KIND_CODES["border"] = _BORDER


class _Reading(NamedTuple):
    """One place a key can mean, with what scoring needs, looked up once per key."""

    place: int
    flags: int
    base: float  #: prior before anything the document says
    kind: int
    country: str | None
    admin1: str | None
    population: int
    #: How much a mention of its country elsewhere supports this reading: fully for countries
    #: and regions, little for a small town (a country named says little about its villages).
    country_weight: float


class _KeyInfo(NamedTuple):
    plain: bool  #: no reading has a condition (capitals, full stop) to check
    readings: tuple[_Reading, ...]
    countries_only: bool  #: every reading is a country (no town or person rules needed)
    demonym: bool  #: some reading is a demonym ("Afghan")


#: Lowers the prior of a region of a minor country (``Gazetteer.minor_countries``) as a common
#: word's is lowered: alone it falls below the bar, beside its country it clears it.
MINOR_REGION_PENALTY = 0.3


def _base_prior(kind: int, flags: int, population: int) -> float:
    if kind == _COUNTRY:
        # A country's own name outranks any namesake town or province ("Iraq", "Luxembourg")
        # unless the document clearly points at the namesake.
        return (0.85 if flags & DEMONYM else 1.1) - (0.05 if flags & VARIANT else 0.0)
    if kind == _BORDER:
        return 0.95
    if kind == _ADMIN1:
        score = 0.97 if flags & TYPED else 0.85
        if flags & (POSTAL | ABBREV):
            score = 0.5  # raised by the "City, ST" bonus when it applies
        elif flags & SEAT:
            score += SEAT_BONUS  # the region around the big city of the name wins a tie
    elif kind == _COUNTY:
        score = 0.9
    else:
        score = min(0.92, 0.3 + 0.09 * math.log10(population + 10))
    return score - (0.07 if flags & VARIANT else 0.0)


def _key_info(gaz: Gazetteer, key: int) -> _KeyInfo:
    info: _KeyInfo | None = gaz.runtime_cache.get(key)
    if info is not None:
        return info
    readings = []
    minor = gaz.minor_countries
    for place, flags in gaz.entries(key):
        kind = _KIND_CODES[gaz.place_kind[place]]
        population = gaz.place_population[place]
        weight = 0.3
        if kind == _CITY:
            size = math.log10(population + 1)
            weight = 0.3 * min(1.0, max(0.0, (size - 3.0) / 3.0))
        base = _base_prior(kind, flags, population)
        if kind == _ADMIN1 and gaz.place_country[place] in minor:
            base -= MINOR_REGION_PENALTY  # "Paget": a parish of Bermuda only beside Bermuda
        readings.append(
            _Reading(
                place,
                flags,
                base,
                kind,
                gaz.place_country[place],
                gaz.place_admin1[place],
                population,
                weight,
            )
        )
    info = _KeyInfo(
        bool(gaz.key_bits[key] & 32),
        tuple(readings),
        all(r.kind == _COUNTRY for r in readings),
        any(r.flags & DEMONYM for r in readings),
    )
    gaz.runtime_cache[key] = info
    return info


class _Span:
    """One selected match (a plain class with slots: created per mention, so kept cheap)."""

    __slots__ = (
        "actor",
        "compound",
        "end",
        "key",
        "opens_name",
        "organisation",
        "pair",
        "penalty",
        "person",
        "readings",
        "start",
        "street",
        "surname",
    )

    def __init__(self, start: int, end: int, key: int, readings: tuple[_Reading, ...]) -> None:
        self.start = start
        self.end = end
        self.key = key
        self.readings = readings
        self.pair: dict[int, float] = {}  #: place -> bonus from "X, Y"
        self.penalty = 0.0  #: subtracted from town readings (looks like part of a longer name)
        self.person = False  #: a person's name (title, given name or initial): no town, region
        self.organisation = False  #: right before "Street", "Post", "University": no town
        self.street = False  #: right before "Drive", "Road": a street, no town or region
        self.surname = False  #: right after a given name, a title or an initial: a person
        self.actor = False  #: right before a capitalised word ("Belarusian STV")
        #: The first word of a longer capitalised name ("Nunavut Freight", "Styria-Alpine
        #: Brewing"): a capitalised word follows, after a space or a hyphen.
        self.opens_name = False
        #: Hyphened to a capitalised word that is no place ("Norway-Fjordline"): part of a longer
        #: name, so no country on its own.
        self.compound = False


#: What follows a dateline's town: an optional state or country (", Minn."), an optional
#: agency ("(AP)") and a dash ("BELLEFONTAINE — The council", "WASHINGTON (AP) -- ").
_DATELINE_TAIL = re.compile(r"(?:, [A-Za-z.]{1,15})? (?:\([A-Za-z ]{1,12}\) )?(?:—|–|--|-)")
#: How much a dateline raises a town's prior: a news agency's dateline names a place.
#: Chosen over the three evaluation corpora together (0.15 and 0.25 measured; one global value).
DATELINE_BONUS = 0.25
#: How much an admin-1 region that holds the big city of its name ("Washington", the federal
#: district) outranks the other regions of that name. Measured over the three corpora together:
#: 0.03 and 0.05 read the same, 0.1 and more start to beat a document's own evidence.
SEAT_BONUS = 0.05


def _is_dateline(text: str, start: int, end: int) -> bool:
    """ "BELLEFONTAINE — The council met": a capitals-only name opening a sentence, then a dash."""
    return (
        end - start >= 3
        and text[start:end].isupper()
        and _is_sentence_start(text, start)
        and _DATELINE_TAIL.match(text, end) is not None
    )


def _is_sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \u00a0":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


_START_AND_END = operator.itemgetter(0, 1)


def _candidate_spans(text: str, gazetteer: Gazetteer) -> tuple[list[_Span], set[int]]:
    """Raw matches that pass the case rules, then the leftmost-longest non-overlapping ones.

    Also returns the keys seen in lower case somewhere in the text: one sense per discourse, so
    a name the writer also uses as an ordinary word ("the bank", "a market") is suspect.
    """
    bits = gazetteer.key_bits
    cache = gazetteer.runtime_cache
    found: list[tuple[int, int, int, tuple[_Reading, ...]]] = []
    seen_lower: set[int] = set()
    for start, end, key in gazetteer.matches(text):
        key_bits = bits[key]
        lower_first = text[start].islower()
        if lower_first and not key_bits & 4:
            seen_lower.add(key)
            continue
        after = text[end : end + 1]
        if key_bits & 8 or after in _CURRENCY:
            found.append((start, -end, key, ()))  # a blocker, or "US$", "HK$": money
            continue
        info = cache.get(key)
        if info is None:
            info = _key_info(gazetteer, key)
        if info.plain and not lower_first:
            readings = info.readings
        else:
            upper = text[start:end].isupper()
            dotted = after == "."
            after_town = start >= 2 and text[start - 2 : start] == ", "
            readings = tuple(
                r
                for r in info.readings
                if (upper or not r.flags & ACRONYM)
                and (not lower_first or r.flags & LOWER_OK)
                and (dotted or not r.flags & ABBREV)
                and (after_town or not (r.flags & POSTAL and r.kind == _ADMIN1))
            )
            if not readings:
                continue
            if dotted and any(r.flags & ABBREV for r in readings):
                end += 1  # "La." keeps its full stop
                after = text[end : end + 1]
        if after == "." and "." in text[start:end]:
            end += 1  # "U.S." keeps its last full stop
        found.append((start, -end, key, readings))
    found.sort(key=_START_AND_END)
    selected: list[_Span] = []
    last_end = -1
    for start, negative_end, key, readings in found:
        if start >= last_end:
            if readings:
                selected.append(_Span(start, -negative_end, key, readings))
            last_end = -negative_end
    return selected, seen_lower


def _used_as_word(text: str, span: _Span, gazetteer: Gazetteer) -> bool:
    """One sense per discourse: a one-word name the text also uses in lower case ("the bank",
    "a market") is a word here too."""
    surface = text[span.start : span.end]
    if " " in surface or not surface[1:].islower() or _key_info(gazetteer, span.key).countries_only:
        return False
    lowered = surface.lower()
    index = text.find(lowered)
    while index >= 0:
        before = text[index - 1 : index]
        after = text[index + len(lowered) : index + len(lowered) + 1]
        if not before.isalnum() and not after.isalnum():
            return True
        index = text.find(lowered, index + 1)
    return False


def _after_locative(text: str, start: int) -> bool:
    """Whether one of :data:`_LOCATIVES` and a space stand right before ``start`` (ASCII
    letters only, the compiled core reads the same)."""
    if start < 3 or text[start - 1] != " ":
        return False
    begin = start - 1
    while begin > 0 and start - 1 - begin < 7 and text[begin - 1] in _ASCII_LETTERS:
        begin -= 1
    if begin > 0 and text[begin - 1] in _ASCII_ALNUM:
        return False
    return text[begin : start - 1].lower() in _LOCATIVES


_ASCII_LETTERS = frozenset(string.ascii_letters)
_ASCII_ALNUM = _ASCII_LETTERS | frozenset(string.digits)


def _mark_context(text: str, spans: list[_Span], gazetteer: Gazetteer) -> None:
    """Case and neighbourhood rules that make a town reading unlikely (set on each span)."""
    span_ends = {s.end for s in spans}
    titles = gazetteer.person_titles
    heads = gazetteer.non_place_heads
    streets = gazetteer.street_heads
    given_names = gazetteer.given_names
    kin = gazetteer.kin_words
    features = gazetteer.feature_heads
    features_of = gazetteer.feature_of_heads
    ordinary = gazetteer.ordinary_words
    span_starts = {s.start for s in spans}
    bits = gazetteer.key_bits
    cache = gazetteer.runtime_cache
    for span in spans:
        key_bits = bits[span.key]
        info = cache.get(span.key) or _key_info(gazetteer, span.key)
        if (
            not key_bits & 1
            and info.countries_only
            and not info.demonym
            and text[span.end : span.end + 1] not in _COMPOUND_JOINERS
        ):
            continue  # a country's own name: only a compound ("Norway-Fjordline") can change it
        start = span.start
        if start > 1 and text[start - 1] == " " and text[start - 2] != " ":
            previous_end = start - 1
            word_start, previous = word_before(text, start)
            if not previous:
                word_start = previous_end  # a "word" longer than 30 characters: not a name
            dotted = previous.endswith(".")
            if (
                dotted
                and previous_end not in span_ends
                and (
                    _INITIALS.fullmatch(previous)
                    or middle_initial(text, word_start, previous, span_ends)
                )
            ):
                # "Ashley L. Evens", "J.M. Barrie", "Ulysses S. Grant"
                span.person = span.surname = True
            previous = previous.rstrip(".")
            if previous[:1].isupper() and previous.isalpha():
                lowered = previous.lower()
                if (
                    lowered in titles
                    or lowered in given_names
                    or (previous_end not in span_ends and after_title(text, word_start, titles))
                ):
                    # "Mayor Henry", "Andrew Trapani", "Sen. Orrin Keene"; also after a given
                    # name that is itself a town ("David Ragland", "Thomas Braidwood"): given
                    # names that are countries or regions are not in the list ("Israel Defense
                    # Forces").
                    span.person = span.surname = True
                elif lowered in features:
                    # "Lake Champlain", "Mount Schuyler": a lake's or a mountain's name
                    span.person = True
                elif (
                    not dotted
                    and lowered not in _OPENERS
                    and previous_end not in span_ends
                    and not _is_sentence_start(text, word_start)
                ):
                    span.penalty += 0.25  # "Raquel Henry": the tail of a longer name
            elif previous.rstrip(",").lower() in kin:
                span.person = True  # "his wife Edna", "and husband, Schuyler"
            elif previous == "of" and word_before(text, word_start)[1].lower() in features_of:
                span.person = True  # "the Gulf of Mexico", "the Bay of Bengal": a sea's name
        end = span.end
        following = ""
        after = text[end : end + 1]
        if after in _COMPOUND_JOINERS:
            span.actor = True  # "Tajik-Afghan": one half of a compound of countries
            span.opens_name = text[end + 1 : end + 2].isupper()
            span.compound = span.opens_name and end + 1 not in span_starts
        elif after == " ":
            word = _WORD.match(text, end + 1)
            following = word.group(0) if word else ""
        if following[:1].isupper():
            span.actor = span.opens_name = True
            head = following.lower()
            if initial_follows(text, end):
                span.person = True  # "Edna K. Schuyler": a given name before an initial
            elif head in streets:
                span.organisation = span.street = True
            elif head in heads:
                span.organisation = True
            elif text[start:end].rstrip(".").lower() in titles:
                span.person = True  # "Miss Butler County": a title, not "Miss." for Mississippi
            elif key_bits & 16:
                span.person = True  # "George Smith": a given name before a capitalised word
            elif key_bits & 64 and head not in ordinary and end + 1 not in span_starts:
                span.person = True  # "Vladimir Putin", "Kendall Haverkamp"; not "Vladimir Oblast"
        elif following in _SPEECH_VERBS and not _after_locative(text, start):
            span.penalty += 0.3  # "Jones said"; not "police in Greenfield said"
        elif following in _STATE_NOUNS:
            span.actor = True  # "Pakistani forces", "Afghan government"
        if not span.person and in_list_of_people(
            text, start, end, given_names, titles, span_starts
        ):
            span.person = True  # "Mrs. Edna Vance, Kendall Schuyler and Orrin Keene"
        if key_bits & 1 and _is_sentence_start(text, start):
            span.penalty += 0.2
        if _is_dateline(text, start, end):
            span.penalty -= DATELINE_BONUS


# ------------------------------------------------------------------------------- resolution


@dataclass(slots=True)
class _Group:
    """Every occurrence of one name in the document: resolved once, together."""

    key: int
    spans: list[_Span] = field(default_factory=list)
    candidates: dict[int, float] = field(default_factory=dict)  #: place -> prior
    readings: dict[int, _Reading] = field(default_factory=dict)
    bonus: dict[int, float] = field(default_factory=dict)
    choice: int | None = None
    confidence: float = 0.0
    common: bool = False
    person_like: bool = False
    #: Some occurrence is a person's name ("Andrew Trapani"): a region reading is a namesake.
    surname: bool = False
    #: How sure the country is when the region is not: "Decatur" is in the USA, but which one?
    country_confidence: float = 0.0
    country_only: bool = False
    #: A demonym right before a capitalised name ("Belarusian STV", "Afghan Taliban").
    names_actor: bool = False
    #: Candidates as scoring needs them, built on the first round (see _scoring_table).
    table: list[tuple[float, int, str | None, float, str | None]] | None = None


def _prior(reading: _Reading, group: _Group, span: _Span) -> float:
    """The reading's base prior, lowered by what this occurrence looks like."""
    score = reading.base
    kind = reading.kind
    if kind == _COUNTRY:
        if group.common:
            score -= 0.25
            if group.person_like:
                score -= 0.4  # "Chad Smith", "Michael Jordan"
        if span.person or span.compound:
            score -= 0.4
        return score
    if kind == _BORDER:
        return score
    if span.person or (span.street and kind == _ADMIN1):
        return 0.0
    if kind == _CITY:
        if span.organisation:
            return 0.0
        score -= span.penalty
        if group.person_like:
            score -= 0.6
    elif group.surname and not reading.flags & TYPED:
        score -= 0.4  # "Andrew Trapani" ... "Trapani's film": a surname, not the province
    if group.common:
        score -= 0.3
    return score


def _pair_bonuses(text: str, spans: list[_Span], groups: dict[int, _Group]) -> None:
    """ "Alexandria, La." and "Kunduz in Afghanistan": a town and its region or country side by
    side support each other's compatible readings."""
    for left, right in itertools.pairwise(spans):
        gap = text[left.end : right.start]
        if gap not in (", ", ",", " in ", ", in "):
            continue
        left_bonus = groups[left.key].bonus
        right_bonus = groups[right.key].bonus
        for reading in left.readings:
            for other in right.readings:
                if (other.kind == _ADMIN1 and reading.admin1 == other.admin1) or (
                    other.kind == _COUNTRY and reading.country == other.country
                ):
                    left_bonus[reading.place] = max(left_bonus.get(reading.place, 0.0), 0.5)
                    right_bonus[other.place] = max(right_bonus.get(other.place, 0.0), 0.45)
                    left.pair[reading.place] = 0.5
                    right.pair[other.place] = 0.45


Evidence = tuple[dict[str, float], dict[str, float]]


_NO_EVIDENCE: Evidence = ({}, {})  #: shared, never written to


def _evidence(groups: Sequence[_Group], resolved: bool) -> tuple[list[Evidence], Evidence]:
    """How much each group says for each country and admin-1 region, and the totals."""
    parts: list[Evidence] = []
    country_total: dict[str, float] = defaultdict(float)
    admin1_total: dict[str, float] = defaultdict(float)
    for group in groups:
        if resolved:
            if group.choice is None:
                parts.append(_NO_EVIDENCE)
                continue
            spans = len(group.spans)
            weight = group.confidence * (spans if spans < 2 else 2) / 1.5
            reading = group.readings[group.choice]
            code = reading.country
            area = reading.admin1
            if code:
                country_total[code] += weight
            if area:
                admin1_total[area] += weight
            parts.append(({code: weight} if code else {}, {area: weight} if area else {}))
            continue
        candidates = group.candidates
        if not candidates:
            parts.append(_NO_EVIDENCE)
            continue
        countries: dict[str, float] = {}
        regions: dict[str, float] = {}
        readings = group.readings
        if len(candidates) == 1:
            for place, best in candidates.items():
                if best > 0.3:  # above its own floor of max(best - 0.3, 0.3)
                    reading = readings[place]
                    if reading.country:
                        countries[reading.country] = best
                    if reading.admin1:
                        regions[reading.admin1] = best
        else:
            best = max(candidates.values())
            floor = max(best - 0.3, 0.3)
            codes = set()
            areas = set()
            for place, prior in candidates.items():
                if prior > floor:
                    reading = readings[place]
                    if reading.country:
                        codes.add(reading.country)
                    if reading.admin1:
                        areas.add(reading.admin1)
            if len(codes) <= _MAX_EVIDENCE_AREAS:  # "Springfield" says nothing about a state
                for code in codes:
                    countries[code] = best / len(codes)
            if len(areas) <= _MAX_EVIDENCE_AREAS:
                for area in areas:
                    regions[area] = best / len(areas)
        for code, weight in countries.items():
            country_total[code] += weight
        for area, weight in regions.items():
            admin1_total[area] += weight
        parts.append((countries, regions))
    return parts, (country_total, admin1_total)


def _scoring_table(group: _Group) -> list[tuple[float, int, str | None, float, str | None]]:
    """Per candidate: (prior plus pair bonus, place, country, country weight, admin-1 region or
    None for a country reading), fixed for both rounds of :func:`_resolve`."""
    bonus = group.bonus
    readings = group.readings
    table = []
    for place, prior in group.candidates.items():
        reading = readings[place]
        score = prior + bonus[place] if bonus and place in bonus else prior
        area = reading.admin1 if reading.kind != _COUNTRY else None
        table.append((score, place, reading.country, reading.country_weight, area))
    return table


def _resolve(groups: list[_Group], gaz: Gazetteer, resolved: bool) -> None:
    """Choose each group's reading from its prior and the other groups' evidence."""
    parts, (country_total, admin1_total) = _evidence(groups, resolved)
    neighbours_of = gaz.admin1_neighbours
    near_total: dict[str, float] = defaultdict(float)  # evidence next door, per region
    for region, weight in admin1_total.items():
        for neighbour in neighbours_of.get(region, ()):
            near_total[neighbour] += weight
    for group, (own_countries, own_regions) in zip(groups, parts, strict=True):
        table = group.table
        if table is None:
            table = group.table = _scoring_table(group)
        if not table:
            group.choice, group.confidence = None, 0.0
            continue
        scored: list[tuple[float, int]] = []
        for score, place, code, country_weight, area in table:
            if code and code in country_total:
                support = country_total[code] - own_countries.get(code, 0.0)
                if support > 0:
                    score += country_weight * (support if support < 1.0 else 1.0)
            if area and admin1_total:
                support = admin1_total.get(area, 0.0)
                near = near_total.get(area, 0.0)
                if own_regions:
                    support -= own_regions.get(area, 0.0)
                    if near:
                        neighbours = neighbours_of.get(area, frozenset())
                        near -= sum(w for r, w in own_regions.items() if r in neighbours)
                if support > 0:
                    score += 0.4 * (support if support < 1.0 else 1.0)
                if near > 0:
                    score += 0.1 * (near if near < 1.0 else 1.0)
            scored.append((score, place))
        if len(scored) == 1:
            best_score, best = scored[0]
            group.choice = best
            group.confidence = group.country_confidence = min(0.99, best_score)
            continue
        scored.sort(reverse=True)
        readings = group.readings
        best_score, best = scored[0]
        chosen = readings[best]
        confidence = min(0.99, best_score)
        for score, other in scored[1:]:
            if _same_area(chosen, readings[other]):
                continue
            if score > best_score - 0.15:
                confidence -= 0.15 * (1 - (best_score - score) / 0.15)
            break
        group.choice, group.confidence = best, confidence
        country = chosen.country
        one_country = True
        for _, p in scored:
            if readings[p].country != country:
                one_country = False
                break
        group.country_confidence = min(0.99, best_score) if one_country else confidence


def _same_area(a: _Reading, b: _Reading) -> bool:
    if a.country != b.country:
        return False
    return a.admin1 is None or b.admin1 is None or a.admin1 == b.admin1


#: A town or region whose country nothing else in the document names is held to a higher bar:
#: a lone small "Esperance" or "Trapani" in an article about somewhere else is usually a word,
#: a surname or a namesake, and one wrong country costs more than one missed town.
_LONE_MIN_CONFIDENCE = {_CITY: 0.8, _COUNTY: 0.8, _ADMIN1: 0.95}
#: Bar for a town name reported at country level only (all its readings in one country).
_COUNTRY_ONLY_MIN_CONFIDENCE = 0.7
#: Bar for a small town that no other name places in its region, in a document whose country
#: other names give (:func:`_unsupported_town`). Measured over the three corpora together
#: (``bench/eval_geoparse.py``): 0.8, 0.85 and 0.9 gave admin-1 F1 0.821, 0.826 and 0.826, and
#: 0.9 loses eight more toponyms than 0.85.
_UNSUPPORTED_TOWN_MIN_CONFIDENCE = 0.85
#: How far below the bar a town name may be and still tell the country of a document in which
#: no name clears the bar, when all such names agree on that country.
_EMPTY_DOCUMENT_MARGIN = 0.25


def _ambiguous(group: _Group) -> bool:
    """Whether another reading of the name, in another area, is nearly as likely a priori."""
    if group.choice is None:
        return False
    chosen = group.readings[group.choice]
    floor = group.candidates.get(group.choice, 0.0) - 0.2
    return any(
        prior >= floor and not _same_area(chosen, group.readings[place])
        for place, prior in group.candidates.items()
    )


def _country_counts(groups: Iterable[_Group]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        code = group.readings[group.choice].country if group.choice is not None else None
        if code:
            counts[code] += 1
    return counts


def _supported(groups: list[_Group], min_confidence: float) -> list[_Group]:
    """The groups to report: confident enough, and, for towns and regions, either supported
    by another mention of their country or confident enough on their own."""
    kept = [g for g in groups if g.choice is not None and g.confidence >= min_confidence]
    countries = _country_counts(kept)

    def weak_demonym(group: _Group) -> bool:
        """ "Spanish", "Irish" alone: a language or an ancestry, not the country."""
        reading = group.readings[group.choice] if group.choice is not None else None
        return bool(
            reading is not None
            and reading.flags & DEMONYM
            and countries[reading.country or ""] <= 1
            and not group.names_actor
            and len(group.spans) < 2
        )

    kept_places = [g for g in kept if not weak_demonym(g)]
    countries = _country_counts(kept_places)
    elsewhere = len(countries) > 1  # the document is (also) about more than one country
    out: list[_Group] = []
    for group in kept_places:
        if group.choice is None:
            continue
        reading = group.readings[group.choice]
        bar = _LONE_MIN_CONFIDENCE.get(reading.kind)
        if reading.kind == _ADMIN1 and _city_region(group, reading):
            bar = _LONE_MIN_CONFIDENCE[_CITY]  # "Bremen": the name means the city
        if bar is not None and not group.common and not _ambiguous(group):
            bar = min(bar, 0.8)  # "Texas", "Kandahar": the name means nothing else of note
        code = reading.country
        lone = bool(code) and countries[code or ""] <= 1 and elsewhere
        if bar is not None and lone and group.confidence < bar:
            continue
        out.append(group)
    # Names whose readings all lie in one country but in several regions ("Decatur",
    # "Middletown") still tell the country: reported without a region.
    considered = {id(group) for group in kept}
    spare: list[_Group] = []  # below the bar, but within the margin of an empty document
    for group in groups:
        if id(group) in considered or group.choice is None or group.common or group.person_like:
            continue  # kept groups that failed the lone bar stay out
        if group.country_confidence >= max(min_confidence, _COUNTRY_ONLY_MIN_CONFIDENCE):
            group.country_only = True
            out.append(group)
        elif (
            group.country_confidence >= min_confidence - _EMPTY_DOCUMENT_MARGIN
            and group.readings[group.choice].kind != _COUNTRY  # never a country's own name
        ):
            spare.append(group)
    # A report names somewhere. When nothing clears the bar but every remaining town name
    # lies in one country ("Pinewood ... Oak Ridge", each a village in several states), the
    # document is about that country: its names are reported at country level.
    agreed = {g.readings[g.choice].country for g in spare if g.choice is not None}
    if not out and len(agreed) == 1 and None not in agreed:
        for group in spare:
            group.country_only = True
        out.extend(spare)
    # A region named only as the first word of longer names ("Nunavut Freight", "Styria-Alpine
    # Brewing"), and by nothing else in its country, names those, not the region.
    countries = _country_counts(out)
    out = [group for group in out if not _opens_names_only(group, countries)]
    # An unsure small town that nothing places in its region, in a document whose other names
    # already give its country, is more often a word, a surname or a firm than the town.
    countries = _country_counts(out)
    regions: dict[str | None, int] = defaultdict(int)
    for group in out:
        if not group.country_only and group.choice is not None:
            regions[group.readings[group.choice].admin1] += 1
    out = [group for group in out if not _unsupported_town(group, countries, regions)]
    # Small towns of a country that no name of its own gives, outnumbered by another country's
    # names, support only each other: surnames and words whose namesakes share a region.
    foreign = _unnamed_country_towns(out)
    return [group for group in out if id(group) not in foreign] if foreign else out


def _city_region(group: _Group, region: _Reading) -> bool:
    """Whether a region reading is a big city's own region: a town of the name with at least
    :data:`~geodata.gazetteer.SEAT_MIN_POPULATION` people lies in it ("Bremen", a city that
    Natural Earth draws as an admin-1 region of its own). Such a name is held to a town's bar, not
    a region's: a text names the city."""
    return any(
        other.kind == _CITY
        and other.admin1 == region.admin1
        and other.population >= SEAT_MIN_POPULATION
        for other in group.readings.values()
    )


def _unnamed_country_towns(groups: list[_Group]) -> set[int]:
    """The ids of the groups that are small towns (under
    :data:`~geodata.gazetteer.SEAT_MIN_POPULATION` people), in a country that no reported
    country, region or county name gives and that fewer names give than the document's leading
    country, and in an admin-1 region where every reported name is such a town.

    An article about one country names a small town abroad with its country ("a harbour town,
    Kinsale, Ireland"); without it, two or three unsure names that happen to have namesakes in one
    foreign region (a surname, a venue, a firm) hold each other there. On the evaluation corpora
    every such region reported was wrong (11 of 11, and 10 wrong countries with them, against
    one right country lost). A famous city abroad is no small town and keeps its place.
    """
    countries = _country_counts(groups)
    top = max(countries.values(), default=0)
    named: set[str | None] = set()
    regions: dict[str, list[_Group]] = defaultdict(list)
    for group in groups:
        if group.choice is None:
            continue
        reading = group.readings[group.choice]
        if reading.kind != _CITY:
            named.add(reading.country)
        elif not group.country_only and reading.admin1:
            regions[reading.admin1].append(group)
    dropped: set[int] = set()
    for members in regions.values():
        readings = [group.readings[group.choice] for group in members if group.choice is not None]
        code = readings[0].country
        if code in named or countries[code or ""] >= top:
            continue
        if all(reading.population < SEAT_MIN_POPULATION for reading in readings):
            dropped.update(id(group) for group in members)
    return dropped


def _unsupported_town(
    group: _Group, countries: dict[str, int], regions: dict[str | None, int]
) -> bool:
    """Whether a group is a town below :data:`_UNSUPPORTED_TOWN_MIN_CONFIDENCE` and
    :data:`~geodata.gazetteer.SEAT_MIN_POPULATION` people, whose name can mean other places,
    alone in its admin-1 region among the reported names, whose country at least
    :data:`_FOCUS_MIN_NAMES` other names give.

    Its country is reported without it; what it adds is a region, and such towns (a village
    name that a dozen states share, listed beside big cities elsewhere; an ordinary word, a
    surname or a firm that clears the bar on its country's support alone) gave a wrong region
    42 times in 44 on the evaluation corpora. A name that means one place only is kept: small
    towns abroad named as the scene of an event look like that. "Millbrook" beside Denver and
    Phoenix is left out; "Millbrook, Ala." or a Millbrook beside Montgomery is sure, and a big
    town keeps its place.
    """
    if (
        group.choice is None
        or group.country_only
        or group.confidence >= _UNSUPPORTED_TOWN_MIN_CONFIDENCE
    ):
        return False
    reading = group.readings[group.choice]
    return (
        reading.kind == _CITY
        and len(group.candidates) > 1
        and reading.admin1 is not None
        and reading.population < SEAT_MIN_POPULATION
        and regions[reading.admin1] <= 1
        and countries[reading.country or ""] > _FOCUS_MIN_NAMES
    )


def _opens_names_only(group: _Group, countries: dict[str, int]) -> bool:
    """Whether a group is a region, untyped, alone in its country among the reported names,
    whose every occurrence opens a longer capitalised name."""
    if group.choice is None or group.country_only:
        return False
    reading = group.readings[group.choice]
    return (
        reading.kind == _ADMIN1
        and not reading.flags & TYPED
        and countries[reading.country or ""] <= 1
        and all(span.opens_name for span in group.spans)
    )


def _held_back(groups: list[_Group], reported: list[_Group], min_confidence: float) -> list[_Group]:
    """Town and county names below the bar but within :data:`_EMPTY_DOCUMENT_MARGIN` of it, not
    reported: the county pass reports the towns that lie inside a county the document names
    ("Fairview", a town in a dozen states, beside Erie County, which holds Pennsylvania's) and
    the counties that hold one of the document's towns."""
    floor = min_confidence - _EMPTY_DOCUMENT_MARGIN
    out = {id(group) for group in reported}
    return [
        group
        for group in groups
        if group.choice is not None
        and id(group) not in out
        and group.confidence >= floor
        and group.readings[group.choice].kind in (_CITY, _COUNTY)
    ]


# ------------------------------------------------------------------- document coherence
#
# One pass over the resolved mentions. Resolution is per name with the document's evidence
# spread over every reading; this pass sees the document's *chosen* places and asks, per name,
# whether a namesake in the region the document is about beats the famous reading nothing else
# supports. The compiled core runs its own copy (``Core::cohere`` in geodata/core/src/lib.rs)
# right after resolution: here in Python it cost a fifth of the compiled parse, since half of
# all documents have a focus region. This is the reference; change both or neither
# (tests/test_geocore.py compares them).

#: Distinct other names placed in one admin-1 region before that region is the document's
#: focus: strong evidence, so the famous reading of a name loses only to a coherent document.
_FOCUS_MIN_NAMES = 2


def _key_of(gaz: Gazetteer, surface: str) -> int | None:
    """The gazetteer key a mention's surface was matched as ("La." and "U.S." keep dots)."""
    return gaz.key_of(surface)


def _cohere(text: str, mentions: list[Mention], gaz: Gazetteer) -> list[Mention]:
    """Move a name to its namesake in the document's focus region when nothing else in the
    document supports its chosen reading ("Paris" in a story about three Tennessee towns).

    The focus is the admin-1 region that most distinct other names were placed in, with at
    least :data:`_FOCUS_MIN_NAMES` of them; the name moves only if its chosen country is named
    by no other name of the document, and one of its readings lies in the focus region.
    Each name is decided once, on its first mention. The pass runs on every text, so the
    cheap tests come first: most texts have no focus, and most names have support.
    """
    if len(mentions) < _FOCUS_MIN_NAMES + 1:
        return mentions
    names = [mention.surface.lower() for mention in mentions]
    names_by_region: dict[str, set[str]] = defaultdict(set)
    for region, name in zip(map(_ADMIN1_FIELD, mentions), names, strict=True):
        if region:
            names_by_region[region].add(name)
    if not names_by_region or max(map(len, names_by_region.values())) < _FOCUS_MIN_NAMES:
        return mentions  # no region has enough names to be a focus (most documents)
    ranked = sorted(((len(n), r) for r, n in names_by_region.items()), reverse=True)[:3]
    moves: dict[str, int] = {}
    names_by_country: dict[str, set[str]] | None = None  # made for the first name that may move
    first = dict(zip(reversed(names), reversed(mentions), strict=True))  # each name's first
    for name, mention in first.items():
        if mention.kind in ("border", "admin1"):
            continue  # a region named in full is its own evidence ("California", "Ohio")
        if mention.admin1 and len(names_by_region[mention.admin1]) > 1:
            continue  # another name lies in its region: the chosen reading has support
        if names_by_country is None:
            names_by_country = defaultdict(set)
            for code, other in zip(map(_COUNTRY_FIELD, mentions), names, strict=True):
                if code:
                    names_by_country[code].add(other)
        place = _namesake_in_focus(mention, name, ranked, names_by_region, names_by_country, gaz)
        if place is not None:
            moves[name] = place
    if not moves:
        return mentions
    out: list[Mention] = []
    for mention in mentions:
        place = moves.get(mention.surface.lower())
        if place is None:
            out.append(mention)
        else:
            confidence = max(mention.confidence, DEFAULT_MIN_CONFIDENCE)
            out.append(_place_mention(text, mention.start, mention.end, place, confidence, gaz))
    return out


def _others(names: set[str] | None, name: str) -> bool:
    """Whether ``names`` holds a name other than ``name``."""
    return names is not None and len(names) > (1 if name in names else 0)


def _namesake_in_focus(
    mention: Mention,
    name: str,
    ranked: list[tuple[int, str]],
    names_by_region: dict[str, set[str]],
    names_by_country: dict[str, set[str]],
    gaz: Gazetteer,
) -> int | None:
    """The place a name without support in its own region (the caller checks that) should
    move to, or None to keep the chosen reading."""
    focus, support = None, 0
    for count, region in ranked:  # the top regions by name count (one fewer without this name)
        others = count - (name in names_by_region[region])
        if others > support:
            focus, support = region, others
    if focus is None or support < _FOCUS_MIN_NAMES or focus == mention.admin1:
        return None
    country = mention.country
    home = gaz.admin1_country.get(focus)
    if country != home and _others(names_by_country.get(country or ""), name):
        return None  # a foreign reading whose country is named elsewhere has support
    if mention.kind == "country" and any(c not in (country, home) for c in names_by_country):
        return None  # a country among other countries is the country ("Italy and Russia")
    key = _key_of(gaz, mention.surface)
    if key is None:
        return None
    place_admin1, place_kind = gaz.place_admin1, gaz.place_kind
    for place in gaz.entry_place[gaz.entry_start[key] : gaz.entry_start[key + 1]]:
        if place_admin1[place] == focus and place_kind[place] in ("city", "county"):
            return place
    return None


#: What stands between two items of a list ("Mexico, China and Japan").
_LIST_GAPS = frozenset([", ", ",", " and ", ", and ", " or ", ", or "])


def _countries_in_lists(text: str, mentions: list[Mention], gaz: Gazetteer) -> bool:
    """Read a name as its country where it sits in a list next to a country ("Mexico, China,
    Japan"): a namesake town or province of a neighbour the document also names loses to the
    country the list is made of, unless the list also holds a place of the namesake's own
    country ("Texas, Georgia and Mexico"). Moves in place; returns whether any name moved.

    One implementation holds this rule: it runs here on the mentions of either geoparser,
    after the compiled core's coherence pass or the reference's. Most documents pay one pass
    over their mentions with a few comparisons each.
    """
    moved = False
    for index, mention in enumerate(mentions):
        if mention.kind == "country" or mention.kind == "border":
            continue
        listed = [
            mentions[other]
            for other in (index - 1, index + 1)
            if 0 <= other < len(mentions)
            and text[
                min(mention.end, mentions[other].end) : max(mention.start, mentions[other].start)
            ]
            in _LIST_GAPS
        ]
        if not any(other.kind == "country" for other in listed) or any(
            other.kind != "country" and other.country == mention.country for other in listed
        ):
            continue
        place = _namesake(gaz, mention.surface, "country")
        if place is not None:
            mentions[index] = _moved(text, mention, place, gaz)
            moved = True
    return moved


def _namesake(gaz: Gazetteer, surface: str, kind: str, country: str | None = None) -> int | None:
    """The first place of ``kind`` (in ``country``, when given) that a mention's name means."""
    key = _key_of(gaz, surface)
    if key is None:
        return None
    for place in gaz.entry_place[gaz.entry_start[key] : gaz.entry_start[key + 1]]:
        if gaz.place_kind[place] == kind and country in (None, gaz.place_country[place]):
            return place
    return None


def _moved(text: str, mention: Mention, place: int, gaz: Gazetteer) -> Mention:
    """The mention read as ``place`` instead, at least as sure as a namesake move makes it."""
    confidence = max(mention.confidence, DEFAULT_MIN_CONFIDENCE)
    return _place_mention(text, mention.start, mention.end, place, confidence, gaz)


def _beside_own_region(text: str, mentions: Sequence[Mention], index: int) -> bool:
    """Whether a town is written with its own region right after it ("Kansas City, Kan."): the
    text says where it is, and no namesake county can say otherwise."""
    if index + 1 >= len(mentions):
        return False
    town, following = mentions[index], mentions[index + 1]
    return (
        following.kind == "admin1"
        and following.admin1 is not None
        and following.admin1 == town.admin1
        and text[town.end : following.start] in (",", ", ")
    )


def _county_pass(
    text: str,
    mentions: list[Mention],
    held_back: list[Mention],
    gaz: Gazetteer,
    min_confidence: float,
) -> list[Mention]:
    """:func:`geodata.county_towns.county_moves` over the reported mentions and the town names
    held back below the bar: the held-back names a named county claims are reported, at least
    as sure as the bar, and the others stay out."""
    if not held_back:
        for index, place in county_moves(mentions, gaz).items():
            if not _beside_own_region(text, mentions, index):
                mentions[index] = _moved(text, mentions[index], place, gaz)
        return mentions
    merged = sorted(
        itertools.chain(((m, False) for m in mentions), ((m, True) for m in held_back)),
        key=lambda pair: pair[0].start,
    )
    ordered = [mention for mention, _ in merged]
    below_bar = [flag for _, flag in merged]
    moves = county_moves(ordered, gaz, below_bar)
    out: list[Mention] = []
    for index, (mention, flag) in enumerate(merged):
        target = moves.get(index)
        if target is not None and (flag or not _beside_own_region(text, ordered, index)):
            moved = _moved(text, mention, target, gaz)
            if flag and moved.confidence < min_confidence:
                moved = moved._replace(confidence=min_confidence)
            out.append(moved)
        elif not flag:
            out.append(mention)
    return out


#: The optional passes as the compiled core names them: 1 :func:`_countries_in_lists`, 2
#: :func:`_regions_in_lists`, 4 :func:`_typed_lists`, 8 :func:`_phone_region_pass`, 16
#: :func:`_country_level_towns` (``Core::list_passes`` in lib.rs says which can change a
#: text's mentions; the Python reference runs all five).
_ALL_LIST_PASSES = 1 | 2 | 4 | 8 | 16


def _list_chains(text: str, mentions: list[Mention]) -> Iterator[list[int]]:
    """Runs of two or more mentions joined by list gaps ("Ohio, Oregon and Idaho"), as indexes
    into ``mentions`` (sorted by start)."""
    chain: list[int] = []
    for index, mention in enumerate(mentions):
        if chain:
            previous = mentions[chain[-1]]
            if mention.start >= previous.end and text[previous.end : mention.start] in _LIST_GAPS:
                chain.append(index)
                continue
            if len(chain) > 1:
                yield chain
        chain = [index]
    if len(chain) > 1:
        yield chain


def _regions_in_lists(text: str, mentions: list[Mention], gaz: Gazetteer) -> bool:
    """Read a town as its namesake region where it sits in a list of one country's admin-1
    regions ("Michigan, Oregon, Ohio and Wyoming": the towns called Oregon and Wyoming lie in
    Ohio and Michigan, which is why resolution chose them). Moves in place; returns whether any
    name moved.

    A town right before the region it lies in is a "Town, State" pair and stays ("Delaware, Ohio
    and Erie, Pennsylvania"), unless a region comes right before it too ("Virginia, Washington,
    West Virginia and Wyoming" lists four states); so is a two-item list whose region holds the
    town.
    Like :func:`_countries_in_lists`, one Python pass over either implementation's mentions.
    """
    moved = False
    for chain in _list_chains(text, mentions):
        regions = [mentions[i] for i in chain if mentions[i].kind == "admin1"]
        if not regions:
            continue
        country = Counter(region.country for region in regions).most_common(1)[0][0]
        for position, index in enumerate(chain):
            mention = mentions[index]
            if mention.kind != "city":
                continue
            following = mentions[chain[position + 1]] if position + 1 < len(chain) else None
            previous = mentions[chain[position - 1]] if position else None
            if (
                following is not None
                and following.admin1 == mention.admin1
                and text[mention.end : following.start] in (",", ", ")
                and (previous is None or previous.kind != "admin1")
            ):
                continue  # "Delaware, Ohio": a town and its state
            if len(chain) == 2 and regions[0].admin1 == mention.admin1:
                continue  # "Oregon and Ohio", the town in Ohio: no list of regions to go by
            place = _namesake(gaz, mention.surface, "admin1", country)
            if place is not None:
                mentions[index] = _moved(text, mention, place, gaz)
                moved = True
    return moved


#: A plural type word after a list of names ("Pembina and Walsh counties") and the word each
#: name takes on its own ("Pembina County").
_LIST_TYPES = {"counties": "County", "parishes": "Parish"}
_LIST_NAME = r"[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)?"
_TYPED_ITEM = re.compile(_LIST_NAME)
#: The list right before the type word, names joined by commas and one "and", "or" or "&",
#: matched backwards from the type word on the reversed text: one anchored match instead of a
#: search that tries every capital of the window (the pass's cost on a long text).
_REVERSED_NAME = r"(?:[\w'’.-]*[A-Z] )?[\w'’.-]*[A-Z]"
_TYPED_LIST_REVERSED = re.compile(
    rf" {_REVERSED_NAME}(?:(?: ,| (?:dna|ro|&) ,?){_REVERSED_NAME})+(?![\w'’.-])"
)
#: How far before the type word a list may begin: a dozen counties fit.
_TYPED_LIST_REACH = 300


def _typed_lists(text: str, mentions: list[Mention], gaz: Gazetteer) -> list[Mention]:
    """Read each name of "Pembina, Walsh and Grand Forks counties" as its county: the names
    alone are towns, given names or nothing the gazetteer holds, and the plural says what they
    are.

    The counties of one list lie in one state: the state that holds a county for the most
    names (at least two; a tie goes to the state the document's other mentions name most, and
    is left alone if that ties too). A name without a county of that state keeps its mention.
    """
    added: list[Mention] = []
    for word, suffix in _LIST_TYPES.items():
        for at in _word_positions(text, word):
            reach = max(0, at - _TYPED_LIST_REACH)
            listed = _TYPED_LIST_REVERSED.match(text[reach:at][::-1])
            if listed is None:
                continue
            items = [
                (item.start(), item.end(), _typed_places(item.group(0), suffix, gaz))
                for item in _TYPED_ITEM.finditer(text, at - listed.end(), at)
            ]
            state = _list_state([places for _, _, places in items], mentions)
            if state is None:
                continue
            for start, end, places in items:
                place = places.get(state)
                if place is not None:
                    added.append(_place_mention(text, start, end, place, 0.9, gaz))
    if not added:
        return mentions
    kept = [m for m in mentions if not any(a.start < m.end and m.start < a.end for a in added)]
    return sorted(kept + added, key=_START)


def _word_positions(text: str, word: str) -> Iterator[int]:
    """Where ``word`` stands as a whole word in ``text`` (found by str.find: a regular
    expression over a long text costs more than the rest of the pass)."""
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not text[at - 1].isalnum()) and not text[end : end + 1].isalnum():
            yield at
        at = text.find(word, end)


def _typed_places(name: str, suffix: str, gaz: Gazetteer) -> dict[str, int]:
    """The counties called ``name`` + ``suffix``, by admin-1 region; a two-word name that is no
    county tries its last word ("Neighbouring Pembina")."""
    for candidate in (name, name.rpartition(" ")[2]):
        key = _key_of(gaz, f"{candidate} {suffix}")
        if key is None:
            continue
        out: dict[str, int] = {}
        for place in gaz.entry_place[gaz.entry_start[key] : gaz.entry_start[key + 1]]:
            region = gaz.place_admin1[place]
            if gaz.place_kind[place] == "county" and region:
                out.setdefault(region, place)
        if out:
            return out
    return {}


def _list_state(options: list[dict[str, int]], mentions: list[Mention]) -> str | None:
    """The region that holds a county for the most names of a list (at least two), else None."""
    names = Counter(region for places in options for region in places)
    if not names:
        return None
    most = max(names.values())
    best = [region for region, count in names.items() if count == most]
    if most < 2:
        return None
    if len(best) > 1:
        named = Counter(m.admin1 for m in mentions if m.admin1 in best)
        ranked = named.most_common(2)
        if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
            return None
        return ranked[0][0]
    return best[0]


def _rerank(text: str, mentions: list[Mention], gaz: Gazetteer, ranker: Ranker) -> list[Mention]:
    """Move each ambiguous name to the reading the learned ranker prefers (see
    :mod:`geodata.ranker`); a moved mention keeps its confidence."""
    if len(mentions) < 2:
        return mentions
    moves = rerank(text, mentions, gaz, ranker)
    for index, place in moves.items():
        mention = mentions[index]
        mentions[index] = _place_mention(
            text, mention.start, mention.end, place, mention.confidence, gaz
        )
    return mentions


# ------------------------------------------------------------------------------ phone numbers

#: ``Gazetteer.runtime_cache`` slot of the phone regions' lookup table.
_PHONE_SLOT = -4


def _phone_region_pass(text: str, mentions: list[Mention], gaz: Gazetteer) -> list[Mention]:
    """Move each town name that nothing else in the document places to its namesake in the
    region the text's North American phone numbers are in (:mod:`geodata.phone_regions`).

    "Millbrook" with an 845 number is the village in New York, not Alabama's. A name moves
    only where its chosen region holds no other name of the document, and, if its chosen
    country is not the number's, where no other name gives that country: the document's own
    places outrank a phone number. Runs after both implementations, so the rule lives here only.
    """
    names = [mention.surface.lower() for mention in mentions]
    names_by_region: dict[str, set[str]] = defaultdict(set)
    names_by_country: dict[str, set[str]] = defaultdict(set)
    for mention, name in zip(mentions, names, strict=True):
        if mention.admin1:
            names_by_region[mention.admin1].add(name)
        if mention.country:
            names_by_country[mention.country].add(name)
    # Towns without support in their region, first: most texts have none, and then the
    # numbers are not read at all.
    unsupported = [
        (mention, name)
        for mention, name in zip(mentions, names, strict=True)
        if mention.kind == "city"
        and not (mention.admin1 and _others(names_by_region.get(mention.admin1), name))
    ]
    if not unsupported:
        return mentions
    table = gaz.runtime_cache.get(_PHONE_SLOT)
    if table is None:
        table = gaz.runtime_cache[_PHONE_SLOT] = region_table(
            gaz.admin1_country, gaz.admin1_iso, gaz.admin1_names
        )
    regions = phone_regions(text, table)
    if not regions:
        return mentions
    homes = {gaz.admin1_country.get(region) for region in regions}
    moves: dict[str, int] = {}
    for mention, name in unsupported:
        if name in moves or mention.admin1 in regions:
            continue
        if mention.country not in homes and _others(
            names_by_country.get(mention.country or ""), name
        ):
            continue  # a foreign reading whose country another name gives
        place = _namesake_in(gaz, mention.surface, regions)
        if place is not None:
            moves[name] = place
    if not moves:
        return mentions
    return [
        _place_mention(
            text,
            mention.start,
            mention.end,
            moves[name],
            max(mention.confidence, DEFAULT_MIN_CONFIDENCE),
            gaz,
        )
        if name in moves
        else mention
        for mention, name in zip(mentions, names, strict=True)
    ]


def _country_level_towns(text: str, mentions: list[Mention], gaz: Gazetteer) -> list[Mention]:
    """Place each town name reported at country level only where its country settles more.

    - **One region.** Every place of the name in that country lies in one admin-1 region: the
      country says the region too. Such names come from documents in which no name clears the
      bar and the names agree on a country (a village known in one state only).
    - **A big namesake.** Otherwise, its most populous namesake there, where that has at least
      :data:`~geodata.gazetteer.SEAT_MIN_POPULATION` people. A name like "Allentown" or
      "Clearwater" means a city and several villages of one country; the big city is the
      likelier reading. With a bar of 30,000 people admin-1 F1 fell instead.

    On the evaluation corpora the first gave 7 right regions and 3 wrong ones, the second 9
    right and 6 wrong: a reported region pays from 41% right on (a wrong pair costs less than
    a right one gains).

    A name that opens a longer capitalised name ("Reston Chamber of Commerce") stays at
    country level: it names an organisation there. Runs after both implementations, so the rule
    lives here only.
    """
    country_level = PRECISION["country"]
    for mention in mentions:  # a plain loop: this runs for every document
        if mention.precision == country_level and mention.kind == "city":
            break
    else:
        return mentions
    settled = gaz.runtime_cache.get(_COUNTRY_LEVEL_SLOT)
    if settled is None:
        settled = gaz.runtime_cache[_COUNTRY_LEVEL_SLOT] = {}
    out = []
    for mention in mentions:
        if (
            mention.precision == country_level
            and mention.kind == "city"
            and not _opens_longer_name(text, mention.end)
        ):
            name = (mention.surface, mention.country)
            place = settled.get(name, -1)
            if place == -1:
                if len(settled) >= _COUNTRY_LEVEL_CACHE_SIZE:
                    settled.clear()  # surfaces vary in case: keep a long-lived server bounded
                place = settled[name] = _settled_place(gaz, mention.surface, mention.country)
            if place is not None:
                mention = _place_mention(
                    text, mention.start, mention.end, place, mention.confidence, gaz
                )
        out.append(mention)
    return out


#: Gazetteer.runtime_cache slot of _settled_place's answers, by (surface, country): a name
#: reported at country level is often repeated, and folding it for the lookup is the pass's cost.
_COUNTRY_LEVEL_SLOT = -5
_COUNTRY_LEVEL_CACHE_SIZE = 100_000


def _settled_place(gaz: Gazetteer, surface: str, country: str | None) -> int | None:
    """Where :func:`_country_level_towns` places a name reported in ``country``, or None."""
    key = _key_of(gaz, surface)
    places = _places_in(gaz, key, country) if key is not None else []
    place = _one_region(gaz, places)
    if place is None and places:
        towns = [p for p in places if gaz.place_kind[p] == "city"]
        place = max(towns, key=gaz.place_population.__getitem__, default=None)
        if place is not None and gaz.place_population[place] < SEAT_MIN_POPULATION:
            place = None
    return place


def _opens_longer_name(text: str, end: int) -> bool:
    """Whether a capitalised word follows a name ("Reston Chamber of Commerce"): the name is
    part of an organisation's or a building's, and tells the country at most."""
    return text[end : end + 1] == " " and text[end + 1 : end + 2].isupper()


def _places_in(gaz: Gazetteer, key: int, country: str | None) -> list[int]:
    """The places (no country) a key names in ``country``."""
    return [
        place
        for place in gaz.entry_place[gaz.entry_start[key] : gaz.entry_start[key + 1]]
        if gaz.place_kind[place] != "country" and gaz.place_country[place] == country
    ]


def _one_region(gaz: Gazetteer, places: list[int]) -> int | None:
    """The most populous of ``places`` when they all lie in one admin-1 region, or None."""
    if not places or len({gaz.place_admin1[place] for place in places}) != 1:
        return None
    return max(places, key=gaz.place_population.__getitem__)


def _namesake_in(gaz: Gazetteer, surface: str, regions: set[str]) -> int | None:
    """The most populous town or county of a name in one of ``regions``, or None."""
    key = _key_of(gaz, surface)
    if key is None:
        return None
    places = [
        place
        for place in gaz.entry_place[gaz.entry_start[key] : gaz.entry_start[key + 1]]
        if gaz.place_admin1[place] in regions and gaz.place_kind[place] in ("city", "county")
    ]
    return max(places, key=gaz.place_population.__getitem__, default=None)


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
    if not countries or not ("order" in text or "rontier" in text or "oundar" in text):
        return []  # quick tests before the regex, the cheaper first
    by_end = {m.end: m for m in countries}
    by_start = {m.start: m for m in countries}
    found: list[Mention] = []
    for ws, we in _border_words(text):
        if not _is_border_word(text, ws):
            continue
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


def _border_words(text: str) -> list[tuple[int, int]]:
    """The spans of ``[BbFf](?:orders?|rontier|oundary)\\b`` in ``text``, in order, found by
    ``str.find`` of each stem: that regular expression's scan for its first letter cost as much
    as the rest of the border pass on a news story."""
    spans = []
    for stem in _BORDER_STEMS:
        at = text.find(stem, 1)
        while at >= 0:
            end = at + len(stem)
            if text[at - 1] in "BbFf":
                if stem == "order" and text[end : end + 1] == "s" and _word_ends(text, end + 1):
                    spans.append((at - 1, end + 1))  # "orders?": the plural first
                elif _word_ends(text, end):
                    spans.append((at - 1, end))
            at = text.find(stem, end)
    spans.sort()
    return spans


def _word_ends(text: str, position: int) -> bool:
    """Whether a word that ends before ``position`` ends there (the regular expressions'
    ``\\b`` after a word character)."""
    after = text[position : position + 1]
    return not (after.isalnum() or after == "_")


def _is_border_word(text: str, start: int) -> bool:
    before = text[start - 1] if start else " "
    if before.isalnum() or before == "_":
        return False  # no word boundary before it
    return (text[start] in "Ff") == (text[start + 1] == "r")  # "Frontier", not "Forder"


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


def _place_mention(
    text: str, start: int, end: int, place: int, confidence: float, gaz: Gazetteer
) -> Mention:
    kind = gaz.place_kind[place]
    admin1 = gaz.place_admin1[place]
    return Mention(
        start,
        end,
        text[start:end],
        "city" if kind == "county" else kind,
        gaz.place_country[place],
        admin1,
        None,
        (admin1,) if admin1 else (),
        round(confidence, 3),
        PRECISION[kind],
        gaz.place_point.get(place),
    )


def _country_only_mention(
    text: str, start: int, end: int, place: int, confidence: float, gaz: Gazetteer
) -> Mention:
    """A town name whose readings all lie in one country ("Decatur"): the country, no region."""
    return Mention(
        start,
        end,
        text[start:end],
        "city",
        gaz.place_country[place],
        None,
        None,
        (),
        round(confidence, 3),
        PRECISION["country"],
    )


def geoparse(
    text: str,
    gazetteer: Gazetteer,
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    compiled: bool | None = None,
    ranker: Ranker | None = None,
) -> list[Mention]:
    """Every place mention in ``text``, resolved, in text order.

    Parameters
    ----------
    text : any string (empty, huge, any script, stray control characters all work).
    gazetteer : from :func:`geodata.gazetteer.load_gazetteer`.
    min_confidence : mentions resolved with less confidence are dropped, but for two cases of
        town names within ``_EMPTY_DOCUMENT_MARGIN`` below it: a document in which nothing
        clears it still reports, at country level, the country such names agree on; and such a
        name that lies inside a county the document names is reported there, at no less than
        this bar.
    compiled : ``None`` uses the compiled core when it is installed, ``False`` the Python
        reference, ``True`` insists on the compiled core. Both give the same mentions.
    ranker : coefficients of the learned choice between a name's readings
        (:mod:`geodata.ranker`, trained by ``bench/train_ranker.py``) applied to the resolved
        mentions; ``None`` (the default) applies none.

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
    # What _cyclic_gc_paused does, written out: this runs per document, thousands of times a
    # second, and the context manager's generator costs as much as the border pass.
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        folded = _folded(text, compiled)
        if folded is None:
            return _geoparse(text, gazetteer, min_confidence, compiled, ranker)
        # A hard-wrapped text is read as one line per sentence; offsets are the caller's.
        mentions = _geoparse(folded.text, gazetteer, min_confidence, compiled, ranker)
        span_of = folded.original_span
        return [
            _MENTION_NEW(Mention, (start, end, text[start:end], *mention[3:]))
            for mention in mentions
            for start, end in (span_of(mention.start, mention.end),)
        ]
    finally:
        if was_enabled:
            gc.enable()


#: How a mention is made from its fields without NamedTuple's keyword handling (``_replace``
#: costs ten times as much, on every mention of a hard-wrapped text).
_MENTION_NEW = tuple.__new__


def _folded(text: str, compiled: bool | None) -> FoldedText | None:
    """:func:`geodata.whitespace.fold_soft_whitespace`, by the compiled core's copy where it
    reads the text (six times faster on hard-wrapped news), else by the Python reference."""
    if riskmap_geocore is None or compiled is False:
        return fold_soft_whitespace(text)
    try:
        found = riskmap_geocore.fold_soft_whitespace(text)
    except UnicodeEncodeError:
        return fold_soft_whitespace(text)  # lone surrogates have no UTF-8 form
    return None if found is None else FoldedText(*found)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while mentions are built.

    A long text yields hundreds of thousands of mention tuples; each allocation burst makes
    the collector walk every live container again, which turns reading a 2 MB text
    super-linear. Mentions hold no reference cycles, so nothing is lost by collecting after.
    The collector is only switched back on by the call that switched it off, so concurrent
    readers in other threads never leave it off.
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _geoparse(
    text: str,
    gazetteer: Gazetteer,
    min_confidence: float,
    compiled: bool | None,
    ranker: Ranker | None,
) -> list[Mention]:
    found = None
    if compiled is not False:
        found = _compiled_mentions(text, gazetteer, min_confidence, required=bool(compiled))
    if found is None:
        mentions, held_back = _python_mentions(text, gazetteer, min_confidence)
        mentions.sort(key=_START)
        mentions = _cohere(text, mentions, gazetteer)
        mentions = _county_pass(text, mentions, held_back, gazetteer, min_confidence)
        latin = False  # not known: the scan for Cyrillic runs
        border = True  # may hold a border phrase: _borders looks
        lists = _ALL_LIST_PASSES  # may hold lists: the list passes look
    else:
        # The core ran the coherence and county passes too, and knows whether the text holds
        # letters of other scripts, whether a border phrase is possible at all (a country mentioned,
        # a border word in the text) and whether a list pass can apply: most texts skip the
        # passes below.
        mentions, latin, border, lists = found
    if lists & 1 and _countries_in_lists(text, mentions, gazetteer):
        border = True  # a name that became a country may open a border phrase
    if lists & 2:
        _regions_in_lists(text, mentions, gazetteer)
    if lists & 4:
        mentions = _typed_lists(text, mentions, gazetteer)
    if lists & 8:
        mentions = _phone_region_pass(text, mentions, gazetteer)
    if lists & 16:
        mentions = _country_level_towns(text, mentions, gazetteer)
    if ranker is not None:
        mentions = _rerank(text, mentions, gazetteer, ranker)
        border = True  # a moved name may have become a country
    if not latin:  # Russian adjectives need Cyrillic: the scan for it is skipped when known
        mentions = _with_place_adjectives(text, mentions, gazetteer)
        border = True
    if border:
        borders = _borders(text, mentions, gazetteer)
        if borders:
            mentions.extend(borders)
            mentions.sort(key=_start_then_longest)
    return mentions


_START = operator.attrgetter("start")
_ADMIN1_FIELD = operator.attrgetter("admin1")
_COUNTRY_FIELD = operator.attrgetter("country")


def _with_place_adjectives(text: str, mentions: list[Mention], gaz: Gazetteer) -> list[Mention]:
    """Russian towns named by their adjective ("в кулябском районе"), added after resolution so
    that the compiled core and the Python reference share the rule (see
    :mod:`geodata.place_adjectives`)."""
    found = adjective_readings(text, mentions, gaz)
    if not found:
        return mentions
    mentions = mentions + [_place_mention(text, s, e, p, c, gaz) for s, e, p, c in found]
    mentions.sort(key=_START)
    return mentions


def _start_then_longest(mention: Mention) -> tuple[int, int]:
    return (mention.start, -mention.end)


def compiled_core_available() -> bool:
    """Whether the compiled core (``riskmap_geocore``, built from ``geodata/core``) is installed
    and not switched off (``RISKMAP_GEOPARSER=python``)."""
    return riskmap_geocore is not None


#: runtime_cache slot of the compiled core built for a gazetteer (keys >= 0 are name keys).
_CORE_SLOT = -2


def _core_for(gaz: Gazetteer) -> tuple[Any, Callable[[int, int], tuple[Any, ...] | None]]:
    """The compiled core for this gazetteer, built on first use from its flat columns, and the
    function that gives it the place fields of a mention."""
    built = gaz.runtime_cache.get(_CORE_SLOT)
    if built is not None:
        return built  # type: ignore[no-any-return]
    with _CORE_BUILD_LOCK:  # threads that start together build it once, not once each
        built = gaz.runtime_cache.get(_CORE_SLOT)
        if built is None:
            built = gaz.runtime_cache[_CORE_SLOT] = _build_core(gaz)
        return built  # type: ignore[no-any-return]


_CORE_BUILD_LOCK = threading.Lock()


def _build_core(gaz: Gazetteer) -> tuple[Any, Callable[[int, int], tuple[Any, ...] | None]]:
    """Hand the gazetteer's columns to the compiled core, with countries and regions as ints."""
    countries: dict[str, int] = {}
    regions: dict[str, int] = {}

    def intern(table: dict[str, int], value: str | None) -> int:
        return -1 if value is None else table.setdefault(value, len(table))

    place_country = [intern(countries, code) for code in gaz.place_country]
    place_admin1 = [intern(regions, region) for region in gaz.place_admin1]
    adjacency = [
        (intern(regions, region), [intern(regions, other) for other in sorted(near)])
        for region, near in gaz.admin1_neighbours.items()
    ]
    neighbours: list[list[int]] = [[] for _ in regions]
    for region_id, near_ids in adjacency:
        neighbours[region_id] = near_ids
    region_country = [intern(countries, gaz.admin1_country.get(region)) for region in regions]
    county_start, county_place = [0], list[int]()  # the counties of each town, flat
    for place in range(len(gaz.place_kind)):
        county_place.extend(gaz.place_counties.get(place, ()))
        county_start.append(len(county_place))
    assert riskmap_geocore is not None
    core = riskmap_geocore.Core(
        list(gaz.automaton.items()),
        gaz.key_length,
        gaz.key_bits,
        gaz.entry_start,
        gaz.entry_place,
        gaz.entry_flags,
        [_KIND_CODES[kind] for kind in gaz.place_kind],
        place_country,
        place_admin1,
        gaz.place_population,
        neighbours,
        list(gaz.connectors),
        {
            "titles": sorted(gaz.person_titles),
            "given_names": sorted(gaz.given_names),
            "heads": sorted(gaz.non_place_heads),
            "streets": sorted(gaz.street_heads),
            "kin": sorted(gaz.kin_words),
            "features": sorted(gaz.feature_heads),
            "features_of": sorted(gaz.feature_of_heads),
            "openers": sorted(_OPENERS),
            "ordinary": sorted(gaz.ordinary_words),
            "speech_verbs": sorted(_SPEECH_VERBS),
            "state_nouns": sorted(_STATE_NOUNS),
            "locatives": sorted(_LOCATIVES),
        },
        region_ids=list(regions),
        region_country=region_country,
        county_start=county_start,
        county_place=county_place,
        minor_country=[code in gaz.minor_countries for code in countries],
        word_towns=sorted(gaz.word_towns),
    )
    return core, _template_maker(gaz)


def _compiled_mentions(
    text: str, gaz: Gazetteer, min_confidence: float, *, required: bool
) -> tuple[list[Mention], bool, bool, int] | None:
    """Mentions from the compiled core after the coherence pass, whether the text holds
    letters of Latin script only (the core checks that anyway), whether a border phrase
    is possible (a country mentioned and a border word in the text), and which list passes
    may apply (bits of :data:`_ALL_LIST_PASSES`: 1 countries, 2 regions, 4 a plural type word
    such as "counties", 8 a town and a phone number's digits, 16 a town reported at country
    level). None where the core cannot take the text (not installed, or lone surrogates that
    have no UTF-8 form): the Python reference takes over."""
    if riskmap_geocore is None:
        if required:
            raise RuntimeError("the compiled geoparser core (riskmap_geocore) is not installed")
        return None
    core, template_of = _core_for(gaz)
    try:
        found = core.parse_document(text, None, min_confidence, Mention, template_of)
        if found is not None:
            return found[0], True, found[1], found[2]
        # Letters of other scripts: their names are matched here, in Python.
        other = gaz.other_script_matches(text)
        found = core.parse_document(text, other, min_confidence, Mention, template_of)
    except UnicodeEncodeError:
        return None
    assert found is not None  # the core asks for other scripts' matches only once
    return found[0], False, found[1], found[2]


def _template_maker(gaz: Gazetteer) -> Callable[[int, int], tuple[Any, ...] | None]:
    """The place fields of a compiled-core mention (kind, country, admin1, border, region_ids,
    precision, point) for a place and row mode (0 a place, 1 country only, 2 a named line); the
    core asks once per place and mode and keeps the answer."""

    def template_of(place: int, mode: int) -> tuple[Any, ...] | None:
        if mode == 0:
            mention = _place_mention("", 0, 0, place, 0.0, gaz)
        elif mode == 1:
            mention = _country_only_mention("", 0, 0, place, 0.0, gaz)
        else:
            border = gaz.place_border.get(place)
            if not border:
                return None
            mention = _border_mention(gaz, "", 0, 0, border, 0.0)
        return mention[3:8] + mention[9:]

    return template_of


def _python_mentions(
    text: str, gazetteer: Gazetteer, min_confidence: float
) -> tuple[list[Mention], list[Mention]]:
    """The reference implementation of the whole pass but borders (see the module docstring):
    the mentions to report, and those of the town names held back for the county pass
    (:func:`_held_back`)."""
    spans, seen_lower = _candidate_spans(text, gazetteer)
    if not spans:
        return [], []
    _mark_context(text, spans, gazetteer)

    groups: dict[int, _Group] = {}
    key_bits = gazetteer.key_bits
    for span in spans:
        group = groups.get(span.key)
        if group is None:
            group = groups[span.key] = _Group(span.key)
            group.common = (
                bool(key_bits[span.key] & 1)
                or span.key in seen_lower
                or _used_as_word(text, span, gazetteer)
            )
        group.spans.append(span)
        if span.person or span.penalty >= _PERSON_PENALTY:
            # One sense per discourse: "Mayor Henry" ... "Henry", "Henry said" ... "Henry". The
            # tail of a longer name ("Metro Vancouver", "Historic Dublin") marks that
            # occurrence only: a capitalised word before a name is no sign of a person.
            group.person_like = True
        if span.surname:
            group.surname = True
        if span.actor:
            group.names_actor = True
    word_towns = gazetteer.word_towns
    for key, group in groups.items():
        # "Spring", "Vista": a word, unless the text puts a locative before it ("in Vista")
        if key in word_towns and not group.common:
            group.common = not any(
                _after_locative(text, span.start) and not span.opens_name for span in group.spans
            )
    for group in groups.values():
        candidates = group.candidates
        group_readings = group.readings
        common = group.common
        person_like = group.person_like
        surname = group.surname
        seen: set[tuple[int, bool, bool, bool, float, bool]] = set()
        for span in group.spans:
            person = span.person
            if len(group.spans) > 1:
                # Occurrences that look alike give the same priors: score the readings once.
                state = (
                    id(span.readings),
                    person,
                    span.organisation,
                    span.street,
                    span.penalty,
                    span.compound,
                )
                if state in seen:
                    continue
                seen.add(state)
            for reading in span.readings:
                # _prior, inlined (the hottest loop of resolution); keep the two in step.
                prior = reading.base
                kind = reading.kind
                if kind == _COUNTRY:
                    if common:
                        prior -= 0.25
                        if person_like:
                            prior -= 0.4
                    if person or span.compound:
                        prior -= 0.4
                elif kind != _BORDER:
                    if (
                        person
                        or (kind == _CITY and span.organisation)
                        or (kind == _ADMIN1 and span.street)
                    ):
                        prior = 0.0
                    else:
                        if kind == _CITY:
                            prior -= span.penalty
                            if person_like:
                                prior -= 0.6
                        elif surname and not reading.flags & TYPED:
                            prior -= 0.4
                        if common:
                            prior -= 0.3
                place = reading.place
                if prior > candidates.get(place, -1.0):
                    candidates[place] = prior
                    group_readings[place] = reading
    # How many names have a reading in each admin-1 region: among readings of equal prior
    # ("Franklin County" lies in two dozen states) the ones the document's other names share
    # are kept when the list is cut.
    names_in_region: dict[str | None, int] = defaultdict(int)
    for group in groups.values():
        for area in {reading.admin1 for reading in group.readings.values()}:
            names_in_region[area] += 1
    for group in groups.values():
        if len(group.candidates) > 1:  # keep the likeliest few readings
            readings = group.readings
            ranked = sorted(
                group.candidates.items(),
                key=lambda item: (-item[1], -names_in_region[readings[item[0]].admin1]),
            )
            floor = ranked[0][1] - _MAX_PRIOR_GAP
            group.candidates = {p: v for p, v in ranked[:_MAX_CANDIDATES] if v >= floor}
    _pair_bonuses(text, spans, groups)
    for group in groups.values():
        for place in group.bonus:  # a reading named by its neighbour ("Alexandria, La.") stays
            if place not in group.candidates and place in group.readings:
                group.candidates[place] = _prior(group.readings[place], group, group.spans[0])
    ordered = list(groups.values())
    _resolve(ordered, gazetteer, resolved=False)
    _resolve(ordered, gazetteer, resolved=True)

    mentions: list[Mention] = []
    reported = _supported(ordered, min_confidence)
    for group in reported:
        if group.choice is None:
            continue
        chosen = group.readings[group.choice]
        if chosen.kind == _BORDER:
            border = gazetteer.place_border.get(chosen.place)
            if border:
                for span in group.spans:
                    mentions.append(
                        _border_mention(
                            gazetteer, text, span.start, span.end, border, group.confidence
                        )
                    )
            continue
        if group.country_only:
            for span in group.spans:
                mentions.append(
                    _country_only_mention(
                        text,
                        span.start,
                        span.end,
                        group.choice,
                        group.country_confidence,
                        gazetteer,
                    )
                )
            continue
        for span in group.spans:
            reading, confidence = chosen, group.confidence
            if span.pair and chosen.place not in span.pair:
                # "Alexandria, Va." after "Alexandria, La.": this occurrence's own partner wins
                place = max(span.pair, key=lambda p: group.candidates.get(p, 0.0) + span.pair[p])
                reading = group.readings[place]
                confidence = min(0.99, group.candidates.get(place, 0.0) + span.pair[place] + 0.3)
            mentions.append(
                _place_mention(text, span.start, span.end, reading.place, confidence, gazetteer)
            )
    held_back = [
        _place_mention(text, span.start, span.end, group.choice, group.confidence, gazetteer)
        for group in _held_back(ordered, reported, min_confidence)
        if group.choice is not None
        for span in group.spans
    ]
    return mentions, held_back

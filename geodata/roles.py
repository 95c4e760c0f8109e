"""The role a place mention plays: where something happens, or only context around a story.

"Belarus's STV network" names a media outlet, "a meeting in Astana" a venue, "member states
include Russia, Belarus..." a member list and "the U.S. declared" an outside actor. None of these
is a threat location, and linking an attack to them would paint the wrong map. Each mention gets
one role with the reason, decided from the words around it; anything else is a candidate
``location`` for incidents.

The cues are data, per language (``data/role_cues.json``): English applies to every text, and
Russian ("МОСКВА, 18 октября /ТАСС/", "сообщает телеканал", "Москва заявила", "граждан США",
"США нанесли удары") where Cyrillic is around the mention.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, Protocol, get_args

from geodata.text import Span

Role = Literal[
    "location",
    "media_outlet",
    "meeting_venue",
    "member_list",
    "outside_actor",
    "group_name",
    "dateline",
    "government",
    "nationality",
    "destination",
]
#: Every role but ``location`` says the place is only context around the story.
CONTEXT_ROLES: frozenset[str] = frozenset(get_args(Role)) - {"location"}


class PlaceMention(Protocol):
    """What incident extraction needs of a geoparser mention (see :mod:`geodata.geoparse`)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def surface(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def country(self) -> str | None: ...
    @property
    def admin1(self) -> str | None: ...
    @property
    def border(self) -> str | None: ...
    @property
    def confidence(self) -> float: ...
    @property
    def precision(self) -> int: ...


@dataclass(frozen=True)
class MentionRole:
    """A mention's role and why: the evidence a reviewer needs to overrule it."""

    role: Role
    reason: str


#: The cue names of ``data/role_cues.json`` (what each one is matched on: see its "about").
_CUE_NAMES = (
    "media_after",
    "media_acronym_after",
    "media_before",
    "venue_before",
    "member_list_before",
    "actor_after",
    "actor_before",
    "force_after",
    "attacker_after",
    "attacker_adjective_after",
    "government_after",
    "government_before",
    "people_after",
    "from_before",
    "destination_before",
    "destination_after",
    "organisation_before",
    "dateline",
    "adjective",
    "people_noun",
)


@dataclass(frozen=True)
class RoleCues:
    """One language's cues, compiled; a cue the language lacks is None and never matches.

    English ("KABUL:", "Belarus's STV network", "a meeting in Astana", "the U.S. declared")
    applies to every text; another language's cues apply where its ``script`` is around the
    mention, so adding a language cannot change what English text gets.
    """

    language: str
    script: re.Pattern[str] | None
    cues: dict[str, re.Pattern[str]]

    def match(self, name: str, text: str) -> bool:
        """The cue, anchored at the start of ``text`` (the words after a mention)."""
        pattern = self.cues.get(name)
        return bool(pattern and pattern.match(text))

    def search(self, name: str, text: str) -> bool:
        """The cue anywhere in ``text`` (the words before a mention end with ``$``)."""
        pattern = self.cues.get(name)
        return bool(pattern and pattern.search(text))


@lru_cache(maxsize=1)
def role_cues() -> tuple[RoleCues, ...]:
    """Every language's cues from ``data/role_cues.json``, English first."""
    raw = resources.files("geodata").joinpath("data", "role_cues.json").read_text("utf-8")
    languages: dict[str, dict[str, Any]] = json.loads(raw)["languages"]
    out = []
    for language in sorted(languages, key=lambda code: code != "en"):
        table = languages[language]
        unknown = set(table) - set(_CUE_NAMES) - {"script"}
        if unknown:
            raise ValueError(f"role_cues.json: unknown cues for {language}: {sorted(unknown)}")
        cues = {
            name: re.compile(cue["pattern"], re.IGNORECASE if cue["ignore_case"] else 0)
            for name, cue in table.items()
            if name != "script"
        }
        script = re.compile(table["script"]) if "script" in table else None
        out.append(RoleCues(language, script, cues))
    return tuple(out)


def dateline_spans(text: str) -> list[tuple[int, int]]:
    """Where datelines sit in ``text`` (start and end offsets), in any language's form: a
    dateline opens an article or a line ("KABUL:", "ERBIL, Kurdistan Region -", "МОСКВА,
    18 октября /ТАСС/") and says where the reporter files from, not where anything happened.
    """
    spans: list[tuple[int, int]] = []
    for cues in role_cues():
        pattern = cues.cues.get("dateline")
        if pattern is not None and (cues.script is None or cues.script.search(text)):
            spans.extend((m.start(), m.end()) for m in pattern.finditer(text))
    return sorted(spans)


def focus_country(mentions: Sequence[PlaceMention]) -> str | None:
    """The country a document is mostly about: most mentioned, first mentioned on a tie."""
    counts = Counter(m.country for m in mentions if m.country)
    if not counts:
        return None
    first_seen = {}
    for m in mentions:
        if m.country and m.country not in first_seen:
            first_seen[m.country] = m.start
    return min(counts, key=lambda c: (-counts[c], first_seen[c]))


#: Characters of context read on each side of a mention. Every role cue is a few words long;
#: a bounded window keeps the cost per mention constant, so one endless sentence full of
#: place names costs time linear in its length, not quadratic.
CONTEXT_CHARS = 200


def assign_roles(
    text: str, mentions: Sequence[PlaceMention], sentences: Sequence[Span]
) -> list[MentionRole]:
    """One role per mention (same order), decided from the words around each one."""
    focus = focus_country(mentions)
    starts = [s.start for s in sentences]
    datelines = dateline_spans(text)
    roles: list[MentionRole] = []
    windows: list[tuple[str, str] | None] = []
    for index, mention in enumerate(mentions):
        if any(start <= mention.start < end for start, end in datelines):
            roles.append(MentionRole("dateline", "dateline: where the report was filed"))
            windows.append(None)
            continue
        sentence = _sentence_of(mention, sentences, starts)
        first = sentence.start if sentence else 0
        last = sentence.end if sentence else len(text)
        before = text[max(first, mention.start - CONTEXT_CHARS) : mention.start]
        after = text[mention.end : min(last, mention.end + CONTEXT_CHARS)]
        windows.append((before, after))
        roles.append(_role_of(mention, before, after, focus))
        # "a meeting in Astana, Kazakhstan": the country after a venue is part of the address.
        if (
            index > 0
            and roles[index].role == "location"
            and roles[index - 1].role == "meeting_venue"
            and re.fullmatch(r",\s*", text[mentions[index - 1].end : mention.start])
        ):
            roles[index] = MentionRole("meeting_venue", "address of the venue before it")
    _refocus(mentions, roles, windows, focus)
    return roles


def _refocus(
    mentions: Sequence[PlaceMention],
    roles: list[MentionRole],
    windows: Sequence[tuple[str, str] | None],
    focus: str | None,
) -> None:
    """A second look where another language's cues apply: the story's country is the one the
    text names as a place, not the one that speaks, reports or strikes ("США заявили",
    "американские СМИ", "граждане США" outnumbering the country where it all happens). When
    the mentions left as locations point at another country, their roles are decided again
    with it as the focus. (English keeps its one pass.)
    """
    scoped = [
        index
        for index, window in enumerate(windows)
        if window is not None
        and roles[index].role == "location"
        and _other_script(mentions[index], *window)
    ]
    if not scoped:
        return
    located = focus_country(
        [m for m, r in zip(mentions, roles, strict=True) if r.role == "location"]
    )
    if located is None or located == focus:
        return
    for index in scoped:
        before, after = windows[index] or ("", "")
        roles[index] = _role_of(mentions[index], before, after, located)


def _other_script(mention: PlaceMention, before: str, after: str) -> bool:
    """Whether a language with its own script (not English) has cues around the mention."""
    window = f"{before[-40:]}{mention.surface}{after[:40]}"
    return any(c.script is not None and c.script.search(window) for c in role_cues())


def _role_of(mention: PlaceMention, before: str, after: str, focus: str | None) -> MentionRole:
    """The first role any applicable language's cues give, else ``location``."""
    window = f"{before[-40:]}{mention.surface}{after[:40]}"
    for cues in role_cues():
        if cues.script is not None and not cues.script.search(window):
            continue
        role = _role_by(cues, mention, before, after, focus)
        if role is not None:
            return role
    return MentionRole("location", "candidate location")


def _role_by(
    cues: RoleCues, mention: PlaceMention, before: str, after: str, focus: str | None
) -> MentionRole | None:
    country = mention.kind == "country"
    if cues.search("organisation_before", before):
        return MentionRole("group_name", "part of a company's or a bank's name")
    if cues.match("media_after", after) or (
        country and cues.match("media_acronym_after", after) and _is_adjective(cues, mention)
    ):
        return MentionRole("media_outlet", "names a media outlet")
    if cues.search("media_before", before) and cues.match("media_acronym_after", after):
        return MentionRole("media_outlet", "source of an interview or report")
    if cues.search("venue_before", before):
        return MentionRole("meeting_venue", "place of a meeting")
    if cues.search("member_list_before", before):
        return MentionRole("member_list", "in a list of members")
    if (
        country
        and mention.country != focus
        and (cues.match("actor_after", after) or cues.search("actor_before", before))
    ):
        return MentionRole("outside_actor", "a foreign state acting or speaking")
    if country and cues.match("force_after", after):
        if mention.country != focus:
            return MentionRole("outside_actor", "a foreign state's force or weapon")
        if _is_adjective(cues, mention):  # "Russian forces fighting in Syria"
            return MentionRole("nationality", "whose forces they are, not where they are")
    if country and (
        cues.match("attacker_after", after)
        or (_is_adjective(cues, mention) and cues.match("attacker_adjective_after", after))
    ):
        return MentionRole("outside_actor", "a state carrying out the attack, not its scene")
    if mention.kind == "city" and (
        cues.match("government_after", after) or cues.search("government_before", before)
    ):
        return MentionRole("government", "a capital or city speaking for its government")
    if country and _is_adjective(cues, mention) and cues.match("people_after", after):
        return MentionRole("nationality", "the nationality of the people involved")
    if country and cues.search("from_before", before):
        return MentionRole("nationality", "where the people involved come from")
    if cues.search("destination_before", before) or cues.match("destination_after", after):
        return MentionRole("destination", "where people or goods went afterwards")
    if country and _is_people_noun(cues, mention):
        return MentionRole("nationality", "a people noun: who the people are, not where")
    return None


def _is_adjective(cues: RoleCues, mention: PlaceMention) -> bool:
    """Demonyms ("Belarusian", "американских") by their endings: the form used before an
    outlet or a people noun."""
    return cues.search("adjective", mention.surface)


def _is_people_noun(cues: RoleCues, mention: PlaceMention) -> bool:
    """A lower-case country word that is no adjective is a people noun ("россиянина")."""
    pattern = cues.cues.get("people_noun")
    return bool(pattern and pattern.fullmatch(mention.surface)) and not _is_adjective(cues, mention)


def _sentence_of(
    mention: PlaceMention, sentences: Sequence[Span], starts: Sequence[int]
) -> Span | None:
    """The sentence holding the mention, by binary search over the sorted sentence starts."""
    index = bisect.bisect_right(starts, mention.start) - 1
    if index >= 0 and sentences[index].start <= mention.start < sentences[index].end:
        return sentences[index]
    return None

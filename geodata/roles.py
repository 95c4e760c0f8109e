"""The role a place mention plays: where something happens, or only context around a story.

"Belarus's STV network" names a media outlet, "a meeting in Astana" a venue, "member states
include Russia, Belarus..." a member list and "the U.S. declared" an outside actor. None of these
is a threat location, and linking an attack to them would paint the wrong map. Each mention gets
one role with the reason, decided from the words around it; anything else is a candidate
``location`` for incidents.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

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


_MEDIA_AFTER = re.compile(
    r"^(?:['’]s)?\s+(?:(?:state|national|public|private)\s+)?(?:[A-Z][\w-]*\s+){0,2}"
    r"(?:TV|television|network|channel|broadcaster|radio|news agency|agency|newspaper|daily|"
    r"outlet|media|press|news)\b"
)
_MEDIA_ACRONYM_AFTER = re.compile(r"^(?:['’]s)?\s+[A-Z]{2,6}\b(?!\s+(?:forces|troops|army))")
_MEDIA_BEFORE = re.compile(r"(?:interview with|told|reported by|according to)\s+(?:the\s+)?$", re.I)
_VENUE_BEFORE = re.compile(
    r"\b(?:meeting|summit|talks|conference|session|forum|negotiations|ceremony|visit|"
    r"council meeting|held|meet|meets|met|convene|convenes|gather|visiting)\b[^.;]{0,40}"
    r"\b(?:in|at)\s+$",
    re.IGNORECASE,
)
_MEMBER_LIST_BEFORE = re.compile(
    r"\b(?:member (?:states|countries|nations)|members|membership)\b[^.;]{0,30}"
    r"\b(?:include|includes|including|are|comprise|comprises|consist of|such as)\b[^.;]*$",
    re.IGNORECASE,
)
_ACTOR_AFTER = re.compile(
    r"^\.?(?:['’]s)?\s+(?:(?:government|officials?|authorities|president|ministry|embassy|"
    r"state department|envoy|administration|leaders?)\s+)?(?:and\s+[^.;,]{0,40}?\s+)?"
    r"(?:has\s+|have\s+|had\s+)?(?:declared|said|says|announced|stated|claimed|condemned|urged|"
    r"called|warned|pledged|promised|imposed|sanctioned|designated|recognized|denied)\b",
    re.IGNORECASE,
)


#: A dateline opens an article or a line: "KABUL:", "ERBIL, Kurdistan Region -",
#: "DUSHANBE/BISHKEK (Reuters) -", "date 2024-03-08 NAIROBI, Kenya —". It says where the
#: reporter files from, not where anything happened.
_DATELINE = re.compile(
    r"(?:^|\n)[ \t]*(?:date\s+\d{4}-\d\d-\d\d\s+)?(?:By [^\n]{0,80}?\s+)?"
    r"[A-Z][A-Z'’.-]+(?:[ /][A-Z][A-Z'’.-]+)*(?:,\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2})?"
    r"\s*(?:\([^)\n]{1,40}\))?\s*(?::|-|–|—)\s"
)
#: A capital or city that speaks, accuses or denies is its government, not a scene.
_GOVERNMENT_AFTER = re.compile(
    r"^(?:['’]s)?\s+(?:has\s+|have\s+|had\s+|also\s+|repeatedly\s+)?(?:said|says|say|"
    r"accuses|accused|alleges|alleged|asserts|asserted|insists|insisted|denies|denied|blames|"
    r"blamed|claims|claimed|rejects|rejected|demands|demanded|warns|warned|responded|urges|"
    r"urged|maintains|maintained|condemned|condemns)\b",
    re.IGNORECASE,
)
#: "American cyclists", "a Chinese national": the victims' nationality, not the scene.
_PEOPLE_AFTER = re.compile(
    r"^\s+(?:(?:and|&)\s+[A-Z]\w+\s+)?(?:nationals?|citizens?|tourists?|cyclists?|travell?ers?|"
    r"pilgrims?|engineers?|workers?|journalists?|reporters?|aid workers?|hostages?|"
    r"expatriates?|visitors?|students?|businessm[ae]n|diplomats?|passengers?)\b",
    re.IGNORECASE,
)


#: "a US air strike", "Russian drones", "Afghan forces": whose weapon or force it is.
_FORCE_AFTER = re.compile(
    r"^\s+(?:-?led\s+)?(?:air ?strikes?|drone strikes?|drones?|missile strikes?|missiles?|"
    r"rockets?|shelling|bombardment|warplanes?|(?:fighter )?jets?|aircraft|artillery|navy|"
    r"naval|air force|(?:security |special )?forces|troops|soldiers|army|military)\b",
    re.IGNORECASE,
)


#: "three hikers from Norway and one from Chile": where the victims come from, not the scene.
_FROM_BEFORE = re.compile(
    r"\b(?:nationals?|citizens?|tourists?|cyclists?|travell?ers?|pilgrims?|engineers?|"
    r"workers?|journalists?|students?|visitors?|passengers?|people|men|women|one|two|three|"
    r"four|five|six|\d+)\s+(?:each\s+)?(?:who\s+(?:came|hailed)\s+)?from\s+(?:the\s+)?$",
    re.IGNORECASE,
)


#: "bodies were transferred to X through Y and Z", "fled to X": where people or goods went
#: afterwards, not where the event happened.
_DESTINATION_BEFORE = re.compile(
    r"\b(?:transferred|sent|moved|flown|evacuated|deported|repatriated|transported|smuggled|"
    r"fled|escaped)\s+(?:back\s+)?(?:to|into|towards?)\s+"
    r"(?:[^.;!?]{0,60}?\b(?:through|via|and)\s+|[^.;!?]{0,60}?,\s+)?$",
    re.IGNORECASE,
)


def dateline_spans(text: str) -> list[tuple[int, int]]:
    """Where datelines sit in ``text`` (start and end offsets)."""
    return [(m.start(), m.end()) for m in _DATELINE.finditer(text)]


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
    for index, mention in enumerate(mentions):
        if any(start <= mention.start < end for start, end in datelines):
            roles.append(MentionRole("dateline", "dateline: where the report was filed"))
            continue
        sentence = _sentence_of(mention, sentences, starts)
        first = sentence.start if sentence else 0
        last = sentence.end if sentence else len(text)
        before = text[max(first, mention.start - CONTEXT_CHARS) : mention.start]
        after = text[mention.end : min(last, mention.end + CONTEXT_CHARS)]
        roles.append(_role_of(mention, before, after, focus))
        # "a meeting in Astana, Kazakhstan": the country after a venue is part of the address.
        if (
            index > 0
            and roles[index].role == "location"
            and roles[index - 1].role == "meeting_venue"
            and re.fullmatch(r",\s*", text[mentions[index - 1].end : mention.start])
        ):
            roles[index] = MentionRole("meeting_venue", "address of the venue before it")
    return roles


def _role_of(mention: PlaceMention, before: str, after: str, focus: str | None) -> MentionRole:
    if _MEDIA_AFTER.match(after) or (
        mention.kind == "country" and _MEDIA_ACRONYM_AFTER.match(after) and _is_adjective(mention)
    ):
        return MentionRole("media_outlet", "names a media outlet")
    if _MEDIA_BEFORE.search(before) and _MEDIA_ACRONYM_AFTER.match(after):
        return MentionRole("media_outlet", "source of an interview or report")
    if _VENUE_BEFORE.search(before):
        return MentionRole("meeting_venue", "place of a meeting")
    if _MEMBER_LIST_BEFORE.search(before):
        return MentionRole("member_list", "in a list of members")
    if mention.kind == "country" and mention.country != focus and _ACTOR_AFTER.match(after):
        return MentionRole("outside_actor", "a foreign state acting or speaking")
    if mention.kind == "country" and mention.country != focus and _FORCE_AFTER.match(after):
        return MentionRole("outside_actor", "a foreign state's force or weapon")
    if mention.kind == "city" and _GOVERNMENT_AFTER.match(after):
        return MentionRole("government", "a capital or city speaking for its government")
    if mention.kind == "country" and _is_adjective(mention) and _PEOPLE_AFTER.match(after):
        return MentionRole("nationality", "the nationality of the people involved")
    if mention.kind == "country" and _FROM_BEFORE.search(before):
        return MentionRole("nationality", "where the people involved come from")
    if _DESTINATION_BEFORE.search(before):
        return MentionRole("destination", "where people or goods went afterwards")
    return MentionRole("location", "candidate location")


def _is_adjective(mention: PlaceMention) -> bool:
    """Demonyms ("Belarusian") end in -ian/-an/-ese/-i/-ish...: the form used before an outlet."""
    return bool(re.search(r"(?:ian|an|ese|i|ish|ic|ch)$", mention.surface))


def _sentence_of(
    mention: PlaceMention, sentences: Sequence[Span], starts: Sequence[int]
) -> Span | None:
    """The sentence holding the mention, by binary search over the sorted sentence starts."""
    index = bisect.bisect_right(starts, mention.start) - 1
    if index >= 0 and sentences[index].start <= mention.start < sentences[index].end:
        return sentences[index]
    return None

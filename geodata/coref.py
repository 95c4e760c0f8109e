"""One event, many sentences: merge an article's mentions of one real-world event.

A news article names its main event again and again: in the headline, the lead ("a suicide
attack on a mosque in X province"), the toll sentence ("the blast killed 30"), a quote, an
official's update ("the toll rose to 35") and the claim of responsibility. Read sentence by
sentence, each of these looks like an incident of its own, and the one that matches an analyst's
reading often carries no toll at all. This module merges them back into one incident per event
with the most specific place, the final toll, the event's date and every evidence span.

Mentions are merged when they are of the same type group (bombings, armed attacks, airstrikes and
security operations are one *violent* group, as one attack is often called all of these), their
places agree (the same admin-1 region, or one of them names only a country that holds the other)
and their dates agree (both dated by the text to overlapping days, or both recent). A mention
that says it is another event ("in a separate attack", "earlier", "last year") starts its own.
Background events (an attack years ago) keep their own date and so stay separate.

Weak mentions, whose only trigger is a death word with no attacker in sight ("three were killed"),
never make an event on their own: they add their toll to the compatible event they describe, and
are dropped when there is none (a flood or a road accident kills too).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from geodata.incident_model import Incident, Location

#: Types that report one violent event under different names, most specific first: an event
#: named both "attack" and "bombing" is a bombing.
VIOLENT_TYPES: tuple[str, ...] = ("bombing", "airstrike", "armed_attack", "security_operation")
#: How many days before publication an event still counts as "recent" (the days a report covers).
RECENT_DAYS = 7

#: How many of the latest events a mention is compared with: a report refers back to what was
#: told recently, and a bound keeps a roundup of thousands of events linear.
RECENT_EVENTS = 50

#: "Four officers were also killed", "in addition, two died": more dead, added to the toll.
#: An "also" far from the verb of harm ("officials also confirmed ... killing five") is not.
_ADDITIVE = re.compile(
    r"\balso\b[^.;,]{0,25}?\b(?:killed|died|dead|wounded|injured|hurt|lost|succumbed)\b|"
    r"\b(?:killed|died|dead|wounded|injured|hurt)\b[^.;,]{0,10}?\balso\b|"
    r"\b(?:in addition|additionally|as well)\b",
    re.IGNORECASE,
)


def type_group(incident_type: str) -> str:
    """The group an incident type is matched and merged within."""
    return "violent" if incident_type in VIOLENT_TYPES else incident_type


@dataclass(frozen=True)
class Candidate:
    """One sentence's reading of an incident, before mentions of one event are merged.

    ``weak``: only a death word signalled it (no attacker, weapon or armed group in the sentence),
    so it can add a toll to an event but not make one. ``separate``: the sentence marks it as
    another event than the ones before ("in a separate attack", "earlier", "a day after").
    ``headline``: it sits in the title, which restates the lead. ``anaphoric``: "the attack",
    "this blast": it refers back to an event already reported, wherever its sentence points.
    """

    incident: Incident
    weak: bool = False
    separate: bool = False
    headline: bool = False
    anaphoric: bool = False


@dataclass
class _Event:
    """Mentions merged so far into one event, with running summaries of them.

    The summaries (regions, countries, sentences, tolls, the days every dated mention allows)
    are updated as members join, so checking a mention against an event costs the same
    however many mentions it has: an article of one sentence repeated stays linear.
    """

    members: list[Candidate] = field(default_factory=list)
    regions: set[str] = field(default_factory=set)
    country_set: set[str] = field(default_factory=set)
    sentence_starts: set[int] = field(default_factory=set)
    tolls: set[int] = field(default_factory=set)
    militant_counts: set[int] = field(default_factory=set)
    latest_first: dt.date | None = None  # the latest first day of any dated member
    earliest_last: dt.date | None = None  # the earliest last day of any dated member
    last_start: int = -1

    @classmethod
    def of(cls, candidate: Candidate) -> _Event:
        event = cls()
        event.add(candidate)
        return event

    def add(self, candidate: Candidate) -> None:
        incident = candidate.incident
        self.members.append(candidate)
        self.regions |= _admin1_of(incident)
        self.country_set |= _countries_of(incident)
        self.sentence_starts.add(incident.start)
        victims = _victims_killed(incident)
        if victims is not None:
            self.tolls.add(victims)
        if incident.militants is not None:
            self.militant_counts.add(incident.militants)
        if incident.date_source == "text" and incident.date_first and incident.date_last:
            if self.latest_first is None or incident.date_first > self.latest_first:
                self.latest_first = incident.date_first
            if self.earliest_last is None or incident.date_last < self.earliest_last:
                self.earliest_last = incident.date_last
        self.last_start = max(self.last_start, incident.start)

    @property
    def group(self) -> str:
        return type_group(self.members[0].incident.type)

    def admin1(self) -> set[str]:
        return self.regions

    def countries(self) -> set[str]:
        return self.country_set

    def last_position(self) -> int:
        return self.last_start


def _admin1_of(incident: Incident) -> set[str]:
    return {loc.region_id for loc in incident.locations if loc.level == "admin1"}


def _countries_of(incident: Incident) -> set[str]:
    found: set[str] = set()
    for loc in incident.locations:
        if loc.level == "border":
            found.update(loc.region_id.split("|"))
        elif loc.country:
            found.add(loc.country)
        elif loc.region_id:
            found.add(loc.region_id[:3])
    return found


def _is_focus_only(incident: Incident) -> bool:
    """Placed only by the document's focus country: the text itself names no place for it."""
    return all(loc.reason == "document's focus country" for loc in incident.locations)


def _places_agree(event: _Event, incident: Incident) -> bool:
    mine, theirs = _admin1_of(incident), event.admin1()
    if mine and theirs:
        return bool(mine & theirs)
    if _is_focus_only(incident) or not incident.locations:
        return True
    countries, event_countries = _countries_of(incident), event.countries()
    return not countries or not event_countries or bool(countries & event_countries)


def _recent(incident: Incident, reference: dt.date | None) -> bool:
    if reference is None or incident.date_source != "text" or incident.date_last is None:
        return True
    return incident.date_last >= reference - dt.timedelta(days=RECENT_DAYS)


def _dates_agree(event: _Event, incident: Incident, reference: dt.date | None) -> bool:
    """A dated mention must fit the days every dated member allows (a day's slack)."""
    if incident.date_source == "text" and incident.date_first and incident.date_last:
        if event.latest_first is None or event.earliest_last is None:
            return _recent(incident, reference)
        slack = dt.timedelta(days=1)
        return (
            incident.date_last + slack >= event.latest_first
            and incident.date_first <= event.earliest_last + slack
        )
    return True  # an undated mention may tell any event; its place and position decide


_TOLL_UPDATE = re.compile(
    r"\b(?:toll|rose|risen|climbed|increased|jumped|reached|now|total|updated|later died|"
    r"succumbed|also (?:killed|died|wounded|injured)|(?:were|was) also|including|among|"
    r"также|в том числе|ещ[её]|увеличил\w*|возросл\w*|выросл\w*|достиг\w*|составил\w*|"
    r"скончал\w*|среди)\b",
    re.IGNORECASE,
)


def _own_other_toll(event: _Event, candidate: Candidate) -> bool:
    """A second report with a death toll of its own that is not an update of the first.

    "In the same province on Saturday, gunmen attacked a post, killing five" after "an attack
    on a convoy killed four": in a roundup each event brings its own toll. A sentence that
    updates or breaks down a toll ("the toll rose to", "also", "including") continues it.
    """
    incident = candidate.incident
    if _operation_of_its_own(event, incident):
        return True
    victims = _victims_killed(incident)
    same_type = incident.type == event.members[0].incident.type
    if (candidate.anaphoric and same_type) or candidate.weak or incident.approximate:
        return False  # "the attack killed 30" continues the attack it points back to
    if victims is None:
        return False  # attackers killed ("police shot dead two gunmen") belong to the event
    if _TOLL_UPDATE.search(incident.sentence):
        return False
    return bool(event.tolls) and victims not in event.tolls


def _operation_of_its_own(event: _Event, incident: Incident) -> bool:
    """An operation by state forces that kills militants is not the attack it followed.

    "Security forces killed 500 insurgents in clearing operations" after a report of an
    attack is a second event with its own toll, though every death in it is a militant's.
    """
    return (
        incident.type == "security_operation"
        and event.members[0].incident.type != "security_operation"
        and _attackers_killed(incident) is not None
    )


def _attackers_killed(incident: Incident) -> int | None:
    counts = [q.value for q in incident.quantities if q.category == "killed" and q.attackers]
    return sum(counts) if counts else None


def _victims_killed(incident: Incident) -> int | None:
    """The deaths a mention reports that are not the attackers' own."""
    if incident.killed is None:
        return None
    counts = [q.value for q in incident.quantities if q.category == "killed" and not q.attackers]
    if incident.quantities and not counts:
        return None
    return incident.killed - (_attackers_killed(incident) or 0)


def _compatible(event: _Event, candidate: Candidate, reference: dt.date | None) -> bool:
    incident = candidate.incident
    if incident.start in event.sentence_starts:
        return False  # two clauses of one sentence with triggers of their own: two events
    if (
        incident.type == "militant_presence"
        and incident.militants is not None
        and event.militant_counts
        and incident.militants not in event.militant_counts
    ):
        return False  # "6,500 in the country, up to 4,000 in three provinces": two claims
    if _own_other_toll(event, candidate):
        return False
    return (
        event.group == type_group(incident.type)
        and _types_agree(event, incident)
        and _places_agree(event, incident)
        and _dates_agree(event, incident, reference)
    )


#: Violent types any attack may also be told as: "the attack", "the clash", and the security
#: response inside it ("the operation that followed"), which analysts count with the attack.
GENERIC_VIOLENT = frozenset({"armed_attack", "security_operation"})


def _types_agree(event: _Event, incident: Incident) -> bool:
    """A bombing is often also called an attack, but never an air strike.

    Within the violent group, a mention of a specific type (bombing, airstrike) joins an event
    that is only generic or has that type already; a generic mention joins any.
    """
    if incident.type in GENERIC_VIOLENT:
        return True
    specific = {c.incident.type for c in event.members} - GENERIC_VIOLENT
    return not specific or incident.type in specific


def _best_event(
    events: Sequence[_Event], candidate: Candidate, reference: dt.date | None
) -> _Event | None:
    """The compatible event this mention most likely continues: same region, then nearest."""
    fitting = [e for e in events[-RECENT_EVENTS:] if _compatible(e, candidate, reference)]
    if not fitting:
        return None
    mine = _admin1_of(candidate.incident)
    position = candidate.incident.start
    return min(
        fitting,
        key=lambda e: (not (mine & e.admin1()), abs(position - e.last_position())),
    )


def _antecedent(
    events: Sequence[_Event], candidate: Candidate, reference: dt.date | None
) -> _Event | None:
    """The latest earlier event of the same group that "the attack" can refer back to."""
    incident = candidate.incident
    earlier = [
        e
        for e in events[-RECENT_EVENTS:]
        if e.group == type_group(incident.type)
        and e.last_position() < incident.start
        and _dates_agree(e, incident, reference)
    ]
    return max(earlier, key=lambda e: e.last_position()) if earlier else None


def merge_mentions(candidates: Sequence[Candidate], reference: dt.date | None) -> list[Incident]:
    """One incident per event, in the order the events are first reported.

    ``reference`` is the article's date: mentions dated more than :data:`RECENT_DAYS` before it
    are background events of their own. Without it (None) only the dates mentions give
    each other keep them apart.
    """
    ordered = sorted(candidates, key=lambda c: c.incident.trigger_start)
    events: list[_Event] = []
    for candidate in ordered:
        if candidate.weak:
            continue
        home = None if candidate.separate else _best_event(events, candidate, reference)
        if home is None and candidate.anaphoric and not candidate.separate:
            home = _antecedent(events, candidate, reference)
        if home is None:
            events.append(_Event.of(candidate))
        else:
            home.add(candidate)
    for candidate in ordered:
        if candidate.weak and not candidate.separate:
            home = _best_event(events, candidate, reference)
            if home is not None:
                home.add(candidate)
    return [_merged(event) for event in sorted(events, key=_first_position)]


def _first_position(event: _Event) -> int:
    return min(c.incident.trigger_start for c in event.members)


def _merged(event: _Event) -> Incident:
    members = sorted(event.members, key=lambda c: c.incident.trigger_start)
    strong = [c for c in members if not c.weak] or members
    incidents = [c.incident for c in members]
    # Weak mentions ("three were killed") bring a toll, not a place, unless nothing else does.
    placing = [c.incident for c in strong if c.incident.locations] or incidents
    placed_members, main = _in_main_country(placing)
    best = min(_precision(i) for i in placed_members)
    placed = [i for i in placed_members if _precision(i) == best]
    locations = _unique_locations(
        [
            loc
            for i in placed
            for loc in i.locations
            if main is None or main in _location_countries(loc)
        ]
    ) or _unique_locations([loc for i in placed for loc in i.locations])
    lead = max(members, key=lambda c: _informative(c, best)).incident
    dated = [i for i in incidents if i.date_source == "text" and i.date_first and i.date_last]
    when = min(dated, key=_date_width) if dated else lead
    return dataclasses.replace(
        lead,
        type=_event_type([c.incident for c in strong]),
        locations=tuple(locations),
        killed=_killed(members),
        wounded=_toll(members, "wounded"),
        hostages=_toll(members, "hostages"),
        militants=_toll(members, "militants"),
        casualties=_toll(members, "casualties"),
        deadly=any(i.deadly for i in incidents),
        approximate=any(i.approximate for i in incidents),
        actors=tuple(dict.fromkeys(a for i in incidents for a in i.actors)),
        date=when.date,
        date_first=when.date_first,
        date_last=when.date_last,
        date_text=when.date_text,
        date_source=when.date_source,
        confidence=max(i.confidence for i in incidents),
        evidence=tuple(sorted({span for i in incidents for span in i.evidence})),
    )


#: A sentence that opens with one of these is a quotation.
_QUOTE_MARKS = ('"', "“", "«", "„", "'", "‘")


def _informative(candidate: Candidate, best_precision: int) -> tuple[int, int]:
    """How well a sentence tells the event: body text that places it best and gives its toll.

    The representative sentence is the one an analyst would quote: not the headline or a
    caption, one with the toll (weighed double: the sentence that counts the dead is the one
    that reports the event), one that names the event's most precise place, then the
    earliest (news puts the essentials first). A bare toll sentence ("12 were killed") may be
    the one, but its toll weighs single: it names no attack, so it wins only a tie. A
    sentence that refers back ("that attack killed nine") or a quotation weighs a little less
    than the narrative sentence that tells the event first.
    """
    incident = candidate.incident
    score = 0 if candidate.headline else (3 if candidate.anaphoric else 4)
    if incident.sentence.lstrip().startswith(_QUOTE_MARKS):
        score -= 1  # someone's words about the event, not the report of it
    score += 1 if _precision(incident) == best_precision else 0
    if incident.killed is not None or incident.wounded is not None:
        score += 1 if candidate.weak else 2
    return score, -incident.trigger_start


def _in_main_country(incidents: Sequence[Incident]) -> tuple[list[Incident], str | None]:
    """The mentions placed in the country most of the event's mentions name.

    "The attack" in a later sentence joins the event wherever that sentence's places point;
    a stray place there (a spokesman's name read as a town abroad) must not become the scene.
    """
    votes = Counter(c for i in incidents for c in _countries_of(i))
    if not votes:
        return list(incidents), None
    (main, top), *rest = votes.most_common()
    if rest and rest[0][1] == top:
        return list(incidents), None
    kept = [i for i in incidents if main in _countries_of(i)]
    return (kept, main) if kept else (list(incidents), None)


def _location_countries(location: Location) -> set[str]:
    if location.level == "border":
        return set(location.region_id.split("|"))
    return {location.country or location.region_id[:3]}


def _date_width(incident: Incident) -> tuple[dt.timedelta, int]:
    """The most specific date first ("on Monday" over "in March"), then the earliest stated."""
    assert incident.date_first is not None and incident.date_last is not None
    return incident.date_last - incident.date_first, incident.trigger_start


def _precision(incident: Incident) -> int:
    return min((loc.precision for loc in incident.locations), default=99)


def _unique_locations(locations: list[Location]) -> list[Location]:
    seen: dict[str, Location] = {}
    for location in sorted(locations, key=lambda loc: (loc.precision, loc.mention_start or 0)):
        seen.setdefault(location.region_id, location)
    return sorted(seen.values(), key=lambda loc: loc.mention_start or 0)


def _event_type(incidents: Sequence[Incident]) -> str:
    types = [i.type for i in incidents]
    if type_group(types[0]) != "violent":
        return types[0]
    return min(types, key=VIOLENT_TYPES.index)


def _killed(members: Sequence[Candidate]) -> int | None:
    """The death toll with the attackers' own deaths added to the victims' (as analysts count).

    "The blast killed eight officials" and "security forces killed 25 of the attackers" are two
    parts of one toll, not two figures for the same dead of which the larger wins.
    """
    victims = _toll(members, "killed", _victims_killed)
    attackers = _toll(members, "killed", _attackers_killed)
    if victims is None and attackers is None:
        return None
    return (victims or 0) + (attackers or 0)


def _toll(
    members: Sequence[Candidate],
    attribute: str,
    value_of: Callable[[Incident], int | None] | None = None,
) -> int | None:
    """The final figure: the largest reported, plus figures a sentence says come "also".

    A precise figure ("54 lawyers") wins over vague ones ("dozens of lawyers").
    """

    def get(incident: Incident) -> int | None:
        return value_of(incident) if value_of else getattr(incident, attribute)

    precise = [c for c in members if not c.incident.approximate]
    if any(get(c.incident) is not None for c in precise):
        members = precise
    total: int | None = None
    for candidate in members:
        value = get(candidate.incident)
        if value is None:
            continue
        if total is not None and _ADDITIVE.search(candidate.incident.sentence):
            total += value
        else:
            total = value if total is None else max(total, value)
    return total

"""Incidents in news text: what happened, where, when, how bad, and who did it.

Per sentence, trigger words from ``data/incident_types.json`` say which incident types occur;
numbers (:mod:`geodata.quantities`), dates (:mod:`geodata.timeexpr`) and armed groups
(``data/actor_groups.json``) are attached; places come from the geoparser's mentions through a
fallback ladder, skipping mentions whose role is only context (:mod:`geodata.roles`):

1. a place in the same clause as the trigger (the most precise ones: cities and admin-1
   regions before borders, borders before countries);
2. else an admin-1 region (or city) in the sentence;
3. else a country in the sentence;
4. else the document's focus country.

Each location carries the rung it came from (``reason``) and UCDP's precision code.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from geodata.gazetteer import lower_same_length
from geodata.quantities import Quantity, find_quantities
from geodata.roles import CONTEXT_ROLES, MentionRole, PlaceMention, assign_roles, focus_country
from geodata.text import Span, split_clauses, split_sentences
from geodata.timeexpr import DateSpan, find_dates

#: UCDP geo-precision codes riskmap uses.
PRECISION_PLACE = 1
PRECISION_ADMIN1 = 4
PRECISION_BORDER = 5
PRECISION_COUNTRY = 6
PRECISION_FOCUS = 7  # UCDP: "only the country is known, from context"

_PRECISION_OF_KIND = {
    "city": PRECISION_PLACE,
    "admin1": PRECISION_ADMIN1,
    "border": PRECISION_BORDER,
    "country": PRECISION_COUNTRY,
}


@dataclass(frozen=True)
class IncidentType:
    """One row of the incident-type table."""

    type: str
    label: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Tables:
    """The data tables incident extraction runs on, compiled once."""

    types: tuple[IncidentType, ...]
    any_trigger: re.Pattern[str]  # every type's triggers in one pattern: a cheap first pass
    negation: re.Pattern[str]
    irrealis: re.Pattern[str]
    actor_pattern: re.Pattern[str]  # every alias of every group, longest first
    actor_names: dict[str, str]  # normalised alias -> group name

    def find_actors(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, group name)`` of every armed-group alias in ``text``."""
        return [
            (m.start(), m.end(), self.actor_names[_alias_key(m.group(0))])
            for m in self.actor_pattern.finditer(text)
        ]


def _alias_key(alias: str) -> str:
    return re.sub(r"[\s-]+", " ", alias).lower()


@lru_cache(maxsize=1)
def load_tables() -> Tables:
    """Read ``incident_types.json`` and ``actor_groups.json`` from the package data."""
    data = resources.files("geodata") / "data"
    spec = json.loads((data / "incident_types.json").read_text(encoding="utf-8"))
    types = tuple(
        IncidentType(
            row["type"],
            row["label"],
            re.compile(r"\b(?:" + "|".join(row["triggers"]) + r")\b", re.IGNORECASE),
        )
        for row in spec["types"]
    )
    negation = re.compile("|".join(spec["negations"]), re.IGNORECASE)
    irrealis = re.compile("|".join(spec["irrealis"]), re.IGNORECASE)
    # Matched on lower-cased text without IGNORECASE: six times faster in Python's engine.
    any_trigger = re.compile(
        (r"\b(?:" + "|".join(t for row in spec["types"] for t in row["triggers"]) + r")\b").lower()
    )
    groups = json.loads((data / "actor_groups.json").read_text(encoding="utf-8"))["groups"]
    names: dict[str, str] = {}
    for group in groups:
        for alias in group["aliases"]:
            names.setdefault(_alias_key(alias), group["name"])
    aliases = sorted({a for group in groups for a in group["aliases"]}, key=lambda a: (-len(a), a))
    alias_re = "|".join(re.escape(a).replace(r"\ ", r"[\s-]+") for a in aliases)
    # Case-sensitive on purpose: acronyms must match in capitals ("TIP", not "tip").
    actor_pattern = re.compile(rf"(?<![\w-])(?:{alias_re})(?![\w-])")
    return Tables(types, any_trigger, negation, irrealis, actor_pattern, names)


@dataclass(frozen=True)
class Location:
    """Where an incident happened, as precisely as the text allows, and why we think so."""

    level: str  # admin1 | border | country
    region_id: str  # adm1_code, border id or alpha-3
    country: str | None
    precision: int
    reason: str
    surface: str
    mention_start: int | None = None
    mention_end: int | None = None
    confidence: float = 1.0
    point: tuple[float, float] | None = None  #: (lon, lat) when the place is a town


@dataclass(frozen=True)
class Incident:
    """One incident with the evidence it was read from."""

    id: str
    doc_id: str
    type: str
    sentence: str
    start: int  # sentence span in the document
    end: int
    trigger: str
    trigger_start: int
    trigger_end: int
    locations: tuple[Location, ...]
    killed: int | None = None
    wounded: int | None = None
    hostages: int | None = None
    militants: int | None = None
    deadly: bool = False
    approximate: bool = False
    actors: tuple[str, ...] = ()
    date: dt.date | None = None
    date_first: dt.date | None = None
    date_last: dt.date | None = None
    date_text: str | None = None
    date_source: str = "published"
    confidence: float = 1.0
    quantities: tuple[Quantity, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready record (dates as ISO strings)."""
        record = asdict(self)
        record.pop("quantities")
        for key in ("date", "date_first", "date_last"):
            value = record[key]
            record[key] = value.isoformat() if value else None
        return record


@dataclass(frozen=True)
class DocumentReading:
    """Everything read from one document: incidents and the role of every place mention."""

    doc_id: str
    incidents: tuple[Incident, ...]
    roles: tuple[MentionRole, ...]
    focus_country: str | None


_ANAPHORA = re.compile(r"\b(?:the|this|that|these|those)\s+(?:[a-z]+\s+)?$", re.IGNORECASE)
_DEADLY = re.compile(r"\b(?:deadly|fatal|lethal|killed|killing|dead)\b", re.IGNORECASE)
_CONFIDENCE_OF_TYPE = {
    "bombing": 0.9,
    "airstrike": 0.85,
    "kidnapping": 0.85,
    "armed_attack": 0.8,
    "security_operation": 0.75,
    "threat_statement": 0.6,
    "militant_presence": 0.7,
}


def extract_incidents(
    doc_id: str,
    text: str,
    mentions: Sequence[PlaceMention],
    published: dt.date | None,
    anchor: dt.date,
) -> DocumentReading:
    """Read the incidents of one document.

    ``mentions`` are the geoparser's output for ``text``; ``published`` is the article's date
    (None if unknown) and ``anchor`` the date relative expressions resolve against when it is
    unknown (typically the ingest date).
    """
    tables = load_tables()
    sentences = split_sentences(text)
    roles = assign_roles(text, mentions, sentences)
    # "Wilayah Khorasan" or "Islamic State of Iraq" name a group, not a place.
    actor_spans = tables.find_actors(text)
    roles = [
        MentionRole("group_name", "part of an armed group's name")
        if any(start <= m.start and m.end <= end for start, end, _ in actor_spans)
        else role
        for m, role in zip(mentions, roles, strict=True)
    ]
    # One pass over the whole text finds the sentences worth a closer look.
    trigger_positions = [m.start() for m in tables.any_trigger.finditer(lower_same_length(text))]
    located = [m for m, r in zip(mentions, roles, strict=True) if r.role not in CONTEXT_ROLES]
    focus = focus_country(located) or focus_country(mentions)
    reference = published or anchor
    incidents: list[Incident] = []
    # Sorted positions, looked up per sentence by binary search: linear in the text overall.
    located_starts = [m.start for m in located]
    actor_starts = [start for start, _, _ in actor_spans]
    for sentence_index, sentence in enumerate(sentences):
        if not _any_between(trigger_positions, sentence.start, sentence.end):
            continue
        seen_types = {incident.type for incident in incidents}
        first, last = _between(actor_starts, sentence.start, sentence.end)
        actors = tuple(dict.fromkeys(name for _, _, name in actor_spans[first:last]))
        first, last = _between(located_starts, sentence.start, sentence.end)
        incidents.extend(
            _sentence_incidents(
                doc_id,
                sentence_index,
                sentence,
                located[first:last],
                focus,
                reference,
                published,
                tables,
                seen_types,
                actors,
            )
        )
    incidents = _drop_headline_repeats(text, sentences, incidents)
    return DocumentReading(doc_id, tuple(incidents), tuple(roles), focus)


def _between(positions: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Index range of the sorted ``positions`` that fall in ``[start, end)``."""
    return bisect.bisect_left(positions, start), bisect.bisect_left(positions, end)


def _any_between(positions: Sequence[int], start: int, end: int) -> bool:
    first, last = _between(positions, start, end)
    return last > first


def _is_headline(text: str, sentence: Span) -> bool:
    """A first line without final punctuation, on its own line (or a Markdown heading)."""
    if sentence.text.startswith("#"):
        return True
    ends_line = text[sentence.end : sentence.end + 1] in ("\n", "")
    return ends_line and not sentence.text.rstrip().endswith((".", "!", "?", ":"))


def _countries_of(incident: Incident) -> set[str]:
    return {
        code
        for loc in incident.locations
        for code in ([loc.country] if loc.country else loc.region_id.split("|"))
    }


def _drop_headline_repeats(
    text: str, sentences: Sequence[Span], incidents: list[Incident]
) -> list[Incident]:
    """A headline restates the lede: its incident counts only if the body does not report it."""
    if not sentences or not _is_headline(text, sentences[0]):
        return incidents
    title = sentences[0]
    body = [i for i in incidents if i.start != title.start]
    kept = []
    for incident in incidents:
        if incident.start == title.start and any(
            other.type == incident.type and _countries_of(other) & _countries_of(incident)
            for other in body
        ):
            continue
        kept.append(incident)
    return kept


def _sentence_incidents(
    doc_id: str,
    index: int,
    sentence: Span,
    mentions: Sequence[PlaceMention],
    focus: str | None,
    reference: dt.date,
    published: dt.date | None,
    tables: Tables,
    seen_types: set[str] | None = None,
    actors: tuple[str, ...] = (),
) -> list[Incident]:
    if tables.negation.search(sentence.text):
        return []
    clauses = split_clauses(sentence)
    triggers: list[tuple[IncidentType, re.Match[str]]] = []
    for incident_type in tables.types:
        match = incident_type.pattern.search(sentence.text)
        if match:
            triggers.append((incident_type, match))
    if not triggers:
        return []
    quantities = find_quantities(sentence.text)
    militant_counts = [q for q in quantities if q.category == "militants"]
    # "the attack" after an attack was reported refers back to it: not a new incident.
    events = [
        (t, m)
        for t, m in triggers
        if t.type != "militant_presence"
        and not (t.type in (seen_types or ()) and _ANAPHORA.search(sentence.text[: m.start()]))
    ]
    presence = [(t, m) for t, m in triggers if t.type == "militant_presence"]
    dates = find_dates(sentence.text, reference)
    sentence_mentions = [m for m in mentions if sentence.start <= m.start < sentence.end]
    context = _SentenceContext(
        doc_id,
        index,
        sentence,
        clauses,
        sentence_mentions,
        focus,
        dates,
        actors,
        reference,
        published,
    )

    incidents: list[Incident] = []
    # One event per clause: "bombings in Kabul, as well as cross-border strikes targeting
    # Pakistani forces" is two incidents; several triggers in one clause are one incident.
    chosen: dict[int, tuple[IncidentType, re.Match[str]]] = {}
    for incident_type, match in _first_match_per_type(events, sentence.text):
        clause_index = _clause_index(clauses, sentence.start + match.start())
        if clause_index in chosen or _irrealis_before(tables, sentence.text, match.start()):
            continue
        chosen[clause_index] = (incident_type, match)
    harm = [q for q in quantities if q.category != "militants"]
    for clause_index, (incident_type, match) in sorted(chosen.items()):
        counted = harm
        if len(chosen) > 1:  # several events: each takes only the numbers of its own clause
            counted = [
                q for q in harm if _clause_index(clauses, sentence.start + q.start) == clause_index
            ]
        incidents.append(_make(context, len(incidents), incident_type, match, counted))
    if presence:
        incident_type, match = presence[0]
        # A sentence about an attack mentions "militants" as the attackers; presence is only
        # its own incident when fighters are counted or nothing else happened.
        anchors: list[tuple[int, int, list[Quantity]]] = [
            (q.start, q.end, [q]) for q in militant_counts
        ]
        if (
            not anchors
            and not events
            and not _irrealis_before(tables, sentence.text, match.start())
        ):
            anchors = [(match.start(), match.end(), [])]
        for start, end, counted in anchors:
            anchor_match = _SpanMatch(sentence.text, start, end)
            incidents.append(_make(context, len(incidents), incident_type, anchor_match, counted))
    return incidents


def _first_match_per_type(
    events: list[tuple[IncidentType, re.Match[str]]], text: str
) -> list[tuple[IncidentType, re.Match[str]]]:
    """Every trigger of every event type, in table order, so each clause can find its own."""
    found: list[tuple[IncidentType, re.Match[str]]] = []
    for incident_type, _ in events:
        found.extend((incident_type, m) for m in incident_type.pattern.finditer(text))
    return found


def _clause_index(clauses: Sequence[Span], position: int) -> int:
    for i, clause in enumerate(clauses):
        if clause.start <= position < clause.end:
            return i
    return -1


class _SpanMatch:
    """A stand-in for a regex match when a quantity, not a trigger word, anchors an incident."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self._text, self._start, self._end = text, start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, _: int = 0) -> str:
        return self._text[self._start : self._end]


def _irrealis_before(tables: Tables, text: str, position: int) -> bool:
    """A plan, a hope or a condition ("would", "to counter") before the trigger in its clause."""
    clause_start = max(text.rfind(";", 0, position), text.rfind(",", 0, position), 0)
    return bool(tables.irrealis.search(text[clause_start:position]))


@dataclass(frozen=True)
class _SentenceContext:
    """What every incident of one sentence shares."""

    doc_id: str
    sentence_index: int
    sentence: Span
    clauses: Sequence[Span]
    mentions: Sequence[PlaceMention]
    focus: str | None
    dates: Sequence[DateSpan]
    actors: tuple[str, ...]
    reference: dt.date
    published: dt.date | None


def _make(
    context: _SentenceContext,
    serial: int,
    incident_type: IncidentType,
    match: re.Match[str] | _SpanMatch,
    quantities: Sequence[Quantity],
) -> Incident:
    doc_id, sentence, published = context.doc_id, context.sentence, context.published
    clauses, dates, reference = context.clauses, context.dates, context.reference
    trigger_start = sentence.start + match.start()
    trigger_end = sentence.start + match.end()
    clause = next(
        (c for c in clauses if c.start <= trigger_start < c.end),
        sentence,
    )
    locations = link_locations(clause, sentence, context.mentions, context.focus)
    counts: dict[str, int] = {}
    approximate = False
    for quantity in quantities:
        key = quantity.category
        counts[key] = counts.get(key, 0) + quantity.value
        approximate = approximate or quantity.approximate
    when = _closest_date(dates, match.start())
    confidence = _CONFIDENCE_OF_TYPE.get(incident_type.type, 0.7)
    if locations:
        confidence *= max(loc.confidence for loc in locations)
    if locations and locations[0].precision == PRECISION_FOCUS:
        confidence *= 0.6
    digest = hashlib.sha1(f"{doc_id}:{context.sentence_index}:{serial}".encode()).hexdigest()[:12]
    return Incident(
        id=f"inc-{digest}",
        doc_id=doc_id,
        type=incident_type.type,
        sentence=sentence.text,
        start=sentence.start,
        end=sentence.end,
        trigger=match.group(0),
        trigger_start=trigger_start,
        trigger_end=trigger_end,
        locations=tuple(locations),
        killed=counts.get("killed"),
        wounded=counts.get("wounded"),
        hostages=counts.get("hostages"),
        militants=counts.get("militants"),
        deadly=bool(counts.get("killed")) or bool(_DEADLY.search(clause.text)),
        approximate=approximate,
        actors=context.actors,
        date=when.midpoint if when else (published or reference),
        date_first=when.first if when else None,
        date_last=when.last if when else None,
        date_text=when.text if when else None,
        date_source="text" if when else ("published" if published else "anchor"),
        confidence=round(confidence, 3),
        quantities=tuple(quantities),
    )


def _closest_date(dates: Sequence[DateSpan], position: int) -> DateSpan | None:
    """The date expression nearest the trigger; the one before it wins a tie."""
    if not dates:
        return None
    return min(dates, key=lambda d: (abs(d.start - position), d.start > position))


def link_locations(
    clause: Span, sentence: Span, mentions: Sequence[PlaceMention], focus: str | None
) -> list[Location]:
    """Places for an incident, by the fallback ladder in the module docstring."""
    in_clause = [m for m in mentions if clause.start <= m.start < clause.end]
    if in_clause:
        finest = min(_PRECISION_OF_KIND.get(m.kind, PRECISION_COUNTRY) for m in in_clause)
        chosen = [m for m in in_clause if _PRECISION_OF_KIND.get(m.kind) == finest]
        if finest == PRECISION_PLACE:  # cities and admin-1 regions are the same rung
            chosen += [m for m in in_clause if m.kind == "admin1"]
        return _dedupe([_location(m, "place in the same clause") for m in chosen])
    in_sentence = [m for m in mentions if sentence.start <= m.start < sentence.end]
    regional = [m for m in in_sentence if m.kind in ("admin1", "city")]
    if regional:
        return _dedupe([_location(m, "admin-1 region in the sentence") for m in regional])
    borders = [m for m in in_sentence if m.kind == "border"]
    if borders:
        return _dedupe([_location(m, "border in the sentence") for m in borders])
    countries = [m for m in in_sentence if m.kind == "country"]
    if countries:
        return _dedupe([_location(m, "country in the sentence") for m in countries])
    if focus:
        return [
            Location(
                "country",
                focus,
                focus,
                PRECISION_FOCUS,
                "document's focus country",
                focus,
                confidence=0.6,
            )
        ]
    return []


def _location(mention: PlaceMention, reason: str) -> Location:
    if mention.kind == "border" and mention.border:
        level, region, precision = "border", mention.border, PRECISION_BORDER
    elif mention.kind in ("admin1", "city") and mention.admin1:
        level, region = "admin1", mention.admin1
        precision = PRECISION_PLACE if mention.kind == "city" else PRECISION_ADMIN1
    else:
        level, region, precision = "country", mention.country or "", PRECISION_COUNTRY
    return Location(
        level=level,
        region_id=region,
        country=mention.country,
        precision=precision,
        reason=reason,
        surface=mention.surface,
        mention_start=mention.start,
        mention_end=mention.end,
        confidence=float(mention.confidence),
        point=getattr(mention, "point", None) if mention.kind == "city" else None,
    )


def _dedupe(locations: list[Location]) -> list[Location]:
    """One location per region, keeping the first (and most precise) mention of it."""
    seen: dict[str, Location] = {}
    for location in sorted(locations, key=lambda loc: (loc.precision, loc.mention_start or 0)):
        if location.region_id and location.region_id not in seen:
            seen[location.region_id] = location
    return sorted(seen.values(), key=lambda loc: loc.mention_start or 0)

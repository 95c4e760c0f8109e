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
import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from geodata.coref import Candidate, merge_mentions
from geodata.gazetteer import lower_same_length
from geodata.incident_model import Incident, Location
from geodata.quantities import Quantity, find_quantities
from geodata.retrospective import retrospective_dates
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
    name: str = ""  # the plain words a map shows ("armed attack")


@dataclass(frozen=True)
class Tables:
    """The data tables incident extraction runs on, compiled once."""

    types: tuple[IncidentType, ...]
    any_trigger: re.Pattern[str]  # every type's triggers in one pattern: a cheap first pass
    negation: re.Pattern[str]
    irrealis: re.Pattern[str]
    actor_pattern: re.Pattern[str]  # every alias of every group, longest first
    actor_names: dict[str, str]  # normalised alias -> group name
    weak_triggers: WordList  # death words: an incident only with an agent in sight
    plural_triggers: WordList  # "attacks": an event only when placed, dated or counted
    agent_cues: WordSet
    armed_cues: WordSet
    non_event: dict[str, WordSet]  # context -> its words (disaster, court, sport...)
    separate_event: WordSet
    presence_claims: WordSet
    event_verbs: WordSet  # "exploded", "взорвался": a weapon word near one is an event
    deadly_words: WordSet
    attackers_after: re.Pattern[str]  # "six gunmen", "four of the attackers" (lower-cased)

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
            row.get("name") or row["type"].replace("_", " "),
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
    return Tables(
        types,
        any_trigger,
        negation,
        irrealis,
        actor_pattern,
        names,
        weak_triggers=WordList.of(spec["weak_triggers"]),
        plural_triggers=WordList.of(spec["plural_triggers"]),
        agent_cues=_words(spec["agent_cues"]),
        armed_cues=_words(spec["armed_cues"]),
        non_event={kind: _words(words) for kind, words in spec["non_event"].items()},
        separate_event=_words(spec["separate_event"]),
        presence_claims=_words(spec["presence_claims"]),
        event_verbs=_words(spec["event_verbs"]),
        deadly_words=_words(spec["deadly_words"]),
        attackers_after=re.compile(
            r"^\s*(?:of (?:the|them|these|those)\s+)?(?:[\w'’-]+\s+){0,2}?(?:"
            + "|".join(p.lower() for p in spec["attacker_nouns"])
            + r")\b"
        ),
    )


@dataclass(frozen=True)
class WordSet:
    """Whole words of a table, found in lower-cased text without ``re.IGNORECASE``.

    Python's regex engine is several times slower on long case-insensitive alternations; the
    patterns are lower-cased once and the text per search, which keeps extraction fast.
    """

    pattern: re.Pattern[str]

    def search(self, text: str) -> bool:
        return self.pattern.search(text.lower()) is not None

    def finditer(self, text: str) -> list[tuple[int, str]]:
        """``(start, words)`` of every match, in the text's order."""
        return [(m.start(), m.group(0)) for m in self.pattern.finditer(text.lower())]


@dataclass(frozen=True)
class WordList:
    """Trigger words of one kind; ``word in words`` when the whole (lower-cased) word matches
    an entry. Entries are patterns so that one stands for every inflected form ("погиб\\w*")."""

    pattern: re.Pattern[str]

    @classmethod
    def of(cls, patterns: list[str]) -> WordList:
        return cls(re.compile("|".join(f"(?:{p.lower()})" for p in patterns)))

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.pattern.fullmatch(word.lower()) is not None


def _words(patterns: list[str]) -> WordSet:
    """One set matching any of ``patterns`` as whole words, case-insensitively."""
    return WordSet(re.compile(r"\b(?:" + "|".join(p.lower() for p in patterns) + r")\b"))


@dataclass(frozen=True)
class DocumentReading:
    """Everything read from one document: incidents and the role of every place mention."""

    doc_id: str
    incidents: tuple[Incident, ...]
    roles: tuple[MentionRole, ...]
    focus_country: str | None


_METADATA_DATE = re.compile(r"\s*date\s+\d{4}-\d\d-\d\d\b", re.IGNORECASE)
#: "The toll rose to 17": always about an event told elsewhere, never one of its own.
_TOLL_WORDS = frozenset({"toll", "death toll"})
#: "the attack", "this deadly blast": a trigger that refers back to an event already told.
_ANAPHORA = re.compile(r"\b(?:the|this|that)\s+(?:[a-z]+\s+)?$", re.IGNORECASE)
#: "when repelling the attack", "claimed the bombing": the sentence is about an event
#: already told, whichever trigger word it was read by.
_REFERS_BACK = re.compile(
    r"\b(?:the|this|that|today's|yesterday's|sunday's|monday's|tuesday's|wednesday's|"
    r"thursday's|friday's|saturday's)\s+(?:[a-z-]+\s+)?(?:attack|blast|bombing|explosion|"
    r"assault|ambush|raid|shooting|siege|massacre)\b|"
    # Russian has no article: "в результате нападения", "при взрыве" name the event told.
    r"\b(?:в результате|в ходе|при|после|во время|жертвами|жертв)\s+(?:этого\s+|данного\s+|"
    r"[а-яё]+(?:ого|его|ой|ей)\s+)?(?:атаки|нападения|теракта|взрыва|взрывов|взрыве|взрывах|"
    r"обстрела|перестрелки|боя|столкновения|штурма|теракте|нападении|атаке|обстреле)\b",
    re.IGNORECASE,
)
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
    """Read the incidents of one document: one :class:`Incident` per real-world event.

    ``mentions`` are the geoparser's output for ``text``; ``published`` is the article's date
    (None if unknown) and ``anchor`` the date relative expressions resolve against when it is
    unknown (typically the ingest date). Each sentence is read on its own into candidates,
    then :func:`geodata.coref.merge_mentions` merges the candidates that report one event.
    """
    tables = load_tables()
    sentences = split_sentences(text)
    roles = assign_roles(text, mentions, sentences)
    # "Wilayah Khorasan" or "Islamic State of Iraq" name a group, not a place.
    actor_spans = tables.find_actors(text)
    actor_starts = [start for start, _, _ in actor_spans]
    roles = [
        MentionRole("group_name", "part of an armed group's name")
        if _inside_actor(m, actor_spans, actor_starts)
        else role
        for m, role in zip(mentions, roles, strict=True)
    ]
    # One pass over the whole text finds the sentences worth a closer look.
    trigger_positions = [m.start() for m in tables.any_trigger.finditer(lower_same_length(text))]
    located = [m for m, r in zip(mentions, roles, strict=True) if r.role not in CONTEXT_ROLES]
    focus = focus_country(located) or focus_country(mentions)
    reference = published or anchor
    armed_document = tables.armed_cues.search(text) or bool(actor_spans)
    # A leading "date 2024-03-08" is the page's metadata, not when anything happened.
    metadata = _METADATA_DATE.match(text)
    metadata_end = metadata.end() if metadata else 0
    candidates: list[Candidate] = []
    # Sorted positions, looked up per sentence by binary search: linear in the text overall.
    located_starts = [m.start for m in located]
    for sentence_index, sentence in enumerate(sentences):
        if not _any_between(trigger_positions, sentence.start, sentence.end):
            continue
        first, last = _between(actor_starts, sentence.start, sentence.end)
        actors = tuple(dict.fromkeys(name for _, _, name in actor_spans[first:last]))
        first, last = _between(located_starts, sentence.start, sentence.end)
        context = _SentenceContext(
            doc_id,
            sentence_index,
            sentence,
            split_clauses(sentence),
            located[first:last],
            focus,
            [
                d
                for d in _sentence_dates(sentence.text, reference)
                if sentence.start + d.start >= metadata_end
            ],
            actors,
            reference,
            published,
            headline=_is_headline(text, sentence),
            armed_document=armed_document,
        )
        candidates.extend(_sentence_candidates(context, tables))
    if not candidates:
        return DocumentReading(doc_id, (), tuple(roles), focus)
    incidents = merge_mentions(candidates, published or _latest_stated_date(text))
    hints = [m for m, r in zip(mentions, roles, strict=True) if r.role in ("location", "dateline")]
    incidents = [_narrowed(incident, hints) for incident in incidents]
    return DocumentReading(doc_id, tuple(incidents), tuple(roles), focus)


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _sentence_dates(text: str, reference: dt.date) -> list[DateSpan]:
    """Date expressions and retrospectives; a retrospective ("ten years ago today") hides the
    plain dates inside it ("today")."""
    back = retrospective_dates(text, reference)
    plain = [
        d
        for d in find_dates(text, reference)
        if not any(d.start < r.end and r.start < d.end for r in back)
    ]
    return plain + back


def _latest_stated_date(text: str) -> dt.date | None:
    """With no date of publication, the latest full date the text states stands in for it.

    An article is written after everything it reports, so its latest dated event tells which
    mentions are recent better than the day it is read; a text with no year in it gives None
    (every mention counts as recent).
    """
    latest: dt.date | None = None
    for year in _YEAR.finditer(text):  # read only around each year: linear and cheap
        window = text[max(0, year.start() - 30) : year.end() + 1]
        for span in find_dates(window, dt.date.today()):
            if _YEAR.search(span.text) and (latest is None or span.last > latest):
                latest = span.last
    return latest


#: Share of a country's region mentions one region needs to be the document's main region.
MAIN_REGION_SHARE = 0.5


def _narrowed(incident: Incident, hints: Sequence[PlaceMention]) -> Incident:
    """An event the text places only in a country, put in the document's main region there.

    Reports often name the province once (or only in the dateline) and then say "the attack
    in Afghanistan"; when one region of that country holds most of the document's regional
    mentions, that region is the best guess, marked with its own reason and a lower confidence.
    A claim that fighters operate in a country is about the country and stays there.
    """
    if (
        incident.type == "militant_presence"
        or not incident.locations
        or any(loc.precision < PRECISION_COUNTRY for loc in incident.locations)
    ):
        return incident
    countries = {
        loc.country or loc.region_id for loc in incident.locations if loc.level == "country"
    }
    if len(countries) != 1:
        return incident
    (country,) = countries
    regional = [
        m for m in hints if m.country == country and m.kind in ("admin1", "city") and m.admin1
    ]
    if not regional:
        return incident
    counts = Counter(m.admin1 for m in regional)
    region, count = counts.most_common(1)[0]
    if count / len(regional) < MAIN_REGION_SHARE or (
        len(counts) > 1 and counts.most_common(2)[1][1] == count
    ):
        return incident
    mention = next(m for m in regional if m.admin1 == region)
    location = dataclasses.replace(
        _location(mention, "the document's main region in that country"),
        precision=PRECISION_ADMIN1,
        confidence=0.7,
        point=None,
    )
    return dataclasses.replace(incident, locations=(location,))


def _inside_actor(
    mention: PlaceMention, spans: Sequence[tuple[int, int, str]], starts: Sequence[int]
) -> bool:
    """Whether the mention lies inside an armed group's name (spans sorted by start)."""
    index = bisect.bisect_right(starts, mention.start) - 1
    # Names do not nest deeply: the few spans starting just before the mention are enough.
    for start, end, _ in spans[max(0, index - 3) : index + 1]:
        if start <= mention.start and mention.end <= end:
            return True
    return False


def _between(positions: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Index range of the sorted ``positions`` that fall in ``[start, end)``."""
    return bisect.bisect_left(positions, start), bisect.bisect_left(positions, end)


def _any_between(positions: Sequence[int], start: int, end: int) -> bool:
    first, last = _between(positions, start, end)
    return last > first


#: Titles, captions and banners are short lines without final punctuation.
TITLE_MAX_CHARS = 160


def _starts_line(text: str, start: int) -> bool:
    """Nothing but spaces between the previous line break (or the text's start) and ``start``."""
    position = start
    while position > 0 and text[position - 1] in " \t":
        position -= 1
    return position == 0 or text[position - 1] == "\n"


#: A photo caption's tail: a date line or a credit ("..., 14 May 2021.", "(Photo: AFP)").
_CAPTION_TAIL = re.compile(
    r"(?:,\s*\d{1,2}\s+[A-Z][a-z]+\.?\s+(?:19|20)\d\d|"
    r"[(\[](?:photo|file photo|picture|image|credit|AFP|Reuters|AP|Getty)[^)\]]{0,60}[)\]])\.?$"
)


def _is_headline(text: str, sentence: Span) -> bool:
    """A title, caption or banner: a short line of its own without final punctuation, or a
    line that ends as photo captions do (a date line or a photo credit).

    They restate the lead in telegraph style ("35 killed in blast in X"), so they are never
    the sentence an event is quoted by, though their facts still count.
    """
    if sentence.text.startswith("#") or _CAPTION_TAIL.search(sentence.text.rstrip()):
        return True
    ends_line = text[sentence.end : sentence.end + 1] in ("\n", "")
    starts_line = _starts_line(text, sentence.start)
    stripped = sentence.text.rstrip()
    return (
        ends_line
        and starts_line
        and len(stripped) <= TITLE_MAX_CHARS
        and not stripped.endswith((".", "!", "?", ":", '"', "”"))
    )


def non_event_context(sentence: str, tables: Tables) -> str | None:
    """Why a sentence reports no new threat incident, or None when it may.

    Courts and exercises never do (a verdict about an old bombing, a drill that "repelled an
    attack"); disasters, accidents and sport do not unless an unambiguous sign of armed
    violence is in the same sentence ("a bomb on the bus", not "the bus plunged").
    """
    for kind in ("court", "exercise"):
        if tables.non_event[kind].search(sentence):
            return kind
    if tables.armed_cues.search(sentence):
        return None
    for kind in ("disaster", "accident", "sport"):
        if tables.non_event[kind].search(sentence):
            return kind
    return None


def _is_equipment(tables: Tables, clause: str, start: int, end: int) -> bool:
    """ "Explosives, IEDs and suicide vests were seized": weapons found, no event happened."""
    window = clause[max(0, start - 60) : end + 60]
    return tables.non_event["equipment"].search(window) and not tables.event_verbs.search(window)


def _sentence_candidates(context: _SentenceContext, tables: Tables) -> list[Candidate]:
    sentence = context.sentence
    if tables.negation.search(sentence.text):
        return []
    if non_event_context(sentence.text, tables):
        return []
    if tables.non_event["commemoration"].search(sentence.text):
        # "Leaders on Friday paid tribute to those killed ... 13 years ago": the day of the
        # tribute is not the event's; an older date in the sentence is.
        old = [d for d in context.dates if d.last < context.reference - dt.timedelta(days=31)]
        context = dataclasses.replace(context, dates=old)
    triggers: list[tuple[IncidentType, re.Match[str]]] = []
    for incident_type in tables.types:
        match = incident_type.pattern.search(sentence.text)
        if match:
            triggers.append((incident_type, match))
    if not triggers:
        return []
    clauses = context.clauses
    quantities = _marked_attackers(sentence.text, find_quantities(sentence.text), tables)
    events = [(t, m) for t, m in triggers if t.type != "militant_presence"]
    presence = [(t, m) for t, m in triggers if t.type == "militant_presence"]
    # In an article with no sign of armed violence anywhere (an accident, a disaster), a
    # policeman or soldier near a death word is a witness, not an attacker.
    has_agent = context.armed_document and (
        tables.agent_cues.search(sentence.text) or bool(context.actors)
    )
    separate_cues = [start for start, _ in tables.separate_event.finditer(sentence.text)]

    candidates: list[Candidate] = []
    # One event per clause: "a blast in Herat, as well as rocket fire on a base in Ghazni"
    # is two incidents; several triggers in one clause are one incident.
    chosen: dict[int, tuple[IncidentType, re.Match[str]]] = {}
    for incident_type, match in _first_match_per_type(events, sentence.text):
        clause_index = _clause_index(clauses, sentence.start + match.start())
        if clause_index in chosen or _irrealis_before(tables, sentence.text, match.start()):
            continue
        clause = clauses[clause_index].text if clause_index >= 0 else sentence.text
        offset = (clauses[clause_index].start - sentence.start) if clause_index >= 0 else 0
        if _is_equipment(tables, clause, match.start() - offset, match.end() - offset):
            continue
        previous = chosen.get(clause_index)
        if previous is None or _is_weak_trigger(tables, previous[1].group(0)):
            chosen[clause_index] = (incident_type, match)
    harm = [q for q in quantities if q.category != "militants"]
    for clause_index, (incident_type, match) in sorted(chosen.items()):
        counted = harm
        if len(chosen) > 1:  # several events: each takes only the numbers of its own clause
            counted = [
                q for q in harm if _clause_index(clauses, sentence.start + q.start) == clause_index
            ]
        counted = _before_other_event(sentence.text, match.end(), counted, tables)
        incident = _make(context, tables, len(candidates), incident_type, match, counted)
        word = match.group(0).lower()
        plural, death_word = word in tables.plural_triggers, _is_weak_trigger(tables, word)
        if (
            (plural or death_word)
            and not _placed(incident)
            and tables.non_event["generic"].search(
                clauses[clause_index].text if clause_index >= 0 else sentence.text
            )
        ):
            continue  # "such attacks are common", "400 killed since May": no one event
        if tables.non_event["commemoration"].search(sentence.text) and not _dated_long_ago(
            incident, context.reference
        ):
            continue  # a tribute to the victims of an old attack: only the old date makes it
        separate = bool(separate_cues)
        if separate and not (
            _placed(incident) or incident.date_source == "text" or incident.killed is not None
        ):
            continue  # "the previous clash", "another attack": too vague to be an event
        weak = (
            word in _TOLL_WORDS
            or (death_word and not has_agent)
            or (plural and not _placed_dated_or_counted(incident))
        )
        anaphoric = (
            not plural
            and bool(_ANAPHORA.search(sentence.text[max(0, match.start() - 40) : match.start()]))
        ) or bool(_REFERS_BACK.search(sentence.text))
        candidates.append(Candidate(incident, weak, separate, context.headline, anaphoric))
    if presence and not tables.non_event["generic"].search(sentence.text):
        candidates.extend(_presence_candidates(context, tables, presence, quantities, events))
    return candidates


#: "security forces killed 25 ...": whom state forces kill in a report of an attack are the
#: attackers (or militants in an operation).
_STATE_FORCES_KILLED = re.compile(
    r"\b(?:security forces|troops|soldiers|police|policemen|army|military|forces|commandos)\b"
    r"[^.;,]{0,30}?\b(?:killed|shot dead|gunned down|eliminated|neutrali[sz]ed)\s+"
    r"(?:at least\s+|more than\s+|over\s+|some\s+|about\s+|all\s+)?$",
    re.IGNORECASE,
)
#: Words right after a count that name no one of its own ("two in the city", "four more"): the
#: count stands for the same kind of people as the count before it.
_NO_NOUN_AFTER = re.compile(r"^\s*(?:in|at|on|near|from|more|others?|[,.;]|$)", re.IGNORECASE)


def _marked_attackers(text: str, quantities: Sequence[Quantity], tables: Tables) -> list[Quantity]:
    """Flag the deaths that are the attackers' own ("security forces killed six militants").

    An analyst's toll counts the attackers with the victims, so these add to an event's toll
    rather than competing with it as another figure for the same dead.
    """
    marked: list[Quantity] = []
    previous: Quantity | None = None
    for quantity in quantities:
        if quantity.category == "killed":
            after = text[quantity.end : quantity.end + 50]
            own = tables.attackers_after.match(quantity.text.lower().split(maxsplit=1)[-1])
            attackers = bool(
                own
                or tables.attackers_after.match(after.lower())
                or _STATE_FORCES_KILLED.search(text[max(0, quantity.start - 60) : quantity.start])
                or (
                    previous is not None
                    and previous.attackers
                    and _NO_NOUN_AFTER.match(after) is not None
                )
            )
            quantity = dataclasses.replace(quantity, attackers=attackers)
            previous = quantity
        marked.append(quantity)
    return marked


#: Separate-event cues that move the story in time ("a day after", "earlier"), unlike
#: "another" or "similar", which can also add victims to the same event.
_TIME_SHIFT = re.compile(r"after|before|ago|earlier|previous|last|ранее|назад|накануне|прошл")


def _before_other_event(
    sentence: str, trigger_end: int, quantities: Sequence[Quantity], tables: Tables
) -> list[Quantity]:
    """The counts told before the sentence turns to another time or to attacks in general.

    "Five officers were killed on Thursday, a day after nine died in two blasts": the nine are
    the earlier event's dead, not more of this one's.
    """
    shifts = [
        start
        for start, words in tables.separate_event.finditer(sentence)
        if start >= trigger_end and _TIME_SHIFT.search(words)
    ] + [  # "..., the third in a wave of raids that left nine dead": the wave's dead
        start for start, _ in tables.non_event["generic"].finditer(sentence) if start >= trigger_end
    ]
    shifts.sort()
    if not shifts:
        return list(quantities)
    return [q for q in quantities if q.start < shifts[0]]


def _is_weak_trigger(tables: Tables, word: str) -> bool:
    return word.lower() in tables.weak_triggers


def _dated_long_ago(incident: Incident, reference: dt.date) -> bool:
    """Dated by the text to more than a month before the article."""
    return (
        incident.date_source == "text"
        and incident.date_last is not None
        and incident.date_last < reference - dt.timedelta(days=31)
    )


def _placed(incident: Incident) -> bool:
    """Placed by the text in a region or town, not only in a country."""
    return any(loc.level == "admin1" for loc in incident.locations)


def _placed_dated_or_counted(incident: Incident) -> bool:
    """ "Attacks in Kabul", "attacks on Monday", "two attacks": an event, not a generality."""
    placed = _placed(incident)
    counted = any(v is not None for v in (incident.killed, incident.wounded, incident.hostages))
    return placed or counted or incident.date_source == "text"


def _presence_candidates(
    context: _SentenceContext,
    tables: Tables,
    presence: list[tuple[IncidentType, re.Match[str]]],
    quantities: list[Quantity],
    events: list[tuple[IncidentType, re.Match[str]]],
) -> list[Candidate]:
    """Militant presence: fighters counted, or a claim that they are present somewhere.

    A sentence about an attack names "militants" as the attackers, and one about a meeting
    names "terrorist groups" as a topic: neither says where fighters are.
    """
    text = context.sentence.text
    incident_type, match = presence[0]
    counted = [q for q in quantities if q.category == "militants"]
    anchors: list[tuple[int, int, list[Quantity]]] = [(q.start, q.end, [q]) for q in counted]
    if (
        not anchors
        and not events
        and not _irrealis_before(tables, text, match.start())
        and not _describes_actor(text, match.start(), match.end())
    ):
        clause_index = _clause_index(context.clauses, context.sentence.start + match.start())
        clause = context.clauses[clause_index].text if clause_index >= 0 else text
        if tables.presence_claims.search(clause):
            anchors = [(match.start(), match.end(), [])]
    candidates: list[Candidate] = []
    for start, end, numbers in anchors:
        anchor = _SpanMatch(text, start, end)
        incident = _make(context, tables, len(candidates) + 100, incident_type, anchor, numbers)
        candidates.append(Candidate(incident, headline=context.headline))
    return candidates


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


#: ", the Islamist militant group": an appositive that opens right after a name ...
_APPOSITIVE_OPENING = re.compile(r"[,(]\s*(?:the|a|an)\s+(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
#: ... and goes on "that controls ...", "which operates in ...": it says who the actor is.
_RELATIVE_CLAUSE = re.compile(r"\s+(?:that|which)\b", re.IGNORECASE)


def _describes_actor(text: str, start: int, end: int) -> bool:
    """Whether a group word opens a description of an actor the sentence names ("The Kunduz
    Front, the armed group that controls northern Takhar, denied the report"): who the actor
    is, told as background, not a report that fighters are somewhere."""
    return bool(
        _APPOSITIVE_OPENING.search(text, max(0, start - 60), start)
        and _RELATIVE_CLAUSE.match(text, end)
    )


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
    headline: bool = False
    armed_document: bool = True


def _make(
    context: _SentenceContext,
    tables: Tables,
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
    counts = _sentence_counts(sentence.text, quantities)
    approximate = any(quantity.approximate for quantity in quantities)
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
        deadly=bool(counts.get("killed")) or tables.deadly_words.search(clause.text),
        approximate=approximate,
        actors=context.actors,
        date=when.midpoint if when else (published or reference),
        date_first=when.first if when else None,
        date_last=when.last if when else None,
        date_text=when.text if when else None,
        date_source="text" if when else ("published" if published else "anchor"),
        confidence=round(confidence, 3),
        quantities=tuple(quantities),
        casualties=counts.get("casualties"),
        evidence=((sentence.start, sentence.end),),
    )


#: Words between two counts that make the second one more of the same dead, not a restatement.
_ADDS_UP = re.compile(
    r"\b(?:and|plus|also|another|other|others|more|besides|as well as|along with|while|"
    r"и|а также|ещё|еще|также)\b|[,;]",
    re.IGNORECASE,
)


#: Characters between two equal counts beyond which the second restates the first.
RESTATED = 40


def _sentence_counts(sentence: str, quantities: Sequence[Quantity]) -> dict[str, int]:
    """Each category's total in one sentence: listed counts add up, a restated one does not.

    "Four soldiers and two civilians were killed" is six dead; two headlines run together
    without a full stop ("15 cadets die in attack ... 17 dead in two blasts") give two figures
    for overlapping dead, of which the larger stands, and the same figure told again further on
    is told once.
    """
    counts: dict[str, int] = {}
    previous: dict[str, Quantity] = {}
    for quantity in quantities:
        key = quantity.category
        before = previous.get(key)
        gap = sentence[before.end : quantity.start] if before is not None else ""
        if before is not None and (
            not _ADDS_UP.search(gap) or (before.value == quantity.value and len(gap) > RESTATED)
        ):
            counts[key] = max(counts[key], quantity.value)
        else:
            counts[key] = counts.get(key, 0) + quantity.value
        previous[key] = quantity
    return counts


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

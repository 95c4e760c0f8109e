"""Numbers in news text and what they count: killed, wounded, hostages, militants.

Reports give numbers as digits ("55", "6,500"), words ("twelve", "dozens", "hundreds") and
hedged ranges ("up to 4,000", "at least 12", "10 to 15"). A number alone means nothing; it is
attached to the noun or verb near it ("55 personnel killed", "killing 12", "4,000 fighters").
Vague quantities keep a conservative value (``dozens`` = 24) and are flagged ``approximate``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Category = Literal["killed", "wounded", "hostages", "militants", "casualties"]

_UNITS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "both": 2,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 1_000_000}


def _russian_forms(table: dict[str, tuple[int, tuple[str, ...]]]) -> dict[str, int]:
    """Every case form of Russian numerals: stem + each ending, mapped to the value."""
    return {stem + ending: value for stem, (value, endings) in table.items() for ending in endings}


#: Russian numerals in their case forms ("пять", "пяти", "пятью") and collectives ("пятеро").
_RU_UNITS = _russian_forms(
    {
        "од": (1, ("ин", "на", "но", "ного", "ному", "ним", "ном", "ной", "ну")),
        "дв": (2, ("а", "е", "ух", "ум", "умя", "ое", "оих", "оим")),
        "тр": (3, ("и", "ех", "ёх", "ем", "ём", "емя", "ое", "оих", "оим")),
        "четыр": (4, ("е", "ех", "ёх", "ем", "ём", "ьмя")),
        "четвер": (4, ("о", "ых", "ым")),
        "пят": (5, ("ь", "и", "ью", "еро", "ерых")),
        "шест": (6, ("ь", "и", "ью", "еро", "ерых")),
        "сем": (7, ("ь", "и", "ью", "еро", "ерых")),
        "вос": (8, ("емь", "ьми", "емью", "ьмью")),
        "восьмер": (8, ("о", "ых")),
        "девят": (9, ("ь", "и", "ью", "еро", "ерых")),
        "десят": (10, ("ь", "и", "ью", "еро", "ерых")),
        "одиннадцат": (11, ("ь", "и", "ью")),
        "двенадцат": (12, ("ь", "и", "ью")),
        "тринадцат": (13, ("ь", "и", "ью")),
        "четырнадцат": (14, ("ь", "и", "ью")),
        "пятнадцат": (15, ("ь", "и", "ью")),
        "шестнадцат": (16, ("ь", "и", "ью")),
        "семнадцат": (17, ("ь", "и", "ью")),
        "восемнадцат": (18, ("ь", "и", "ью")),
        "девятнадцат": (19, ("ь", "и", "ью")),
        "двадцат": (20, ("ь", "и", "ью")),
        "тридцат": (30, ("ь", "и", "ью")),
        "сорок": (40, ("", "а")),
        "пятьдесят": (50, ("",)),
        "пятидесяти": (50, ("",)),
        "шестьдесят": (60, ("",)),
        "шестидесяти": (60, ("",)),
        "семьдесят": (70, ("",)),
        "семидесяти": (70, ("",)),
        "восемьдесят": (80, ("",)),
        "восьмидесяти": (80, ("",)),
        "девяност": (90, ("о", "а")),
        "ст": (100, ("о", "а")),
        "двест": (200, ("и",)),
        "двухсот": (200, ("",)),
        "трист": (300, ("а",)),
        "пятьсот": (500, ("",)),
    }
)
_RU_SCALES = _russian_forms(
    {"тысяч": (1000, ("а", "и", "у", "ей", "ами", "")), "миллион": (1_000_000, ("", "а", "ов"))}
)
#: Vague quantities: the lowest reading a careful analyst would defend.
_VAGUE = {
    "several hundred": 300,
    "a few hundred": 300,
    "several thousand": 3000,
    "a few thousand": 3000,
    "hundreds of thousands": 200000,
    "several": 3,
    "a few": 3,
    "a dozen": 12,
    "dozens": 24,
    "scores": 40,
    "hundreds": 200,
    "thousands": 2000,
    "tens of thousands": 20000,
    "несколько": 3,
    "нескольких": 3,
    "несколькими": 3,
    "десятки": 24,
    "десятков": 24,
    "десятками": 24,
    "сотни": 200,
    "сотен": 200,
    "сотнями": 200,
    "тысячи": 2000,
    "тысяч": 2000,
    "десятки тысяч": 20000,
    "десятков тысяч": 20000,
}

# "a"/"an" count only before a scale ("a hundred"): "a fourth died" is not 1 + 4. A word
# number ends at a word's end: "fourth" is no "four".
_WORD_NUMBER = (
    r"(?:(?:a|an)\s+(?:hundred|thousand|million)\b|(?:"
    + "|".join(sorted((k for k in _UNITS if k not in ("a", "an")), key=len, reverse=True))
    + r")(?:[- ](?:"
    + "|".join(k for k in _UNITS if _UNITS[k] < 10 and k not in ("a", "an", "both"))
    + r"))?(?:\s+(?:dozen|hundred|thousand|million))?(?![\w-]))"
)
_RU_WORDS = "|".join(sorted({**_RU_UNITS, **_RU_SCALES}, key=len, reverse=True))
_RU_NUMBER = rf"(?:(?:{_RU_WORDS})(?:\s+(?:{_RU_WORDS}))*(?!\w))"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s+(?:thousand|million|тыс\.|тысяч\w*|млн\.?))?"
_VAGUE_RE = "|".join(re.escape(k) for k in sorted(_VAGUE, key=len, reverse=True))
_HEDGE = (
    r"(?P<hedge>up to|at least|more than|over|about|around|nearly|almost|some|roughly|"
    r"approximately|as many as|около|более|свыше|почти|порядка|примерно|не менее|не более|"
    r"по меньшей мере|по крайней мере|как минимум|до|ещё|еще)\s+"
)
NUMBER_RE = re.compile(
    rf"(?<![\w.,])(?:{_HEDGE})?(?P<number>{_VAGUE_RE}|{_DIGITS}|{_WORD_NUMBER}|{_RU_NUMBER})"
    rf"(?:\s*(?:-|–|to)\s*(?P<upper>{_DIGITS}))?(?![\w,]*\d)",
    re.IGNORECASE,
)

#: "80 people killed and injured", "30 casualties": one figure for dead and hurt together,
#: which is neither a death toll nor a count of the wounded.
_COMBINED = re.compile(
    r"^[^;.!?]{0,40}?\b(?:(?:killed|dead|died)\s+(?:and|or)\s+(?:injured|wounded|hurt)|"
    r"(?:injured|wounded)\s+(?:and|or)\s+(?:killed|dead)|casualties|"
    r"(?:погибл\w*|убит\w*)\s+(?:и|или)\s+(?:ранен\w*|пострадал\w*)|"
    r"(?:ранен\w*|пострадавш\w*)\s+(?:и|или)\s+(?:погибш\w*|убит\w*))\b",
    re.IGNORECASE,
)
_KILLED = re.compile(
    r"\b(?:killed|kill|killing|dead|died|dies|deaths?|death toll|fatalities|lives|slain|"
    r"massacred|executed|perished|gunned down|martyred|martyrdom|beheaded|"
    r"lost (?:their|his|her) li(?:fe|ves)|"
    r"neutrali[sz]ed|eliminated|погиб\w*|убит\w*|убил\w*|убьют|гибел\w*|жертв\w*|скончал\w*|"
    r"мертв\w*|уничтожен\w*|уничтожил\w*|ликвидирова\w*|нейтрализова\w*|застрел\w*|"
    r"расстрел\w*|казн[её]н\w*|унес\w* жизн\w*|тел(?:а|о)\b)\b",
    re.IGNORECASE,
)
_WOUNDED = re.compile(
    r"\b(?:wounded|wounding|injured|injuring|injuries|injures|hurt|ранен\w*|ранил\w*|ранения|"
    r"пострадал\w*|пострадавш\w*|травм\w*|госпитализир\w*)\b",
    re.IGNORECASE,
)
_HOSTAGES = re.compile(
    r"\b(?:hostages?|kidnapped|kidnapping|abducted|abducting|captives?|held captive|"
    r"заложник\w*|похищен\w*|похитил\w*|в плен\w*)\b",
    re.IGNORECASE,
)
_MILITANTS = re.compile(
    r"\b(?:militants?|fighters?|insurgents?|terrorists?|jihadists?|gunmen|rebels?|"
    r"extremists?|members|боевик\w*|террорист\w*|повстанц\w*|экстремист\w*|джихадист\w*|"
    r"талиб\w*|бандит\w*)\b",
    re.IGNORECASE,
)
#: Verbs that, right after a bare number, mean "this many fighters are there".
_PRESENCE_VERBS = re.compile(
    r"^\s*(?:concentrated|based|deployed|stationed|operating|active|present|massed|gathered)\b",
    re.IGNORECASE,
)
_AFTER_VERB_KILLED = re.compile(
    r"\b(?:killing|killed|kills|(?:killings?|murders?|deaths?) of|"
    r"(?:death )?toll\b[^.;,]{0,30}?\b(?:to|at|reached|hit)|"
    r"(?:claimed|claiming|took|taking|cost|costing) the lives of|"
    r"(?:погибл\w*|погиб|убиты|убито|ранены)(?:,\s*(?:по меньшей мере|по крайней мере|"
    r"как минимум|не менее|около|более|свыше|предварительно|по данным \w+),)|"
    r"погибл\w*|погиб|убиты|убито|убили|убив|застрелил\w*|уничтожен\w*|уничтожил\w*|"
    r"ликвидирован\w*|ликвидировал\w*|нейтрализова\w*|скончал\w*|унес\w*\s+жизн\w*|"
    r"жертвами\s+(?:\w+\s+){0,2}?(?:стал\w*|явил\w*)|(?:погибш\w*|жертв)\b[^.;]{0,40}?"
    r"(?:увеличил\w*|возросл\w*|выросл\w*|достиг\w*|составил\w*|составляет)(?:\s+до)?)\s*$",
    re.IGNORECASE,
)
_AFTER_VERB_WOUNDED = re.compile(
    r"\b(?:wounding|injuring|wounded|injured|ранены|ранено|ранен|ранил\w*|ранив|"
    r"пострадали|пострадало|госпитализирован\w*|ранения\s+получил\w*|"
    r"(?:ранен\w*|пострадавш\w*)\b[^.;]{0,40}?(?:увеличил\w*|возросл\w*|выросл\w*|"
    r"достиг\w*|составил\w*|составляет)(?:\s+до)?)\s*$",
    re.IGNORECASE,
)
_AFTER_VERB_HOSTAGE = re.compile(
    r"\b(?:kidnapping|kidnapped|abducting|abducted|seized|похитили|похищены|похищено|"
    r"захватили|взяли в заложники|в заложниках оказал\w*)\s*$"
)


@dataclass(frozen=True)
class Quantity:
    """A counted thing: ``value`` of ``category`` at ``start:end`` of the text."""

    category: Category
    value: int
    start: int
    end: int
    approximate: bool
    text: str
    #: The count is of attackers ("six gunmen were killed"): their deaths add to the victims'.
    attackers: bool = False


def parse_number(text: str) -> tuple[int, bool] | None:
    """Value of one number expression and whether it is approximate; None if not a number.

    >>> parse_number("6,500")
    (6500, False)
    >>> parse_number("twenty-one")
    (21, False)
    >>> parse_number("hundreds")
    (200, True)
    """
    raw = text.strip().lower()
    if not raw:
        return None
    if raw in _VAGUE:
        return _VAGUE[raw], True
    digits = re.fullmatch(
        r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:\s+(thousand|million|тыс\.|тысяч\w*|млн\.?))?",
        raw,
    )
    if digits:
        whole = float(digits.group(1).replace(",", "") + "." + (digits.group(2) or "0"))
        scale_word = digits.group(3) or ""
        if scale_word.startswith("тыс"):
            scale_word = "thousand"
        elif scale_word.startswith("млн"):
            scale_word = "million"
        scale = _SCALES.get(scale_word, 1)
        return round(whole * scale), False
    total = 0
    current = 0
    for token in re.split(r"[\s-]+", raw):
        if token in _UNITS or token in _RU_UNITS:
            current += _UNITS.get(token) or _RU_UNITS[token]
        elif token in _SCALES or token in _RU_SCALES:
            scale = _SCALES.get(token) or _RU_SCALES[token]
            current = max(current, 1) * scale
            if scale >= 1000:
                total += current
                current = 0
        else:
            return None
    value = total + current
    return (value, False) if value else None


def _category_for(text: str, start: int, end: int) -> Category | None:
    """Decide what a number counts, from the words after it, then the words before it."""
    after = text[end : end + 80]
    after_clause = re.split(r"[;.!?]|,\s+(?:and|but|while|with)\b", after, maxsplit=1)[0]
    before = text[max(0, start - 45) : start]
    if _COMBINED_BEFORE.search(before):
        return "casualties"
    if _STANDS_AT_BEFORE.search(text[max(0, start - 160) : start]):
        return "killed"
    if _AFTER_VERB_KILLED.search(before):
        return "killed"
    if _AFTER_VERB_WOUNDED.search(before):
        return "wounded"
    if _AFTER_VERB_HOSTAGE.search(before):
        return "hostages"
    # The noun right after the number names what is counted; a verb of harm in the same
    # clause says what happened to it ("55 personnel killed", "hundreds of fighters were killed").
    harms: list[tuple[int, Category, int]] = []
    checks: tuple[tuple[re.Pattern[str], Category], ...] = (
        (_KILLED, "killed"),
        (_WOUNDED, "wounded"),
        (_HOSTAGES, "hostages"),
    )
    if _COMBINED.match(after_clause):
        return "casualties"
    for pattern, category in checks:
        match = pattern.search(after_clause)
        if match:
            harms.append((match.start(), category, match.end()))
    if harms:
        verb_start, category, verb_end = min(harms)
        if _OTHER_PREDICATE.search(after_clause[:verb_start]):
            return None  # "16 are missing and 13 were hurt": the 16 are not the hurt
        if _COUNT_RIGHT_AFTER.match(after_clause[verb_end:]):
            return None  # the attackers, or whoever did the harm, not its victims
        if _other_count_between(after_clause[:verb_start]):
            return None  # "459 attacks, which left 401 people dead": the verb counts the 401
        return category
    if _MILITANTS.search(after_clause[:40]):
        return "militants"
    if _PRESENCE_VERBS.match(after) and _MILITANTS.search(text[max(0, start - 200) : start]):
        return "militants"
    return None


#: "killing and injuring 12": one figure for dead and hurt together.
_COMBINED_BEFORE = re.compile(
    r"\b(?:killing|killed|kills)\s+(?:and|or)\s+(?:injuring|wounding|injured|wounded)\s+"
    r"(?:at least\s+|more than\s+|over\s+|some\s+|about\s+)?$",
    re.IGNORECASE,
)
#: "the number of people killed in the blasts stands at 20": a death toll stated as a number.
_STANDS_AT_BEFORE = re.compile(
    r"\b(?:number of (?:people |those |civilians |victims )?(?:killed|dead)|death toll|"
    r"toll)\b[^.;!?]{0,120}?\b(?:stands?|stood|is|was|has (?:risen|climbed|reached))\s+"
    r"(?:at|to)?\s*(?:at least\s+|more than\s+|over\s+|some\s+|about\s+)?$",
    re.IGNORECASE,
)
#: Predicates of their own that end a count's clause before a later verb of harm.
_OTHER_PREDICATE = re.compile(
    r"\b(?:missing|detained|arrested|rescued|displaced|evacuated|released|freed|survived|"
    r"unaccounted|captured|escaped|fled)\b",
    re.IGNORECASE,
)
#: A verb of harm with its own count right after it ("dozens of militants stormed the post,
#: killing at least 23 soldiers"): the verb's victims are that count, not the number before.
_COUNT_RIGHT_AFTER = re.compile(
    r"^\s+(?:at least|more than|over|about|around|nearly|some|up to|as many as|более|около)?"
    r"\s*(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a dozen|"
    r"dozens|scores|hundreds)\b)",
    re.IGNORECASE,
)


def _other_count_between(gap: str) -> bool:
    """A count of its own between a number and the verb, not coordinated with the number.

    Ages, dates and parts ("3 of them") in between are not counts of their own.
    """
    for match in NUMBER_RE.finditer(gap):
        if match.group("number").lower() in ("a", "an") or _looks_like_year_or_date(gap, match):
            continue
        if _SUBSET_AFTER.match(gap[match.end() :][:40]) or _SUBSET_BEFORE.search(
            gap[max(0, match.start() - 30) : match.start()]
        ):
            continue
        if re.search(r"\b(?:aged|ages?)\s+$", gap[max(0, match.start() - 10) : match.start()]):
            continue
        if not _AND_BEFORE.search(gap[max(0, match.start() - 20) : match.start()]):
            return True
    return False


#: People a single noun phrase can stand for ("a policeman", "the governor"): one person each.
PERSON_NOUNS = (
    r"(?:person|man|woman|child|boy|girl|civilian|policeman|policewoman|police ?officer|"
    r"officer|soldier|guard|constable|commander|official|governor|mayor|chief|leader|"
    r"journalist|reporter|student|teacher|worker|driver|passenger|member|militant|attacker|"
    r"bomber|gunman|fighter|insurgent|terrorist|resident|villager|farmer|doctor|nurse|"
    r"cleric|imam|priest|judge|lawyer|candidate|politician|lawmaker|tourist|national|"
    r"citizen|trooper|ranger|personnel|jawan|cadet|engineer|employee|staffer|elder|sentry|"
    r"recruit|trader|shopkeeper|merchant|vendor|pilgrim|worshipper|guest|pupil|baby|infant|"
    r"toddler|teenager|youth|boy|husband|wife|father|mother|son|daughter|brother|sister|"
    r"spokesman|envoy|diplomat|minister|security guard|watchman|bodyguard|conductor|labourer|"
    r"laborer|contractor|volunteer|aid worker|health worker|medic|paramedic|lawyer|official)"
)
#: A word between a determiner and its person noun: not another determiner or a verb ("a bomb
#: killed a ranger" is one ranger, not a person "A bomb killed a ranger").
_MODIFIER = (
    r"(?!(?:a|an|the|one|another|their|his|her|and|or|was|were|is|are|has|had|killed|kills|killing|"
    r"wounding|injuring|shot)\b)[\w'’-]+"
)
#: "a policeman", "the provincial governor", "a 60-year-old DRG head constable".
_ONE_PERSON = re.compile(
    rf"\b(?:a|an|the|one|another|their|his|her)\s+(?:{_MODIFIER}\s+){{0,3}}?{PERSON_NOUNS}"
    r"\b(?!['’]s)",
    re.IGNORECASE,
)
#: A count of a part of the victims already counted: "including two police", "six of them".
_SUBSET_BEFORE = re.compile(
    r"(?:\bincluding|\bamong them|\bamong whom|\bof whom|\bincluded|\bsuch as|"
    r"\bв том числе|\bсреди них|\bиз них|\bсреди которых)\s+"
    r"(?:at least\s+|some\s+|about\s+)?$",
    re.IGNORECASE,
)
_SUBSET_AFTER = re.compile(
    r"^\s+(?:of (?:them|whom|those)\b|(?:[\w'’-]+\s+){0,3}?(?:were|was|are|is) among\b)",
    re.IGNORECASE,
)
#: "один из нападавших": one of a group, not a count of victims.
_ONE_OF = re.compile(r"^\s+из\b", re.IGNORECASE)
_SUBSET_IN_GAP = re.compile(
    r"\b(?:including|among them|among whom|of whom|such as|в том числе|среди них|из них)\b", re.I
)
#: "four soldiers and two civilians": the second count shares the first one's verb.
_AND_BEFORE = re.compile(
    r"(?:\band|\bи|\bа также|,)\s+(?:another\s+|other\s+|ещё\s+|еще\s+)?$", re.I
)
#: Greatest distance, in characters, from one count to the next in a coordinated list.
COORDINATION_CHARS = 60


def find_quantities(text: str) -> list[Quantity]:
    """Every number in ``text`` that counts casualties, hostages or militants.

    A number counts what its own verb or noun says ("killing four officers and wounding six");
    a count coordinated with a counted one shares its verb ("killed 13 civilians and one
    police officer", "a policeman and three civilians were killed"); a single person named
    in such a list counts one; a part of victims already counted ("including two police",
    "six of them women") is not counted again; dates, times, ages and unit numbers never count.
    """
    found: list[Quantity] = []
    pending: list[tuple[re.Match[str], int, bool]] = []  # numbers no verb claimed (yet)
    subset_end = -1  # where the last count of a part of the victims ended
    for match in NUMBER_RE.finditer(text):
        number = match.group("number")
        if number.lower() in ("a", "an"):
            continue
        if _looks_like_year_or_date(text, match):
            continue
        parsed = parse_number(number)
        if parsed is None:
            continue
        value, approximate = parsed
        before = text[max(0, match.start() - 30) : match.start()]
        if _ONE_OF.match(text[match.end() :][:10]):
            continue
        if _SUBSET_BEFORE.search(before) or (
            _SUBSET_AFTER.match(text[match.end() :][:40])
            and not _AFTER_VERB_KILLED.search(text[max(0, match.start() - 45) : match.start()])
        ):
            subset_end = match.end()
            continue
        if (
            subset_end >= 0
            and match.start() - subset_end <= COORDINATION_CHARS
            and _AND_BEFORE.search(text[max(0, match.start() - 20) : match.start()])
            and not re.search(r"[.;!?]", text[subset_end : match.start()])
            and not _KILLED.search(text[subset_end : match.start()])
            and not _WOUNDED.search(text[subset_end : match.start()])
            and not _OTHERS_AFTER.match(text[match.end() : match.end() + 10])
        ):
            subset_end = match.end()  # "including 39 civilians and three police": still a part
            continue
        category = None
        if _OTHERS_AFTER.match(text[match.end() : match.end() + 10]) and not _OWN_VERB_AFTER.match(
            text[match.end() : match.end() + 40]
        ):  # "killed 54 lawyers and 22 others, besides leaving dozens wounded"
            category = _coordinated_category(text, match.start(), found)
        if category is None:
            category = _category_for(text, match.start(), match.end())
        if category is None:
            category = _coordinated_category(text, match.start(), found)
        if category is None and _OTHERS_AFTER.match(text[match.end() : match.end() + 10]):
            verb = _VERB_BEFORE.search(text[max(0, match.start() - 120) : match.start()])
            if verb:
                category = "killed" if verb.group("killed") else "wounded"
        if category is None and _ALONG_WITH_BEFORE.search(before):
            verb = _VERB_BEFORE.search(text[max(0, match.start() - 120) : match.start()])
            if verb:
                category = "killed" if verb.group("killed") else "wounded"
        if category is None:
            pending.append((match, value, approximate))
            continue
        hedge = (match.group("hedge") or "").lower()
        approximate = approximate or hedge in {
            "about",
            "around",
            "nearly",
            "almost",
            "some",
            "roughly",
            "approximately",
            "около",
            "почти",
            "порядка",
            "примерно",
        }
        found.append(
            Quantity(category, value, match.start(), match.end(), approximate, match.group(0))
        )
    found.extend(_single_people(text, found))
    found.extend(
        Quantity("killed", 1, m.start(), m.end(), False, m.group(0))
        for m in _ONE_MORE.finditer(text)
    )
    found.extend(
        Quantity(
            "killed" if m.group("killed") else "wounded", 1, m.start(), m.end(), False, m.group(0)
        )
        for m in _ANOTHER_ONE.finditer(text)
    )
    found.extend(_russian_single_harm(text, found))
    found.sort(key=lambda q: q.start)
    # "killing a policeman and three civilians": the number follows a single person the verb
    # claimed, so it is coordinated with that person.
    for match, value, approximate in pending:
        earlier = [q for q in found if q.end <= match.start()]
        category = _coordinated_category(text, match.start(), earlier)
        if category is not None:
            found.append(
                Quantity(category, value, match.start(), match.end(), approximate, match.group(0))
            )
    return _without_breakdowns(text, sorted(found, key=lambda q: q.start))


#: A total, its verb and a comma: "19 were killed in two raids, " — counts that follow break
#: the total down ("one at the port and two inland").
_TOTAL_THEN_COMMA = re.compile(
    r"^[^.;!?]*?\b(?:killed|dead|died|wounded|injured|hurt|kidnapped|abducted|погибл\w*|"
    r"убит\w*|ранен\w*)\b[^.;!?,]*,\s*$",
    re.IGNORECASE,
)


def _without_breakdowns(text: str, found: list[Quantity]) -> list[Quantity]:
    """Drop counts that only break an earlier total down by place or group.

    "19 people were killed in two raids, one at the port and two others inland": the 1 and 2
    are part of the 19, not more dead. Only counts after the total's own verb and a comma,
    adding up to no more than the total, are taken for a breakdown.
    """
    kept: list[Quantity] = []
    dropped: set[int] = set()
    for index, total in enumerate(found):
        if index in dropped:
            continue
        kept.append(total)
        later = [
            (k, q)
            for k, q in enumerate(found[index + 1 :], start=index + 1)
            if q.category == total.category and k not in dropped
        ]
        if not later:
            continue
        _, first = later[0]
        if re.search(r"[.;!?]", text[total.end : first.start]) or not _TOTAL_THEN_COMMA.match(
            text[total.end : first.start]
        ):
            continue
        if sum(q.value for _, q in later) <= total.value:
            dropped.update(k for k, _ in later)
    return kept


def _coordinated_category(text: str, start: int, found: Sequence[Quantity]) -> Category | None:
    """The category of the count this one is coordinated with ("... and six civilians")."""
    if not found or not _AND_BEFORE.search(text[max(0, start - 20) : start]):
        return None
    previous = found[-1]
    gap = text[previous.end : start]
    if start - previous.end > COORDINATION_CHARS or re.search(r"[.;!?]", gap):
        return None
    if _SUBSET_IN_GAP.search(gap):
        return None  # "42 wounded, including 39 civilians and three police": a breakdown
    return previous.category if previous.category in ("killed", "wounded") else None


#: "A policeman was killed": a single person with a verb of harm of their own.
_OWN_HARM_AFTER = re.compile(
    r"^\s*(?:(?-i:[A-Z][\w'’.-]*\s+){0,3}?)"  # the person's name: "a guard Ali Khan was killed"
    r"(?:(?:was|has been|had been|is)\s+(?:\w+\s+)?(?:(?P<killed>killed|shot dead|"
    r"gunned down|martyred|slain|beheaded|executed)|(?P<wounded>wounded|injured|hurt))|"
    r"(?:\w+\s+)?(?P<died>died|succumbed|lost (?:his|her|their) li(?:fe|ves)))\b",
    re.IGNORECASE,
)
#: "one soldier killed and another wounded": one more person, harmed as the verb says.
_ANOTHER_ONE = re.compile(
    r"\b(?:and|while)\s+another(?:\s+one)?\s+(?:(?:was|has been)\s+)?"
    r"(?:(?P<killed>killed|died|shot dead)|(?P<wounded>wounded|injured|hurt))\b",
    re.IGNORECASE,
)
#: "three were killed and a fourth died later": one more death.
_ONE_MORE = re.compile(
    r"\ba (?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\s+(?:\w+\s+)?"
    r"(?:died|succumbed|(?:was|has been) killed)\b",
    re.IGNORECASE,
)
#: "the death of a young man", "the killing of a policeman": one person's death.
#: (Only before "a"/"an": "the death of the governor" looks back at someone already counted.)
_DEATH_OF_BEFORE = re.compile(
    r"\b(?:death|killing|murder|assassination|execution|beheading)\s+of\s+$", re.IGNORECASE
)
#: Determiners that point back at someone already named ("the guard", "their driver"): such a
#: person counts only inside a counted list, never from a verb of their own.
_DEFINITE = ("the ", "their ", "his ", "her ")
#: "killing the attacker", "shot dead a policeman": the verb right before one person.
_HARM_RIGHT_BEFORE = re.compile(
    r"\b(?:(?P<killed>killed|killing|kills|shot dead|shooting dead|beheaded|executed)|"
    r"(?P<wounded>wounded|wounding|injured|injuring))\s+$",
    re.IGNORECASE,
)
#: "killed the candidate along with two of his colleagues".
_ALONG_WITH_BEFORE = re.compile(r"\balong with\s+$", re.IGNORECASE)
#: "killed the governor and two others": "others" continues a list whose verb came first.
_OTHERS_AFTER = re.compile(r"^\s+(?:other|others|more)\b", re.IGNORECASE)
#: "13 others injured", "six more were killed": the count's own verb follows before any comma.
_OWN_VERB_AFTER = re.compile(
    r"^[^,;.]*?\b(?:killed|dead|died|wounded|injured|injuries|hurt|kidnapped|abducted|"
    r"martyred)\b",
    re.IGNORECASE,
)
_VERB_BEFORE = re.compile(
    r"\b(?:(?P<killed>killed|killing|kills)|(?P<wounded>wounded|wounding|injured|injuring))\b"
    r"[^.;!?]{0,80}$",
    re.IGNORECASE,
)


#: Russian verbs in the singular say one person was harmed: "погиб глава уезда", "ранена
#: женщина" (a number next to the verb gives the count instead).
_RU_SINGLE_HARM = re.compile(
    r"\b(?:(?P<killed>погиб|погибла|убит|убита|застрелен|застрелена|скончался|скончалась)|"
    r"(?P<wounded>ранен|ранена))\b",
    re.IGNORECASE,
)
#: How near a counted number must be to the verb to be its count rather than a second one.
_RU_NUMBER_NEAR = 30


def _russian_single_harm(text: str, found: Sequence[Quantity]) -> list[Quantity]:
    """One person killed or wounded for each Russian verb in the singular with no number."""
    extra: list[Quantity] = []
    for match in _RU_SINGLE_HARM.finditer(text):
        if any(
            -_RU_NUMBER_NEAR <= q.start - match.end() <= _RU_NUMBER_NEAR
            or 0 <= match.start() - q.end <= _RU_NUMBER_NEAR
            for q in found
        ):
            continue
        category: Category = "killed" if match.group("killed") else "wounded"
        extra.append(Quantity(category, 1, match.start(), match.end(), False, match.group(0)))
    return extra


def _single_people(text: str, found: Sequence[Quantity]) -> list[Quantity]:
    """ "a policeman and three civilians were killed": the policeman counts one.

    Only inside a list with a counted number (the list's verb gives the category), so a lone
    "a soldier said" or "the governor condemned" never becomes a toll.
    """
    extra: list[Quantity] = []
    for match in _ONE_PERSON.finditer(text):
        if any(q.start < match.end() and match.start() < q.end for q in found):
            continue  # "one police officer" was counted as a number already
        own = _OWN_HARM_AFTER.match(text[match.end() : match.end() + 60])
        if not match.group(0).lower().startswith(_DEFINITE) and _DEATH_OF_BEFORE.search(
            text[max(0, match.start() - 30) : match.start()]
        ):
            extra.append(Quantity("killed", 1, match.start(), match.end(), False, match.group(0)))
            continue
        if own and not match.group(0).lower().startswith(_DEFINITE):
            category: Category = "wounded" if own.group("wounded") else "killed"
            extra.append(Quantity(category, 1, match.start(), match.end(), False, match.group(0)))
            continue
        verb = _HARM_RIGHT_BEFORE.search(text[max(0, match.start() - 20) : match.start()])
        if verb:
            category = "killed" if verb.group("killed") else "wounded"
            extra.append(Quantity(category, 1, match.start(), match.end(), False, match.group(0)))
            continue
        for quantity in found:
            if quantity.category not in ("killed", "wounded"):
                continue
            if 0 <= quantity.start - match.end() <= 40:
                gap = text[match.end() : quantity.start]
            elif 0 <= match.start() - quantity.end <= 40:
                gap = text[quantity.end : match.start()]
            else:
                continue
            if re.fullmatch(r"[\w\s,'’-]*?\band\s+(?:another\s+)?", gap) or re.fullmatch(
                r"\s*(?:[\w'’-]+\s+){0,3}?and\s+", gap
            ):
                if _SUBSET_BEFORE.search(text[max(0, match.start() - 30) : match.start()]):
                    break
                extra.append(
                    Quantity(
                        quantity.category, 1, match.start(), match.end(), False, match.group(0)
                    )
                )
                break
    return extra


#: A number that is part of a date, a time, an age, a list number or a unit name: never a toll.
_NOT_A_COUNT_BEFORE = re.compile(
    r"(?:\d[-/.:]|\b(?:aged?|age of|No\.|number|Brigade|Division|Regiment|Battalion|Corps|"
    r"Route|Highway|Road|Street|Block|Sector|Zone|Phase|Article|Section|Chapter|Flight|Gate|"
    r"Camp|District|Unit|Squad|Platoon|Company|Level|Grade|Class|Page|Room|Ward|"
    r"Resolution|№|номер\w*|бригад\w*|дивизи\w*|полк\w*|батальон\w*|рот\w*|статьи|статья|"
    r"част\w*|участ\w*)\s*)$",
    re.IGNORECASE,
)
_NOT_A_COUNT_AFTER = re.compile(
    r"^(?:[-/.:]\d|\s*(?:-|\s)?(?:years?|yrs?)[- ]old\b|\s*(?:a\.?m\.?|p\.?m\.?|GMT|UTC|"
    r"hours?\b|o'clock|km|kilometres?|kilometers?|miles?|kg|kilos?|percent|per cent|%|"
    r"years?\b|months?\b|weeks?\b|days?\b|minutes?\b|лет\b|год\w*|месяц\w*|недел\w*|"
    r"дн\w*|сут\w*|час\w*|минут\w*|км\b|километр\w*|метр\w*|процент\w*|кг\b|"
    r"января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|"
    r"(?-i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b|"
    r"-?(?:летн\w*|го|й|я|е)\b|(?:взрыв|теракт|нападени|атак|удар|инцидент|случа|раз|"
    r"снаряд|ракет|беспилотник|дрон)\w*))",
    re.IGNORECASE,
)


def _looks_like_year_or_date(text: str, match: re.Match[str]) -> bool:
    """Years, dates, times, ages, distances, durations and numbered units are not tolls."""
    number = match.group("number")
    if re.fullmatch(r"(1[89]|20)\d\d", number):
        return True
    if _NOT_A_COUNT_BEFORE.search(text[max(0, match.start() - 14) : match.start()]):
        return True
    if _NOT_A_COUNT_AFTER.match(text[match.end() : match.end() + 16]):
        return True
    before = text[max(0, match.start() - 12) : match.start()]
    return bool(
        re.search(
            r"(?:January|February|March|April|May|June|July|August|September|October|November|"
            r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s*$",
            before,
        )
    )

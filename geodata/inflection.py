"""Every case form of a Russian place name, generated once when the gazetteer is built.

Russian inflects names: the text says "в Кабуле", "Кабула", "Баткенской области", rarely the
dictionary form "Кабул". The gazetteer matches exact strings (one Aho-Corasick pass), so it
holds every case form of each name instead of lemmatising the text's words at read time:
``bench/bench_languages.py`` measures both, and generating costs seconds once at build time
where lemmatising costs a morphological analysis per word of every article.

Forms come from ``pymorphy3`` (OpenCorpora's dictionary, with a suffix-based guesser for the
foreign names it does not know: "Кундуз" -> "Кундузе"). Multi-word names inflect their
adjectives and their first noun, and keep what follows in the nominative as Russian does
("Республика Татарстан" -> "Республики Татарстан", "Хатлонская область" -> "Хатлонской
области").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: The six cases (and the second locative, "в Крыму") a name is generated in.
CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct", "loc2")
#: Letters of the Russian alphabet only: names in Ukrainian, Kazakh or Serbian Cyrillic
#: (і, ї, є, қ, ә, ђ...) follow other grammars and are left as they are.
_RUSSIAN_WORD = re.compile(r"^[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*$")
#: Small words inside names that never inflect ("Босния и Герцеговина").
_FIXED_WORDS = frozenset({"и", "на", "де", "ла", "эль", "аль", "ас", "ад", "ан"})


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def is_russian_name(name: str) -> bool:
    """Whether every word of ``name`` is written in the Russian alphabet."""
    words = name.split()
    return bool(words) and all(_RUSSIAN_WORD.match(word) for word in words)


@lru_cache(maxsize=65536)
def _nominative_parse(word: str, last: bool) -> Any | None:
    """The reading of ``word`` as the nominative of a name (place readings first)."""
    best, best_score = None, -100
    for parse in _analyzer().parse(word):
        tag = parse.tag
        if tag.POS not in ("NOUN", "ADJF", "PRTF") or tag.case != "nomn":
            continue
        if tag.number == "plur" and not parse.is_known:
            continue  # a guessed plural ("Пактия" as of "пактие"): the ending rules do better
        score = 2 * ("Geox" in tag) - 3 * bool({"Surn", "Patr"} & tag.grammemes)
        score += 1 if (tag.POS != "NOUN") != last else 0  # adjectives come before the noun
        if parse.is_known:
            score += 1
        if tag.number == "sing" or "Pltm" in tag:
            score += 1  # "Пактия" is a province, not the plural of some "пактий"
        if score > best_score:
            best, best_score = parse, score
    return best


def _with_case_of(original: str, form: str) -> str:
    """The generated (lower-case) form written with the original's capitals, part by part."""
    parts = form.split("-")
    originals = original.split("-")
    if len(parts) != len(originals):
        return form[:1].upper() + form[1:] if original[:1].isupper() else form
    return "-".join(
        p[:1].upper() + p[1:] if o[:1].isupper() else p
        for p, o in zip(parts, originals, strict=True)
    )


def case_forms(name: str) -> set[str]:
    """Every case form of a Russian place name, the name itself included.

    >>> sorted(case_forms("Хатлонская область"))[:3]
    ['Хатлонская область', 'Хатлонской области', 'Хатлонской областью']
    """
    words = name.split()
    if not is_russian_name(name) or name.isupper():
        return {name}  # an acronym ("США", "ГБАО") does not inflect
    parses: list[Any | None] = []
    noun_seen = False
    for index, word in enumerate(words):
        if word.lower() == "и":
            noun_seen = False  # "Босния и Герцеговина": the second noun inflects too
        if noun_seen or word.lower() in _FIXED_WORDS:
            parses.append(None)
            continue
        parse = _nominative_parse(word, last=index == len(words) - 1)
        parses.append(parse)
        if parse is not None and parse.tag.POS == "NOUN":
            noun_seen = True
    forms = {name}
    if len(words) == 1 and "-" in name:
        # "Кара-Кульджа" -> "Кара-Кульджи": a borrowed compound declines its last part only.
        head, tail = name.rsplit("-", 1)
        if tail[:1].isupper():
            forms |= {f"{head}-{form}" for form in case_forms(tail)}
    if all(p is None for p in parses):
        if len(words) == 1:
            forms |= _guessed_forms(name)
        return _with_plain_e(forms)
    by_case = [_forms_by_case(p) if p is not None else None for p in parses]
    for case in CASES:
        inflected = []
        for word, forms_of_word in zip(words, by_case, strict=True):
            if forms_of_word is None:
                inflected.append(word)
                continue
            form = forms_of_word.get(case)
            if form is None:
                break
            inflected.append(_with_case_of(word, form))
        else:
            forms.add(" ".join(inflected))
    last = parses[-1]
    if len(words) == 1 and last is not None and "Pltm" in last.tag and name.endswith("ы"):
        # A plural-only name's genitive in news is often "-ов" where the dictionary has the
        # bare stem ("Нидерландов" beside "Нидерланд"): both are kept.
        forms.add(name[:-1] + "ов")
    return _with_plain_e(forms)


def _forms_by_case(parse: Any) -> dict[str, str]:
    """Case -> form of a parsed word, its number and gender kept: one lexeme per word."""
    # Everything but the case must stay: number, gender, animacy, and a participle's voice
    # and tense ("Соединённые" must not become "Соединившие").
    kept = set(parse.tag.grammemes) - set(CASES)
    found: dict[str, str] = {}
    for form in parse.lexeme:
        grammemes = form.tag.grammemes
        case = next((c for c in CASES if c in grammemes), None)
        if case is None or case in found:
            continue
        if kept <= grammemes or kept - grammemes <= _VARIABLE_GRAMMEMES:
            found[case] = form.word
    return found


#: Grammemes a case form may lose against its nominative (accusative animacy, spelling marks).
_VARIABLE_GRAMMEMES = frozenset({"anim", "inan", "V-ej", "V-oy", "V-ie", "V-be", "V-en", "Infr"})


def _with_plain_e(forms: set[str]) -> set[str]:
    """Each form also spelt with "е" for "ё", as most texts write it."""
    return forms | {f.replace("ё", "е").replace("Ё", "Е") for f in forms}


#: Endings of foreign nouns the dictionary reads as something else ("Кундуз" as a form of
#: "кундуза"): nominative ending -> the other case endings of its declension.
_DECLENSIONS = (
    ("ия", ("ии", "ию", "ией")),
    ("а", ("ы", "е", "у", "ой")),
    ("я", ("и", "е", "ю", "ей")),
    ("ь", ("я", "ю", "ем", "е")),
    ("й", ("я", "ю", "ем", "е")),
)
_CONSONANT_ENDINGS = ("а", "у", "ом", "е")
#: Russian spelling: no "ы" after г, к, х and the hushing consonants ("Кульджа" -> "Кульджи"),
#: and an unstressed "ей" beside "ой" after the hushing ones and ц ("Кульджей").
_VELAR_OR_HUSHING = frozenset("гкхжчшщ")
_HUSHING = frozenset("жчшщц")


def _spelt_after(stem: str, ending: str) -> str:
    if ending.startswith("ы") and stem[-1:].lower() in _VELAR_OR_HUSHING:
        return "и" + ending[1:]
    return ending


def _guessed_forms(word: str) -> set[str]:
    """Case forms by the ending alone, for a name no dictionary reading fits."""
    lower = word.lower()
    if lower[-1] in "еиоуыэю" or not lower[-1].isalpha():
        return set()  # "Душанбе", "Сомали": indeclinable
    for ending, others in _DECLENSIONS:
        if lower.endswith(ending):
            stem = word[: -len(ending)]
            return {stem + _spelt_after(stem, other) for other in others} | (
                {stem + "ей"} if stem[-1:].lower() in _HUSHING and "ой" in others else set()
            )
    if lower[-1] in "аяь":
        return set()
    ending = "ем" if lower[-1] in "жшчщц" else "ом"
    return {word + e for e in ("а", "у", ending, "е")}


def adjective_forms(adjective: str) -> set[str]:
    """Every gender, number and case of an adjective ("таджикский" -> "таджикских"...)."""
    parse = next((p for p in _analyzer().parse(adjective) if p.tag.POS == "ADJF"), None)
    if parse is None:
        return {adjective}
    return _with_plain_e({adjective} | {f.word for f in parse.lexeme if f.tag.POS == "ADJF"})


def people_forms(noun: str) -> set[str]:
    """Every case, singular and plural, of a people noun ("таджик" -> "таджиков")."""
    parse = next(
        (p for p in _analyzer().parse(noun) if p.tag.POS == "NOUN" and p.tag.case == "nomn"),
        None,
    )
    if parse is None:
        return {noun}
    return _with_plain_e({noun} | {f.word for f in parse.lexeme})


#: Adjective suffixes a town name takes by its last letter: "Куляб" -> "кулябский", "Кабул" ->
#: "кабульский", "Казань" -> "казанский", "Бишкек" -> "бишкекский", "Минск" -> "минский".
#: Names ending in a vowel vary ("Москва" -> "московский", "Душанбе" -> "душанбинский"), so
#: every candidate is tried and the dictionary says which exist.
_ADJECTIVE_AFTER_CONSONANT = {"л": ("ьский", "ский"), "ь": ("ский",), "ц": ("кий",)}
_ADJECTIVE_AFTER_VOWEL = ("инский", "ский", "енский", "ьский")


def toponymic_adjectives(name: str) -> list[tuple[str, bool]]:
    """The adjectives a one-word Russian town name may take, each with whether the dictionary
    knows it ("Куляб" -> [("кулябский", True)]; "Пешавар" -> [("пешаварский", False)]).

    Why rules and a dictionary check rather than the dictionary alone: OpenCorpora lists many
    town adjectives but links none to its town, and a derived form it does not know is still
    safe where a district noun follows it ("Дангаринский район").
    """
    if not _RUSSIAN_WORD.match(name) or "-" in name or name.isupper() or len(name) < 2:
        return []
    lower = name.lower().replace("ё", "е")
    if lower.endswith(("ий", "ый", "ой", "ая", "яя", "ое", "ее", "ые", "ие")):
        return []  # "Грозный", "Советская": already an adjective
    last = lower[-1]
    if last in "аеиоуыэюя":
        stem = lower[:-1]
        candidates = [stem + suffix for suffix in _ADJECTIVE_AFTER_VOWEL]
        if lower.endswith("ва"):
            candidates.append(lower[:-2] + "овский")  # "Москва" -> "московский"
    elif lower.endswith(("ск", "цк")):
        # "Минск" -> "минский", "Донецк" -> "донецкий", but "Дамаск" -> "дамасский"
        candidates = [lower + "ий", lower[:-1] + "ский"]
    elif last == "с":
        candidates = [lower + "ский", lower + "кий"]  # "Тунис" -> "тунисский"
    else:
        stem = lower[:-1] if last == "ь" else lower
        candidates = [stem + suffix for suffix in _ADJECTIVE_AFTER_CONSONANT.get(last, ("ский",))]
    found: dict[str, bool] = {}
    for adjective in dict.fromkeys(candidates):
        found[adjective] = _known_adjective(adjective)
    if any(found.values()):
        return [(a, True) for a, known in found.items() if known]
    return list(found.items())


def _known_adjective(word: str) -> bool:
    return any(p.is_known and p.tag.POS == "ADJF" for p in _analyzer().parse(word))


def is_short_place_name(name: str) -> bool:
    """Whether the dictionary reads a two-letter word ("Ош") as a place name and as nothing
    else: such names are kept although two letters are otherwise too short to be a name."""
    known = [p for p in _analyzer().parse(name.lower()) if p.is_known]
    return bool(known) and all("Geox" in p.tag for p in known)

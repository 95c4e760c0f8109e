"""Russian text end to end: inflected place names, numbers, dates and incidents.

Every sentence here was written for these tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geodata.gazetteer import Gazetteer
from geodata.geoparse import compiled_core_available, geoparse
from geodata.inflection import adjective_forms, case_forms, toponymic_adjectives
from geodata.quantities import find_quantities, parse_number
from geodata.text import split_sentences
from geodata.timeexpr import find_dates
from service.pipeline import Reader
from service.storage import NewDocument

ANCHOR = dt.date(2024, 3, 13)  # a Wednesday


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("Кабул", {"Кабула", "Кабуле", "Кабулу", "Кабулом"}),
        ("Кундуз", {"Кундуза", "Кундузе"}),  # unknown to the dictionary: guessed by its ending
        ("Хатлонская область", {"Хатлонской области", "Хатлонскую область"}),
        ("Мазари-Шариф", {"Мазари-Шарифе", "Мазари-Шарифа"}),
        ("Республика Татарстан", {"Республики Татарстан"}),  # the apposition stays
        ("Босния и Герцеговина", {"Боснии и Герцеговине"}),
        ("Соединённые Штаты", {"Соединенных Штатов", "Соединённым Штатам"}),
        ("Пактия", {"Пактии", "Пактией"}),
        ("Кара-Кульджа", {"Кара-Кульджи", "Кара-Кульджой"}),  # no "ы" after "ж"
        ("Джалал-Абад", {"Джалал-Абада", "Джалал-Абаде"}),  # a compound declines its end
        ("Нидерланды", {"Нидерландов", "Нидерландах"}),  # news' genitive of a plural name
    ],
)
def test_case_forms(name: str, forms: set[str]) -> None:
    generated = case_forms(name)
    assert name in generated and forms <= generated
    assert not any(f.startswith("Соединивш") for f in generated)


def test_indeclinable_and_acronyms_stay() -> None:
    assert case_forms("Душанбе") == {"Душанбе"}
    assert case_forms("США") == {"США"}
    assert {"таджикских", "таджикской", "таджикские"} <= adjective_forms("таджикский")


@pytest.mark.parametrize(
    ("town", "adjectives"),
    [
        ("Куляб", [("кулябский", True)]),
        ("Кабул", [("кабульский", True)]),
        ("Москва", [("московский", True)]),
        ("Дамаск", [("дамасский", True)]),
        ("Минск", [("минский", True)]),
        ("Пешавар", [("пешаварский", False)]),  # derived, unknown to the dictionary
        ("Грозный", []),  # already an adjective
    ],
)
def test_town_adjectives(town: str, adjectives: list[tuple[str, bool]]) -> None:
    assert toponymic_adjectives(town) == adjectives


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Теракт унес жизни 95 человек, еще 158 ранены.", [("killed", 95), ("wounded", 158)]),
        (
            "Погибли по меньшей мере пять человек, ранены около 40.",
            [("killed", 5), ("wounded", 40)],
        ),
        ("Число погибших увеличилось до 17 человек.", [("killed", 17)]),
        ("Трое военных погибли, двое получили ранения.", [("killed", 3), ("wounded", 2)]),
        ("Погибли двое полицейских и четверо мирных жителей.", [("killed", 2), ("killed", 4)]),
        ("Боевики похитили десятки человек.", [("hostages", 24)]),
        ("У границы сосредоточены около 300 боевиков.", [("militants", 300)]),
        ("Взрыв прогремел 28 ноября 2023 года в 10 часов.", []),
        ("Погибли, по меньшей мере, 18 человек, еще 41 ранен.", [("killed", 18), ("wounded", 41)]),
        ("В столице прогремели два взрыва, погибли 7 человек.", [("killed", 7)]),
        ("Погиб начальник заставы, а также трое пограничников.", [("killed", 1), ("killed", 3)]),
        ("Один из нападавших задержан, трое убиты.", [("killed", 3)]),
    ],
)
def test_russian_quantities(sentence: str, expected: list[tuple[str, int]]) -> None:
    assert [(q.category, q.value) for q in find_quantities(sentence)] == expected


def test_russian_numbers_in_case_forms() -> None:
    assert parse_number("двадцать пять") == (25, False)
    assert parse_number("пятерых") == (5, False)
    assert parse_number("двухсот") == (200, False)
    assert parse_number("десятки") == (24, True)
    assert parse_number("3 тыс.") == (3000, False)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("28 ноября 2023 года", dt.date(2023, 11, 28), dt.date(2023, 11, 28)),
        ("в понедельник", dt.date(2024, 3, 11), dt.date(2024, 3, 11)),
        ("во вторник", dt.date(2024, 3, 12), dt.date(2024, 3, 12)),
        ("вчера", dt.date(2024, 3, 12), dt.date(2024, 3, 12)),
        ("5 марта", dt.date(2024, 3, 5), dt.date(2024, 3, 5)),
        ("в ноябре", dt.date(2023, 11, 1), dt.date(2023, 11, 30)),
        ("в прошлом году", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ("в мае 2022 года", dt.date(2022, 5, 1), dt.date(2022, 5, 31)),
        ("в 2019 году", dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
        ("в конце 2020 года", dt.date(2020, 9, 1), dt.date(2020, 12, 31)),
    ],
)
def test_russian_dates(text: str, first: dt.date, last: dt.date) -> None:
    (span,) = find_dates(f"Это случилось {text}, сообщили источники.", ANCHOR)
    assert (span.first, span.last) == (first, last)


def test_russian_sentences_split_at_capitals_not_after_abbreviations() -> None:
    text = "В 2019 г. в Кабуле взорвалась бомба. Погибли пять человек.\nЭто новая строка."
    assert [s.text for s in split_sentences(text)] == [
        "В 2019 г. в Кабуле взорвалась бомба.",
        "Погибли пять человек.",
        "Это новая строка.",
    ]


# ------------------------------------------------------------ with the real gazetteer

ARTICLE = (
    "Взрыв в Кабуле: погибли 12 человек\n\n"
    "В понедельник смертник подорвал себя у здания министерства в Кабуле. По данным "
    "министерства здравоохранения Афганистана, погибли 12 человек, еще 30 ранены. "
    "Ответственность за теракт взяла на себя группировка ИГ-Хорасан.\n\n"
    "Накануне таджикские пограничники сообщили о перестрелке в Хатлонской области."
)


def _places(gazetteer: Gazetteer, text: str) -> set[tuple[str, str | None, str | None]]:
    return {(m.surface, m.country, m.admin1) for m in geoparse(text, gazetteer)}


def test_inflected_names_and_adjectives_are_found(real_gazetteer: Gazetteer) -> None:
    places = _places(real_gazetteer, ARTICLE)
    surfaces = {surface for surface, _, _ in places}
    assert {"Кабуле", "Афганистана", "таджикские", "Хатлонской области"} <= surfaces
    countries = {country for _, country, _ in places}
    assert {"AFG", "TJK"} <= countries
    text = (
        "Бои шли в Баткенской области, в Мазари-Шарифе на севере Афганистана и в Согдийской "
        "области, а также в России."
    )
    found = {(s, c) for s, c, _ in _places(real_gazetteer, text)}
    assert {
        ("Баткенской области", "KGZ"),
        ("Мазари-Шарифе", "AFG"),
        ("Согдийской области", "TJK"),
        ("России", "RUS"),
    } <= found


def test_country_names_beat_foreign_namesakes(real_gazetteer: Gazetteer) -> None:
    # "Куба" is a town in Azerbaijan and "Сомали" a region of Ethiopia; the countries win.
    places = _places(real_gazetteer, "Делегации Кубы и Сомали прибыли в Москву.")
    assert {c for _, c, _ in places} >= {"CUB", "SOM"}
    assert "AZE" not in {c for _, c, _ in places} and "ETH" not in {c for _, c, _ in places}


def test_prison_colony_is_no_town(real_gazetteer: Gazetteer) -> None:
    text = "Осужденного отправили в колонию строгого режима. Колония находится под Москвой."
    assert "URY" not in {c for _, c, _ in _places(real_gazetteer, text)}


def test_russian_article_gives_one_bombing_with_its_toll(real_gazetteer: Gazetteer) -> None:
    reading = Reader(real_gazetteer).read(NewDocument(ARTICLE, ANCHOR), today=ANCHOR)
    assert reading.language == "ru" and reading.incidents_extracted
    bombings = [i for i in reading.incidents.incidents if i.type == "bombing"]
    assert len(bombings) == 1
    (bombing,) = bombings
    assert bombing.killed == 12 and bombing.wounded == 30
    assert bombing.date == dt.date(2024, 3, 11)
    assert {loc.region_id for loc in bombing.locations} == {"AFG-1767"}
    assert "Islamic State Khorasan Province" in bombing.actors
    assert "Взрыв" in bombing.sentence or "смертник" in bombing.sentence


@pytest.mark.parametrize(
    "text",
    [
        "Военные провели учения по отражению нападения условного противника в Хатлонской области.",
        "В результате землетрясения в Бадахшане погибли три человека.",
        "В ДТП на трассе под Ошем погибли четыре человека.",
        "Суд приговорил обвиняемого в подготовке теракта в Ташкенте к 15 годам лишения свободы.",
    ],
)
def test_russian_non_events_give_no_incident(real_gazetteer: Gazetteer, text: str) -> None:
    reading = Reader(real_gazetteer).read(NewDocument(text, ANCHOR), today=ANCHOR)
    assert reading.incidents.incidents == ()


@pytest.mark.skipif(not compiled_core_available(), reason="the compiled core is not installed")
def test_compiled_core_agrees_on_cyrillic(real_gazetteer: Gazetteer) -> None:
    for text in (ARTICLE, "Делегации Кубы и Сомали прибыли в Москву. Владимир Путин заявил."):
        reference = geoparse(text, real_gazetteer, compiled=False)
        assert geoparse(text, real_gazetteer, compiled=True) == reference


# ------------------------------------------------- towns, city regions and town adjectives


def _regions(gazetteer: Gazetteer, text: str) -> dict[str, str | None]:
    return {m.surface: gazetteer.admin1_iso.get(m.admin1 or "") for m in geoparse(text, gazetteer)}


def test_small_local_town_named_in_russian_is_found(real_gazetteer: Gazetteer) -> None:
    # GeoNames files the Russian name as an alternate; in Kyrgyzstan it is the town's own name.
    text = "Грузовик перевернулся на дороге у Кара-Кульджи, на юге Киргизии."
    assert _regions(real_gazetteer, text).get("Кара-Кульджи") == "KG-O"


def test_capital_with_its_own_region_is_the_city(real_gazetteer: Gazetteer) -> None:
    # Natural Earth names the province around each of these cities like the city itself.
    text = "Делегация из Минска прилетела в Дамаск, столицу Сирии, а затем в Киев."
    regions = _regions(real_gazetteer, text)
    assert regions == {"Минска": "BY-HM", "Дамаск": "SY-DI", "Сирии": None, "Киев": "UA-30"}


def test_two_letter_town_known_to_the_dictionary(real_gazetteer: Gazetteer) -> None:
    regions = _regions(real_gazetteer, "Ош остается вторым городом Киргизии. Но дороги плохие.")
    assert regions.get("Ош") == "KG-O" and "Но" not in regions


@pytest.mark.parametrize(
    ("text", "surface", "region"),
    [
        ("Ливни размыли дороги в Кулябском районе Таджикистана.", "Кулябском", "TJ-KT"),
        ("Двое ранены при пожаре в московском метро, сообщили в России.", "московском", "RU-MOS"),
        # A derived adjective the dictionary lacks still names its town before a district noun.
        ("В Дангаринском районе прошли учения.", "Дангаринском", "TJ-KT"),
    ],
)
def test_town_adjectives_name_the_town(
    real_gazetteer: Gazetteer, text: str, surface: str, region: str
) -> None:
    assert _regions(real_gazetteer, text).get(surface) == region


@pytest.mark.parametrize(
    "text",
    [
        "Взрыв прогремел в 10 часов по московскому времени в Махачкале.",  # a time zone
        "Жители Кабула вспоминают кулябские песни.",  # no district noun, Tajikistan unnamed
    ],
)
def test_town_adjectives_without_support_are_no_place(real_gazetteer: Gazetteer, text: str) -> None:
    surfaces = {m.surface for m in geoparse(text, real_gazetteer)}
    assert not surfaces & {"московскому", "кулябские"}


def test_group_named_after_a_place_is_no_scene(real_gazetteer: Gazetteer) -> None:
    # "Туркестана" is a town in Kazakhstan; here it is part of the group's name in another case.
    text = (
        "Боевики Исламской партии Туркестана, которых разыскивают и в Казахстане, атаковали "
        "блокпост в Кундузе на севере Афганистана, погибли трое."
    )
    reading = Reader(real_gazetteer).read(NewDocument(text, ANCHOR), today=ANCHOR)
    pairs = zip(reading.mentions, reading.incidents.roles, strict=True)
    roles = {m.surface: r.role for m, r in pairs}
    assert roles.get("Туркестана") == "group_name"
    (attack,) = reading.incidents.incidents
    assert {loc.country for loc in attack.locations} == {"AFG"}
    assert "Turkistan Islamic Party" in attack.actors

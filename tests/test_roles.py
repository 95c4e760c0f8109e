"""Telling threat locations from places that are only context."""

from __future__ import annotations

import re

import pytest

from geodata.roles import assign_roles, focus_country
from geodata.text import split_sentences
from tests.placeholders import FakeMention, fake_mentions


def roles_of(text: str) -> dict[str, str]:
    mentions = fake_mentions(text)
    roles = assign_roles(text, mentions, split_sentences(text))
    return {m.surface: r.role for m, r in zip(mentions, roles, strict=True)}


@pytest.mark.parametrize(
    ("text", "place", "role"),
    [
        ("Talking to Belarus's ONT channel, she smiled.", "Belarus", "media_outlet"),
        (
            "The minister, speaking on Belarusian ONT last night, said it was true.",
            "Belarusian",
            "media_outlet",
        ),
        (
            "The deal is to be signed at a summit in Astana on March 3.",
            "Astana",
            "meeting_venue",
        ),
        (
            "The ministers' session on 3 March in Astana, Kazakhstan, will vote on it.",
            "Kazakhstan",
            "meeting_venue",
        ),
        (
            "Its members are Armenia, Belarus, Russia and Kazakhstan.",
            "Armenia",
            "member_list",
        ),
        (
            "Bombs hit Kabul. Afghanistan is unstable. The U.S. declared the group defeated.",
            "U.S.",
            "outside_actor",
        ),
        ("A bomb exploded in Kabul on Monday.", "Kabul", "location"),
        (
            "A spokesman told Kazakhstan's Khabar television on Monday.",
            "Kazakhstan",
            "media_outlet",
        ),
        ("Ministers will meet in Astana next month.", "Astana", "meeting_venue"),
        (  # whose troops they are (the victims' side), not where they were
            "Rockets hit Pakistani troops near the Tajik-Afghan border.",
            "Pakistani",
            "nationality",
        ),
    ],
)
def test_roles(text: str, place: str, role: str) -> None:
    assert roles_of(text)[place] == role


def test_focus_country_is_the_most_mentioned() -> None:
    text = "Afghanistan and Pakistan. Kabul in Afghanistan."
    assert focus_country(fake_mentions(text)) == "AFG"
    assert focus_country([]) is None


# ------------------------------------------------------------------ Russian cues

#: Russian forms of the test places (a stand-in for the geoparser, like tests.placeholders).
RUSSIAN_LEXICON: dict[str, tuple[str, str, str | None]] = {
    "КАБУЛ": ("city", "AFG", "AFG-1767"),
    "Кабул": ("city", "AFG", "AFG-1767"),
    "Кабула": ("city", "AFG", "AFG-1767"),
    "Кабуле": ("city", "AFG", "AFG-1767"),
    "Душанбе": ("city", "TJK", "TJK-5437"),
    "Джелалабаде": ("city", "AFG", "AFG-1764"),
    "Кундуз": ("admin1", "AFG", "AFG-1763"),
    "Кундузе": ("admin1", "AFG", "AFG-1763"),
    "Афганистане": ("country", "AFG", None),
    "афганские": ("country", "AFG", None),
    "афганских": ("country", "AFG", None),
    "Таджикистана": ("country", "TJK", None),
    "Россия": ("country", "RUS", None),
    "России": ("country", "RUS", None),
    "Russia": ("country", "RUS", None),
    "россиянина": ("country", "RUS", None),
    "Казахстан": ("country", "KAZ", None),
    "Армения": ("country", "ARM", None),
    "Пакистана": ("country", "PAK", None),
    "США": ("country", "USA", None),
    "американские": ("country", "USA", None),
    "американским": ("country", "USA", None),
    "Йемене": ("country", "YEM", None),
    "Йемена": ("country", "YEM", None),
    "Сане": ("city", "YEM", "YEM-3498"),
}
_RUSSIAN_PATTERN = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(k) for k in sorted(RUSSIAN_LEXICON, key=len, reverse=True))
    + r")(?![\w-])"
)


def russian_roles(text: str) -> list[tuple[str, str]]:
    mentions = [
        FakeMention(m.start(), m.end(), m.group(1), *RUSSIAN_LEXICON[m.group(1)])
        for m in _RUSSIAN_PATTERN.finditer(text)
    ]
    roles = assign_roles(text, mentions, split_sentences(text))
    return [(m.surface, r.role) for m, r in zip(mentions, roles, strict=True)]


@pytest.mark.parametrize(
    ("text", "place", "role"),
    [
        ("КАБУЛ, 3 марта /ТАСС/. В Кундузе прогремел взрыв.", "КАБУЛ", "dateline"),
        ("КАБУЛ, 3 марта /ТАСС/. В Кундузе прогремел взрыв.", "Кундузе", "location"),
        ("12 мая, Душанбе /Корр./. Пограничники задержали троих.", "Душанбе", "dateline"),
        ("Об этом в пятницу сообщили афганские СМИ.", "афганские", "media_outlet"),
        ("Взрыв в Кабуле, сообщает Russia Today.", "Russia", "media_outlet"),
        ("Переговоры министров прошли в Душанбе во вторник.", "Душанбе", "meeting_venue"),
        ("В состав союза входят Россия, Казахстан и Армения.", "Армения", "member_list"),
        ("В Кабуле погиб полицейский, в Кабуле ранены трое. Россия осудила нападение.",
         "Россия", "outside_actor"),
        ("Взрыв в Кабуле и в Кундузе. МИД Пакистана выразил соболезнования.",
         "Пакистана", "outside_actor"),
        ("Группировка, запрещенная в России, атаковала пост в Кундузе у Кабула.",
         "России", "outside_actor"),
        ("США нанесли удары по складам в Кундузе.", "США", "outside_actor"),
        ("По Кундузу пришлись американские авиаудары.", "американские", "outside_actor"),
        ("Кабул заявил о готовности к переговорам.", "Кабул", "government"),
        ("Официальный Душанбе пока молчит о стрельбе.", "Душанбе", "government"),
        ("В Кундузе погибли двое афганских граждан.", "афганских", "nationality"),
        ("Среди погибших в Кундузе гражданин Таджикистана.", "Таджикистана", "nationality"),
        ("В Кундузе в плен попали три россиянина.", "россиянина", "nationality"),
        ("Взрыв произошел у отделения Банка Кабула в Джелалабаде.", "Кабула", "group_name"),
        ("Взрыв произошел у отделения Банка Кабула в Джелалабаде.", "Джелалабаде", "location"),
        ("В Кабуле боевики напали на КПП.", "Кабуле", "location"),
    ],
)  # fmt: skip
def test_russian_roles(text: str, place: str, role: str) -> None:
    assert dict(russian_roles(text))[place] == role


def test_russian_focus_is_the_country_named_as_a_place() -> None:
    # More mentions of the country that strikes and speaks than of the one struck: once those
    # are set aside as context, the country where it happens is the focus, and the president
    # of the other is an outside actor.
    text = (
        "США нанесли новые удары. Об этом сообщили американские СМИ. В Сане разрушены дома, "
        "в Йемене растет число жертв. Советник президента США назвал цели."
    )
    assert russian_roles(text) == [
        ("США", "outside_actor"),
        ("американские", "media_outlet"),
        ("Сане", "location"),
        ("Йемене", "location"),
        ("США", "outside_actor"),
    ]


def test_russian_cues_leave_english_text_alone() -> None:
    # A Russian cue word written in Latin letters is no cue: English keeps its own rules.
    assert roles_of("A bomb exploded in Kabul. Kabul zayavil nothing.") == {"Kabul": "location"}

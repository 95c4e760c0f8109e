"""Telling threat locations from places that are only context."""

from __future__ import annotations

import pytest

from geodata.roles import assign_roles, focus_country
from geodata.text import split_sentences
from tests.placeholders import fake_mentions


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
        (
            "Rockets hit Pakistani troops near the Tajik-Afghan border.",
            "Pakistani",
            "location",
        ),
    ],
)
def test_roles(text: str, place: str, role: str) -> None:
    assert roles_of(text)[place] == role


def test_focus_country_is_the_most_mentioned() -> None:
    text = "Afghanistan and Pakistan. Kabul in Afghanistan."
    assert focus_country(fake_mentions(text)) == "AFG"
    assert focus_country([]) is None

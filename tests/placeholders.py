"""A tiny stand-in geoparser for unit tests of incidents, roles and dedup.

Those modules take any object with the geoparser's mention fields; tests that are about them
should not depend on the gazetteer's coverage, so they mark places with a small lexicon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FakeMention:
    start: int
    end: int
    surface: str
    kind: str
    country: str | None
    admin1: str | None = None
    border: str | None = None
    confidence: float = 0.9
    precision: int = 6


LEXICON: dict[str, tuple[str, str, str | None, str | None]] = {
    "Afghanistan": ("country", "AFG", None, None),
    "Afghan": ("country", "AFG", None, None),
    "Pakistan": ("country", "PAK", None, None),
    "Pakistani": ("country", "PAK", None, None),
    "Tajikistan": ("country", "TJK", None, None),
    "Belarus": ("country", "BLR", None, None),
    "Belarusian": ("country", "BLR", None, None),
    "Russia": ("country", "RUS", None, None),
    "Armenia": ("country", "ARM", None, None),
    "Kazakhstan": ("country", "KAZ", None, None),
    "U.S.": ("country", "USA", None, None),
    "France": ("country", "FRA", None, None),
    "Kabul": ("city", "AFG", "AFG-1767", None),
    "Kandahar": ("city", "AFG", "AFG-1754", None),
    "Astana": ("city", "KAZ", "KAZ-5487", None),
    "Badakhshan": ("admin1", "AFG", "AFG-1760", None),
    "Kunduz": ("admin1", "AFG", "AFG-1763", None),
    "Takhar": ("admin1", "AFG", "AFG-1765", None),
    "Tajik-Afghan border": ("border", None, None, "AFG|TJK"),
}
_PATTERN = re.compile(
    r"(?<!\w)("
    + "|".join(re.escape(k) for k in sorted(LEXICON, key=len, reverse=True))
    + r")(?!\w)"
)


def fake_mentions(text: str) -> list[FakeMention]:
    mentions = []
    for match in _PATTERN.finditer(text):
        kind, country, admin1, border = LEXICON[match.group(1)]
        mentions.append(
            FakeMention(match.start(), match.end(), match.group(1), kind, country, admin1, border)
        )
    return mentions

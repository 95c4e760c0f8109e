"""Sentences and clauses with their character offsets.

Incidents are found per sentence and linked to places per clause, so both splitters keep the
offsets into the original text: every piece of evidence can point back to its exact span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations that end in a full stop without ending the sentence.
_ABBREVIATIONS = {
    "u.s",
    "u.k",
    "u.n",
    "e.u",
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "col",
    "lt",
    "maj",
    "capt",
    "sgt",
    "st",
    "no",
    "vs",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "gov",
    "sen",
    "rep",
    "prof",
    "inc",
    "co",
    "corp",
    "jr",
    "sr",
    "d.c",
    # Russian: год/город, годы, улица, область, посёлок, имени, человек, тысяч, млн, то есть
    "г",
    "гг",
    "ул",
    "обл",
    "пос",
    "им",
    "чел",
    "тыс",
    "млн",
    "млрд",
    "т.е",
    "т.д",
    "т.п",
    "др",
}
_BOUNDARY = re.compile(
    r"(?<=[.!?])[\"'”’»)]*\s+(?=[\"'“‘«(]?[A-Z0-9À-ÖØ-ÞА-ЯЁ])|\n\s*\n|\n(?=\s*[A-ZА-ЯЁ])"
)
_CLAUSE_BREAK = re.compile(
    r";|,\s+(?:as well as|while|whereas|but|with|and also|and that)\s+|\s+as well as\s+|"
    # "..., two days after gunmen raided a post in Y": a second event told in the same sentence.
    r",\s*(?:just\s+|only\s+)?(?:a|one|two|three|four|five|six|several|a few|\d+)\s+"
    r"(?:hours?|days?|weeks?|months?)\s+(?:after|before)\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Span:
    """A piece of text and where it sits in the document."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Span]:
    """Split on sentence-final punctuation and paragraph breaks, not after abbreviations."""
    spans: list[Span] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        piece_end = match.start()
        last_word = re.search(r"([\w.]+)\.$", text[start:piece_end].rstrip("\"'”’)"))
        if last_word and last_word.group(1).lower() in _ABBREVIATIONS:
            continue
        _append(spans, text, start, piece_end)
        start = match.end()
    _append(spans, text, start, len(text))
    return spans


def split_clauses(sentence: Span) -> list[Span]:
    """Split a sentence at semicolons and at joins that start a new event ("as well as")."""
    spans: list[Span] = []
    start = 0
    for match in _CLAUSE_BREAK.finditer(sentence.text):
        _append(spans, sentence.text, start, match.start(), offset=sentence.start)
        start = match.end()
    _append(spans, sentence.text, start, len(sentence.text), offset=sentence.start)
    return spans


def _append(spans: list[Span], text: str, start: int, end: int, offset: int = 0) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    begin = start + lead
    spans.append(Span(offset + begin, offset + begin + len(stripped), stripped))

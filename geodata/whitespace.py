"""Line wraps and runs of spaces folded to one space, with a map back to the original offsets.

Feeds and e-mails often arrive hard-wrapped and indented ("Jerusalem\\n            Post",
"makers of\\n      mobile devices"). The geoparser reads a line break as the end of a sentence
and matches names on single spaces, so a wrap inside a sentence splits a newspaper's name into a
city, or makes an ordinary capitalised word look like a sentence opener. Reading a folded copy
and mapping the offsets back keeps every mention's ``text[start:end] == surface`` on the text
the caller gave.

What folds:

- a line break inside a sentence: the line does not end in sentence punctuation, and the next
  line goes on in lower case or is indented (a flush-left capitalised line after an unpunctuated
  one is more likely a headline, then a dateline, and stays a break);
- two or more spaces or tabs in a row.

A blank line, or a break after a full stop, stays as it is.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

#: A run of whitespace that may fold: two or more characters, or a lone line break or tab. Each
#: match is a whole run (the scan meets a run at its first character); the rules are below.
_RUN = re.compile(r"[ \t\r\n]{2,}|[\t\n]")
#: A line that ends in one of these ends its sentence: the break after it stays.
_SENTENCE_END = frozenset('.!?:;"“”')


@dataclass(frozen=True, slots=True)
class FoldedText:
    """A text with its soft whitespace folded, and where each folded piece came from."""

    text: str
    #: Folded offsets where a piece starts, and the original offset of each (same length).
    folded_starts: list[int]
    original_starts: list[int]

    def original(self, offset: int) -> int:
        """The original offset of the folded character at ``offset``."""
        piece = bisect_right(self.folded_starts, offset) - 1
        return self.original_starts[piece] + offset - self.folded_starts[piece]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original (start, end) of a non-empty folded span."""
        return self.original(start), self.original(end - 1) + 1


def fold_soft_whitespace(text: str) -> FoldedText | None:
    """The folded text, or None when nothing folds (most texts: the caller reads them as
    they are)."""
    pieces: list[str] = []
    folded_starts = [0]
    original_starts = [0]
    last = 0
    folded_length = 0
    for match in _RUN.finditer(text):
        start, end = match.span()
        if not _folds(text, start, end):
            continue
        pieces.append(text[last:start])
        pieces.append(" ")
        folded_length += start - last + 1
        last = end
        folded_starts.append(folded_length)
        original_starts.append(last)
    if not pieces:
        return None
    pieces.append(text[last:])
    return FoldedText("".join(pieces), folded_starts, original_starts)


def _folds(text: str, start: int, end: int) -> bool:
    """Whether the whitespace run ``text[start:end]`` is soft (see the module docstring)."""
    breaks = text.count("\n", start, end)
    if breaks == 0:
        return True  # spaces and tabs
    if breaks > 1 or start == 0 or end == len(text) or text[start - 1] in _SENTENCE_END:
        return False  # a blank line, or a break that ends a sentence
    return text[end - 1] != "\n" or text[end].islower()  # indented, or going on in lower case

"""The shape of a person's name around a place name: initials, titles and lists of people.

A place name that a person's name holds ("Ulysses S. Grant", "Sen. Orrin Keene", "Kendall Schuyler")
is no place. The geoparser's case rules (``_mark_context`` in :mod:`geodata.geoparse`) ask the
questions below of the text around each name; the compiled core asks the same ones in
``Core::mark_context`` (geodata/core/src/lib.rs), so change both or neither
(tests/test_geocore.py compares them).

Every function is pure and reads the text around one position: words are runs of characters
between single spaces, and a capitalised word starts with an upper-case letter.
"""

from __future__ import annotations

from collections.abc import Container

#: Compass letters as initials: "S." is a middle initial in "Ulysses S. Grant", but usually a
#: direction before a place ("S. Carolina"), so it counts only after a capitalised word that is
#: no place.
COMPASS_INITIALS = frozenset(["E.", "N.", "S.", "W."])
#: How far back a word may start (characters): longer "words" are no names.
WORD_WINDOW = 30
#: What separates the items of a list ("Edna Vance, Kendall Schuyler and Orrin Keene").
LIST_SEPARATORS = (", ", " and ")
#: The most capitalised words one person's name is read as (given name, middle name, surname).
NAME_WORDS = 3
#: Characters that continue a capitalised word after its first letter ("O'Neil", "Jr.").
_WORD_TAIL = frozenset("_.'’-")


def word_before(text: str, start: int) -> tuple[int, str]:
    """The word that ends one space before ``start`` and where it begins, or ``(start, "")``.

    One space exactly: a double space or another character before ``start`` ends the name.
    """
    if start < 2 or text[start - 1] != " " or text[start - 2] == " ":
        return start, ""
    end = start - 1
    begin = text.rfind(" ", max(0, start - WORD_WINDOW), end) + 1
    if begin == 0 and start > WORD_WINDOW:
        return start, ""  # a "word" longer than the window: not a name
    return begin, text[begin:end]


def capitalised_word_end(text: str, start: int) -> int:
    """Where the capitalised word at ``start`` ends, or ``start`` when none starts there."""
    if start >= len(text) or not text[start].isupper():
        return start
    end = start + 1
    while end < len(text) and (text[end].isalnum() or text[end] in _WORD_TAIL):
        end += 1
    return end


def is_capitalised_name_word(word: str) -> bool:
    """A capitalised word of letters only, longer than an initial ("Harry", not "S.")."""
    return len(word) > 1 and word[:1].isupper() and word.isalpha()


def middle_initial(text: str, initial_start: int, initial: str, place_ends: Container[int]) -> bool:
    """Whether ``initial`` (a compass letter with its full stop, starting at ``initial_start``)
    is a middle initial: the word before it is a capitalised word that no place name ends
    ("Ulysses S. Grant", "Harriet E. Keene"; not "Route 9 N. Dakota")."""
    if initial not in COMPASS_INITIALS:
        return False
    begin, word = word_before(text, initial_start)
    return bool(word) and begin + len(word) not in place_ends and is_capitalised_name_word(word)


def initial_follows(text: str, end: int) -> bool:
    """Whether a one-letter initial and then a capitalised word follow a name that ends at
    ``end``: the name is a given name ("Edna K. Schuyler")."""
    return (
        text[end : end + 1] == " "
        and text[end + 1 : end + 2].isupper()
        and text[end + 2 : end + 4] == ". "
        and text[end + 4 : end + 5].isupper()
    )


def after_title(text: str, word_start: int, titles: Container[str]) -> bool:
    """Whether the word before the one starting at ``word_start`` is a title (full stops
    aside): "Sen. Orrin Keene", "Staff Sgt. Edna Keene" make the name after the middle word a
    surname."""
    _, word = word_before(text, word_start)
    return bool(word) and word.rstrip(".").lower() in titles


def in_list_of_people(
    text: str,
    start: int,
    end: int,
    given_names: Container[str],
    titles: Container[str],
    place_starts: Container[int],
) -> bool:
    """Whether the name at ``[start, end)`` is a word of one person's name in a list of people
    ("Mrs. Edna Vance, Kendall Schuyler and Orrin Keene").

    The name and the capitalised words right around it (at most :data:`NAME_WORDS` in all)
    make one item, which must hold a word that is no place name (a surname: "Schuyler"), so
    that a town named after a person ("Edna Vance, Fort Collins") stays a town. The item next to it,
    across a list separator, must be a person's name too: two or three capitalised words, the
    first a given name or a title and no place.
    """
    words, left, right = 1, start, end
    other_words = False  # a word of the item that no place name starts
    while words < NAME_WORDS:
        begin, word = word_before(text, left)
        if not word[:1].isupper() or word.endswith(","):
            break
        left, words = begin, words + 1
        other_words = other_words or begin not in place_starts
    while words < NAME_WORDS and text[right : right + 1] == " ":
        stop = capitalised_word_end(text, right + 1)
        if stop == right + 1:
            break
        other_words = other_words or right + 1 not in place_starts
        right, words = stop, words + 1
    if words < 2 or not other_words:
        return False
    return _person_item_before(text, left, given_names, titles, place_starts) or (
        _person_item_after(text, right, given_names, titles, place_starts)
    )


def _opens_person(word: str, given_names: Container[str], titles: Container[str]) -> bool:
    lowered = word.rstrip(".").lower()
    return lowered in given_names or lowered in titles


def _person_item_after(
    text: str,
    end: int,
    given_names: Container[str],
    titles: Container[str],
    place_starts: Container[int],
) -> bool:
    """Whether a separator follows ``end`` and then a given name (or title) and another
    capitalised word."""
    for separator in LIST_SEPARATORS:
        if text.startswith(separator, end):
            first = end + len(separator)
            stop = capitalised_word_end(text, first)
            return (
                stop > first
                and first not in place_starts
                and _opens_person(text[first:stop], given_names, titles)
                and text[stop : stop + 1] == " "
                and text[stop + 1 : stop + 2].isupper()
            )
    return False


def _person_item_before(
    text: str,
    start: int,
    given_names: Container[str],
    titles: Container[str],
    place_starts: Container[int],
) -> bool:
    """Whether a separator precedes ``start``, and before it two or three capitalised words
    that open with a given name (or title) that is no place."""
    for separator in LIST_SEPARATORS:
        if start >= len(separator) and text.startswith(separator, start - len(separator)):
            end = start - len(separator)
            first, words = -1, 0
            while words < NAME_WORDS:
                begin = text.rfind(" ", max(0, end - WORD_WINDOW), end) + 1
                word = text[begin:end]
                if not word[:1].isupper() or word.endswith(","):
                    break
                first, words = begin, words + 1
                if begin == 0 or text[begin - 1] != " ":
                    break
                end = begin - 1
            return (
                words >= 2
                and first not in place_starts
                and _opens_person(text[first : text.find(" ", first)], given_names, titles)
            )
    return False

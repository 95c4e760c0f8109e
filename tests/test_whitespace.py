"""Soft whitespace (line wraps inside sentences, runs of spaces) folded for the geoparser, with
offsets that map back to the caller's text."""

from __future__ import annotations

import pytest
from geoparse_support import gazetteer_or_skip
from hypothesis import given
from hypothesis import strategies as st

from geodata.gazetteer import Gazetteer
from geodata.geoparse import geoparse
from geodata.whitespace import fold_soft_whitespace


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return gazetteer_or_skip()


def test_text_without_soft_whitespace_is_not_copied() -> None:
    assert fold_soft_whitespace("One line. Another line.\n\nA paragraph.") is None


def test_a_wrap_inside_a_sentence_folds_to_one_space() -> None:
    folded = fold_soft_whitespace("The club Real\n          Betis won.")
    assert folded is not None
    assert folded.text == "The club Real Betis won."
    start = folded.text.index("Betis")
    assert folded.original_span(start, start + 5) == (24, 29)


def test_breaks_that_end_a_sentence_or_open_a_headline_stay() -> None:
    text = "Rain fell.\nThe roads shut\nBELLEFONTAINE — Rain."
    folded = fold_soft_whitespace(text)
    assert folded is None  # nothing indented, nothing in lower case after a break


def test_a_lower_case_line_after_an_unpunctuated_one_continues_it() -> None:
    folded = fold_soft_whitespace("makers of\nmobile devices")
    assert folded is not None and folded.text == "makers of mobile devices"


def test_a_name_wrapped_over_two_lines_is_one_name(gazetteer: Gazetteer) -> None:
    # "Jerusalem Post" is a newspaper, not the city: wrapped, it must still be read whole.
    text = "He wrote for the Jerusalem\n          Post before moving to Fargo, North Dakota."
    assert [m.surface for m in geoparse(text, gazetteer)] == ["Fargo", "North Dakota"]


def test_a_title_before_a_wrap_still_marks_a_person(gazetteer: Gazetteer) -> None:
    text = "The treaty ended the war, said Mrs\n          Lincoln, a historian in Omaha, Nebraska."
    assert [m.surface for m in geoparse(text, gazetteer)] == ["Omaha", "Nebraska"]


def test_offsets_are_the_callers_after_folding(gazetteer: Gazetteer) -> None:
    text = "Floods  hit\n     the  farms   near Fargo,   North\n   Dakota."
    found = geoparse(text, gazetteer)
    assert [text[m.start : m.end] for m in found] == [m.surface for m in found]
    assert [m.surface for m in found] == ["Fargo", "North\n   Dakota"]


_PIECES = st.sampled_from(
    ["Omaha", " ", "  ", "\n", "\n   ", "\t", ".", ",", "Lincoln", "in", "Nebraska", "x", "é"]
)


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_folded_offsets_map_back_to_the_same_characters(text: str) -> None:
    folded = fold_soft_whitespace(text)
    if folded is None:
        return
    for offset, character in enumerate(folded.text):
        original = folded.original(offset)
        if character.isspace():
            assert text[original].isspace()
        else:
            assert text[original] == character


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_every_mention_is_a_slice_of_the_callers_text(text: str) -> None:
    gazetteer = gazetteer_or_skip()
    for mention in geoparse(text, gazetteer):
        assert text[mention.start : mention.end] == mention.surface


_ANY_TEXT = st.lists(
    st.sampled_from([*' \t\r\n.,;:!?"“”aZéÉßжЖ中1-', "😀", "Omaha", "in "]), max_size=60
).map("".join)


@given(_ANY_TEXT)
def test_the_compiled_core_folds_as_the_reference_does(text: str) -> None:
    _assert_the_core_folds_as_the_reference_does(text)


def _assert_the_core_folds_as_the_reference_does(text: str) -> None:
    from geodata.geoparse import riskmap_geocore

    if riskmap_geocore is None:
        pytest.skip("the compiled core is not installed (make core builds it)")
    found = riskmap_geocore.fold_soft_whitespace(text)
    reference = fold_soft_whitespace(text)
    if reference is None:
        assert found is None
    else:
        assert found == (reference.text, reference.folded_starts, reference.original_starts)


#: Texts whose only blank runs are line breaks with single spaces beside them: the compiled
#: core decides those at their breaks without building the text's character array.
_PARAGRAPHS = st.lists(
    st.sampled_from([*'\n.,;:!?"“”aZéÉßжЖ1-', " a", "Omaha", "in", "\n b", "É\n"]), max_size=60
).map("".join)


@given(_PARAGRAPHS)
def test_the_compiled_core_reads_paragraph_breaks_as_the_reference_does(text: str) -> None:
    _assert_the_core_folds_as_the_reference_does(text)

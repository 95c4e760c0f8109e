"""Sentence and clause splitting keep exact offsets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from geodata.text import split_clauses, split_sentences


def test_sentences_do_not_break_after_abbreviations() -> None:
    text = "In early 2021, the U.K. and Gen. Osei called it over. A new attack followed."
    sentences = [s.text for s in split_sentences(text)]
    assert sentences == [
        "In early 2021, the U.K. and Gen. Osei called it over.",
        "A new attack followed.",
    ]


def test_paragraph_breaks_end_sentences() -> None:
    text = "Headline without a full stop\n\nThe body starts here."
    assert [s.text for s in split_sentences(text)] == [
        "Headline without a full stop",
        "The body starts here.",
    ]


def test_clauses_split_at_as_well_as_and_semicolons() -> None:
    (sentence,) = split_sentences(
        "Shelling hit Kunduz, as well as raids on Pakistani posts; more followed."
    )
    assert [c.text for c in split_clauses(sentence)] == [
        "Shelling hit Kunduz",
        "raids on Pakistani posts",
        "more followed.",
    ]


@given(st.text(max_size=500))
def test_offsets_always_point_back_into_the_text(text: str) -> None:
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
        for clause in split_clauses(sentence):
            assert text[clause.start : clause.end] == clause.text
            assert sentence.start <= clause.start <= clause.end <= sentence.end

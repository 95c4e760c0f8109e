"""The shape of a person's name around a place name (geodata/person_shape.py), on text alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from geodata.person_shape import (
    after_title,
    capitalised_word_end,
    in_list_of_people,
    initial_follows,
    middle_initial,
    word_before,
)

GIVEN = frozenset({"edna", "orrin", "dorcas", "kendall"})
TITLES = frozenset({"mrs", "sen", "sgt", "gov"})


def _at(text: str, name: str) -> tuple[int, int]:
    start = text.index(name)
    return start, start + len(name)


def test_the_word_before_is_one_space_back() -> None:
    text = "Sen. Orrin Keene spoke"
    start, _ = _at(text, "Keene")
    assert word_before(text, start) == (5, "Orrin")
    assert word_before("Orrin  Keene", 7) == (7, "")  # two spaces: no word before
    assert word_before("x" * 40 + " Keene", 41) == (41, "")  # longer than the window
    assert word_before("Keene", 0) == (0, "")


def test_a_capitalised_word_runs_over_letters_dots_and_apostrophes() -> None:
    assert capitalised_word_end("O'Neil Jr. said", 0) == 6
    assert capitalised_word_end("Jr. said", 0) == 3
    assert capitalised_word_end("said", 0) == 0


def test_a_compass_letter_is_a_middle_initial_after_a_name_that_is_no_place() -> None:
    text = "A speech by Ulysses S. Grant"
    initial_start, _ = _at(text, "S.")
    assert middle_initial(text, initial_start, "S.", set())
    ulysses_end = text.index("Ulysses") + len("Ulysses")
    assert not middle_initial(text, initial_start, "S.", {ulysses_end})  # a place before it
    road = "Route 9 N. Dakota"
    assert not middle_initial(road, road.index("N."), "N.", set())  # "9" is no name
    assert not middle_initial(text, initial_start, "K.", set())  # other letters: _INITIALS


def test_an_initial_and_a_capitalised_word_after_a_name() -> None:
    text = "Edna K. Schuyler won"
    _, end = _at(text, "Edna")
    assert initial_follows(text, end)
    assert not initial_follows("Washington D.C. police", len("Washington"))
    assert not initial_follows("Edna K. won", 4)


def test_a_title_two_words_back() -> None:
    text = "Sen. Orrin Marietta voted"
    assert after_title(text, text.index("Orrin"), TITLES)
    plain = "Then Orrin Marietta voted"
    assert not after_title(plain, plain.index("Orrin"), TITLES)


def test_a_name_in_a_list_of_people() -> None:
    text = "The winners were Mrs. Edna Vance, Orrin Tucson and Dorcas Hale."
    start, end = _at(text, "Tucson")
    assert in_list_of_people(text, start, end, GIVEN, TITLES, {start})


def test_a_town_after_a_persons_name_in_a_list_stays_a_town() -> None:
    # "Fort Collins" is a place name as a whole: its item holds no surname
    text = "The winners were Edna Vance, Fort Collins, and Orrin Hale, Boulder."
    start, end = _at(text, "Fort Collins")
    assert not in_list_of_people(text, start, end, GIVEN, TITLES, {start})


def test_a_list_of_places_is_no_list_of_people() -> None:
    text = "Floods hit Grand Prairie, North Richland and Fort Worth."
    start, end = _at(text, "North Richland")
    assert not in_list_of_people(text, start, end, GIVEN, TITLES, {start})


def test_a_lone_name_is_in_no_list() -> None:
    text = "Orrin Tucson said so."
    start, end = _at(text, "Tucson")
    assert not in_list_of_people(text, start, end, GIVEN, TITLES, {start})


@given(st.text(alphabet=st.sampled_from("AEKSOrin ,.and'"), max_size=60), st.data())
def test_any_text_and_position_give_an_answer(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    begin, word = word_before(text, start)
    if word:
        assert text[begin : begin + len(word)] == word and begin + len(word) == start - 1
    assert start <= capitalised_word_end(text, start) <= len(text)
    for answer in (
        middle_initial(text, start, text[start : start + 2], set()),
        initial_follows(text, end),
        after_title(text, start, TITLES),
        in_list_of_people(text, start, end, GIVEN, TITLES, set()),
    ):
        assert isinstance(answer, bool)

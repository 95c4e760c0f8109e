"""The compiled geoparser core (geodata/core, Rust) against the Python reference.

The core is an optimisation, not a second opinion: on every text both must give the same
mentions, field for field. These tests compare them on the project's samples, the seed articles,
the evaluation corpora (when ../shared is there) and generated text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from geoparse_support import gazetteer_or_skip, shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geodata.geoparse as geoparse_module
from geodata.gazetteer import Gazetteer
from geodata.geoparse import compiled_core_available, geoparse

pytestmark = pytest.mark.skipif(
    not compiled_core_available(),
    reason="the compiled core is not installed (make core builds it) or RISKMAP_GEOPARSER=python",
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return gazetteer_or_skip()


def _assert_same(text: str, gazetteer: Gazetteer) -> None:
    reference = geoparse(text, gazetteer, compiled=False)
    compiled = geoparse(text, gazetteer, compiled=True)
    assert compiled == reference, text[:200]


def test_samples_and_seeds_give_the_same_mentions(gazetteer: Gazetteer) -> None:
    texts = [path.read_text() for path in sorted((ROOT / "samples").iterdir())]
    seeds = shared_dir() / "seeds"
    texts += [path.read_text() for path in sorted(seeds.glob("*.txt"))]
    assert texts
    for text in texts:
        _assert_same(text, gazetteer)


def test_evaluation_corpora_give_the_same_mentions(gazetteer: Gazetteer) -> None:
    files = sorted((shared_dir() / "eval").glob("*.jsonl"))
    if not files:
        pytest.skip(f"no evaluation corpora in {shared_dir() / 'eval'} (set RISKMAP_SHARED_DIR)")
    texts = [json.loads(line)["text"] for path in files for line in path.open()]
    different = [
        text[:80]
        for text in texts
        if geoparse(text, gazetteer, compiled=True) != geoparse(text, gazetteer, compiled=False)
    ]
    assert different == []


@pytest.mark.parametrize(
    "text",
    [
        "Fighters crossed the Tajik-Afghan border into Badakhshan near the border with Tajikistan.",
        "KABUL, Afghanistan (AP) — Bombings in Kabul and Kandahar killed 12.",
        "The plant in Alexandria, La., closed; another in Alexandria, Va., stays open.",
        "Бадахшан и بدخشان: Badakhshan in three scripts, and 东京 too.",
        "Andrew Trapani met Miss Butler County on Washington Drive in the U.S.",
        # the coherence pass: a country name in a story about one state's towns moves
        "Palestine deputies met the mayor of Tyler and the judge of Longview on Tuesday.",
        "Officers in Paris questioned a driver. The sheriff in Jackson and deputies near "
        "Knoxville, Tennessee, released him; Paris police thanked them.",
        # letters of several bytes before the mentions: offsets are characters, slices bytes
        "“Façade” — Palestine deputies met the mayor of Tyler and the judge of Longview ✓.",
        # the list passes, which the core's hints let most texts skip
        "Recalled peanut butter reached stores in Michigan, Oregon, Indiana, Ohio and Wyoming.",
        "Farm exports to Mexico, China, Japan and Canada fell this year.",
        "Storms flooded roads in St. Clair and Macomb counties overnight.",
        "Flood warnings now cover Pembina, Walsh and Grand Forks counties.",
        "Millbrook officials can be reached at (845) 677-0000 or 845.677.0001.",
        "Crews from Ohio, Indiana and Valparaíso helped.",
        "Deputies from Tensas and Concordia parishes searched the river.",
        # a hard-wrapped text, folded by the core's copy of the reference's rule
        "He wrote for the Jerusalem\n          Post before moving to Fargo, North\n  Dakota.",
        "\ud800Kabul\udfff",  # lone surrogates: no UTF-8 form, so the reference answers alone
        "",
    ],
)
def test_hard_cases_give_the_same_mentions(gazetteer: Gazetteer, text: str) -> None:
    _assert_same(text, gazetteer)


_WORDS = st.sampled_from(
    [
        "Kabul",
        "KABUL",
        "Kandahar",
        "Afghanistan's",
        "Afghan",
        "Tajik",
        "Paris",
        "Georgia",
        "Washington",
        "Jordan",
        "Alexandria",
        "La.",
        "U.S.",
        "New York City",
        "Province",
        "province",
        "of",
        "the",
        "in",
        "border",
        "Border",
        "Miss",
        "Andrew",
        "Drive",
        "said",
        "forces",
        "bank",
        "Bank",
        "São Paulo",
        "Zürich",
        "Côte d'Ivoire",
        "Bosnia and Herzegovina",
        # lists of countries, of regions and of counties (the core's hints for the list passes)
        "Ohio",
        "Oregon",
        "Michigan",
        "Mexico",
        "China",
        "Pembina",
        "Walsh",
        "St. Clair",
        "counties",
        "parishes",
        # counties and towns inside them (the county pass)
        "Washington County",
        "Marietta",
        "Franklin County",
        "Greenfield",
        "Audrain County",
        "Lincoln County",
        "Brookhaven",
        # words that hold a border word's letters, and phone numbers (the core's hints)
        "in order to",
        "recorded",
        "frontiers",
        "(845) 677-0000",
        "845-677-0000",
        "Millbrook",
    ]
)
_GLUE = st.sampled_from(
    [" ", " ", ", ", ". ", "-", "–", "'s ", " in ", " and ", "\n", "\n    ", "  ", "$", "/"]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_WORDS, _GLUE), max_size=16))
def test_generated_news_like_text_gives_the_same_mentions(
    gazetteer: Gazetteer, parts: list[tuple[str, str]]
) -> None:
    _assert_same("".join(word + glue for word, glue in parts), gazetteer)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=200))
def test_any_text_gives_valid_mentions_from_the_core(gazetteer: Gazetteer, text: str) -> None:
    for mention in geoparse(text, gazetteer, compiled=True):
        assert text[mention.start : mention.end] == mention.surface
        assert 0.0 <= mention.confidence <= 1.0


def test_the_core_is_what_geoparse_uses(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def reference_not_wanted(*args: object) -> None:
        raise AssertionError("the Python reference ran although the core is installed")

    monkeypatch.setattr(geoparse_module, "_python_mentions", reference_not_wanted)
    assert [m.surface for m in geoparse("Bombings in Kabul and Kandahar.", gazetteer)] == [
        "Kabul",
        "Kandahar",
    ]


def test_the_core_runs_the_coherence_pass_itself(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The document-level pass is compiled too: Python's ``_cohere`` is the reference only."""
    text = "Palestine deputies met the mayor of Tyler and the judge of Longview on Tuesday."
    reference = geoparse(text, gazetteer, compiled=False)
    assert [m.country for m in reference if m.surface == "Palestine"] == ["USA"]

    def reference_not_wanted(*args: object) -> None:
        raise AssertionError("the Python coherence pass ran although the core is installed")

    monkeypatch.setattr(geoparse_module, "_cohere", reference_not_wanted)
    assert geoparse(text, gazetteer, compiled=True) == reference


def test_the_core_runs_the_county_pass_itself(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The county pass is compiled too: geodata/county_towns.py is the reference only."""
    text = "The Washington County sheriff said a barn burned outside Marietta on Friday."
    reference = geoparse(text, gazetteer, compiled=False)
    assert {m.admin1 for m in reference} == {gazetteer.place_admin1[_ohio_marietta(gazetteer)]}

    def reference_not_wanted(*args: object) -> None:
        raise AssertionError("the Python county pass ran although the core is installed")

    monkeypatch.setattr(geoparse_module, "county_moves", reference_not_wanted)
    assert geoparse(text, gazetteer, compiled=True) == reference


def _ohio_marietta(gazetteer: Gazetteer) -> int:
    return next(
        town
        for town in gazetteer.place_counties
        if gazetteer.place_name[town] == "Marietta"
        and gazetteer.admin1_iso.get(gazetteer.place_admin1[town] or "") == "US-OH"
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.booleans()), min_size=1, max_size=4))
def test_counties_and_their_towns_give_the_same_mentions(
    gazetteer: Gazetteer, picks: list[tuple[int, bool]]
) -> None:
    """Real (county, town inside it) pairs of the gazetteer, alone or paired: both
    implementations read them alike."""
    towns = sorted(gazetteer.place_counties)
    parts = []
    for pick, both in picks:
        town = towns[pick % len(towns)]
        county = gazetteer.place_counties[town][0]
        name, county_name = gazetteer.place_name[town], gazetteer.place_name[county]
        parts.append(f"{county_name} deputies met in {name}." if both else f"A {name} man spoke.")
    _assert_same(" ".join(parts), gazetteer)


def test_the_border_pass_runs_only_where_a_border_phrase_can_be(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core tells whether a country is mentioned and a border word is in the text."""
    looked: list[str] = []
    borders = geoparse_module._borders

    def spy(text: str, *args: Any) -> Any:
        looked.append(text)
        return borders(text, *args)

    monkeypatch.setattr(geoparse_module, "_borders", spy)
    for text in (
        "Bombings in Kabul and Kandahar killed nine.",  # no country
        "Afghanistan said the convoy came from Kabul.",  # a country, but no border word
        "Floods reached the border of Kunduz.",  # a border word, but no country
    ):
        geoparse(text, gazetteer, compiled=True)
    assert looked == []
    text = "Fighters crossed the Tajik-Afghan border into Badakhshan."
    assert [m.border for m in geoparse(text, gazetteer, compiled=True) if m.border]
    assert looked == [text]


def _spied(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """The texts the pass ``name`` of geodata/geoparse.py runs on from now on."""
    looked: list[str] = []
    original = getattr(geoparse_module, name)

    def spy(text: str, *args: Any) -> Any:
        looked.append(text)
        return original(text, *args)

    monkeypatch.setattr(geoparse_module, name, spy)
    return looked


def test_no_border_word_skips_the_border_pass(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The letters of a border word inside other words ("in order to", "recorded") are no
    border word: the core's hint leaves the pass out, and the mentions are the reference's."""
    looked = _spied(monkeypatch, "_borders")
    for text in (
        "Afghanistan acted in order to calm the Kunduz front.",
        "Afghanistan recorded 12 deaths near Tajikistan.",
    ):
        _assert_same(text, gazetteer)
        looked.remove(text)  # the reference looked, as it always does
    assert looked == []
    text = "Afghanistan closed its borders with Tajikistan."
    _assert_same(text, gazetteer)
    assert looked == [text, text]


def test_a_list_pass_for_regions_runs_only_where_a_region_of_the_list_can_be_meant(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A town in a list of one country's regions may be moved to a region of that country
    only: a name that is a region elsewhere alone ("Valparaíso", a Chilean region and an
    Indiana town) leaves the pass out."""
    looked = _spied(monkeypatch, "_regions_in_lists")
    text = "Crews from Ohio, Indiana and Valparaíso helped."
    assert [m.kind for m in geoparse(text, gazetteer, compiled=True)][-1] == "city"
    assert looked == []
    text = "Recalled peanut butter reached stores in Michigan, Oregon, Indiana, Ohio and Wyoming."
    geoparse(text, gazetteer, compiled=True)
    assert looked == [text]


def test_the_country_level_pass_runs_only_on_a_town_reported_at_country_level(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked = _spied(monkeypatch, "_country_level_towns")
    geoparse("Bombings in Kabul and Kandahar killed nine.", gazetteer, compiled=True)
    assert looked == []
    text = "Officials in Millbrook said the road is closed."
    mentions = geoparse(text, gazetteer, compiled=True)
    assert looked == [text]
    assert mentions == geoparse(text, gazetteer, compiled=False)


_PHONE_PARTS = st.sampled_from(
    ["845", "677", "0000", "1234", "2020", "9", "-", ".", "(", ")", " ", ", ", "a", "x5"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PHONE_PARTS, max_size=14))
def test_the_phone_hint_is_given_wherever_a_number_is(
    gazetteer: Gazetteer, parts: list[str]
) -> None:
    """The core's hint for the phone pass is a necessary condition of ``PHONE_PATTERN``."""
    from geodata.phone_regions import PHONE_PATTERN

    text = "Officials in Millbrook said " + "".join(parts)
    found = geoparse_module._compiled_mentions(
        text, gazetteer, geoparse_module.DEFAULT_MIN_CONFIDENCE, required=True
    )
    assert found is not None
    if PHONE_PATTERN.search(text):
        assert found[3] & 8, text


def test_asking_for_a_missing_core_is_an_error(
    gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(geoparse_module, "riskmap_geocore", None)
    with pytest.raises(RuntimeError, match="not installed"):
        geoparse("Kabul", gazetteer, compiled=True)
    assert [m.surface for m in geoparse("Kabul", gazetteer)] == ["Kabul"]  # the reference


def test_threads_share_one_core_without_deadlock(gazetteer: Gazetteer) -> None:
    import sys
    import threading

    texts = [path.read_text() for path in sorted((ROOT / "samples").iterdir())] * 4
    expected = [geoparse(text, gazetteer, compiled=False) for text in texts]
    # A fresh core, so its first mentions call back into Python for their place fields while
    # other threads parse: the template cache must not be held across those calls.
    gazetteer.runtime_cache.pop(geoparse_module._CORE_SLOT, None)
    results: dict[int, object] = {}

    def parse(index: int) -> None:
        results[index] = geoparse(texts[index], gazetteer, compiled=True)

    threads = [threading.Thread(target=parse, args=(i,), daemon=True) for i in range(len(texts))]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # hand the GIL over often
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert not any(thread.is_alive() for thread in threads), "a parse thread hangs"
    assert [results[i] for i in range(len(texts))] == expected

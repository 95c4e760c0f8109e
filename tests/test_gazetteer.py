"""The gazetteer: names from every source, cities placed in regions, the pickle round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from geoparse_support import gazetteer_or_skip

from geodata.gazetteer import (
    Gazetteer,
    fold,
    gazetteer_path,
    lower_same_length,
    read_gazetteer,
    strip_accents,
)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return gazetteer_or_skip()


def test_fold_keeps_offsets() -> None:
    text = "Afghanistan's Tajik-Afghan border, “Kabul”—U.S. 🙂 كابل"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded.startswith("Afghanistan s Tajik Afghan border")


def test_lower_same_length_never_changes_length() -> None:
    text = "İstanbul ǅ ß ΣΑΣ"
    assert len(lower_same_length(text)) == len(text)
    assert lower_same_length("KABUL") == "kabul"


def test_strip_accents() -> None:
    assert strip_accents("Côte d'Ivoire") == "Cote d'Ivoire"


def _kinds(gazetteer: Gazetteer, name: str) -> set[tuple[str, str | None, str | None]]:
    return {(p.kind, p.country, p.admin1) for p in gazetteer.lookup(name)}


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Afghanistan", "AFG"),
        ("Afghan", "AFG"),
        ("Tajik", "TJK"),
        ("Pakistani", "PAK"),
        ("Belarusian", "BLR"),
        ("DR Congo", "COD"),
        ("UK", "GBR"),
        ("U.S.", "USA"),
        ("Ivory Coast", "CIV"),
    ],
)
def test_country_names_short_forms_and_demonyms(
    gazetteer: Gazetteer, name: str, country: str
) -> None:
    assert ("country", country, None) in _kinds(gazetteer, name)


@pytest.mark.parametrize(
    "name",
    ["Badakhshan", "Бадахшан", "بدخشان", "Badakhshan Province", "Province of Badakhshan"],
)
def test_admin1_names_in_every_field_and_script(gazetteer: Gazetteer, name: str) -> None:
    assert ("admin1", "AFG", "AFG-1760") in _kinds(gazetteer, name)


def test_admin1_alternate_names_split_on_pipe(gazetteer: Gazetteer) -> None:
    assert ("admin1", "CHN", None) not in _kinds(gazetteer, "Tibet")
    assert any(
        kind == "admin1" and country == "CHN" for kind, country, _ in _kinds(gazetteer, "Tibet")
    )


def test_cities_are_placed_in_their_region(gazetteer: Gazetteer) -> None:
    kabul = [p for p in gazetteer.lookup("Kabul") if p.kind == "city" and p.country == "AFG"]
    assert kabul and kabul[0].admin1 == "AFG-1767"
    assert kabul[0].population > 1_000_000
    kandahar = [p for p in gazetteer.lookup("Kandahar") if p.kind == "city" and p.country == "AFG"]
    assert kandahar and kandahar[0].admin1 == "AFG-1754"
    regions = gazetteer.metadata["city_regions"]
    total = sum(regions[k] for k in ("pip", "gn_join", "nearest", "none"))
    assert regions["none"] / total < 0.001


def test_population_cut_off_is_applied(gazetteer: Gazetteer) -> None:
    cut_off = gazetteer.metadata["min_population"]
    populations = [
        gazetteer.place_population[i]
        for i, kind in enumerate(gazetteer.place_kind)
        if kind == "city"
    ]
    # GeoNames towns above the cut-off; the postal list's villages carry no population (0).
    assert min(p for p in populations if p) >= cut_off
    assert len(populations) > 50_000


def test_us_counties_and_state_abbreviations(gazetteer: Gazetteer) -> None:
    assert ("county", "USA", "USA-3535") in _kinds(gazetteer, "Rapides Parish")
    assert ("admin1", "USA", "USA-3535") in _kinds(gazetteer, "La.")


def test_borders_and_named_lines(gazetteer: Gazetteer) -> None:
    assert "AFG-1760" in gazetteer.border_regions["AFG|TJK"]
    assert "TJK" in gazetteer.country_neighbours["AFG"]
    assert [p.border for p in gazetteer.lookup("Durand Line")] == ["AFG|PAK"]


def test_stop_words_are_not_names(gazetteer: Gazetteer) -> None:
    for word in ("Of", "The", "March", "Police"):
        assert gazetteer.lookup(word) == [], word


def test_pickle_is_next_to_the_boundary_cache(gazetteer: Gazetteer) -> None:
    from geoparse_support import boundary_cache

    path = gazetteer_path(boundary_cache(), gazetteer.metadata["min_population"])
    assert path.exists()


def test_read_gazetteer_rejects_garbage(tmp_path: Path) -> None:
    assert read_gazetteer(tmp_path / "missing.pickle") is None
    bad = tmp_path / "bad.pickle"
    bad.write_bytes(b"not a pickle")
    assert read_gazetteer(bad) is None


@pytest.mark.parametrize("stale", [False, True])
def test_a_pickle_from_other_word_lists_is_rebuilt(
    gazetteer: Gazetteer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stale: bool
) -> None:
    import dataclasses
    import shutil

    from geoparse_support import boundary_cache

    import geodata.boundaries
    import geodata.gazetteer as module

    shutil.copy(boundary_cache() / "metadata.json", tmp_path / "metadata.json")
    population = gazetteer.metadata["min_population"]
    copy = dataclasses.replace(gazetteer, metadata=dict(gazetteer.metadata))
    if stale:
        copy.metadata["data_fingerprint"] = "built-from-older-word-lists"
    module.save_gazetteer(copy, gazetteer_path(tmp_path, population))
    builds: list[int] = []
    monkeypatch.setattr(geodata.boundaries, "load_cache", lambda path: None)
    monkeypatch.setattr(
        module, "build_gazetteer", lambda boundaries, pop: builds.append(pop) or gazetteer
    )
    module.load_gazetteer(tmp_path, population)
    assert builds == ([population] if stale else [])


def test_two_writers_never_share_a_staging_file(tmp_path: Path) -> None:
    """Concurrent builds (two workers starting at once) each write their own temporary file."""
    import threading

    from geodata.gazetteer import save_gazetteer

    target = tmp_path / "gazetteer-v1-pop1000.pickle"
    errors: list[BaseException] = []

    def write(gazetteer: object) -> None:
        try:
            for _ in range(20):
                save_gazetteer(gazetteer, target)  # type: ignore[arg-type]
        except BaseException as exc:  # any failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=write, args=({"n": i},)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.exists() and not list(tmp_path.glob("*.tmp"))

"""One event reported by several articles counts once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from geodata.dedup import (
    DedupSettings,
    MinHasher,
    cluster_incidents,
    estimated_jaccard,
    near_duplicate_groups,
    representative,
)
from geodata.incidents import Incident, Location


def incident(doc: str, **changes: object) -> Incident:
    base = Incident(
        id=f"inc-{doc}",
        doc_id=doc,
        type="bombing",
        sentence="A bomb exploded in Kabul.",
        start=0,
        end=25,
        trigger="bomb",
        trigger_start=2,
        trigger_end=6,
        locations=(Location("admin1", "AFG-1767", "AFG", 1, "place in the same clause", "Kabul"),),
        killed=10,
        date=date(2024, 11, 20),
        confidence=0.8,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_same_event_in_two_articles_is_one_cluster() -> None:
    clusters = cluster_incidents([incident("a"), incident("b", killed=11)])
    assert len(clusters) == 1


def test_different_type_place_date_or_count_stay_apart() -> None:
    far = Location("admin1", "AFG-1754", "AFG", 1, "place", "Kandahar")
    pairs = [
        incident("b", type="armed_attack"),
        incident("b", locations=(far,)),
        incident("b", date=date(2024, 10, 1)),
        incident("b", killed=40),
    ]
    for other in pairs:
        assert len(cluster_incidents([incident("a"), other])) == 2


def test_country_level_report_matches_province_level_report() -> None:
    national = Location("country", "AFG", "AFG", 6, "country in the sentence", "Afghanistan")
    clusters = cluster_incidents([incident("a"), incident("b", locations=(national,))])
    assert len(clusters) == 1


def test_two_bombings_in_one_article_stay_two() -> None:
    assert len(cluster_incidents([incident("a"), incident("a", id="inc-a2")])) == 2


def test_near_duplicate_articles_share_events_despite_dates() -> None:
    story = " ".join(["The ministry said a bomb exploded in Kabul killing ten people"] * 5)
    texts = {"a": story, "b": story + " Updated."}
    assert near_duplicate_groups(texts)["b"] == "a"
    moved = incident("b", date=date(2024, 9, 1))
    assert len(cluster_incidents([incident("a"), moved], texts)) == 1
    assert len(cluster_incidents([incident("a"), moved])) == 2


def test_minhash_estimates_jaccard() -> None:
    hasher = MinHasher(permutations=128, shingle_words=1)
    first = hasher.signature("alpha beta gamma delta")
    second = hasher.signature("alpha beta gamma epsilon")
    assert 0.3 <= estimated_jaccard(first, second) <= 0.9  # true Jaccard 3/5
    assert estimated_jaccard(first, first) == 1.0
    assert estimated_jaccard(hasher.signature(""), first) == 0.0


def test_representative_is_the_most_confident_report() -> None:
    best = incident("b", confidence=0.95)
    assert representative([incident("a"), best]) is best


def test_window_is_a_setting() -> None:
    later = incident("b", date=date(2024, 12, 5))
    assert len(cluster_incidents([incident("a"), later])) == 2
    assert (
        len(cluster_incidents([incident("a"), later], settings=DedupSettings(window_days=30))) == 1
    )

"""Reading stays linear in the text length (issue 10): the work per mention and per sentence
is bounded, whatever the length of the sentence or the document.

No timings here (bench/bench_doubling.py prints those): the tests check the mechanism, i.e. that
each mention's role is decided from a bounded window and each sentence is handed only its own
mentions, which is what made ``"Kabul " * 4000`` take 16 s before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from geodata import incidents as incidents_module
from geodata import roles as roles_module
from geodata.incidents import extract_incidents
from geodata.roles import CONTEXT_CHARS, assign_roles
from geodata.text import split_sentences
from tests.placeholders import fake_mentions

DAY = date(2026, 11, 28)


def test_each_role_reads_a_bounded_window_of_one_endless_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "a raid in Kabul, " * 3000  # about 50 KB, no full stop
    windows: list[int] = []
    original = roles_module._role_of

    def spy(mention: Any, before: str, after: str, focus: str | None) -> Any:
        windows.append(len(before) + len(after))
        return original(mention, before, after, focus)

    monkeypatch.setattr(roles_module, "_role_of", spy)
    mentions = fake_mentions(text)
    roles = assign_roles(text, mentions, split_sentences(text))
    assert len(roles) == len(mentions) == 3000
    assert max(windows) <= 2 * CONTEXT_CHARS


def test_a_role_cue_inside_the_window_still_counts() -> None:
    text = "Officials will hold a meeting in Kabul next week. " + "a raid in Kandahar, " * 500
    mentions = fake_mentions(text)
    roles = assign_roles(text, mentions, split_sentences(text))
    assert roles[0].role == "meeting_venue"
    assert {r.role for r in roles[1:]} == {"location"}


def test_each_sentence_is_given_only_its_own_mentions(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "A bomb exploded in Kabul on Monday. " * 400
    seen: list[int] = []
    original = incidents_module._sentence_candidates

    def spy(context: Any, tables: Any) -> Any:
        seen.append(len(context.mentions))
        return original(context, tables)

    monkeypatch.setattr(incidents_module, "_sentence_candidates", spy)
    extract_incidents("d", text, fake_mentions(text), DAY, DAY)
    assert seen and max(seen) == 1


def test_storing_a_document_hashes_each_text_once(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dedup of a document with many incidents: one signature per text, not per incident."""
    from geodata.dedup import MinHasher
    from service.storage import NewDocument, Store, document_id

    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    places = ["Kabul", "Kandahar", "Kunduz", "Takhar", "Badakhshan"]
    calls: list[int] = []
    original = MinHasher.signature

    def counting(self: MinHasher, body: str) -> Any:
        calls.append(1)
        return original(self, body)

    for verb in ("Gunmen attacked a post", "Militants attacked a base"):
        text = " ".join(f"{verb} in {place} on Monday." for place in places)
        reading = extract_incidents(document_id(text), text, fake_mentions(text), DAY, DAY)
        assert len(reading.incidents) == 5
        calls.clear()
        monkeypatch.setattr(MinHasher, "signature", counting)
        store.ingest(NewDocument(text, DAY), fake_mentions(text), reading)
        monkeypatch.setattr(MinHasher, "signature", original)
    # The new text only, whatever the incident count: a stored text's signature is read back.
    assert len(calls) == 1


def test_merging_one_event_told_many_times_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each mention is checked against running summaries, never against every member."""
    from geodata import coref

    text = "Gunmen attacked a post in Kunduz on Monday, killing 4. " * 600
    calls: list[int] = []
    original = coref._admin1_of

    def counting(incident: Any) -> Any:
        calls.append(1)
        return original(incident)

    monkeypatch.setattr(coref, "_admin1_of", counting)
    (event,) = extract_incidents("d", text, fake_mentions(text), DAY, DAY).incidents
    assert len(event.evidence) == 600
    assert len(calls) < 10 * 600  # per mention, not per pair of mentions (360,000)


def test_geoparse_pauses_the_cyclic_collector_and_restores_it() -> None:
    """Mentions are built with the collector paused (linear on huge texts), then it is back."""
    import gc

    from geodata import geoparse as geoparse_module

    seen: list[bool] = []
    with geoparse_module._cyclic_gc_paused():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        with geoparse_module._cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: the caller's choice is kept
    finally:
        gc.enable()

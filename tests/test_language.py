"""Language per document: detected or declared, stored, returned, and a plain note when the
language has no incident tables (never a silent zero)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from geodata.language import detect_language, document_language, is_supported, normalise_language
from tests.conftest import make_client

#: Written for this test: a German report of an attack, long enough for the detector.
GERMAN = (
    "Bei einem Anschlag auf einen Kontrollposten in der Provinz Kundus sind am Montag nach "
    "Angaben der Behörden in Afghanistan mindestens zwölf Soldaten getötet worden. Die Angreifer "
    "eröffneten "
    "das Feuer aus einem vorbeifahrenden Fahrzeug und flohen anschließend in die Berge."
)
#: Written for this test: the same kind of report in Russian.
RUSSIAN = (
    "В понедельник боевики напали на блокпост в провинции Кундуз, погибли пять военных. "
    "Нападавшие открыли огонь из проезжавшей машины и скрылись в горах, сообщили власти."
)
ENGLISH = (
    "Gunmen attacked a checkpoint in Kunduz province on Monday, killing five soldiers, "
    "officials said. The attackers opened fire from a passing car and fled into the hills."
)


@pytest.mark.parametrize(
    ("text", "expected"), [(GERMAN, "de"), (RUSSIAN, "ru"), (ENGLISH, "en"), ("12 345 !!", None)]
)
def test_detects_the_language(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


def test_short_text_reads_as_the_supported_language_of_its_script() -> None:
    # A headline of place names is too short for n-grams; its script decides.
    assert detect_language("Bomb in Kabul.") == "en"
    assert detect_language("Взрыв в Кабуле.") == "ru"


def test_declared_language_wins_and_is_normalised() -> None:
    assert normalise_language("ru-RU") == "ru"
    assert normalise_language("EN_gb") == "en"
    assert normalise_language("not a tag!") is None
    assert document_language("ru-RU", ENGLISH) == "ru"
    assert document_language(None, GERMAN) == "de"
    assert is_supported("ru") and is_supported("en") and not is_supported("de")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from make_client(tmp_path_factory.mktemp("languages"))


def test_unsupported_language_says_so_and_still_reads_places(api: TestClient) -> None:
    response = api.post("/documents", json={"text": GERMAN, "published": "2024-11-25"})
    assert response.status_code == 201
    body = response.json()
    assert body["language"] == "de"
    assert body["incidents_extracted"] is False
    assert "not supported" in body["note"] and "de" in body["note"]
    assert body["incidents"] == []
    assert any(m["country"] == "AFG" for m in body["mentions"])
    stored = api.get(f"/documents/{body['id']}").json()
    assert stored["language"] == "de"
    assert stored["incidents_extracted"] is False
    assert "not supported" in stored["note"]


def test_supported_languages_extract_and_store_the_language(api: TestClient) -> None:
    for text, language in ((RUSSIAN, "ru"), (ENGLISH, "en")):
        body = api.post("/documents", json={"text": text, "published": "2024-11-25"}).json()
        assert body["language"] == language
        assert body["incidents_extracted"] is True and "note" not in body
        assert body["incidents"], language
        assert api.get(f"/documents/{body['id']}").json()["language"] == language


def test_declared_language_is_used(api: TestClient) -> None:
    text = RUSSIAN.replace("понедельник", "вторник")
    body = api.post("/documents", json={"text": text, "language": "de-DE"}).json()
    assert body["language"] == "de" and body["incidents_extracted"] is False


def test_batch_items_carry_their_language(api: TestClient) -> None:
    texts = [GERMAN + " Ende.", RUSSIAN + " Конец."]
    response = api.post("/documents/batch", json=[{"text": t} for t in texts])
    assert response.status_code == 201
    items = response.json()["documents"]
    assert [i["language"] for i in items] == ["de", "ru"]
    assert [i["incidents_extracted"] for i in items] == [False, True]

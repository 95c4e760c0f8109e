"""Which language a document is written in, and whether riskmap can read incidents in it.

Places are found in any script (the gazetteer holds names in many languages), but incident
extraction needs trigger words, numbers and dates in the document's own language, so a
document in a language without those tables gets its places and no incidents, and says so.

Detection uses ``lingua`` (an n-gram model shipped inside the package, no download) restricted
to a handful of languages: fewer candidates make it faster and stop rare look-alikes from
winning on short texts. Low-accuracy mode (trigrams only) is enough for a whole article and
loads a fraction of the models.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

#: Languages whose incident tables exist (ISO 639-1).
SUPPORTED_LANGUAGES: frozenset[str] = frozenset({"en", "ru"})
#: The languages the detector chooses among: the supported ones and the ones most often met
#: in the same news feeds, so that a Ukrainian or Persian article is named rather than
#: mistaken for Russian or left unknown.
CANDIDATE_LANGUAGES: tuple[str, ...] = (
    "en", "ru", "uk", "be", "kk", "fr", "de", "es", "pt", "it", "tr", "ar", "fa", "ur", "zh",
)  # fmt: skip
#: Characters of the text the detector reads: an article's opening paragraphs are plenty,
#: and the cost grows with the length.
DETECTION_CHARS = 1000
#: Below this many letters the detector guesses (a headline of place names reads as French or
#: Turkish): such a text is read as the supported language of its script. Chosen on the
#: project's own test sentences: from 100 letters on every English one was detected right.
SHORT_TEXT_LETTERS = 120
#: The supported language each script defaults to when a text is too short to tell.
_SCRIPT_DEFAULT = {"latin": "en", "cyrillic": "ru"}

_CODE = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
_LOCK = threading.Lock()


def normalise_language(code: str | None) -> str | None:
    """``"ru-RU"``, ``"RU"``, ``"ru_RU"`` -> ``"ru"``; None or anything unlike a tag -> None."""
    if not code:
        return None
    match = _CODE.match(code.strip())
    return match.group(1).lower() if match else None


def is_supported(language: str | None) -> bool:
    """Whether incidents are extracted from text in ``language``."""
    return language in SUPPORTED_LANGUAGES


def unsupported_note(language: str | None) -> str:
    """The plain statement an API response gives when no incidents were extracted."""
    named = language or "unknown"
    return (
        f"incidents were not extracted: the document's language ({named}) is not supported; "
        f"supported languages: {', '.join(sorted(SUPPORTED_LANGUAGES))}. Places were still read."
    )


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in CANDIDATE_LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or None when unsure.

    >>> detect_language("Two soldiers were killed in an attack on a checkpoint.")
    'en'
    """
    sample = text[:DETECTION_CHARS]
    letters = [ch for ch in sample if ch.isalpha()]
    if not letters:
        return None
    if len(letters) < SHORT_TEXT_LETTERS:
        default = _SCRIPT_DEFAULT.get(_script(letters))
        if default:
            return default
    detector = _detector()
    with _LOCK:  # models load lazily on first use; one thread loads them
        found = detector.detect_language_of(sample)
    if found is None:
        return None
    return str(found.iso_code_639_1.name).lower()


def document_language(declared: str | None, text: str) -> str | None:
    """The client's declared language when it gives one, else the detected one."""
    return normalise_language(declared) or detect_language(text)


def _script(letters: list[str]) -> str:
    """``latin``, ``cyrillic`` or ``other``: the script most of the letters are written in."""
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    latin = sum(1 for ch in letters if ch < "\u0250")
    if cyrillic > len(letters) / 2:
        return "cyrillic"
    return "latin" if latin > len(letters) / 2 else "other"

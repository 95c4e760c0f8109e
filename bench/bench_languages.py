"""Benchmark: reading Russian news against English, per MB, and two ways to match inflection.

1. Every article of ``../shared/eval/incidents/dev.json`` (English) and
   ``../shared/eval/incidents-ru/dev.json`` (Russian) is read by :class:`service.pipeline.Reader`
   (language detection, geoparse, incidents), best of three passes: MB/s per language and
   the ratio (issue 16's bar: Russian within 2x of English per MB). The detector alone is
   timed too.
2. Generated forms versus lemmatising: the gazetteer holds every case form of each Russian
   name (built once; its build seconds are in the gazetteer's metadata); the alternative,
   lemmatising every Cyrillic word of the text with pymorphy3 before lookup, is timed here
   on the same Russian articles and printed as seconds per MB, next to the whole read.

Run: ``python bench/bench_languages.py`` (``RISKMAP_DATA_DIR`` must hold a built cache). The
articles are read from ``../shared`` at run time, never copied.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from pathlib import Path

from geodata.boundaries import cache_dir_for, load_cache
from geodata.gazetteer import load_gazetteer
from geodata.language import detect_language
from service.pipeline import Reader
from service.settings import Settings
from service.storage import NewDocument

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
SETS = {"en": SHARED / "incidents" / "dev.json", "ru": SHARED / "incidents-ru" / "dev.json"}
ANCHOR = dt.date(2024, 11, 25)
#: Baseline of this machine (2 shared CPUs) when the bench was written: MB/s per language.
BASELINE: dict[str, float | None] = {"en": 0.11, "ru": 0.16}


def _articles(path: Path) -> list[tuple[str, dt.date | None]]:
    documents = json.loads(path.read_text(encoding="utf-8"))["documents"]
    return [
        (d["text"], dt.date.fromisoformat(d["published"]) if d.get("published") else None)
        for d in documents
    ]


def _best_of(runs: int, action: object) -> float:
    assert callable(action)
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    missing = [str(p) for p in SETS.values() if not p.exists()]
    if missing:
        print(f"evaluation sets not found: {', '.join(missing)}")
        return 1
    settings = Settings()
    boundaries = load_cache(cache_dir_for(settings.data_dir, settings.boundary_source_object().key))
    assert boundaries.cache_dir is not None
    gazetteer = load_gazetteer(boundaries.cache_dir, boundaries=boundaries)
    reader = Reader(gazetteer)
    forms = gazetteer.metadata.get("russian_forms", {})
    print(
        f"gazetteer: Russian case forms of {forms.get('inflected_names')} names built in "
        f"{forms.get('seconds')} s (once, at build time)"
    )
    rates: dict[str, float] = {}
    for language, path in SETS.items():
        articles = _articles(path)
        megabytes = sum(len(text.encode("utf-8")) for text, _ in articles) / 1e6

        def read_all(articles: list[tuple[str, dt.date | None]] = articles) -> None:
            for text, published in articles:
                reader.read(NewDocument(text, published), today=published or ANCHOR)

        def detect_all(articles: list[tuple[str, dt.date | None]] = articles) -> None:
            for text, _ in articles:
                detect_language(text)

        read_all()  # warm-up: lazy models, caches
        seconds = _best_of(3, read_all)
        detect = _best_of(3, detect_all)
        rates[language] = megabytes / seconds
        print(
            f"{language}: {len(articles)} articles, {megabytes:.3f} MB: read {seconds:.2f} s "
            f"({rates[language]:.2f} MB/s, {1000 * seconds / len(articles):.1f} ms/article; "
            f"language detection {1000 * detect / len(articles):.1f} ms/article)"
            + (f"  baseline {BASELINE[language]:.2f} MB/s" if BASELINE[language] else "")
        )
    print(f"Russian costs {rates['en'] / rates['ru']:.2f}x English per MB (bar: <= 2x)")

    from geodata.inflection import _analyzer

    analyzer = _analyzer()
    russian = [text for text, _ in _articles(SETS["ru"])]
    megabytes = sum(len(t.encode("utf-8")) for t in russian) / 1e6
    words = [w for t in russian for w in re.findall(r"[А-Яа-яЁё-]+", t)]

    def lemmatise() -> None:
        for word in words:
            analyzer.parse(word)[0].normal_form  # noqa: B018 - the work being timed

    seconds = _best_of(1, lemmatise)
    print(
        f"lemmatising instead: {len(words)} Cyrillic words, {seconds:.2f} s "
        f"({seconds / megabytes:.1f} s/MB added to every read, against "
        f"{1 / rates['ru']:.1f} s/MB for the whole read with generated forms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

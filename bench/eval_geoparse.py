"""Score riskmap's geoparser on the shared evaluation corpora with the official scorer.

Usage::

    python bench/eval_geoparse.py            # runs `riskmap geoparse` on ../shared/eval/*.jsonl
    python bench/eval_geoparse.py --inprocess [--min-population N] [--min-confidence C]
    python bench/eval_geoparse.py --errors 40 [--corpus lgl]   # also the largest error classes

The default runs the real command line end to end (what other tools see). ``--inprocess`` calls
:func:`geodata.geoparse.geoparse` directly, which is how the population cut-off and the
confidence threshold were chosen: one global value each, swept over all three corpora together
(never per article). Predictions go to a temporary file; the scorer reads the gold files itself
and prints one row per corpus and one for all.

``--errors N`` then lists the N largest classes of each kind of error, by surface and corpus:
gold toponyms no mention covers (*missed*), covered but resolved elsewhere (*wrong*, with the
place given), and mentions of a country or region the document's gold lacks (*spurious*).
Classes, not articles, are what a fix should aim at; the listing is printed, never stored.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    return Path(os.environ.get("RISKMAP_SHARED_DIR", ROOT.parent / "shared"))


def predict_inprocess(gold: list[Path], out: Path, min_population: int, confidence: float) -> None:
    from geodata.boundaries import cache_dir_for
    from geodata.gazetteer import load_gazetteer
    from geodata.geoparse import document_places, geoparse
    from service.settings import Settings

    settings = Settings()
    cache = cache_dir_for(settings.data_dir, settings.boundary_source_object().key)
    gazetteer = load_gazetteer(cache, min_population)
    with out.open("w") as handle:
        for path in gold:
            for line in path.open():
                doc = json.loads(line)
                mentions = geoparse(doc["text"], gazetteer, min_confidence=confidence)
                places = document_places(mentions)
                record = {
                    "id": doc["id"],
                    "mentions": [m.as_dict() for m in mentions],
                    "countries": places.countries,
                    "admin1": places.admin1,
                }
                handle.write(json.dumps(record) + "\n")


def predict_cli(gold: list[Path], out: Path) -> None:
    riskmap = Path(sys.executable).with_name("riskmap")
    with out.open("w") as handle:
        for path in gold:
            inputs = "".join(
                json.dumps({"id": d["id"], "text": d["text"]}) + "\n"
                for d in map(json.loads, path.open())
            )
            subprocess.run(
                [str(riskmap), "geoparse"], input=inputs, text=True, stdout=handle, check=True
            )


_ISO = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def error_classes(gold: list[Path], pred: Path, keys: dict[str, str]) -> dict[str, Counter[Any]]:
    """Missed, wrong and spurious mentions counted by (corpus, surface, gold, predicted).

    The matching follows the scorer: a gold toponym is right when an overlapping mention has
    its admin-1 key (places) or its country (country-level toponyms).
    """

    def key(code: str | None) -> str | None:
        return code if not code or _ISO.match(code) else keys.get(code, code)

    predictions = {str(p["id"]): p for p in map(json.loads, pred.open()) if p}
    classes: dict[str, Counter[Any]] = {"missed": Counter(), "wrong": Counter()}
    classes["spurious"] = Counter()
    for path in gold:
        for doc in map(json.loads, path.open()):
            mentions = predictions.get(str(doc["id"]), {}).get("mentions") or []
            corpus = doc["corpus"]
            for t in doc["toponyms"]:
                gold_place = (t["country"], t["admin1"])
                over = [m for m in mentions if m["start"] < t["end"] and t["start"] < m["end"]]
                right = any(
                    (t["admin1"] and key(m.get("admin1")) == t["admin1"])
                    or (not t["admin1"] and m.get("country") == t["country"])
                    for m in over
                )
                if right:
                    continue
                if not over:
                    classes["missed"][(corpus, t["surface"], gold_place, None)] += 1
                else:
                    given = (over[0].get("country"), key(over[0].get("admin1")))
                    classes["wrong"][(corpus, t["surface"], gold_place, given)] += 1
            countries = set(doc["countries"])
            regions = set(doc["admin1"])
            for m in mentions:
                region = key(m.get("admin1"))
                if (m.get("country") and m["country"] not in countries) or (
                    region and region not in regions
                ):
                    given = (m.get("country"), region)
                    classes["spurious"][(corpus, m["surface"], None, given)] += 1
    return classes


def print_errors(classes: dict[str, Counter[Any]], top: int, corpus: str | None) -> None:
    for kind, counter in classes.items():
        rows = [(n, k) for k, n in counter.items() if corpus is None or k[0] == corpus]
        total = sum(n for n, _ in rows)
        print(f"\n{kind}: {total} ({len(rows)} classes)")
        for n, (name, surface, expected, given) in sorted(rows, key=lambda r: -r[0])[:top]:
            print(f"{n:>5}  {name:<9} {surface:<28} gold {expected}  given {given}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--inprocess", action="store_true")
    parser.add_argument("--min-population", type=int, default=None)
    parser.add_argument("--min-confidence", type=float, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="also write predictions here")
    parser.add_argument("--errors", type=int, default=0, help="list the N largest error classes")
    parser.add_argument("--corpus", default=None, help="list errors of this corpus only")
    args = parser.parse_args(argv)

    from geodata.gazetteer import DEFAULT_MIN_POPULATION
    from geodata.geoparse import DEFAULT_MIN_CONFIDENCE

    evaluation = shared_dir() / "eval"
    gold = sorted(evaluation.glob("*.jsonl"))
    if not gold:
        print(f"no evaluation data in {evaluation}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        pred = args.keep or Path(tmp) / "pred.jsonl"
        if args.inprocess:
            predict_inprocess(
                gold,
                pred,
                args.min_population or DEFAULT_MIN_POPULATION,
                args.min_confidence if args.min_confidence is not None else DEFAULT_MIN_CONFIDENCE,
            )
        else:
            predict_cli(gold, pred)
        score = [sys.executable, str(evaluation / "score.py"), *map(str, gold), "--pred", str(pred)]
        code = subprocess.run(score, check=False).returncode
        if args.errors:
            keys = json.loads((evaluation / "admin1_keys.json").read_text())
            print_errors(error_classes(gold, pred, keys), args.errors, args.corpus)
        return code


if __name__ == "__main__":
    sys.exit(main())

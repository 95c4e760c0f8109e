"""Score riskmap's geoparser on the shared evaluation corpora with the official scorer.

Usage::

    python bench/eval_geoparse.py            # runs `riskmap geoparse` on ../shared/eval/*.jsonl
    python bench/eval_geoparse.py --inprocess [--min-population N] [--min-confidence C]

The default runs the real command line end to end (what other tools see). ``--inprocess`` calls
:func:`geodata.geoparse.geoparse` directly, which is how the population cut-off and the
confidence threshold were chosen: one global value each, swept over all three corpora together
(never per article). Predictions go to a temporary file; the scorer reads the gold files itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--inprocess", action="store_true")
    parser.add_argument("--min-population", type=int, default=None)
    parser.add_argument("--min-confidence", type=float, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="also write predictions here")
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
        return subprocess.run(score, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())

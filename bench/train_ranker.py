"""Train the reading ranker (geodata/ranker.py) on the evaluation corpora and report how it does
on a corpus it was not trained on.

Usage::

    python bench/train_ranker.py [--margin M] [--write ranker.json]

For every ambiguous name the geoparser reports (without the ranker), each reading gets the
features of :func:`geodata.ranker.name_choices` and the label "is the gold place": the gold
region for a town or region, the gold country for a country-level toponym. Names none of whose
readings is right, or that no gold toponym covers, teach nothing about choosing and are left
out. A logistic regression (scikit-learn, ``bench`` extra only) is fitted on two corpora and the
third is scored with the official scorer, for each of the three splits; then the model trained
on all three is scored on all corpora (and written out with ``--write``). The evaluation texts
are read from ``../shared/eval`` and never copied.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_geoparse import shared_dir  # noqa: E402

from geodata.gazetteer import Gazetteer  # noqa: E402
from geodata.geoparse import document_places, geoparse  # noqa: E402
from geodata.ranker import FEATURES, Ranker, name_choices  # noqa: E402

_ISO = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
#: Inverse regularisation strength: few features, a few thousand names; strong enough a prior
#: that no single corpus's quirks decide a weight.
REGULARISATION_C = 1.0
#: A reading replaces the geoparser's only with this lead in score.
DEFAULT_MARGIN = 0.0


@dataclass
class Document:
    corpus: str
    id: str
    text: str
    toponyms: list[dict[str, Any]]


def load_documents(evaluation: Path) -> list[Document]:
    return [
        Document(d["corpus"], str(d["id"]), d["text"], d["toponyms"])
        for path in sorted(evaluation.glob("*.jsonl"))
        for d in map(json.loads, path.open())
    ]


def region_key(keys: dict[str, str], code: str | None) -> str | None:
    """The scorer's key of an admin-1 code (ISO 3166-2 as is, Natural Earth codes mapped)."""
    if not code:
        return None
    return code if _ISO.match(code) else keys.get(code, code)


@dataclass
class NameExample:
    """One ambiguous name the gold annotates: its readings' features and which are right."""

    corpus: str
    rows: list[list[float]]
    right: list[int]


def training_examples(
    docs: list[Document], gaz: Gazetteer, keys: dict[str, str]
) -> list[NameExample]:
    examples: list[NameExample] = []
    for doc in docs:
        mentions = geoparse(doc.text, gaz, ranker=None)
        for choice in name_choices(doc.text, mentions, gaz):
            spans = [(mentions[i].start, mentions[i].end) for i in choice.mentions]
            gold = next(
                (
                    t
                    for t in doc.toponyms
                    for start, end in spans
                    if start < t["end"] and t["start"] < end
                ),
                None,
            )
            if gold is None:
                continue
            right = [
                int(
                    region_key(keys, gaz.place_admin1[p]) == gold["admin1"]
                    if gold["admin1"]
                    else gaz.place_country[p] == gold["country"]
                )
                for p in choice.places
            ]
            if any(right) and not all(right):
                examples.append(NameExample(doc.corpus, choice.rows, right))
    return examples


def fit(examples: list[NameExample], margin: float) -> Ranker:
    """Pairwise logistic regression: each right reading against each wrong one of the same
    name, both ways round, no intercept; the weights then rank a name's readings."""
    from sklearn.linear_model import LogisticRegression

    differences: list[list[float]] = []
    labels: list[int] = []
    for example in examples:
        for good, good_right in zip(example.rows, example.right, strict=True):
            if not good_right:
                continue
            for bad, bad_right in zip(example.rows, example.right, strict=True):
                if bad_right:
                    continue
                difference = [g - b for g, b in zip(good, bad, strict=True)]
                differences.extend([difference, [-d for d in difference]])
                labels.extend([1, 0])
    model = LogisticRegression(C=REGULARISATION_C, fit_intercept=False, max_iter=5000)
    model.fit(differences, labels)
    return Ranker(tuple(float(w) for w in model.coef_[0]), margin)


def score(
    docs: list[Document], gaz: Gazetteer, ranker: Ranker | None, gold: list[Path]
) -> list[str]:
    """The official scorer's table lines for ``docs`` parsed with ``ranker``."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as handle:
        for doc in docs:
            mentions = geoparse(doc.text, gaz, ranker=ranker)
            places = document_places(mentions)
            record = {
                "id": doc.id,
                "mentions": [m.as_dict() for m in mentions],
                "countries": places.countries,
                "admin1": places.admin1,
            }
            handle.write(json.dumps(record) + "\n")
        handle.flush()
        scorer = gold[0].parent / "score.py"
        out = subprocess.run(
            [sys.executable, str(scorer), *map(str, gold), "--pred", handle.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return out.splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", type=Path, default=None, help="write the coefficients here")
    parser.add_argument(
        "--margin", type=float, default=DEFAULT_MARGIN, help="lead over the geoparser's reading"
    )
    args = parser.parse_args(argv)

    from geodata.boundaries import cache_dir_for
    from geodata.gazetteer import load_gazetteer
    from service.settings import Settings

    evaluation = shared_dir() / "eval"
    gold_files = {p.stem: p for p in sorted(evaluation.glob("*.jsonl"))}
    if not gold_files:
        print(f"no evaluation data in {evaluation}", file=sys.stderr)
        return 2
    keys = json.loads((evaluation / "admin1_keys.json").read_text())
    settings = Settings()
    gaz = load_gazetteer(cache_dir_for(settings.data_dir, settings.boundary_source_object().key))
    docs = load_documents(evaluation)
    examples = training_examples(docs, gaz, keys)
    print(f"{len(examples)} ambiguous names with a right and a wrong reading")

    print("\nleave one corpus out (train on the other two, score the third):")
    for held_out in sorted({e.corpus for e in examples}):
        ranker = fit([e for e in examples if e.corpus != held_out], args.margin)
        test_docs = [d for d in docs if d.corpus == held_out]
        gold = [gold_files[held_out.replace("_", "-")]]
        without = score(test_docs, gaz, None, gold)
        with_ranker = score(test_docs, gaz, ranker, gold)
        print(f"  {held_out}: without ranker / with ranker")
        print("   ", without[0])
        print("   ", without[-1])
        print("   ", with_ranker[-1])

    shipped = fit(examples, args.margin)
    print("\ntrained on all corpora:")
    for name, weight in zip(FEATURES, shipped.weights, strict=True):
        print(f"  {name:<20}{weight:+.3f}")
    print("\n".join(score(docs, gaz, shipped, list(gold_files.values()))))
    if args.write:
        args.write.write_text(json.dumps(shipped.as_json(), indent=1) + "\n")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

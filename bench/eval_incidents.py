"""Score riskmap's incident extraction on the real-news development sets with the shared scorer.

Usage::

    python bench/eval_incidents.py [--details]

Runs ``../shared/eval/incidents/score.py`` on ``incidents/dev.json`` (English) and, when
present, ``incidents-ru/dev.json`` (Russian) from the project root, as their README says, and
prints each summary line next to the bars of issue 11. Skips with the reason when ``../shared``
is absent. Nothing is copied from the sets; the scorer reads them in place.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Where each figure stands in the scorer's output (one regular expression per measure).
FIGURES: dict[str, str] = {
    "precision": r"^all\s+(?:\S+\s+){6}(\S+)",
    "recall": r"^all\s+(?:\S+\s+){7}(\S+)",
    "strict F1": r"^strict: .*\s(\S+)$",
    "admin-1": r"admin1 acc (\S+)",
    "killed exact": r"^killed\s+\S+\s+\S+\s+(\S+)",
    "wounded exact": r"^wounded\s+\S+\s+\S+\s+(\S+)",
    "false alarms / negative doc": r"false alarms per negative doc (\S+)",
    "context places with weight": r"^all\s+\d+\s+\d+\s+\d\.\d+\s+\d+\s+\d+\s+(\S+)",
    "(f) countries": r"^countries\s+\d+\s+\d+\s+(\S+)",
    "(f) admin-1": r"^admin1\s+\d+\s+\d+\s+(\S+)",
}
#: Measures where lower is better; every other bar is a floor.
LOWER_IS_BETTER = frozenset({"false alarms / negative doc", "context places with weight"})
#: The bars per set: the English ones are issue 11's, the Russian ones issue 16's.
BARS: dict[str, dict[str, float]] = {
    "incidents": {
        "precision": 0.85,
        "recall": 0.90,
        "strict F1": 0.75,
        "admin-1": 0.85,
        "killed exact": 0.85,
        "wounded exact": 0.75,
        "false alarms / negative doc": 0.10,
        "context places with weight": 0.05,
    },
    "incidents-ru": {
        "precision": 0.80,
        "recall": 0.85,
        "admin-1": 0.80,
        "killed exact": 0.80,
        "false alarms / negative doc": 0.15,
        "(f) countries": 0.90,
        "(f) admin-1": 0.85,
    },
}


def bar_lines(name: str, output: str) -> list[str]:
    """Each bar of the set with the figure the scorer printed and whether it is met."""
    lines = []
    for label, bar in BARS[name].items():
        higher = label not in LOWER_IS_BETTER
        found = re.search(FIGURES[label], output, re.MULTILINE)
        if found is None:
            lines.append(f"  {label:<30} not found in the scorer's output")
            continue
        value = float(found.group(1))
        met = value >= bar if higher else value <= bar
        sign = ">=" if higher else "<="
        lines.append(
            f"  {label:<30} {value:.3f}  bar {sign} {bar:.2f}  {'met' if met else 'MISSED'}"
        )
    return lines


def shared_dir() -> Path:
    return Path(os.environ.get("RISKMAP_SHARED_DIR", ROOT.parent / "shared"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="pass --details to the scorer")
    args = parser.parse_args()
    scorer = shared_dir() / "eval" / "incidents" / "score.py"
    if not scorer.exists():
        print(f"skipped: {scorer} not found (set RISKMAP_SHARED_DIR)")
        return 0
    for name in ("incidents", "incidents-ru"):
        data = shared_dir() / "eval" / name / "dev.json"
        if not data.exists():
            print(f"{name}: skipped, {data} not found")
            continue
        command = [sys.executable, str(scorer), str(data), *(["--details"] if args.details else [])]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print(f"{name}: the scorer failed:\n{result.stderr[-2000:]}")
            return 1
        lines = result.stdout.rstrip().splitlines()
        print("\n".join(lines) if args.details else f"{name}: {lines[-1]}")
        print("\n".join(bar_lines(name, result.stdout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

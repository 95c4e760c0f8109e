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
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARS = (
    "bars (issue 11): P >= 0.85, R >= 0.90, admin1 >= 0.85, killed exact >= 0.85, "
    "false alarms <= 0.1 per negative doc"
)


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
    print(BARS)
    return 0


if __name__ == "__main__":
    sys.exit(main())

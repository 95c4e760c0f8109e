"""Run every benchmark (bench_*.py), accuracy evaluation (eval_*.py) and fuzz (fuzz_*.py) here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    scripts = ["bench_*.py", "eval_*.py", "fuzz_*.py"]
    for script in [path for pattern in scripts for path in sorted(HERE.glob(pattern))]:
        print(f"\n=== {script.name} ===", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

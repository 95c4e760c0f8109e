"""Run every benchmark (bench_*.py) and accuracy evaluation (eval_*.py) here, printing figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in [*sorted(HERE.glob("bench_*.py")), *sorted(HERE.glob("eval_*.py"))]:
        print(f"\n=== {script.name} ===", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Numbered, timed steps for long commands (``riskmap data build``).

Why plain lines and no progress bar: the same output must read well on a terminal and in a CI
log, where carriage-return redraws turn into hundreds of lines. Each step prints one line when
it starts, one indented line per phase it reports, and one line with its time when it ends::

    step 1/3: boundaries: building the cache …
      reading the source (naturalearth) [0.0 s]
      repairing 4596 admin-1 geometries [6.2 s]
    step 1/3: boundaries … built, 152.4 s
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Step:
    """One running step: call it with a phase to print that phase; set ``outcome`` for the end
    line ("built", "up to date")."""

    title: str
    stream: TextIO
    clock: Callable[[], float]
    started: float
    outcome: str = ""

    def __call__(self, phase: str) -> None:
        print(f"  {phase} [{self.elapsed():.1f} s]", file=self.stream, flush=True)

    def elapsed(self) -> float:
        return self.clock() - self.started


@dataclass
class Steps:
    """A fixed number of steps, counted and timed as they run.

    Parameters
    ----------
    total : how many steps the command has (shown as ``step n/total``).
    stream : where the lines go; standard error by default, so standard output keeps only
        results.
    clock : seconds, monotonic (tests pass a fake one).

    Examples
    --------
    >>> steps = Steps(2)  # doctest: +SKIP
    >>> with steps.step("gazetteer", "loading") as step:  # doctest: +SKIP
    ...     step.outcome = "up to date"
    """

    total: int
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    clock: Callable[[], float] = time.perf_counter
    done: int = 0

    @contextmanager
    def step(self, title: str, doing: str) -> Iterator[Step]:
        """Announce step ``title`` (``doing`` says what it does), then time it.

        A step that raises prints no end line: the command's error line says what went wrong.
        """
        self.done += 1
        label = f"step {self.done}/{self.total}: {title}"
        print(f"{label}: {doing} …", file=self.stream, flush=True)
        step = Step(title, self.stream, self.clock, self.clock())
        yield step
        outcome = f"{step.outcome}, " if step.outcome else ""
        print(f"{label} … {outcome}{step.elapsed():.1f} s", file=self.stream, flush=True)

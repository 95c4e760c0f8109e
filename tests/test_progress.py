"""Tests for service/progress.py: numbered, timed steps printed as whole lines."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from service.progress import Steps


def _clock(*readings: float) -> Callable[[], float]:
    """A fake monotonic clock that returns ``readings`` in turn."""
    values = iter(readings)
    return lambda: next(values)


def test_steps_count_time_and_report_phases() -> None:
    stream = io.StringIO()
    steps = Steps(total=2, stream=stream, clock=_clock(10.0, 12.5, 34.1, 40.0, 40.25))
    with steps.step("boundaries", "building the cache") as step:
        step("repairing geometries")
        step.outcome = "built"
    with steps.step("gazetteer", "loading it"):
        pass
    assert stream.getvalue().splitlines() == [
        "step 1/2: boundaries: building the cache …",
        "  repairing geometries [2.5 s]",
        "step 1/2: boundaries … built, 24.1 s",
        "step 2/2: gazetteer: loading it …",
        "step 2/2: gazetteer … 0.2 s",
    ]


def test_a_failing_step_leaves_the_error_to_the_caller() -> None:
    """No end line for a step that raised: the command's one error line says what happened."""
    stream = io.StringIO()
    steps = Steps(total=3, stream=stream, clock=_clock(0.0, 1.0))
    with pytest.raises(OSError), steps.step("boundaries", "reading the source"):
        raise OSError("no such file")
    assert stream.getvalue() == "step 1/3: boundaries: reading the source …\n"

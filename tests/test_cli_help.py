"""``riskmap --version`` and help a person can read: every option explained, no reST markup."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from service.cli import build_parser, main, riskmap_version

#: reST/Sphinx markup that reads as noise in a terminal.
MARKUP = re.compile(r"``|:(?:mod|func|class|meth|data|attr):`")


def every_parser(
    parser: argparse.ArgumentParser, name: str = "riskmap"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, sub in action.choices.items():
                yield from every_parser(sub, f"{name} {command}")


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out == f"riskmap {riskmap_version()}"
    assert re.fullmatch(r"riskmap \d+\.\d+\.\d+\S*", out)


def test_version_from_the_console_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "--version"], capture_output=True, text=True
    )
    if done.returncode != 0 and "No module named service.cli.__main__" in done.stderr:
        pytest.skip("service.cli has no __main__ guard")
    assert done.stdout.startswith("riskmap ")


def test_every_option_has_help() -> None:
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, parser in every_parser(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction)
        and action.help in (None, "")
        and action.dest != "help"
    ]
    assert missing == []


def test_every_command_has_a_description_and_help_without_markup() -> None:
    for name, parser in every_parser(build_parser()):
        text = parser.format_help()
        assert not MARKUP.search(text), (name, MARKUP.search(text))
        assert parser.description, name

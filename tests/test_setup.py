"""Set-up on any machine: the compiled core is optional, nothing needs root, extras stay apart.

``geodata/core/build.sh`` runs here against fake ``cargo`` and ``python`` programs (a copy of
the script in a temporary folder, so the checkout's ``.cargo`` is never touched); the Makefile
is read through ``make -n`` (print, do not run); the geoparser switch runs in a subprocess,
because it is read once at import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD_SCRIPT = ROOT / "geodata" / "core" / "build.sh"

#: What build.sh itself runs; everything else (cargo, pip) is faked or deliberately absent.
SCRIPT_TOOLS = ("sh", "ls", "cat", "mkdir", "rm", "touch", "date", "dirname")

#: A rustup shim with no default toolchain: on PATH, but every run fails.
RUSTUP_SHIM = (
    '#!/bin/sh\necho "error: rustup could not choose a version of cargo to run" >&2\nexit 1\n'
)
WORKING_CARGO = '#!/bin/sh\necho "cargo 1.70.0"\n'


class Sandbox:
    """A copy of build.sh with a PATH of only the tools it needs, a fake cargo (or none) and a
    fake python that records its arguments and fails ``pip install`` on request."""

    def __init__(self, root: Path, cargo: str | None, pip_install_fails: bool = False) -> None:
        self.root = root
        self.core = root / "core"
        self.core.mkdir()
        shutil.copy(BUILD_SCRIPT, self.core / "build.sh")
        self.bin = root / "bin"
        self.bin.mkdir()
        for tool in SCRIPT_TOOLS:
            found = shutil.which(tool)
            assert found, tool
            (self.bin / tool).symlink_to(found)
        if cargo is not None:
            self._program("cargo", cargo)
        self.calls = root / "python-calls"
        status = 1 if pip_install_fails else 0
        self.python = self._program(
            "python",
            f'#!/bin/sh\necho "$*" >> {self.calls}\n'
            f'case "$*" in *"pip install"*) exit {status};; esac\nexit 0\n',
        )
        self.stamp = root / "venv" / ".core"
        self.stamp.parent.mkdir()
        self.debian = root / "debian-crates"
        self.debian.mkdir()

    def _program(self, name: str, text: str) -> Path:
        path = self.bin / name
        path.write_text(text)
        path.chmod(0o755)
        return path

    def run(self) -> subprocess.CompletedProcess[str]:
        env = {"PATH": str(self.bin), "RISKMAP_DEBIAN_CRATES": str(self.debian)}
        return subprocess.run(
            ["sh", str(self.core / "build.sh"), str(self.python), str(self.stamp)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    def python_calls(self) -> list[str]:
        return self.calls.read_text().splitlines() if self.calls.exists() else []

    @property
    def cargo_config(self) -> Path:
        return self.core / ".cargo" / "config.toml"


@pytest.mark.parametrize(
    ("cargo", "reason"),
    [(None, "no cargo on PATH"), (RUSTUP_SHIM, "cargo on PATH does not run (`cargo --version`")],
    ids=["no-cargo", "rustup-without-toolchain"],
)
def test_without_a_working_cargo_one_line_says_the_python_reference_runs(
    tmp_path: Path, cargo: str | None, reason: str
) -> None:
    sandbox = Sandbox(tmp_path, cargo)
    result = sandbox.run()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [line] = result.stdout.splitlines()
    assert line.startswith(f"core: {reason}")
    assert "the Python reference geoparser will run" in line
    assert "install cargo" in line and "make core" in line
    # No build tried, a stale core removed, and no stamp: installing cargo later is enough.
    assert not any("pip install" in call for call in sandbox.python_calls())
    assert any("pip uninstall --yes --quiet riskmap-geocore" in c for c in sandbox.python_calls())
    assert not sandbox.stamp.exists()


def test_debian_pyo3_is_used_offline_only_when_installed(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path, WORKING_CARGO)
    (sandbox.debian / "pyo3-0.17.3").mkdir()
    result = sandbox.run()
    assert result.returncode == 0, result.stderr
    assert "core: building riskmap_geocore with cargo 1.70.0 and Debian's crates" in result.stdout
    assert "core: built and installed in" in result.stdout
    config = sandbox.cargo_config.read_text()
    assert f'directory = "{sandbox.debian}"' in config
    assert 'replace-with = "debian"' in config
    assert f"-m pip install --quiet {sandbox.core}" in sandbox.python_calls()
    assert sandbox.stamp.exists()

    # Debian's crates gone: the offline replacement goes too, and cargo resolves crates itself.
    (sandbox.debian / "pyo3-0.17.3").rmdir()
    sandbox.stamp.unlink()
    result = sandbox.run()
    assert "with cargo 1.70.0 and crates resolved by cargo" in result.stdout
    assert not sandbox.cargo_config.exists()
    assert sandbox.stamp.exists()


def test_another_pyo3_in_debians_directory_is_not_forced_on_cargo(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path, WORKING_CARGO)
    (sandbox.debian / "pyo3-0.20.0").mkdir()
    result = sandbox.run()
    assert "crates resolved by cargo" in result.stdout
    assert not sandbox.cargo_config.exists()


def test_a_failed_build_falls_back_in_one_line_and_is_not_retried_every_run(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(tmp_path, WORKING_CARGO, pip_install_fails=True)
    result = sandbox.run()
    assert result.returncode == 0, result.stderr
    building, fallback = result.stdout.splitlines()
    assert building.startswith("core: building riskmap_geocore")
    assert "the build failed after" in fallback
    assert str(sandbox.stamp.parent / "core-build.log") in fallback
    assert "the Python reference geoparser will run" in fallback
    assert any("pip uninstall --yes --quiet riskmap-geocore" in c for c in sandbox.python_calls())
    assert sandbox.stamp.exists()


# ----------------------------------------------------------------------------------- Makefile


def _make_dry_run(goal: str) -> str:
    """The commands ``make GOAL`` would run from scratch (``-B``: as if nothing were built)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), goal],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_make_run_needs_no_root_and_installs_the_runtime_only() -> None:
    commands = _make_dry_run("run")
    assert "apt-get" not in commands
    assert "pip install --quiet -e .\n" in commands
    assert "[test]" not in commands and "[bench]" not in commands
    assert "geodata/core/build.sh" in commands


def test_make_test_installs_debian_packages_only_as_root_with_apt() -> None:
    commands = _make_dry_run("test")
    assert "pip install --quiet -e '.[test,postgres,dask]'" in commands
    assert "[bench]" not in commands
    apt = commands[: commands.index("apt-get install")]
    assert 'if [ "$(id -u)" = 0 ] && command -v apt-get' in apt[apt.rindex("if [") :]
    assert "RISKMAP_GEOPARSER=python .venv/bin/pytest" in commands
    assert "tests/test_geoparse*.py tests/test_geocore.py" in commands


def test_make_bench_adds_the_bench_extra() -> None:
    commands = _make_dry_run("bench")
    assert "pip install --quiet -e '.[bench]'" in commands
    assert "apt-get" not in commands and "[test]" not in commands


# -------------------------------------------------------------------------- geoparser switch


def _geoparser_in_subprocess(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("RISKMAP_")}
    code = (
        "from geodata.geoparse import compiled_core_available\n"
        "print('compiled' if compiled_core_available() else 'python')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_the_switch_turns_the_compiled_core_off() -> None:
    assert _geoparser_in_subprocess(RISKMAP_GEOPARSER="python") == "python"


def test_without_the_switch_the_core_runs_when_installed() -> None:
    try:
        import riskmap_geocore  # noqa: F401
    except ImportError:
        expected = "python"
    else:
        expected = "compiled"
    assert _geoparser_in_subprocess() == expected
    assert _geoparser_in_subprocess(RISKMAP_GEOPARSER="auto") == expected


def test_a_misspelt_switch_is_one_cli_error_line(tmp_path: Path) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("RISKMAP_")}
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "data", "info"],
        capture_output=True,
        text=True,
        env={**base, "RISKMAP_GEOPARSER": "pyhton", "RISKMAP_DATA_DIR": str(tmp_path)},
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("riskmap: error: RISKMAP_GEOPARSER:")

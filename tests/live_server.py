"""A real server on a free loopback port, for clients that cannot use a TestClient.

Two ways to run it:

- :func:`serve_process`: ``riskmap serve`` in its own process. Needed for GDAL (pyogrio keeps
  the GIL while GDAL fetches pages, so a server thread in the same interpreter never answers:
  a deadlock, seen with pyogrio 0.13) and for the SIGKILL test, which must kill it.
- :func:`live_server`: uvicorn in a thread of the test process, for clients in other
  processes (a browser) or that release the GIL (httpx).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from geodata.boundaries import cache_dir_for
from service.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def require_boundary_cache() -> Settings:
    """The environment's settings; skips the calling test when the boundary cache is absent."""
    settings = Settings()
    cache = cache_dir_for(settings.data_dir, settings.boundary_source_object().key)
    if not (cache / "metadata.json").exists():
        pytest.skip(f"boundary cache not built at {cache}: run `riskmap data build`")
    return settings


def test_settings(database: Path, **overrides: object) -> Settings:
    """Settings from the environment with a database of its own; skips without a cache."""
    require_boundary_cache()
    return Settings(database_url=f"sqlite:///{database}", **overrides)  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]  # not a test despite its name


@contextmanager
def live_server(settings: Settings, startup_timeout: float = 60.0) -> Iterator[str]:
    """Serve the real app in a thread; yields its base URL (with a trailing slash)."""
    from service.app import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server exited during start-up")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the test server did not start within {startup_timeout} s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@dataclass
class LiveServer:
    """A running server: its base URL (trailing slash), database file and process."""

    url: str
    database: Path
    process: subprocess.Popen[bytes]


@contextmanager
def serve_process(
    database: Path, startup_timeout: float = 90.0, **env_overrides: str
) -> Iterator[LiveServer]:
    """Start ``riskmap serve`` with its own SQLite database; stop it (SIGTERM) afterwards."""
    settings = require_boundary_cache()
    port = free_port()
    env = {
        **os.environ,
        "RISKMAP_DATA_DIR": str(settings.data_dir),
        "RISKMAP_DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": str(PROJECT_ROOT),
        **env_overrides,
    }
    log = database.with_suffix(".log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_healthy(url, process, startup_timeout, database.with_suffix(".log"))
        yield LiveServer(url, database, process)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def _wait_until_healthy(
    url: str, process: subprocess.Popen[bytes], timeout: float, log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited during start-up:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not answer /health within {timeout} s")

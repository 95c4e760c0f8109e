"""A real uvicorn server on a free loopback port, for clients that cannot use a TestClient.

GDAL's OAPIF driver, ``geopandas.read_file`` on a URL, schemathesis over HTTP and many threads
of httpx all need a socket; the server runs in a thread of the test process with its own
database, so it shares nothing with other tests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from geodata.boundaries import cache_dir_for
from service.settings import Settings


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_settings(database: Path, **overrides: object) -> Settings:
    """Settings from the environment (``RISKMAP_DATA_DIR``) with a database of its own.

    Skips the calling test when the boundary cache is not built, like ``make_client`` does.
    """
    settings = Settings(database_url=f"sqlite:///{database}", **overrides)  # type: ignore[arg-type]
    cache = cache_dir_for(settings.data_dir, settings.boundary_source_object().key)
    if not (cache / "metadata.json").exists():
        pytest.skip(f"boundary cache not built at {cache}: run `riskmap data build`")
    return settings


test_settings.__test__ = False  # type: ignore[attr-defined]  # not a test despite its name


@contextmanager
def live_server(settings: Settings, startup_timeout: float = 60.0) -> Iterator[str]:
    """Serve the real app in a thread; yields its base URL (with a trailing slash)."""
    from service.app import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        # Enough headroom for the concurrency test's 24 clients plus GDAL's parallel fetches.
        limit_concurrency=200,
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

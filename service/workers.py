"""Blocking ingest work on daemon threads, a few at a time.

Reading a document is CPU work nothing can interrupt. On anyio's worker threads (not daemon
threads) a long reading kept ``riskmap serve`` alive after SIGTERM until it was done, minutes
for a megabyte of text. On a daemon thread the process exits once uvicorn's graceful timeout
has passed; a write transaction it never committed is rolled back (SQLite ignores uncommitted
WAL frames, as after a ``kill -9``). A limit of its own also keeps ingests from taking every
thread that serves reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio

from service.errors import ShuttingDown

T = TypeVar("T")


class IngestWorkers:
    """Runs blocking calls on daemon threads, at most ``threads`` at once (create in a loop)."""

    def __init__(self, threads: int) -> None:
        self._limiter = anyio.CapacityLimiter(max(1, threads))

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on a daemon thread; its result or its exception."""
        async with self._limiter:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[T] = loop.create_future()

            def deliver(outcome: Callable[[], None]) -> None:
                if not future.done():
                    outcome()

            def work() -> None:
                try:
                    result = function(*args)
                except BaseException as exc:  # handed to the awaiting request, not lost
                    error = exc
                    _call_soon(loop, deliver, lambda: future.set_exception(error))
                else:
                    _call_soon(loop, deliver, lambda: future.set_result(result))

            threading.Thread(target=work, name="riskmap-ingest", daemon=True).start()
            try:
                return await future
            except asyncio.CancelledError:
                # uvicorn's graceful shutdown timed out: answer rather than drop the client.
                # The thread's transaction never commits once the store is closed.
                raise ShuttingDown(
                    "the server stopped before the ingest finished; nothing was stored"
                ) from None


def _call_soon(loop: asyncio.AbstractEventLoop, *call: Any) -> None:
    """Hand a result to the loop; after shutdown the loop is closed and nobody is waiting."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(*call)

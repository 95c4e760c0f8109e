"""Hand the memory start-up used and freed back to the operating system.

Loading the boundary layers reads whole Parquet files through Arrow and turns WKB into
shapes; the buffers are freed when loading ends, but Arrow's allocator and glibc's keep the
pages for reuse, so a server that just started showed 150 MB more resident memory than it
held (it fell back within seconds, or never, depending on the allocator). Releasing them once
start-up is done makes the idle figure what the server really holds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys


def release_freed_memory() -> None:
    """Collect garbage, then return the allocators' free pages to the OS.

    (``gc.freeze`` was tried and left out: an app that is shut down inside a process that
    goes on, as in the tests, would keep its frozen cycles, boundaries included, for good.)
    """
    gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    if sys.platform.startswith("linux"):
        name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(name) if name else None
        trim = getattr(libc, "malloc_trim", None)  # glibc only (not musl)
        if trim is not None:
            trim(0)

"""Hand the memory start-up used and freed back to the operating system.

Loading the boundary layers reads whole Parquet files through Arrow and turns WKB into
shapes; the buffers are freed when loading ends, but Arrow's jemalloc keeps the pages for its
decay time and glibc until trimmed, so a server that had just started showed ~160 MB more
resident memory than it held. Purging them makes the idle figure what the server holds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys


def return_freed_pages_at_once() -> None:
    """Have Arrow's allocator give freed pages back to the OS at once, not seconds later.

    Arrow's jemalloc keeps freed pages for reuse for a while (its decay time): reading the
    boundary Parquet files left ~160 MB of them resident in a server that had just started.
    Arrow allocates here only while those files are read, so nothing is lost by purging.
    Call it before loading.
    """
    try:
        import pyarrow

        pyarrow.jemalloc_set_decay_ms(0)
    except (ImportError, NotImplementedError):  # an Arrow built without jemalloc
        pass


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

"""Paths as fsspec URLs: a local path, ``file://``, ``memory://`` or object storage alike.

fsspec is imported here and nowhere else in the batch package, so a missing install is one
readable error; which protocols work depends on the fsspec implementations installed
(``s3fs`` for ``s3://``, ``gcsfs`` for ``gs://``...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.batch.errors import BatchError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

INSTALL_HINT = "pip install 'riskmap[dask]'"


def filesystem(url: str) -> tuple[AbstractFileSystem, str]:
    """The filesystem of ``url`` and the path within it (local paths made absolute)."""
    try:
        import fsspec
    except ImportError as exc:
        raise BatchError(f"riskmap batch needs fsspec ({INSTALL_HINT})") from exc
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:  # an unknown protocol, or its package missing
        raise BatchError(f"{url}: {exc}") from exc
    return fs, str(path)


def full_url(fs: AbstractFileSystem, path: str) -> str:
    """``path`` with its protocol, so another process (a Dask worker) opens the same file."""
    return str(fs.unstrip_protocol(path))


def join(root: str, *parts: str) -> str:
    """``root/part/...`` (fsspec paths always use ``/``)."""
    return "/".join([root.rstrip("/"), *parts])

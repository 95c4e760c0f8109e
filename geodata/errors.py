"""Domain errors raised by the geodata package.

The web layer and the CLI map these to HTTP statuses and exit codes; the domain code only says
what went wrong and with which file, so a user sees one readable line instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path


class GeodataError(Exception):
    """Base class for every error riskmap's geodata package raises on purpose."""


class BoundaryDataError(GeodataError):
    """A boundary file is missing, unreadable, corrupt or mapped to fields it does not have."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class DownloadError(GeodataError):
    """A remote boundary file could not be fetched or failed its checksum."""


class NotFound(GeodataError):
    """A region, border or document id that the data does not hold."""

"""What can go wrong in a backfill, as errors the CLI prints in one line."""

from __future__ import annotations


class BatchError(ValueError):
    """A batch cannot be read or loaded; the message says what and where.

    A ValueError, so ``riskmap``'s error handler prints it as one line; raised on Dask workers
    too, so it keeps a single message argument (exceptions travel back pickled).
    """


class BatchInputError(BatchError):
    """An input shard is missing, unreadable or holds a row that is no article."""

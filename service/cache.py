"""In-memory caches bounded by bytes, each value built once, and the response bodies they hold.

Every cache of the service (encoded layers, score tables, rendered pages, compressed bodies)
holds values whose sizes differ by four orders of magnitude: one country's page is 200 KB,
the world's admin-1 layer at full detail 40 MB. A bound on the number of entries therefore
bounds nothing; :class:`ByteCache` bounds the bytes held instead, dropping the least recently
used values first.

A value is built at most once at a time per key (single flight): when eight clients ask for
the world map right after an ingest, one thread renders and compresses it while the others
wait for its result instead of doing the same seconds of work eight times.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: gzip level of cached bodies. Measured on the world admin-1 map page (7.3 MB, see
#: ``bench/bench_maps.py``): level 5 is within 0.5% of level 9's size at less than a third of
#: its time (0.2 s against 0.7 s), and a body is compressed once per data version, not per
#: request, so the levels above 5 cost time for no bytes worth having.
GZIP_LEVEL = 5
#: Bodies smaller than this go out as they are: gzip would save less than its header costs.
GZIP_MIN_BYTES = 1024


@dataclass
class CacheStats:
    """What a cache did since start-up: for benchmarks and for sizing the budgets."""

    hits: int = 0
    misses: int = 0
    evictions: int = 0


class ByteCache(Generic[K, V]):
    """A least-recently-used cache holding at most ``max_bytes`` (as ``sizeof`` counts them).

    A value larger than the whole budget is returned but not kept. ``get_or_build`` builds a
    missing value once however many threads ask for it at the same time.

    >>> cache: ByteCache[str, bytes] = ByteCache(10, len)
    >>> cache.get_or_build("a", lambda: b"12345678")
    b'12345678'
    >>> cache.get_or_build("b", lambda: b"1234")  # 12 bytes > 10: "a" is dropped
    b'1234'
    >>> "a" in cache
    False
    """

    def __init__(self, max_bytes: int, sizeof: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self.sizeof = sizeof
        self.stats = CacheStats()
        self._values: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._building: dict[K, threading.Lock] = {}

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._values

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    @property
    def nbytes(self) -> int:
        """Bytes held now (never more than ``max_bytes``)."""
        with self._lock:
            return self._bytes

    def get(self, key: K) -> V | None:
        """The value under ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            return self._lookup(key)

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        """The value under ``key``, built by ``build()`` (once, whoever else is waiting)."""
        with self._lock:
            found = self._lookup(key)
            if found is not None:
                return found
            flight = self._building.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                found = self._lookup(key)  # built by the thread we waited for
                if found is not None:
                    return found
            try:
                value = build()
                self.put(key, value)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value``, dropping the least recently used values until it fits."""
        size = self.sizeof(value)
        with self._lock:
            self.stats.misses += 1
            old = self._values.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return
            self._values[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._values.popitem(last=False)
                self._bytes -= dropped
                self.stats.evictions += 1

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0

    def _lookup(self, key: K) -> V | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        self._values.move_to_end(key)
        self.stats.hits += 1
        return entry[0]


@dataclass(frozen=True)
class PreparedBody:
    """A response body ready to send: its gzip form (made once), a strong ETag, and its bytes
    as they are only when gzip does not pay.

    Nearly every client takes gzip, so a compressed body is kept compressed only: the world
    map page is 2.4 MB instead of 2.4 + 7.3 MB in the cache. The rare client that refuses
    gzip gets the same bytes decompressed for it (:attr:`raw`).
    """

    plain: bytes | None
    gzipped: bytes | None
    etag: str
    media_type: str

    @property
    def raw(self) -> bytes:
        """The body's own bytes (decompressed when only the gzip form is kept)."""
        if self.plain is not None:
            return self.plain
        assert self.gzipped is not None
        return gzip.decompress(self.gzipped)

    @property
    def nbytes(self) -> int:
        return len(self.plain or b"") + len(self.gzipped or b"") + 200


def body_etag(raw: bytes) -> str:
    """A strong ETag from the bytes themselves: equal bodies, equal tags, across restarts."""
    return '"' + hashlib.blake2b(raw, digest_size=16).hexdigest() + '"'


def prepare(raw: bytes, media_type: str, level: int = GZIP_LEVEL) -> PreparedBody:
    """Hash and (when it pays) compress a body once, for every client that will ask for it.

    ``mtime=0`` keeps the gzip bytes a function of the body alone.
    """
    gzipped: bytes | None = None
    if len(raw) >= GZIP_MIN_BYTES:
        gzipped = gzip.compress(raw, compresslevel=level, mtime=0)
        if len(gzipped) >= len(raw):  # already compressed (a PNG): send it as it is
            gzipped = None
    return PreparedBody(raw if gzipped is None else None, gzipped, body_etag(raw), media_type)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (RFC 9110 13.1.2, weak comparison).

    ``*`` matches any current representation; ``W/"x"`` matches ``"x"``.
    """
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


def sizeof_text(text: str) -> int:
    """Bytes a Python ``str`` occupies (1 to 4 per character, plus its header)."""
    return sys.getsizeof(text)

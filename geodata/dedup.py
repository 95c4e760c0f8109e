"""One event, many articles: cluster incidents that report the same thing.

Two incidents are the same event when they have the same type, overlapping places, dates within
a window and compatible numbers (one count within a tolerance of the other, or one missing).
Articles that are near-copies of each other (MinHash estimate of Jaccard similarity over word
shingles above a threshold) share their incidents regardless of the date each one resolved to,
because a rewrite of a wire story often anchors relative dates differently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from geodata.incidents import Incident
from geodata.timeexpr import shift_days

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class DedupSettings:
    """Thresholds for calling two incidents one event."""

    window_days: int = 7
    count_tolerance: float = 0.25
    near_duplicate_jaccard: float = 0.6
    shingle_words: int = 5
    permutations: int = 64
    #: Banded LSH over the signature: two texts become near-copy candidates when all the
    #: slots of one band agree. 21 bands of 3 slots find a pair at Jaccard 0.6 with
    #: probability 1 - (1 - 0.6**3)**21 = 0.994 (0.5: 0.94, 0.3: 0.44); candidates are then
    #: checked on the whole signature, so a loose band only costs a comparison.
    lsh_bands: int = 21
    lsh_rows: int = 3
    #: Near-copies are looked for among documents published this many days either side: a
    #: reprint years later is a new article, and the lookup stays flat as the archive grows.
    near_copy_days: int = 120


class MinHasher:
    """MinHash signatures of word shingles: similar texts have similar signatures."""

    def __init__(self, permutations: int = 64, shingle_words: int = 5, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        # Multiply-add hashing with wrap-around on 64 bits; odd multipliers are bijections.
        self.a = rng.integers(0, 1 << 62, size=permutations, dtype=np.uint64) * 2 + 1
        self.b = rng.integers(0, 1 << 62, size=permutations, dtype=np.uint64)
        self.shingle_words = shingle_words

    def shingles(self, text: str) -> set[int]:
        words = [w.lower() for w in _WORD.findall(text)]
        n = self.shingle_words
        if len(words) < n:
            return {_hash64(" ".join(words))} if words else set()
        return {_hash64(" ".join(words[i : i + n])) for i in range(len(words) - n + 1)}

    def signature(self, text: str) -> np.ndarray:
        shingles = np.fromiter(self.shingles(text), dtype=np.uint64)
        if shingles.size == 0:
            return np.full(self.a.shape, np.iinfo(np.uint64).max, dtype=np.uint64)
        values = self.a[:, None] * shingles[None, :] + self.b[:, None]
        signature: np.ndarray = values.min(axis=1)
        return signature


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def estimated_jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Share of MinHash slots that agree: an unbiased estimate of the Jaccard similarity."""
    return float(np.mean(first == second))


def band_hashes(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    """One signed 64-bit hash per LSH band of a MinHash signature (``bands * rows`` slots).

    Signed so the values fit a SQL ``BIGINT``; the band number is not mixed in because it is
    stored beside the hash.

    >>> sig = MinHasher(6).signature("a bomb exploded in the market on monday")
    >>> band_hashes(sig, 3, 2) == band_hashes(sig.copy(), 3, 2)
    True
    """
    if bands * rows > signature.size:
        raise ValueError(f"{bands} bands of {rows} need {bands * rows} slots")
    hashes = []
    for band in range(bands):
        chunk = signature[band * rows : (band + 1) * rows].astype("<u8").tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        hashes.append(int.from_bytes(digest, "little", signed=True))
    return hashes


def signature_bytes(signature: np.ndarray) -> bytes:
    """A signature as stored: little-endian unsigned 64-bit slots."""
    return signature.astype("<u8").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    """The inverse of :func:`signature_bytes`."""
    return np.frombuffer(data, dtype="<u8").astype(np.uint64)


def week_number(day: date) -> int:
    """Weeks since 0001-01-01 (a Monday): the time part of a dedup block."""
    return (day.toordinal() - 1) // 7


def incident_countries(incident: Incident) -> set[str]:
    """The countries an incident is filed under (a region id starts with its country)."""
    return {loc.country or loc.region_id[:3] for loc in incident.locations}


def dedup_blocks(
    incident_type: str, countries: Iterable[str], days: Iterable[date | None]
) -> set[tuple[str, str, int]]:
    """The (type, country, week) blocks an incident is filed under.

    ``days`` are the incident's date and its document's published date: a report matches
    another whose event date or publication is within the window, like the two dates the
    comparison itself uses (:func:`same_event`).
    """
    weeks = {week_number(day) for day in days if day is not None}
    return {(incident_type, country, week) for country in countries for week in weeks}


def neighbouring_weeks(day: date, window_days: int) -> range:
    """The weeks a report dated ``day`` may find a match in (``window_days`` either side)."""
    return range(
        week_number(shift_days(day, -window_days)),
        week_number(shift_days(day, window_days)) + 1,
    )


def near_duplicate_groups(
    texts: dict[str, str], settings: DedupSettings | None = None
) -> dict[str, str]:
    """Map each document id to the id of the first document it nearly duplicates (or itself).

    Each document is compared only with the earlier leaders that share an LSH band with it
    (:func:`band_hashes`), so the cost per document stays flat however many came before.
    """
    settings = settings or DedupSettings()
    hasher = MinHasher(settings.permutations, settings.shingle_words)
    leader: dict[str, str] = {}
    signatures: dict[str, np.ndarray] = {}
    order: dict[str, int] = {}
    buckets: dict[tuple[int, int], list[str]] = {}
    for doc_id, text in texts.items():
        signature = hasher.signature(text)
        keys = list(enumerate(band_hashes(signature, settings.lsh_bands, settings.lsh_rows)))
        candidates = sorted(
            {o for key in keys for o in buckets.get(key, [])}, key=order.__getitem__
        )
        for other in candidates:
            if estimated_jaccard(signature, signatures[other]) >= settings.near_duplicate_jaccard:
                leader[doc_id] = other
                break
        else:
            leader[doc_id] = doc_id
            signatures[doc_id] = signature
            order[doc_id] = len(order)
            for key in keys:
                buckets.setdefault(key, []).append(doc_id)
    return leader


def _places(incident: Incident) -> set[str]:
    return {loc.region_id for loc in incident.locations}


def _countries(incident: Incident) -> set[str]:
    return {loc.country for loc in incident.locations if loc.country}


def _compatible_counts(first: int | None, second: int | None, tolerance: float) -> bool:
    if first is None or second is None:
        return True
    return abs(first - second) <= tolerance * max(first, second, 1)


def same_event(
    first: Incident,
    second: Incident,
    settings: DedupSettings,
    near_duplicates: bool = False,
) -> bool:
    """Whether two incidents from different documents report one event."""
    if first.type != second.type:
        return False
    places_first, places_second = _places(first), _places(second)
    if not (places_first & places_second):
        # A country-level report and a province-level one of the same event still match when
        # the province lies in that country.
        coarse_first = {p for p in places_first if len(p) == 3}
        coarse_second = {p for p in places_second if len(p) == 3}
        if not (coarse_first & _countries(second) or coarse_second & _countries(first)):
            return False
    for attribute in ("killed", "wounded", "hostages", "militants"):
        if not _compatible_counts(
            getattr(first, attribute), getattr(second, attribute), settings.count_tolerance
        ):
            return False
    if near_duplicates:
        return True
    if first.date is None or second.date is None:
        return True
    return abs(first.date - second.date) <= timedelta(days=settings.window_days)


def cluster_incidents(
    incidents: Sequence[Incident],
    texts: dict[str, str] | None = None,
    settings: DedupSettings | None = None,
) -> list[list[Incident]]:
    """Group incidents into events; each inner list is one event, first report first.

    Incidents of one document are never merged with each other (a document listing two
    bombings reports two), only with incidents of other documents.
    """
    settings = settings or DedupSettings()
    leader = near_duplicate_groups(texts, settings) if texts else {}
    clusters: list[list[Incident]] = []
    # Only incidents of one type touching one country can match: index clusters that way.
    buckets: dict[tuple[str, str], list[int]] = {}
    for incident in incidents:
        keys = [(incident.type, c) for c in sorted(_countries(incident) | _places(incident))]
        candidates = sorted({i for key in keys for i in buckets.get(key, [])})
        home = None
        for index in candidates:
            cluster = clusters[index]
            if any(member.doc_id == incident.doc_id for member in cluster):
                continue
            near = any(
                leader.get(member.doc_id, member.doc_id) == leader.get(incident.doc_id, "")
                for member in cluster
            )
            if any(same_event(member, incident, settings, near) for member in cluster):
                home = index
                break
        if home is None:
            clusters.append([incident])
            home = len(clusters) - 1
        else:
            clusters[home].append(incident)
        for key in keys:
            if home not in buckets.setdefault(key, []):
                buckets[key].append(home)
    return clusters


def representative(cluster: Iterable[Incident]) -> Incident:
    """The report a cluster is scored by: the most confident, then the most precise.

    The id breaks the last ties, so the choice does not depend on the order the database
    returns the reports in (it differs between SQLite and PostgreSQL, and between a rebuild
    and an incremental update).
    """
    return max(
        cluster,
        key=lambda inc: (
            inc.confidence,
            -min((loc.precision for loc in inc.locations), default=9),
            -(inc.start),
            inc.id,
        ),
    )

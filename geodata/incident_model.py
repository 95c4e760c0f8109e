"""The incident records extraction produces, dedup clusters and scoring weighs.

Kept apart from :mod:`geodata.incidents` (which reads them out of text) so that the event
coreference (:mod:`geodata.coref`), dedup and scoring can share them without import cycles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from geodata.quantities import Quantity


@dataclass(frozen=True)
class Location:
    """Where an incident happened, as precisely as the text allows, and why we think so."""

    level: str  # admin1 | border | country
    region_id: str  # adm1_code, border id or alpha-3
    country: str | None
    precision: int
    reason: str
    surface: str
    mention_start: int | None = None
    mention_end: int | None = None
    confidence: float = 1.0
    point: tuple[float, float] | None = None  #: (lon, lat) when the place is a town


@dataclass(frozen=True)
class Incident:
    """One incident (one real-world event of one article) with the evidence it was read from.

    ``sentence``/``start``/``end`` is the representative sentence (the lead that places the
    event); ``evidence`` lists the span of every sentence that reports the event. ``killed``
    and ``wounded`` are separate tolls; ``casualties`` is a combined "killed and injured"
    figure when the article gives only that.
    """

    id: str
    doc_id: str
    type: str
    sentence: str
    start: int  # sentence span in the document
    end: int
    trigger: str
    trigger_start: int
    trigger_end: int
    locations: tuple[Location, ...]
    killed: int | None = None
    wounded: int | None = None
    hostages: int | None = None
    militants: int | None = None
    deadly: bool = False
    approximate: bool = False
    actors: tuple[str, ...] = ()
    date: dt.date | None = None
    date_first: dt.date | None = None
    date_last: dt.date | None = None
    date_text: str | None = None
    date_source: str = "published"
    confidence: float = 1.0
    quantities: tuple[Quantity, ...] = field(default=(), repr=False)
    casualties: int | None = None
    evidence: tuple[tuple[int, int], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready record (dates as ISO strings, evidence spans as pairs)."""
        record = asdict(self)
        record.pop("quantities")
        for key in ("date", "date_first", "date_last"):
            value = record[key]
            record[key] = value.isoformat() if value else None
        record["evidence"] = [list(span) for span in self.evidence]
        return record

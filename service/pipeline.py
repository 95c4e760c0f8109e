"""Text in, everything riskmap reads out of it: mentions, roles and incidents.

The one place the pure steps are chained (geoparse, then incidents), so the API, the CLI and the
benchmarks read a document the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geodata.gazetteer import Gazetteer
from geodata.geoparse import Mention, geoparse
from geodata.incidents import DocumentReading, extract_incidents
from service.storage import NewDocument, document_id


@dataclass(frozen=True)
class Reading:
    """One document read: its id, the place mentions and the incidents with their roles."""

    doc_id: str
    mentions: list[Mention]
    incidents: DocumentReading


class Reader:
    """Reads documents with a loaded gazetteer (heavy: load once, share)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def read(self, document: NewDocument, today: dt.date | None = None) -> Reading:
        """Geoparse and extract incidents; relative dates anchor on ``published`` or today."""
        doc_id = document_id(document.text)
        mentions = geoparse(document.text, self.gazetteer)
        anchor = today or dt.datetime.now(dt.UTC).date()
        reading = extract_incidents(doc_id, document.text, mentions, document.published, anchor)
        return Reading(doc_id, mentions, reading)

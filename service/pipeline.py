"""Text in, everything riskmap reads out of it: language, mentions, roles and incidents.

The one place the pure steps are chained (language, geoparse, then incidents), so the API, the
CLI and the benchmarks read a document the same way.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

from geodata.gazetteer import Gazetteer
from geodata.geoparse import Mention, geoparse
from geodata.incidents import DocumentReading, extract_incidents
from geodata.language import document_language, is_supported
from geodata.roles import assign_roles, focus_country
from geodata.text import split_sentences
from service.storage import NewDocument, document_id


@dataclass(frozen=True)
class Reading:
    """One document read: its id, language, the place mentions and the incidents with roles.

    ``incidents_extracted`` is False when the language has no incident tables: the document
    then has places but no incidents, and the API says why rather than showing a silent zero.
    """

    doc_id: str
    mentions: list[Mention]
    incidents: DocumentReading
    language: str | None = None
    incidents_extracted: bool = True


class Reader:
    """Reads documents with a gazetteer (heavy: load once, share).

    :meth:`lazy` defers loading it to the first document: a server that only serves maps and
    layers (documents stored by ``riskmap ingest`` or a batch job) never holds it, and one
    that takes documents pays the load (about a second from the pickle) on the first.
    """

    def __init__(
        self, gazetteer: Gazetteer | None = None, *, load: Callable[[], Gazetteer] | None = None
    ) -> None:
        if gazetteer is None and load is None:
            raise ValueError("a Reader needs a gazetteer or a way to load one")
        self._gazetteer = gazetteer
        self._load = load
        self._lock = threading.Lock()

    @classmethod
    def lazy(cls, load: Callable[[], Gazetteer]) -> Reader:
        """A reader whose gazetteer ``load()`` makes when the first document arrives."""
        return cls(load=load)

    @property
    def loaded(self) -> bool:
        """Whether the gazetteer is in memory."""
        return self._gazetteer is not None

    def load(self) -> None:
        """Load the gazetteer now, if it is not yet."""
        _ = self.gazetteer

    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer, loaded once however many threads ask at the same time."""
        if self._gazetteer is None:
            with self._lock:
                if self._gazetteer is None:
                    assert self._load is not None
                    self._gazetteer = self._load()
        return self._gazetteer

    def read(self, document: NewDocument, today: dt.date | None = None) -> Reading:
        """Geoparse and extract incidents; relative dates anchor on ``published`` or today.

        The language is the client's (``document.language``) or else detected; incidents are
        read only in a supported language.
        """
        doc_id = document_id(document.text)
        language = document_language(document.language, document.text)
        mentions = geoparse(document.text, self.gazetteer)
        if not is_supported(language):
            roles = assign_roles(document.text, mentions, split_sentences(document.text))
            empty = DocumentReading(doc_id, (), tuple(roles), focus_country(mentions))
            return Reading(doc_id, mentions, empty, language, incidents_extracted=False)
        anchor = today or dt.datetime.now(dt.UTC).date()
        reading = extract_incidents(doc_id, document.text, mentions, document.published, anchor)
        return Reading(doc_id, mentions, reading, language)

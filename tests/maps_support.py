"""Shared by the map tests: ingest the sample articles through the HTTP API."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from service.ingest_files import read_paths

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


class Poster(Protocol):
    def post(self, url: str, *, json: Any) -> Any: ...


def ingest_samples(client: Poster, base: str = "/") -> int:
    """POST every sample article to ``/documents``; returns how many were stored."""
    stored = 0
    for item in read_paths([SAMPLES]):
        assert item.document is not None, item.error
        doc = item.document
        response = client.post(
            f"{base.rstrip('/')}/documents",
            json={
                "text": doc.text,
                "published": doc.published.isoformat() if doc.published else None,
                "source": doc.source,
                "url": doc.url,
            },
        )
        assert response.status_code in (200, 201), response.text
        stored += 1
    return stored

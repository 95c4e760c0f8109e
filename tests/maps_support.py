"""Shared by the map tests: ingest the sample articles, read a page's JSON data island."""

from __future__ import annotations

import json
import re
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


_ISLAND = re.compile(r'<script type="application/json" id="rm-data">(.*?)</script>', re.DOTALL)


def island(page: str) -> dict[str, Any]:
    """The map page's JSON data island, parsed; a page carries exactly one."""
    found = _ISLAND.findall(page)
    assert len(found) == 1, "the page must carry exactly one rm-data island"
    data: dict[str, Any] = json.loads(found[0])
    return data

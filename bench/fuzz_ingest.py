"""Fuzz the write path of a real ``riskmap serve`` with the hostile classes of issue 10.

Posts template strings, huge numbers, deep nesting, extreme dates, long sentences, bad media
types, forged hosts and peers, non-ASCII tokens and an oversized JSON Lines batch, then opens
every map page. Prints one line per class and fails (exit 1) on any 500, on a rejected request
that stored something, or on a map page that is not 200.

It also prints the server's peak RSS (``VmHWM``, reset just before) before and after a 148 MB
JSON Lines batch sent without Content-Length (the case that held 510 MB before streaming and
the byte limit).

Run: ``python bench/fuzz_ingest.py`` (``RISKMAP_DATA_DIR`` must hold a built cache).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench_service import server as served

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fuzz-tøken"  # non-ASCII on purpose: clients send its UTF-8 bytes
AUTH = {"Authorization": b"Bearer " + TOKEN.encode("utf-8")}
JSON = {"Content-Type": "application/json", **AUTH}
NDJSON = {"Content-Type": "application/x-ndjson", **AUTH}
ARTICLE = "A suicide bomber killed 5 people in Kandahar city on Monday."
TEMPLATES = ["{{ 7*191 }}", "{% raw %}", "{{ config }}", "{% for x in y %}", "${7*191}", "`x`"]
HUGE = "9" * 5000
OVERSIZE_MB = 148
MAP_PAGES = ["maps/risk", "maps/embed", "maps/risk.png?width=400&height=300"]


@dataclass(frozen=True)
class Probe:
    """One request of a hostile class; ``accept`` says whether storing it is right."""

    kind: str
    path: str
    body: bytes | None
    headers: dict[str, str | bytes]
    accept: bool = False


def probes() -> Iterator[Probe]:
    for i, template in enumerate(TEMPLATES):
        document = {
            "text": f"A suicide bomber killed {i + 2} people in Kandahar city {template} today.",
            "published": "2024-11-25",
            "source": f"probe {template}",
            "url": f"https://example.org/{i}?q={template}",
        }
        yield Probe("template strings", "documents", json.dumps(document).encode(), JSON, True)
    number = f'{{"text": "x y", "published": {HUGE}}}'.encode()
    yield Probe("huge numbers", "documents", number, JSON)
    yield Probe("huge numbers", "documents/batch", b"[" + number + b"]", JSON)
    yield Probe("huge numbers", "documents/batch", number + b"\n", NDJSON)
    yield Probe("nesting", "documents", b"[" * 100_000, JSON)
    yield Probe("nesting", "documents/batch", b'{"a":' * 100_000, JSON)
    yield Probe("nesting", "documents/batch", b'{"text": "x"}\n' + b"[" * 100_000, NDJSON)
    for published in ("9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01T00:00:00Z"):
        text = f"A bomb exploded in Kabul yesterday, killing 3 people. ({published})"
        body = json.dumps({"text": text, "published": published}).encode()
        yield Probe("extreme dates", "documents", body, JSON)
    good = [{"text": f"{ARTICLE} (batch item {i})", "published": "2024-11-25"} for i in range(3)]
    mixed = [*good, {"text": ARTICLE, "published": "9999-12-31"}]
    yield Probe("extreme dates", "documents/batch", json.dumps(mixed).encode(), JSON)
    for size in (2_000, 20_000):
        body = json.dumps({"text": "Kabul " * size + ".", "published": "2024-11-25"}).encode()
        yield Probe("long sentences", "documents", body, JSON, True)
    document = json.dumps({"text": f"{ARTICLE} (media type)"}).encode()
    for content_type in (None, "text/plain", "application/x-www-form-urlencoded"):
        headers: dict[str, str | bytes] = dict(AUTH)
        if content_type:
            headers["Content-Type"] = content_type
        yield Probe("bad content types", "documents", document, headers)
        yield Probe("bad content types", "documents/batch", b"[" + document + b"]", headers)
    for token in (b"Bearer s\xc3\xa9cret", b"Bearer s\xe9cret", b"Bearer \xff\xfe", None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = token
        yield Probe("non-ASCII tokens", "documents", document, headers)
    yield Probe("forged host", "documents", document, {**JSON, "Host": "evil.example"})


@contextmanager
def server(database: Path) -> Iterator[tuple[str, int]]:
    """``riskmap serve`` in its own process with a token; yields its URL and process id."""
    with served(database, ROOT, {"RISKMAP_API_TOKEN": TOKEN}) as running:
        yield running.url + "/", running.pid


def reset_peak_rss(pid: int) -> None:
    """Start ``VmHWM`` again from the current RSS (start-up loads the gazetteer: ~1 GB peak)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (``VmHWM``), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc")


def oversized_batch(megabytes: int) -> Iterator[bytes]:
    """JSON Lines of distinct 74 KB documents, streamed (chunked: no Content-Length)."""
    line_count = megabytes * 1_000_000 // 74_000
    for i in range(line_count):
        text = f"{ARTICLE} (oversized {i}) " + "Officials said more. " * 3500
        yield json.dumps({"text": text}).encode() + b"\n"


@dataclass
class Findings:
    """What one run saw: status counts per class, the oversized batch, the map pages."""

    statuses: dict[str, Counter[int]]
    failures: list[str]
    oversize: str
    rss_before_mb: float
    rss_after_mb: float
    pages: dict[str, int]
    evaluated: bool


def fuzz(client: httpx.Client, pid: int) -> Findings:
    """Send every probe, then the oversized batch, then open the map pages."""
    failures: list[str] = []
    statuses: dict[str, Counter[int]] = {}

    def stored() -> int:
        count: int = client.get("health").json()["documents"]
        return count

    for probe in probes():
        before = stored()
        response = client.post(probe.path, content=probe.body, headers=probe.headers)
        statuses.setdefault(probe.kind, Counter())[response.status_code] += 1
        after = stored()
        if response.status_code >= 500:
            failures.append(f"{probe.kind}: {probe.path} answered {response.status_code}")
        elif response.status_code >= 400 and after != before:
            failures.append(f"{probe.kind}: rejected ({response.status_code}) but stored")
        elif probe.accept and response.status_code not in (200, 201):
            failures.append(f"{probe.kind}: refused ({response.status_code})")

    reset_peak_rss(pid)
    rss_before, before = peak_rss_mb(pid), stored()
    started = time.perf_counter()
    try:
        response = client.post(
            "documents/batch", content=oversized_batch(OVERSIZE_MB), headers=NDJSON
        )
        outcome = str(response.status_code)
    except httpx.TransportError as exc:  # the server may close once it has refused
        outcome = f"connection closed ({type(exc).__name__})"
    oversize = f"{outcome} in {time.perf_counter() - started:.1f} s"
    rss_after = peak_rss_mb(pid)
    if stored() != before:
        failures.append("oversized batch: stored documents")

    pages = {page: client.get(page).status_code for page in MAP_PAGES}
    failures += [f"{page}: {status}" for page, status in pages.items() if status != 200]
    page = client.get("maps/risk").text
    # "city 1337" would mean the template ran; the literal must be shown instead.
    evaluated = "city 1337" in page or "{{ 7*191 }}" not in page
    return Findings(statuses, failures, oversize, rss_before, rss_after, pages, evaluated)


def main() -> int:
    with (
        tempfile.TemporaryDirectory() as tmp,
        server(Path(tmp) / "fuzz.sqlite3") as (url, pid),
        httpx.Client(base_url=url, timeout=600) as client,
    ):
        found = fuzz(client, pid)
    print(f"{'class':20} statuses")
    for kind, counter in found.statuses.items():
        print(f"{kind:20} " + ", ".join(f"{n}x {s}" for s, n in sorted(counter.items())))
    growth = found.rss_after_mb - found.rss_before_mb
    print(
        f"\n{OVERSIZE_MB} MB JSON Lines batch (chunked): {found.oversize}; server peak RSS "
        f"{found.rss_before_mb:.0f} MB -> {found.rss_after_mb:.0f} MB (+{growth:.0f} MB)"
    )
    print("map pages: " + ", ".join(f"{page} {status}" for page, status in found.pages.items()))
    print(f"template syntax evaluated on /maps/risk: {'YES' if found.evaluated else 'no'}")
    for failure in found.failures:
        print(f"FAIL {failure}")
    print(f"\n{len(found.failures)} failure(s)")
    return 1 if found.failures else 0


if __name__ == "__main__":
    sys.exit(main())

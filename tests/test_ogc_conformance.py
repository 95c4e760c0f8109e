"""ogctests, a third-party OGC API - Features Part 1 conformance suite, against a live server.

ogctests is a pytest suite of its own (one test per abstract test of OGC 17-069r4, ``test_astN``).
It runs once, in a subprocess, against ``riskmap serve`` with a few articles ingested (so that
the incidents collection has features too); each of its abstract tests then shows up here as
one test that passes, or is skipped with the reason written below.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import httpx
import pytest

from tests.live_server import serve_process

ogctests = pytest.importorskip("ogctests", reason="ogctests (the `test` extra) is not installed")

SCOPE = "features/core"

#: Abstract tests of ogctests that cannot pass here, and why. Nothing else may fail.
NOT_APPLICABLE = {
    "test_ast2": "ogctests asks for the Part 2 conformance class (conf/crs) in a Part 1 test; "
    "riskmap serves CRS84 only, as Part 1 (/req/core/crs84) requires, and does not claim Part 2",
}

# ogctests requests /collections/{id}/items/{featureId} with the raw id: "GAZ+00?" becomes the
# path "GAZ+00" and an empty query. RFC 3986 asks clients to percent-encode such ids (our own
# links do: tests/test_ogc_rules.py); this client does only that, everything else passes as is.
RUNNER = textwrap.dedent(
    """
    import re
    import sys
    from urllib.parse import quote

    import httpx
    from ogctests.main import run_ogctests

    ITEM = re.compile(r"(/collections/[^/?]+/items/)(.+)")


    class PercentEncodingClient(httpx.Client):
        def get(self, url, **kwargs):
            match = ITEM.fullmatch(str(url))
            if match:
                url = match[1] + quote(match[2], safe="")
            return super().get(url, **kwargs)


    url, junit, ini = sys.argv[1:4]
    flags = ["-c", ini, "-q", "-p", "no:cacheprovider", "--tb=short", "--junitxml=" + junit]
    with PercentEncodingClient(base_url=url, timeout=120) as client:
        sys.exit(run_ogctests(sys.argv[4], url, flags, test_client=client))
    """
)

ARTICLES = [
    {
        "text": "A roadside bomb killed three soldiers near Kandahar on Sunday.",
        "published": "2024-10-06",
        "source": "conformance-test",
    },
    {
        "text": "Gunmen kidnapped four engineers in Helmand province on Friday.",
        "published": "2024-10-04",
        "source": "conformance-test",
    },
]


def abstract_tests() -> list[str]:
    """The ``test_astN`` functions of ogctests' Part 1 core suite, read from its modules."""
    root = Path(ogctests.__file__).parent / SCOPE
    names = []
    for module_path in sorted(root.glob("test_*.py")):
        module = import_module(f"ogctests.{SCOPE.replace('/', '.')}.{module_path.stem}")
        names += [name for name, _ in inspect.getmembers(module, inspect.isfunction)]
    return sorted({n for n in names if n.startswith("test_ast")}, key=lambda n: int(n[8:]))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, str]]]:
    """ogctests' outcome per abstract test: ("passed" | "failed" | "skipped", message)."""
    work = tmp_path_factory.mktemp("ogctests")
    with serve_process(work / "riskmap.sqlite3") as live:
        for article in ARTICLES:
            response = httpx.post(live.url + "documents", json=article, timeout=60)
            assert response.status_code == 201, response.text
        ini = work / "pytest.ini"  # not riskmap's own pytest settings
        ini.write_text("[pytest]\n")
        junit = work / "ogctests.xml"
        run = subprocess.run(
            [sys.executable, "-c", RUNNER, live.url.rstrip("/"), str(junit), str(ini), SCOPE],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert junit.exists(), f"ogctests did not run:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    outcomes: dict[str, tuple[str, str]] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            element = case.find(kind)
            if element is not None:
                outcome = "skipped" if kind == "skipped" else "failed"
                message = (element.get("message") or "") + "\n" + (element.text or "")
        outcomes[case.get("name", "")] = (outcome, message)
    yield outcomes


def test_ogctests_ran_every_abstract_test(results: dict[str, tuple[str, str]]) -> None:
    assert set(results) == set(abstract_tests())
    assert len(results) >= 25


@pytest.mark.parametrize("abstract_test", abstract_tests())
def test_abstract_test(results: dict[str, tuple[str, str]], abstract_test: str) -> None:
    outcome, message = results[abstract_test]
    if abstract_test in NOT_APPLICABLE:
        assert outcome == "failed", f"{abstract_test} passes now: drop it from NOT_APPLICABLE"
        pytest.skip(NOT_APPLICABLE[abstract_test])
    if outcome == "skipped":
        pytest.skip(f"ogctests skipped it: {message.strip()[:300]}")
    assert outcome == "passed", message[-3000:]

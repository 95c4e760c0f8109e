"""What the server holds in memory: one copy of each geometry string, no gazetteer until a
document arrives, compressed bodies kept compressed only.

The sizes themselves are measured by ``bench/bench_serving.py`` (RSS idle and after load);
these tests pin the mechanisms, so a change that brings a copy back fails here.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_client
from fastapi.testclient import TestClient

from geodata.boundaries import Boundaries
from geodata.webgeom import Detail
from service.cache import prepare
from service.layers import GeometryStrings, static_layers


def test_layers_read_geometry_from_the_frames_own_column(real_boundaries: Boundaries) -> None:
    layers = static_layers(real_boundaries)
    for name, frame in (
        ("admin1", real_boundaries.admin1),
        ("admin0", real_boundaries.admin0),
        ("borders", real_boundaries.borders),
    ):
        for detail in Detail:
            strings = layers[name].geometries[detail]  # type: ignore[index]
            assert isinstance(strings, GeometryStrings)  # not a list: no second copy
            column = frame[f"geojson_{detail.value}"]
            assert len(strings) == len(column)
            for i in (0, len(column) // 2, len(column) - 1):
                assert strings[i] == column.iloc[i]
            assert strings[:3] == list(column.iloc[:3])


def test_geometry_strings_of_a_plain_list() -> None:
    strings = GeometryStrings(['{"type":"Point","coordinates":[1,2]}', None])
    assert strings[0] == '{"type":"Point","coordinates":[1,2]}'
    assert strings[1] == "null" and len(strings) == 2


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield from make_client(tmp_path)


def test_the_gazetteer_loads_with_the_first_document(client: TestClient) -> None:
    """A server that is only asked for maps and layers never loads the gazetteer."""
    reader = client.app.state.reader  # type: ignore[attr-defined]
    assert not reader.loaded
    assert client.get("/regions", params={"country": "AFG"}).status_code == 200
    assert not reader.loaded
    response = client.post(
        "/documents", json={"text": "Gunmen attacked a checkpoint in Herat on Tuesday."}
    )
    assert response.status_code == 201, response.text
    assert reader.loaded
    assert response.json()["mentions"]  # the lazily loaded gazetteer found Herat


def test_a_compressed_body_is_kept_compressed_only() -> None:
    raw = b"<html>" + b"riskmap " * 5000 + b"</html>"
    body = prepare(raw, "text/html")
    assert body.plain is None and body.gzipped is not None
    assert body.raw == raw and gzip.decompress(body.gzipped) == raw
    assert body.nbytes < len(raw) // 10
    small = prepare(b"tiny", "text/plain")  # gzip does not pay: kept as it is
    assert small.plain == b"tiny" and small.gzipped is None and small.raw == b"tiny"


def test_a_client_without_gzip_gets_the_same_bytes(client: TestClient) -> None:
    params = {"country": "AFG", "level": "admin1"}
    zipped = client.get("/maps/risk", params=params, headers={"Accept-Encoding": "gzip"})
    plain = client.get("/maps/risk", params=params, headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert plain.content == zipped.content  # httpx decoded the gzip one
    assert plain.headers["etag"] == zipped.headers["etag"]


def test_start_up_hands_freed_memory_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app releases what loading freed once start-up is done (whatever the platform)."""
    import service.app
    from service.memory import release_freed_memory, return_freed_pages_at_once

    return_freed_pages_at_once()  # runs where there is no jemalloc or glibc, too
    release_freed_memory()
    calls: list[str] = []
    monkeypatch.setattr(service.app, "release_freed_memory", lambda: calls.append("release"))
    monkeypatch.setattr(service.app, "return_freed_pages_at_once", lambda: calls.append("purge"))
    for client in make_client(tmp_path):
        assert calls == ["purge", "release"]  # purging set before loading, release after
        assert client.get("/health").status_code == 200

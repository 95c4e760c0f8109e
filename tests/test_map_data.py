"""``service.map_data``: a map's windows scored from one read, as the API scores them.

The page switches between eight or nine time windows without asking the server; they are
scored together (:meth:`ScoreBoard.window_tables`) without ``score_change``, which the page
does not show. These tests hold them to the API's own tables, number for number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import make_client
from fastapi.testclient import TestClient
from maps_support import ingest_samples

from service.map_data import _window_shapes, risk_map
from service.scores import ScoreBoard


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    for client in make_client(tmp_path_factory.mktemp("map-data")):
        ingest_samples(client)
        yield client


def _board(api: TestClient) -> ScoreBoard:
    board: ScoreBoard = api.app.state.scoreboard  # type: ignore[attr-defined]
    return board


@pytest.mark.parametrize(
    ("country", "since", "until"),
    [
        (None, None, None),
        ("AFG", None, None),
        (None, dt.date(2024, 11, 1), dt.date(2024, 11, 30)),
    ],
)
def test_map_windows_equal_the_api_tables(
    api: TestClient, country: str | None, since: dt.date | None, until: dt.date | None
) -> None:
    board = _board(api)
    view = risk_map(api.app.state.catalogue, board, country=country, since=since, until=until)  # type: ignore[attr-defined]
    keys = [("admin1", r.id) for r in view.regions] + [("border", b.id) for b in view.borders]
    assert len(view.windows) >= 4  # the presets, and those from the latest report when older
    assert any(window.shapes for window in view.windows)  # the samples score somewhere
    for window in view.windows:
        assert window.shapes == _window_shapes(board.table(window.since, window.until), keys)
    full = board.table(since, until)
    for shape in view.regions:
        assert shape.threat_score == full.properties("admin1", shape.id)["threat_score"]
        assert shape.incidents == full.properties("admin1", shape.id)["incidents"]


@pytest.fixture()
def fresh(tmp_path: Path) -> Iterator[TestClient]:
    """An app of its own with the samples just ingested: nothing scored yet."""
    for client in make_client(tmp_path):
        ingest_samples(client)
        yield client


def test_a_cold_map_reads_the_day_sums_once(fresh: TestClient) -> None:
    """After an ingest every window of the page comes from one read of ``region_days``."""
    board = _board(fresh)
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(board.store.engine, "before_cursor_execute", record)
    try:
        view = risk_map(fresh.app.state.catalogue, board)  # type: ignore[attr-defined]
    finally:
        sa.event.remove(board.store.engine, "before_cursor_execute", record)
    day_reads = [s for s in statements if "FROM region_days" in s and "max(" not in s]
    assert len(view.windows) >= 8
    assert len(day_reads) == 1, day_reads


def test_map_tables_carry_no_score_change(api: TestClient) -> None:
    """A window scored for a map says it knows no change, rather than a change of 0."""
    board = _board(api)
    until = dt.date(2031, 1, 1)
    plain, widest = board.window_tables([(None, until), (None, until)])
    assert plain is widest and plain.previous is None
    region = next(iter(plain.rows))
    assert plain.properties(*region)["score_change"] is None
    assert board.table(None, until).properties(*region)["score_change"] is not None

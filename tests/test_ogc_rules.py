"""OGC API - Features Part 1 (OGC 17-069r4) rules the service must keep, endpoint by endpoint.

Limits are capped, unknown query parameters refused, feature ids percent-encoded in links,
``bbox`` tested against geometries, ``Accept`` negotiated with q-values, and HTML pages sent
from templates with a strict Content-Security-Policy. Run against the real Natural Earth layers
and against a small boundary file of our own whose names and ids are hostile.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from geodata.boundaries import Boundaries, load_boundaries
from service.layers import bbox_polygons
from service.routes import ogc
from service.routes.common import MediaRange, best_media_type, parse_accept, quality
from service.settings import Settings
from tests.conftest import make_client

OGC_ENDPOINTS = [
    "/",
    "/conformance",
    "/collections",
    "/collections/admin1",
    "/collections/admin1/items",
    "/collections/admin1/items/AFG-1754",
]


def _link(body: dict[str, Any], rel: str) -> str | None:
    return next((link["href"] for link in body["links"] if link["rel"] == rel), None)


def _path(href: str) -> str:
    """A link as a TestClient path: the URL without scheme and host, still percent-encoded."""
    parts = urlsplit(href)
    return parts.path + ("?" + parts.query if parts.query else "")


# -- limit ------------------------------------------------------------------------------------


def test_limit_above_the_maximum_is_capped_not_refused(client: TestClient) -> None:
    response = client.get("/collections/admin1/items", params={"limit": 20_000})
    assert response.status_code == 200
    body = response.json()
    assert body["numberReturned"] == min(body["numberMatched"], ogc.MAX_LIMIT) > 4500
    assert parse_qs(urlsplit(_link(body, "self") or "").query)["limit"] == [str(ogc.MAX_LIMIT)]


def test_capped_limit_pages_on_with_next_links(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real maximum exceeds the admin-1 layer; a smaller cap shows the paging it implies.
    monkeypatch.setattr(ogc, "MAX_LIMIT", 1000)
    first = client.get("/collections/admin1/items", params={"limit": 20_000}).json()
    assert first["numberReturned"] == 1000
    next_href = _link(first, "next")
    assert next_href is not None
    assert parse_qs(urlsplit(next_href).query) == {"limit": ["1000"], "offset": ["1000"]}
    second = client.get(_path(next_href)).json()
    assert second["numberReturned"] == 1000
    first_ids = {f["id"] for f in first["features"]}
    assert first_ids.isdisjoint(f["id"] for f in second["features"])


@pytest.mark.parametrize("limit", ["0", "-1", "ten"])
def test_limit_below_one_or_not_a_number_is_refused(client: TestClient, limit: str) -> None:
    response = client.get("/collections/admin1/items", params={"limit": limit})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


# -- unknown query parameters -----------------------------------------------------------------


@pytest.mark.parametrize("path", OGC_ENDPOINTS)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("foo", "bar"),
        ("limitt", "5"),
        ("bbox-crs", "http://www.opengis.net/def/crs/EPSG/0/4326"),
        ("filter", "name='Kandahar'"),
    ],
)
def test_unknown_query_parameters_are_refused(
    client: TestClient, path: str, name: str, value: str
) -> None:
    response = client.get(path, params={name: value})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 400
    assert repr(name) in problem["detail"]


@pytest.mark.parametrize("path", OGC_ENDPOINTS)
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_f_is_accepted_everywhere(client: TestClient, path: str, fmt: str) -> None:
    response = client.get(path, params={"f": fmt})
    assert response.status_code == 200
    kind = "text/html" if fmt == "html" else "json"
    assert kind in response.headers["content-type"]


def test_declared_parameters_still_pass(client: TestClient) -> None:
    response = client.get(
        "/collections/admin0/items",
        params={"bbox": "60,29,62,31", "datetime": "2024-01-01/..", "limit": 5, "offset": 0},
    )
    assert response.status_code == 200
    assert {"AFG", "IRN"} <= {f["id"] for f in response.json()["features"]}


# -- ids in links -----------------------------------------------------------------------------

ODD_CHARACTERS = re.compile(r"[?+|#/%&;= ]")


@pytest.mark.parametrize("collection", ["admin1", "borders"])
def test_every_odd_id_links_to_itself(client: TestClient, collection: str) -> None:
    everything = client.get(f"/collections/{collection}/items", params={"limit": 10_000}).json()
    odd = [f["id"] for f in everything["features"] if ODD_CHARACTERS.search(f["id"])]
    # Natural Earth: 40 admin-1 ids like "GAZ+00?"; every border id is "AAA|BBB".
    assert len(odd) >= (40 if collection == "admin1" else 300)
    html_page = client.get(
        f"/collections/{collection}/items", params={"limit": 10_000, "f": "html"}
    ).text
    for feature_id in odd:
        encoded = quote(feature_id, safe="")
        item = client.get(f"/collections/{collection}/items/{encoded}")
        assert item.status_code == 200, feature_id
        self_href = _link(item.json(), "self")
        assert self_href is not None and self_href.endswith(f"/items/{encoded}")
        again = client.get(_path(self_href))
        assert again.status_code == 200 and again.json()["id"] == feature_id
        alternate = client.get(_path(_link(item.json(), "alternate") or ""))
        assert alternate.status_code == 200
        assert alternate.headers["content-type"].startswith("text/html")
        assert f'href="{self_href}?f=html"' in html_page


# -- bbox -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bbox",
    [(5.0, 48.0, 20.0, 70.0), (-10.0, -5.0, 10.0, 5.0), (170.0, -60.0, -170.0, 70.0)],
    ids=["central-europe", "gulf-of-guinea", "across-the-antimeridian"],
)
@pytest.mark.parametrize("collection", ["admin0", "admin1", "borders"])
def test_bbox_keeps_exactly_the_geometries_that_intersect_it(
    client: TestClient,
    real_boundaries: Boundaries,
    collection: str,
    bbox: tuple[float, float, float, float],
) -> None:
    response = client.get(
        f"/collections/{collection}/items",
        params={"bbox": ",".join(map(str, bbox)), "limit": 10_000},
    )
    assert response.status_code == 200
    served = {f["id"] for f in response.json()["features"]}
    frame, id_column = {
        "admin0": (real_boundaries.admin0, "country"),
        "admin1": (real_boundaries.admin1, "region_id"),
        "borders": (real_boundaries.borders, "border_id"),
    }[collection]
    boxes = shapely.union_all(bbox_polygons(bbox))
    expected = set(frame.loc[frame.geometry.intersects(boxes), id_column])
    assert served == expected
    assert served or collection == "borders"  # no land border crosses the antimeridian


def test_bbox_over_europe_leaves_the_united_states_out(client: TestClient) -> None:
    europe = client.get("/collections/admin0/items", params={"bbox": "5,48,20,70"}).json()
    ids = {f["id"] for f in europe["features"]}
    assert {"DEU", "NOR", "POL"} <= ids
    assert "USA" not in ids
    aleutians = client.get("/collections/admin0/items", params={"bbox": "175,50,-175,55"})
    assert "USA" in {f["id"] for f in aleutians.json()["features"]}


# -- content negotiation ----------------------------------------------------------------------


@pytest.mark.parametrize("path", OGC_ENDPOINTS)
@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("application/json;q=0.1, text/html;q=0.9", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("text/*;q=0.5, application/*;q=0.4", True),
        ("text/html;q=0.5, application/geo+json", False),
        ("text/html, application/json", False),
        ("*/*", False),
        ("", False),
        ("text/html;q=0", False),
    ],
)
def test_accept_q_values_choose_the_format(
    client: TestClient, path: str, accept: str, html: bool
) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html") is html
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize("path", OGC_ENDPOINTS)
def test_f_overrides_accept(client: TestClient, path: str) -> None:
    as_json = client.get(path, params={"f": "json"}, headers={"Accept": "text/html"})
    assert "json" in as_json.headers["content-type"]
    as_html = client.get(path, params={"f": "html"}, headers={"Accept": "application/json"})
    assert as_html.headers["content-type"].startswith("text/html")


def test_parse_accept_reads_q_values_and_drops_nonsense() -> None:
    assert parse_accept("application/json;q=0.1, text/html;q=0.9") == [
        MediaRange("application", "json", 0.1),
        MediaRange("text", "html", 0.9),
    ]
    assert parse_accept("text/html;level=1;q=0.5, *, nonsense, a/b;q=2, c/d;q=x, */json") == [
        MediaRange("text", "html", 0.5),
        MediaRange("*", "*", 1.0),
    ]


def test_quality_takes_the_most_specific_range() -> None:
    ranges = parse_accept("text/html;q=0.2, text/*;q=0.7, */*;q=0.1")
    assert quality("text/html", ranges) == 0.2
    assert quality("text/plain", ranges) == 0.7
    assert quality("application/json", ranges) == 0.1
    assert quality("application/json", parse_accept("text/*")) == 0.0


OFFERED = ("application/json", "application/geo+json", "text/html")
Q = st.integers(min_value=0, max_value=1000).map(lambda n: n / 1000)
MEDIA_TYPE = st.sampled_from(["application/json", "text/html", "image/png", "text/*", "*/*"])


@given(st.text(max_size=300))
def test_any_accept_header_parses_without_error(header: str) -> None:
    ranges = parse_accept(header)
    assert all(0.0 <= r.q <= 1.0 for r in ranges)
    assert best_media_type(header, OFFERED) in (*OFFERED, None)


@given(json_q=Q, html_q=Q, json_first=st.booleans(), spaces=st.sampled_from(["", " ", "  "]))
def test_the_higher_q_wins(json_q: float, html_q: float, json_first: bool, spaces: str) -> None:
    elements = [f"application/json;{spaces}q={json_q}", f"text/html{spaces};q={html_q}"]
    header = ("," + spaces).join(elements if json_first else elements[::-1])
    chosen = best_media_type(header, ("application/json", "text/html"))
    if json_q == html_q == 0:
        assert chosen is None
    elif html_q > json_q:
        assert chosen == "text/html"
    else:  # ties go to the server's first offer, JSON
        assert chosen == "application/json"


@given(st.lists(st.tuples(MEDIA_TYPE, Q), min_size=1, max_size=5, unique_by=lambda t: t[0]))
def test_the_order_of_distinct_ranges_does_not_matter(elements: list[tuple[str, float]]) -> None:
    header = ", ".join(f"{media_type};q={q}" for media_type, q in elements)
    backwards = ", ".join(f"{media_type};q={q}" for media_type, q in reversed(elements))
    assert best_media_type(header, OFFERED) == best_media_type(backwards, OFFERED)
    for media_type, q in elements:
        if "*" not in media_type:
            assert quality(media_type, parse_accept(header)) == q


# -- HTML pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", OGC_ENDPOINTS)
def test_html_pages_send_csp_and_nosniff(client: TestClient, path: str) -> None:
    response = client.get(path, params={"f": "html"})
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in response.text


HOSTILE_NAME = "<script>alert(1)</script> {{ 7*191 }} {% for x in y %}"
REGIONS = gpd.GeoDataFrame(
    {
        "code": ["XA-1?{{ 7*191 }}", "XA-2/b#c", "XA-3<b>"],
        "label": [HOSTILE_NAME, "Plain province", "{% raw %}<i>x</i>"],
        "iso": ["AF", "AF", "AF"],
    },
    geometry=[
        shapely.box(70, 36, 71, 38),
        shapely.box(68, 36, 70, 37),
        shapely.box(71, 37, 73, 39),
    ],
    crs=4326,
)


@pytest.fixture(scope="module")
def user_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over a boundary file of our own whose names and ids are hostile."""
    data_dir = tmp_path_factory.mktemp("user-boundaries")
    path = data_dir / "regions.geojson"
    REGIONS.to_file(path, driver="GeoJSON")
    overrides: dict[str, Any] = {
        "data_dir": data_dir,
        "boundary_source": "file",
        "boundary_file": path,
        "boundary_id_field": "code",
        "boundary_name_field": "label",
        "boundary_country_field": "iso",
    }
    load_boundaries(Settings(**overrides).boundary_source_object(), Path(data_dir))
    yield from make_client(data_dir, **overrides)


@pytest.mark.parametrize("path", ["/collections/admin1/items", "/collections/admin0/items"])
def test_hostile_names_and_ids_show_as_text(user_client: TestClient, path: str) -> None:
    page = user_client.get(path, params={"f": "html"})
    assert page.status_code == 200
    text = page.text
    assert "<script" not in text and "<b>" not in text and "<i>" not in text
    assert "1337" not in text
    if path.endswith("admin1/items"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*191 }} {% for x in y %}" in text
        assert "{% raw %}&lt;i&gt;x&lt;/i&gt;" in text
        assert "XA-3&lt;b&gt;" in text


def test_hostile_ids_resolve_through_their_links(user_client: TestClient) -> None:
    for feature_id in REGIONS["code"]:
        item = user_client.get("/collections/admin1/items/" + quote(feature_id, safe=""))
        assert item.status_code == 200, feature_id
        assert item.json()["id"] == feature_id
        again = user_client.get(_path(_link(item.json(), "self") or ""))
        assert again.json()["id"] == feature_id
        page = user_client.get(_path(_link(item.json(), "alternate") or ""))
        assert page.status_code == 200
        assert "<script" not in page.text and "1337" not in page.text

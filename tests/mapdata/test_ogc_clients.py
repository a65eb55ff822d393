"""OGC API – Features read by real clients over HTTP (issue 17): GDAL's OAPIF driver through
pyogrio and OWSLib, against the app server as ``make run`` starts it, on the demo district,
with an API token."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from prepare.support import ROOT, app_server_command, free_port, wait_healthy
from registry.accounts import tokens
from registry.kernel.clock import utcnow
from registry.kernel.enums import AuditAction, RecordStatus
from registry.kernel.models import AuditEvent, Checkpoint
from tests.helpers import api_token

COLLECTIONS = ["localities", "depots", "teams", "checkpoints", "broadcast_terminals", "events",
               "tasks"]  # fmt: skip


@pytest.fixture(scope="module")
def served(demo_url) -> Iterator[str]:
    """The app server as ``make run`` starts it (``streamlit run server.py``: pages and
    routes) on a free port, in a process of its own (GDAL holds the interpreter while it
    reads, so a server in a thread of this process would never answer); the tests' own
    reads and tokens go to the same demo database."""
    from web import state

    port = free_port()
    command = app_server_command(port)
    environment = {**os.environ, "REGISTRY_DATABASE_URL": demo_url}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRY_DATABASE_URL", demo_url)
        state.settings.cache_clear()
        state.factory.cache_clear()
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process)
            yield f"http://127.0.0.1:{port}/ogc"
        finally:
            process.terminate()
            process.wait(timeout=30)
            state.settings.cache_clear()
            state.factory.cache_clear()


@pytest.fixture
def gdal_token(served) -> Iterator[str]:
    """GDAL sends the token with every request it makes: ``GDAL_HTTP_AUTH=BEARER`` with the
    token in ``GDAL_HTTP_BEARER`` (``GDAL_HTTP_HEADERS`` is not enough: the OAPIF driver sets
    its own Accept header, which replaces the configured headers)."""
    import pyogrio

    plain = api_token("read")[1]
    pyogrio.set_gdal_config_options(
        {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": plain, "GDAL_HTTP_TIMEOUT": "60"}
    )
    try:
        yield plain
    finally:
        pyogrio.set_gdal_config_options(
            {"GDAL_HTTP_AUTH": None, "GDAL_HTTP_BEARER": None, "GDAL_HTTP_TIMEOUT": None}
        )


def _active_checkpoints() -> int:
    from web import state

    with state.factory()() as session:
        return session.scalar(select(func.count()).where(Checkpoint.status == RecordStatus.ACTIVE))


def test_gdal_lists_and_reads_every_collection(served, gdal_token):
    import pyogrio

    layers = pyogrio.list_layers(f"OAPIF:{served}")
    assert sorted(name for name, _ in layers) == sorted(COLLECTIONS)
    for collection in COLLECTIONS:
        frame = pyogrio.read_dataframe(f"OAPIF:{served}", layer=collection)
        assert len(frame) > 0, collection
        assert frame.crs is not None and frame.crs.to_epsg() in {4326, None}, collection
    checkpoints = pyogrio.read_dataframe(f"OAPIF:{served}", layer="checkpoints")
    assert len(checkpoints) == _active_checkpoints()
    assert checkpoints["responsible_phone"].dropna().str.contains(r"\*\*\*\*").all()


def _requests(plain: str) -> list[str]:
    """The queries of the calls made with a token, from the audit trail."""
    from web import state

    with state.factory()() as session:
        client = tokens.resolve(session, plain, utcnow())
        assert client is not None
        rows = session.scalars(
            select(AuditEvent.after).where(
                AuditEvent.action == AuditAction.API_REQUEST.value,
                AuditEvent.actor_name == client.actor.username,
            )
        ).all()
    return [json.loads(row or "{}").get("query", "") for row in rows]


def test_gdal_follows_next_and_sends_the_bbox(served, gdal_token):
    import pyogrio

    paged = pyogrio.read_dataframe(
        f"OAPIF:{served}", layer="checkpoints", fid_as_index=True, PAGE_SIZE="7"
    )
    assert len(paged) == _active_checkpoints()
    assert paged.index.is_unique and paged.index.is_monotonic_increasing
    followed = [q for q in _requests(gdal_token) if "after_id=" in q]
    assert len(followed) >= len(paged) // 7 - 1
    box = (119.15, 34.55, 119.2, 34.62)
    inside = pyogrio.read_dataframe(f"OAPIF:{served}", layer="checkpoints", bbox=box)
    assert 0 < len(inside) < len(paged)
    assert inside.geometry.x.between(box[0], box[2]).all()
    assert inside.geometry.y.between(box[1], box[3]).all()
    assert any("bbox=" in q for q in _requests(gdal_token))


def test_gdal_reads_epsg_4490_in_its_axis_order(served, gdal_token):
    import pyogrio

    plain = pyogrio.read_dataframe(f"OAPIF:{served}", layer="depots")
    national = pyogrio.read_dataframe(f"OAPIF:{served}", layer="depots", CRS="EPSG:4490")
    assert national.crs.to_epsg() == 4490
    assert any("crs=" in q and "4490" in q for q in _requests(gdal_token))
    # GDAL undoes the latitude-first order: the same places as in CRS84
    assert (national.geometry.x - plain.geometry.x).abs().max() < 1e-9
    assert (national.geometry.y - plain.geometry.y).abs().max() < 1e-9
    assert plain.geometry.x.between(118.9, 119.6).all()


def test_owslib_reads_collections_and_items(served):
    from owslib.ogcapi.features import Features

    plain = api_token("read")[1]
    features = Features(served, headers={"Authorization": f"Bearer {plain}"})
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
        in (features.conformance()["conformsTo"])
    )
    ids = [c["id"] for c in features.collections()["collections"]]
    assert ids == COLLECTIONS
    box = [119.15, 34.55, 119.2, 34.62]
    page = features.collection_items("checkpoints", limit=5, bbox=box)
    assert page["numberReturned"] == len(page["features"]) == 5
    assert any(link["rel"] == "next" for link in page["links"])
    for feature in page["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
        assert "****" in (feature["properties"]["responsible_phone"] or "****")
    one = features.collection_item("checkpoints", page["features"][0]["id"])
    assert one["id"] == page["features"][0]["id"]
    refused = Features(served, headers={"Authorization": "Bearer hzr_wrong"})
    with pytest.raises(RuntimeError):
        refused.collections()


def _owslib_pages(features, collection: str, **query) -> list[dict]:
    """Every feature of a collection through OWSLib, 40 a page, following ``next``."""
    from urllib.parse import parse_qs, urlparse

    found, after = [], None
    while True:
        extra = {"after_id": after} if after is not None else {}
        page = features.collection_items(collection, limit=40, **query, **extra)
        found += page["features"]
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not following:
            return found
        after = parse_qs(urlparse(following[0]).query)["after_id"][0]


def test_owslib_pages_through_every_collection_and_filters_by_bbox(served):
    from owslib.ogcapi.features import Features
    from shapely.geometry import box, shape

    features = Features(served, headers={"Authorization": f"Bearer {api_token('read')[1]}"})
    area = [119.15, 34.55, 119.2, 34.62]
    for collection in COLLECTIONS:
        paged = _owslib_pages(features, collection)
        whole = features.collection_items(collection, limit=10_000)["features"]
        assert paged, collection
        assert [f["id"] for f in paged] == [f["id"] for f in whole], collection
        inside = _owslib_pages(features, collection, bbox=area)
        assert len(inside) <= len(paged)
        if collection in {"checkpoints", "depots", "localities"}:
            assert 0 < len(inside) < len(paged), collection
        for feature in inside:
            assert shape(feature["geometry"]).intersects(box(*area)), (collection, feature["id"])

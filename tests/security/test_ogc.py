"""OGC API – Features at /ogc (issue 17) through the app server's real routes and middleware on
the demo district: a token or 401, the landing page, conformance and collections, keyset
pages followed by ``next``, bbox, filters, the EPSG:4490 axis swap, phone numbers masked for
a read-only token, a town token's localities only, problem details for bad requests, and
every call in the audit trail under the token's name."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from registry.kernel.enums import AuditAction, RecordStatus
from registry.kernel.models import AuditEvent, Checkpoint
from tests.helpers import api_token, bearer
from web import state
from web.ogc import CGCS2000, CRS84

ITEMS = "/ogc/collections/{}/items"


def test_without_a_live_token_nothing_is_served(http):
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", ITEMS.format("checkpoints"),
                 ITEMS.format("checkpoints") + "/1"):  # fmt: skip
        for headers in ({}, {"Accept": "text/html"}, bearer("hzr_not-a-token")):
            response = http.get(path, headers=headers, follow_redirects=False)
            assert response.status_code == 401, (path, headers)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.headers["content-type"] == "application/problem+json"
            assert "features" not in response.text


def test_landing_conformance_and_collections(http, reader):
    landing = http.get("/ogc", headers=reader).json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert rels["conformance"] == "http://registry.test/ogc/conformance"
    assert rels["data"] == "http://registry.test/ogc/collections"
    conformance = http.get("/ogc/conformance", headers=reader).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    listed = http.get("/ogc/collections", headers=reader).json()["collections"]
    assert [c["id"] for c in listed] == [
        "localities", "depots", "teams", "checkpoints", "broadcast_terminals", "events", "tasks",
    ]  # fmt: skip
    events = http.get("/ogc/collections/events", headers=reader).json()
    assert events["crs"] == [CRS84, CGCS2000] and events["storageCrs"] == CRS84
    assert "temporal" in events["extent"]
    minx, miny, maxx, maxy = events["extent"]["spatial"]["bbox"][0]
    assert 118.9 < minx < maxx < 119.6 and 34.3 < miny < maxy < 34.9
    assert http.get("/ogc/collections/rivers", headers=reader).status_code == 404
    english = http.get("/ogc/collections/teams", headers={**reader, "Accept-Language": "en"})
    assert english.json()["title"] == "Rescue teams"


def test_pages_are_followed_by_next_to_the_end(http, reader):
    url = ITEMS.format("checkpoints") + "?limit=7"
    seen: list[int] = []
    pages = 0
    while url:
        response = http.get(url, headers=reader)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/geo+json"
        body = response.json()
        assert body["type"] == "FeatureCollection" and body["timeStamp"].endswith("Z")
        assert body["numberReturned"] == len(body["features"]) <= 7
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
    with state.factory()() as session:
        active = session.scalar(
            select(func.count()).where(Checkpoint.status == RecordStatus.ACTIVE)
        )
    assert seen == sorted(set(seen)) and len(seen) == active
    assert pages == -(-active // 7) or pages == active // 7 + 1


def test_bbox_and_property_filters(http, reader):
    box = (119.15, 34.55, 119.2, 34.62)
    query = "?bbox=" + ",".join(map(str, box)) + "&limit=1000"
    found = http.get(ITEMS.format("checkpoints") + query, headers=reader).json()["features"]
    every = http.get(ITEMS.format("checkpoints") + "?limit=1000", headers=reader).json()
    assert 0 < len(found) < len(every["features"])
    for feature in found:
        lon, lat = feature["geometry"]["coordinates"]
        assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
    # the same box in EPSG:4490's axis order (latitude first)
    swapped = f"?bbox={box[1]},{box[0]},{box[3]},{box[2]}&bbox-crs={CGCS2000}&limit=1000"
    same = http.get(ITEMS.format("checkpoints") + swapped, headers=reader).json()["features"]
    assert [f["id"] for f in same] == [f["id"] for f in found]
    major = http.get(ITEMS.format("checkpoints") + "?risk_level=major&limit=1000", headers=reader)
    risks = {f["properties"]["risk_level"] for f in major.json()["features"]}
    assert risks == {"major"}
    town = http.get(ITEMS.format("depots") + "?type=town&locality=新浦街道", headers=reader)
    assert {f["properties"]["locality"] for f in town.json()["features"]} == {"新浦街道"}
    open_events = http.get(ITEMS.format("events") + "?status=open&datetime=2000-01-01T00:00:00Z/..",
                           headers=reader)  # fmt: skip
    assert {f["properties"]["state"] for f in open_events.json()["features"]} == {"open"}


def test_crs_4490_swaps_the_axes(http, reader):
    default = http.get(ITEMS.format("depots") + "?limit=3", headers=reader)
    national = http.get(ITEMS.format("depots") + f"?limit=3&crs={CGCS2000}", headers=reader)
    assert default.headers["content-crs"] == f"<{CRS84}>"
    assert national.headers["content-crs"] == f"<{CGCS2000}>"
    for plain, swapped in zip(default.json()["features"], national.json()["features"], strict=True):
        lon, lat = plain["geometry"]["coordinates"]
        assert swapped["geometry"]["coordinates"] == [lat, lon] and 34 < lat < 35 < 119 < lon
    first = default.json()["features"][0]
    one = http.get(ITEMS.format("depots") + f"/{first['id']}?crs={CGCS2000}", headers=reader)
    assert one.status_code == 200 and one.headers["content-crs"] == f"<{CGCS2000}>"
    assert one.json()["geometry"]["coordinates"] == first["geometry"]["coordinates"][::-1]
    polygon = http.get(ITEMS.format("localities") + f"?limit=1&crs={CGCS2000}", headers=reader)
    ring = polygon.json()["features"][0]["geometry"]["coordinates"]
    while isinstance(ring[0][0], list):
        ring = ring[0]
    assert all(34 < lat < 35 and 118 < lon < 120 for lat, lon in ring)


def test_bad_requests_are_problem_details(http, reader):
    cases = {
        "?crs=EPSG:4326": "crs",
        "?bbox=1,2,3": "bbox",
        "?bbox=119.3,34.5,119.1,34.6": "bbox",
        "?limit=0": "limit",
        "?limit=many": "limit",
        "?risk_level=apocalyptic": "risk_level",
        "?colour=red": "colour",
        "?datetime=yesterday": "datetime",
        "?f=html": "f",
    }
    for query, field in cases.items():
        response = http.get(ITEMS.format("checkpoints") + query, headers=reader)
        assert response.status_code == 400, query
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 400 and response.json()["field"] == field, query
    no_time = http.get(ITEMS.format("depots") + "?datetime=2026-01-01T00:00:00Z", headers=reader)
    assert no_time.status_code == 400
    assert http.get(ITEMS.format("depots") + "/999999", headers=reader).status_code == 404
    assert http.get(ITEMS.format("depots") + "/abc", headers=reader).status_code == 400


def _phones(http, headers) -> list[str]:
    body = http.get(ITEMS.format("checkpoints") + "?limit=50", headers=headers).json()
    return [f["properties"]["responsible_phone"] for f in body["features"]
            if f["properties"]["responsible_phone"]]  # fmt: skip


def test_phone_numbers_masked_for_a_read_onlyapi_token(http, reader, writer):
    masked, full = _phones(http, reader), _phones(http, writer)
    assert masked and len(masked) == len(full)
    assert all("****" in phone for phone in masked)
    assert not any("*" in phone for phone in full)
    town_reader = bearer(api_token("read", ("新浦街道",))[1])
    assert all("****" in phone for phone in _phones(http, town_reader))


def test_a_town_token_sees_its_localities_detail_and_the_district_summary(http, writer):
    town = bearer(api_token("write", ("新浦街道",))[1])
    for collection in ("checkpoints", "depots", "teams", "broadcast_terminals", "tasks"):
        mine = http.get(ITEMS.format(collection) + "?limit=1000", headers=town).json()
        every = http.get(ITEMS.format(collection) + "?limit=1000", headers=writer).json()
        assert {f["properties"]["locality"] for f in mine["features"]} <= {"新浦街道"}
        outside = [f for f in every["features"] if f["properties"]["locality"] != "新浦街道"]
        assert outside, collection
        refused = http.get(ITEMS.format(collection) + f"/{outside[0]['id']}", headers=town)
        assert refused.status_code == 404
    mine = http.get(ITEMS.format("checkpoints") + "?limit=1000", headers=town).json()
    assert mine["features"]
    localities = http.get(ITEMS.format("localities") + "?limit=1000", headers=town).json()
    events = http.get(ITEMS.format("events"), headers=town).json()
    assert len(localities["features"]) == 19 and events["features"]


def test_every_call_is_audited_under_the_token_name(http):
    name, plain = api_token("read")
    http.get(ITEMS.format("teams") + "?limit=2", headers=bearer(plain))
    with state.factory()() as session:
        rows = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.API_REQUEST.value,
                AuditEvent.actor_name == f"token:{name}",
            )
        ).all()
    assert len(rows) == 1
    assert json.loads(rows[0].after or "{}")["path"] == "/ogc/collections/teams/items"

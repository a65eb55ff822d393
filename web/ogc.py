"""OGC API – Features at ``/ogc``: the registry's records for GIS clients (QGIS, GDAL's OAPIF
driver, OWSLib), read with an API token (``web/api_auth.py``).

Our own Starlette routes over the core's reads (``registry.mapdata.features``), not pygeoapi:
who may see which locality's detail, the masking of phone numbers and the token itself are
the core's rules, which a generic server's providers would have to reimplement beside it
(and its own configuration, OpenAPI and templates would be a second app to deploy and keep
in step). What is offered: Part 1 Core with GeoJSON, and Part 2's ``crs`` and ``bbox-crs``
for CRS84 (the stored WGS-84 longitude, latitude; the default) and EPSG:4490 (CGCS2000, the
national frame: within a metre of WGS-84 here, so the same numbers in that system's axis
order, latitude first). GCJ-02 is never served. JSON only (``f=json`` is accepted).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from registry.accounts.tokens import ApiClient
from registry.kernel import i18n
from registry.kernel.clock import utcnow
from registry.kernel.district import district_geometry
from registry.kernel.errors import ValidationError
from registry.mapdata import features as core
from web import api_auth, state
from web.api_auth import ApiProblem, guarded, integer_parameter

PREFIX = "/ogc"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CGCS2000 = "http://www.opengis.net/def/crs/EPSG/0/4490"
OFFERED_CRS = (CRS84, CGCS2000)
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
GEOJSON = "application/geo+json"
JSON = "application/json"
ITEMS_PARAMETERS = frozenset({"f", "limit", "bbox", "bbox-crs", "datetime", "crs", "after_id"})
ITEM_PARAMETERS = frozenset({"f", "crs"})
OTHER_PARAMETERS = frozenset({"f"})


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


@cache
def _district_bbox() -> core.BBox:
    minx, miny, maxx, maxy = district_geometry().bounds
    return (minx, miny, maxx, maxy)


def _json(body: Mapping[str, Any], media_type: str = JSON, **headers: str) -> Response:
    return JSONResponse(
        dict(body),
        media_type=media_type,
        headers={"Cache-Control": "private, no-store", **headers},
    )


def _not_found(detail: str) -> ApiProblem:
    return ApiProblem(404, "Not Found", detail)


# --- parameters ---------------------------------------------------------------------------


def _check_parameters(request: Request, allowed: frozenset[str]) -> None:
    for name in request.query_params:
        if name not in allowed:
            raise ValidationError("error.ogc.parameter", field=name)
    if request.query_params.get("f", "json") not in {"json", "geojson"}:
        raise ValidationError("error.unknown_choice", field="f",
                              value=request.query_params["f"], allowed="json")  # fmt: skip


def _crs(value: str | None, name: str) -> str:
    if value is None:
        return CRS84
    if value not in OFFERED_CRS:
        raise ValidationError("error.ogc.crs", field=name, value=value)
    return value


def _bbox(request: Request) -> core.BBox | None:
    raw = request.query_params.get("bbox")
    if raw is None:
        return None
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError:
        raise ValidationError("error.ogc.bbox", field="bbox") from None
    if len(numbers) == 6:  # heights are not kept: the horizontal box is what counts
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4:
        raise ValidationError("error.ogc.bbox", field="bbox")
    if _crs(request.query_params.get("bbox-crs"), "bbox-crs") == CGCS2000:  # lat, lon
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def _instant(text: str) -> datetime | None:
    if text in {"", ".."}:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("error.ogc.datetime", field="datetime") from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _datetime(raw: str | None) -> tuple[datetime | None, datetime | None]:
    """An instant or an interval (``start/end``, either end ``..`` or empty for open), as
    naive UTC; a time without a zone is taken as UTC."""
    if raw is None:
        return None, None
    if "/" not in raw:
        moment = _instant(raw)
        if moment is None:
            raise ValidationError("error.ogc.datetime", field="datetime")
        return moment, moment
    start, _, end = raw.partition("/")
    return _instant(start), _instant(end)


def _collection(collection_id: str) -> core.Collection:
    found = core.COLLECTIONS.get(collection_id)
    if found is None:
        raise _not_found(f"No collection {collection_id!r}.")
    return found


def _items_query(request: Request, collection: core.Collection) -> core.FeatureQuery:
    _check_parameters(request, ITEMS_PARAMETERS | set(collection.filters))
    params = request.query_params
    start, end = _datetime(params.get("datetime"))
    return core.query_for(
        collection,
        bbox=_bbox(request),
        start=start,
        end=end,
        filters={name: params[name] for name in collection.filters if name in params},
        after_id=integer_parameter(params.get("after_id"), "after_id"),
        limit=integer_parameter(params.get("limit"), "limit"),
    )


# --- GeoJSON ------------------------------------------------------------------------------


def _swapped(coordinates: Any) -> Any:
    """Positions as latitude, longitude (EPSG:4490's axis order)."""
    if coordinates and isinstance(coordinates[0], int | float):
        return [coordinates[1], coordinates[0], *coordinates[2:]]
    return [_swapped(part) for part in coordinates]


def _geometry(geometry: dict[str, Any] | None, crs: str) -> dict[str, Any] | None:
    if geometry is None or crs == CRS84:
        return geometry
    return {**geometry, "coordinates": _swapped(geometry["coordinates"])}


def _feature(found: core.Feature, crs: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": found.id,
        "geometry": _geometry(found.geometry, crs),
        "properties": found.properties,
    }


def _timestamp() -> str:
    return utcnow().replace(microsecond=0).isoformat() + "Z"


# --- the reads, in a worker thread --------------------------------------------------------


def _page(client: ApiClient, collection_id: str, query: core.FeatureQuery) -> core.FeaturePage:
    with state.factory()() as session:
        return core.features(
            session, client.actor, collection_id, query, full_phones=client.can_write
        )


def _one(client: ApiClient, collection_id: str, feature_id: int) -> core.Feature | None:
    with state.factory()() as session:
        return core.feature(
            session, client.actor, collection_id, feature_id, full_phones=client.can_write
        )


def _extent(collection_id: str) -> core.Extent:
    with state.factory()() as session:
        return core.extent(session, collection_id, _district_bbox())


# --- the endpoints ------------------------------------------------------------------------


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media_type}
    return {**link, "title": title} if title else link


async def landing(request: Request, client: ApiClient) -> Response:
    """The landing page: what this service is and where its parts are."""
    _check_parameters(request, OTHER_PARAMETERS)
    root, language = _root(request), api_auth.language(request)
    return _json(
        {
            "title": i18n.translate("ogc.title", language),
            "description": i18n.translate("ogc.description", language),
            "links": [
                _link(root, "self", JSON),
                _link(f"{root}/conformance", "conformance", JSON),
                _link(f"{root}/collections", "data", JSON),
            ],
        }
    )


async def conformance(request: Request, client: ApiClient) -> Response:
    _check_parameters(request, OTHER_PARAMETERS)
    return _json({"conformsTo": CONFORMANCE})


async def _description(request: Request, collection: core.Collection) -> dict[str, Any]:
    root, language = _root(request), api_auth.language(request)
    extent = await anyio.to_thread.run_sync(_extent, collection.id)
    here = f"{root}/collections/{collection.id}"
    times = [
        None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"
        for moment in (extent.start, extent.end)
    ]
    described: dict[str, Any] = {
        "id": collection.id,
        "title": i18n.translate(f"ogc.collection.{collection.id}", language),
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [list(extent.bbox)], "crs": CRS84}},
        "crs": list(OFFERED_CRS),
        "storageCrs": CRS84,
        "links": [
            _link(here, "self", JSON),
            _link(f"{here}/items", "items", GEOJSON),
        ],
    }
    if collection.temporal:
        described["extent"]["temporal"] = {
            "interval": [times],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return described


async def collections(request: Request, client: ApiClient) -> Response:
    _check_parameters(request, OTHER_PARAMETERS)
    root = _root(request)
    return _json(
        {
            "links": [_link(f"{root}/collections", "self", JSON)],
            "crs": list(OFFERED_CRS),
            "collections": [await _description(request, c) for c in core.COLLECTIONS.values()],
        }
    )


async def collection(request: Request, client: ApiClient) -> Response:
    _check_parameters(request, OTHER_PARAMETERS)
    found = _collection(request.path_params["collection_id"])
    return _json(await _description(request, found))


async def items(request: Request, client: ApiClient) -> Response:
    """A page of features, in id order; ``next`` carries on after the page's last id."""
    found = _collection(request.path_params["collection_id"])
    query = _items_query(request, found)
    crs = _crs(request.query_params.get("crs"), "crs")
    page = await anyio.to_thread.run_sync(_page, client, found.id, query)
    links = [_link(str(request.url), "self", GEOJSON)]
    if page.next_after is not None:
        following = request.url.include_query_params(after_id=page.next_after)
        links.append(_link(str(following), "next", GEOJSON))
    body = {
        "type": "FeatureCollection",
        "features": [_feature(f, crs) for f in page.features],
        "numberReturned": len(page.features),
        "timeStamp": _timestamp(),
        "links": links,
    }
    return _json(body, GEOJSON, **{"Content-Crs": f"<{crs}>"})


async def item(request: Request, client: ApiClient) -> Response:
    """One feature; 404 when it does not exist or lies outside the token's localities."""
    found = _collection(request.path_params["collection_id"])
    _check_parameters(request, ITEM_PARAMETERS)
    crs = _crs(request.query_params.get("crs"), "crs")
    feature_id = integer_parameter(request.path_params["feature_id"], "featureId")
    one = None
    if feature_id is not None:
        one = await anyio.to_thread.run_sync(_one, client, found.id, feature_id)
    if one is None:
        raise _not_found(f"No feature {request.path_params['feature_id']!r} in {found.id}.")
    here = f"{_root(request)}/collections/{found.id}"
    body = {
        **_feature(one, crs),
        "links": [
            _link(str(request.url), "self", GEOJSON),
            _link(here, "collection", JSON),
        ],
    }
    return _json(body, GEOJSON, **{"Content-Crs": f"<{crs}>"})


ROUTES = [
    Route(PREFIX, guarded(landing), methods=["GET"]),
    Route(f"{PREFIX}/", guarded(landing), methods=["GET"]),
    Route(f"{PREFIX}/conformance", guarded(conformance), methods=["GET"]),
    Route(f"{PREFIX}/collections", guarded(collections), methods=["GET"]),
    Route(f"{PREFIX}/collections/{{collection_id}}", guarded(collection), methods=["GET"]),
    Route(f"{PREFIX}/collections/{{collection_id}}/items", guarded(items), methods=["GET"]),
    Route(
        f"{PREFIX}/collections/{{collection_id}}/items/{{feature_id}}",
        guarded(item),
        methods=["GET"],
    ),
]

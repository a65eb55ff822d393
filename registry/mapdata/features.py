"""The registry's records as features, for the open interface (OGC API – Features, ``web/ogc``):
localities, depots, teams, checkpoints, broadcast terminals, events and their tasks, a page
at a time.

Each read is scoped like the pages: every caller sees the district's public summary (the
localities and the events), and a town official (or a token for some localities) sees the
detail (depots, teams, checkpoints, terminals, tasks) of their localities only
(``Actor.sees_every_locality``, the rule the alerts and the replenishment list share).
Phone numbers are masked (``masking``) for roles that do not see them and whenever the
caller asks for them masked (a read-only token).

Geometries are WGS-84 longitude, latitude (CRS84), as stored: never GCJ-02. Points come
from the record's own coordinates (a task has its checkpoint's); a locality has its
boundary, an event its drawn area or else the union of its localities' outlines
(``response.area.event_area``'s rule). Pages are keyed by id (``after_id``), each read with
one query per page (events add one for their localities), never one per feature.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVarTuple

from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from registry.kernel import enums
from registry.kernel.errors import ValidationError
from registry.kernel.masking import mask_phone
from registry.kernel.models import (
    BroadcastTerminal,
    Checkpoint,
    Depot,
    Event,
    EventLocality,
    Locality,
    ResponseTask,
    Team,
)
from registry.kernel.permissions import Action, Actor, require

Row = TypeVarTuple("Row")

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

PropertyValue = str | int | float | bool | None
BBox = tuple[float, float, float, float]
"""min longitude, min latitude, max longitude, max latitude (CRS84)."""


@dataclass(frozen=True)
class Collection:
    """What a collection offers: the filters it takes (each with its closed vocabulary, or
    None for localities, matched by name or id) and whether it has a time."""

    id: str
    temporal: bool
    filters: Mapping[str, type[StrEnum] | None]
    detail: bool  # scoped to the caller's localities (False: the district's public summary)


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "localities", False, {"locality": None, "type": enums.LocalityKind}, detail=False
        ),
        Collection("depots", False, {"locality": None, "type": enums.DepotLevel}, detail=True),
        Collection("teams", False, {"locality": None, "type": enums.TeamKind}, detail=True),
        Collection(
            "checkpoints",
            False,
            {"locality": None, "type": enums.CheckpointType, "risk_level": enums.RiskLevel},
            detail=True,
        ),
        Collection(
            "broadcast_terminals",
            False,
            {
                "locality": None,
                "type": enums.TerminalType,
                "status": enums.TerminalStatus,
            },
            detail=True,
        ),
        Collection(
            "events",
            True,
            {"locality": None, "type": enums.WarningType, "status": enums.EventState},
            detail=False,
        ),
        Collection(
            "tasks",
            True,
            {"locality": None, "type": enums.TaskKind, "status": enums.TaskStatus},
            detail=True,
        ),
    )
}
FILTERS = ("locality", "type", "risk_level", "status")


@dataclass(frozen=True)
class FeatureQuery:
    """One page's request: ``filters`` maps a filter name to the values any of which match
    (already checked by ``query_for``); times are naive UTC, either end open."""

    bbox: BBox | None = None
    start: datetime | None = None
    end: datetime | None = None
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    after_id: int | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class Feature:
    id: int
    geometry: dict[str, Any] | None  # GeoJSON geometry, CRS84
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class FeaturePage:
    features: tuple[Feature, ...]
    next_after: int | None  # the ``after_id`` of the next page, None on the last


@dataclass(frozen=True)
class Extent:
    bbox: BBox
    start: datetime | None
    end: datetime | None


def query_for(
    collection: Collection,
    *,
    bbox: BBox | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    filters: Mapping[str, str] | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> FeatureQuery:
    """A checked request: filters the collection takes, values of their vocabulary (a
    comma-separated list matches any), a bbox with min ≤ max, a limit of 1 or more (above
    ``MAX_LIMIT`` it is taken as the maximum, as OGC API – Features asks)."""
    chosen: dict[str, tuple[str, ...]] = {}
    for name, raw in (filters or {}).items():
        if name not in collection.filters:
            raise ValidationError("error.unknown_choice", field=name, value=name,
                                  allowed=", ".join(collection.filters))  # fmt: skip
        values = tuple(v.strip() for v in raw.split(",") if v.strip())
        if not values:
            raise ValidationError("error.required", field=name)
        vocabulary = collection.filters[name]
        for value in values:
            if vocabulary is not None and value not in {m.value for m in vocabulary}:
                raise ValidationError("error.unknown_choice", field=name, value=value,
                                      allowed=vocabulary)  # fmt: skip
        chosen[name] = values
    if bbox is not None and (bbox[0] > bbox[2] or bbox[1] > bbox[3]):
        raise ValidationError("error.ogc.bbox", field="bbox")
    if start is not None and end is not None and start > end:
        raise ValidationError("error.ogc.datetime", field="datetime")
    if (start is not None or end is not None) and not collection.temporal:
        raise ValidationError("error.ogc.no_time", field="datetime", collection=collection.id)
    if limit is not None and limit < 1:
        raise ValidationError("error.ogc.limit", field="limit", maximum=MAX_LIMIT)
    return FeatureQuery(
        bbox=bbox,
        start=start,
        end=end,
        filters=chosen,
        after_id=after_id,
        limit=min(limit or DEFAULT_LIMIT, MAX_LIMIT),
    )


# --- values -------------------------------------------------------------------------------


def _value(value: object) -> PropertyValue:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _properties(**values: object) -> dict[str, PropertyValue]:
    return {name: _value(value) for name, value in values.items()}


def _point(lon: float | None, lat: float | None) -> dict[str, Any] | None:
    if lon is None or lat is None:
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def _outline(text: str | None) -> BaseGeometry | None:
    if not text:
        return None
    data = json.loads(text)
    return shape(data.get("geometry", data))


def _geojson(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    return None if geometry is None or geometry.is_empty else dict(mapping(geometry))


# --- the queries, one per collection --------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    session: Session
    actor: Actor
    query: FeatureQuery
    locality_ids: tuple[int, ...] | None  # the locality filter resolved to ids
    full_phones: bool

    def phone(self, phone: str | None) -> str | None:
        shown = self.full_phones and self.actor.sees_phone_numbers
        return phone if shown else mask_phone(phone)


def _where(
    ctx: _Context,
    statement: Select[*Row],
    id_column: InstrumentedAttribute[int],
    *,
    locality: InstrumentedAttribute[int] | None = None,
    lon: InstrumentedAttribute[float] | InstrumentedAttribute[float | None] | None = None,
    lat: InstrumentedAttribute[float] | InstrumentedAttribute[float | None] | None = None,
    time: InstrumentedAttribute[datetime] | None = None,
    columns: Mapping[str, Any] | None = None,
) -> Select[*Row]:
    """The filters every collection shares, in SQL: scope, locality, the vocabulary filters
    (``columns``: filter name → column), bbox on a point, time, the page's keyset."""
    q = ctx.query
    conditions: list[ColumnElement[bool]] = []
    if locality is not None:
        if not ctx.actor.sees_every_locality:
            conditions.append(locality.in_(sorted(ctx.actor.locality_ids)))
        if ctx.locality_ids is not None:
            conditions.append(locality.in_(ctx.locality_ids))
    for name, column in (columns or {}).items():
        if name in q.filters:
            conditions.append(column.in_(q.filters[name]))
    if q.bbox is not None and lon is not None and lat is not None:
        conditions += [lon.between(q.bbox[0], q.bbox[2]), lat.between(q.bbox[1], q.bbox[3])]
    if time is not None and q.start is not None:
        conditions.append(time >= q.start)
    if time is not None and q.end is not None:
        conditions.append(time <= q.end)
    if q.after_id is not None:
        conditions.append(id_column > q.after_id)
    return statement.where(*conditions).order_by(id_column)


def _limited(statement: Select[*Row], query: FeatureQuery) -> Select[*Row]:
    return statement.limit(query.limit + 1)


def _depots(ctx: _Context) -> list[Feature]:
    statement = (
        select(Depot, Locality.name)
        .join(Locality, Locality.id == Depot.locality_id)
        .where(Depot.status == enums.RecordStatus.ACTIVE)
    )
    statement = _where(ctx, statement, Depot.id, locality=Depot.locality_id, lon=Depot.lon,
                       lat=Depot.lat, columns={"type": Depot.level})  # fmt: skip
    return [
        Feature(
            depot.id,
            _point(depot.lon, depot.lat),
            _properties(
                name=depot.name,
                level=depot.level,
                locality_id=depot.locality_id,
                locality=locality,
                address=depot.address,
                manager=depot.manager,
                manager_phone=ctx.phone(depot.manager_phone),
                reserve_mode=depot.reserve_mode,
                floor_area_m2=depot.floor_area_m2,
            ),
        )
        for depot, locality in ctx.session.execute(_limited(statement, ctx.query))
    ]


def _teams(ctx: _Context) -> list[Feature]:
    statement = (
        select(Team, Locality.name)
        .join(Locality, Locality.id == Team.locality_id)
        .where(Team.status == enums.RecordStatus.ACTIVE)
    )
    statement = _where(ctx, statement, Team.id, locality=Team.locality_id, lon=Team.base_lon,
                       lat=Team.base_lat, columns={"type": Team.kind})  # fmt: skip
    return [
        Feature(
            team.id,
            _point(team.base_lon, team.base_lat),
            _properties(
                name=team.name,
                kind=team.kind,
                staffing=team.staffing,
                specialties=team.specialties,
                locality_id=team.locality_id,
                locality=locality,
                leader=team.leader,
                leader_phone=ctx.phone(team.leader_phone),
                target_headcount=team.target_headcount,
                last_drill_on=team.last_drill_on,
            ),
        )
        for team, locality in ctx.session.execute(_limited(statement, ctx.query))
    ]


def _checkpoints(ctx: _Context) -> list[Feature]:
    statement = (
        select(Checkpoint, Locality.name)
        .join(Locality, Locality.id == Checkpoint.locality_id)
        .where(Checkpoint.status == enums.RecordStatus.ACTIVE)
    )
    statement = _where(
        ctx,
        statement,
        Checkpoint.id,
        locality=Checkpoint.locality_id,
        lon=Checkpoint.lon,
        lat=Checkpoint.lat,
        columns={"type": Checkpoint.type, "risk_level": Checkpoint.risk_level},
    )
    return [
        Feature(
            cp.id,
            _point(cp.lon, cp.lat),
            _properties(
                name=cp.name,
                type=cp.type,
                risk_level=cp.risk_level,
                locality_id=cp.locality_id,
                locality=locality,
                address=cp.address,
                responsible_person=cp.responsible_person,
                responsible_phone=ctx.phone(cp.responsible_phone),
                monitor=cp.monitor,
                monitor_phone=ctx.phone(cp.monitor_phone),
            ),
        )
        for cp, locality in ctx.session.execute(_limited(statement, ctx.query))
    ]


def _terminals(ctx: _Context) -> list[Feature]:
    statement = select(BroadcastTerminal, Locality.name).join(
        Locality, Locality.id == BroadcastTerminal.locality_id
    )
    statement = _where(
        ctx,
        statement,
        BroadcastTerminal.id,
        locality=BroadcastTerminal.locality_id,
        lon=BroadcastTerminal.lon,
        lat=BroadcastTerminal.lat,
        columns={"type": BroadcastTerminal.terminal_type, "status": BroadcastTerminal.status},
    )
    return [
        Feature(
            t.id,
            _point(t.lon, t.lat),
            _properties(
                name=t.name,
                locality_id=t.locality_id,
                locality=locality,
                village=t.village,
                level=t.level,
                terminal_type=t.terminal_type,
                status=t.status,
            ),
        )
        for t, locality in ctx.session.execute(_limited(statement, ctx.query))
    ]


def _tasks(ctx: _Context) -> list[Feature]:
    statement = (
        select(ResponseTask, Event.title, Locality.name, Checkpoint.lon, Checkpoint.lat)
        .join(Event, Event.id == ResponseTask.event_id)
        .join(Locality, Locality.id == ResponseTask.locality_id)
        .outerjoin(Checkpoint, Checkpoint.id == ResponseTask.checkpoint_id)
    )
    statement = _where(
        ctx,
        statement,
        ResponseTask.id,
        locality=ResponseTask.locality_id,
        lon=Checkpoint.lon,
        lat=Checkpoint.lat,
        time=ResponseTask.created_at,
        columns={"type": ResponseTask.kind, "status": ResponseTask.status},
    )
    return [
        Feature(
            task.id,
            _point(lon, lat),
            _properties(
                event_id=task.event_id,
                event=event,
                kind=task.kind,
                title=task.title,
                status=task.status,
                locality_id=task.locality_id,
                locality=locality,
                checkpoint_id=task.checkpoint_id,
                assignee=task.assignee,
                assignee_phone=ctx.phone(task.assignee_phone),
                evacuated=task.evacuated,
                created_at=task.created_at,
                acknowledged_at=task.acknowledged_at,
                done_at=task.done_at,
                lifted_at=task.lifted_at,
            ),
        )
        for task, event, locality, lon, lat in ctx.session.execute(_limited(statement, ctx.query))
    ]


def _in_bbox(geometry: BaseGeometry | None, bbox: BBox | None) -> bool:
    return bbox is None or (geometry is not None and geometry.intersects(box(*bbox)))


def _localities(ctx: _Context) -> list[Feature]:
    """Every locality (the public summary); a bbox is checked against the outline, so the
    page is cut after it (a district has tens of localities, not thousands)."""
    statement = _where(ctx, select(Locality), Locality.id, columns={"type": Locality.kind})
    if ctx.locality_ids is not None:
        statement = statement.where(Locality.id.in_(ctx.locality_ids))
    if ctx.query.bbox is None:
        statement = _limited(statement, ctx.query)
    result: list[Feature] = []
    for loc in ctx.session.scalars(statement):
        outline = _outline(loc.boundary_geojson)
        if not _in_bbox(outline, ctx.query.bbox):
            continue
        result.append(
            Feature(
                loc.id,
                _geojson(outline),
                _properties(
                    name=loc.name,
                    kind=loc.kind,
                    nbs_code=loc.nbs_code,
                    mca_code=loc.mca_code,
                    population=loc.population,
                    households=loc.households,
                    boundary_source=loc.boundary_source,
                ),
            )
        )
        if len(result) > ctx.query.limit:
            break
    return result


def _events(ctx: _Context) -> list[Feature]:
    """Every event (the district's summary), with its area: the drawn polygon, else the
    union of its localities' outlines, read for the whole page in one more query."""
    statement = _where(ctx, select(Event), Event.id, time=Event.opened_at,
                       columns={"type": Event.hazard, "status": Event.state})  # fmt: skip
    if ctx.locality_ids is not None:
        touching = select(EventLocality.event_id).where(
            EventLocality.locality_id.in_(ctx.locality_ids)
        )
        statement = statement.where(Event.id.in_(touching))
    if ctx.query.bbox is None:
        statement = _limited(statement, ctx.query)
    events = list(ctx.session.scalars(statement))
    place = aliased(Locality)
    rows = ctx.session.execute(
        select(EventLocality.event_id, place.name, place.boundary_geojson)
        .join(place, place.id == EventLocality.locality_id)
        .where(EventLocality.event_id.in_([e.id for e in events]))
        .order_by(EventLocality.event_id, place.id)
    ).all()
    names: dict[int, list[str]] = {}
    outlines: dict[int, list[BaseGeometry]] = {}
    for event_id, name, boundary in rows:
        names.setdefault(event_id, []).append(name)
        outline = _outline(boundary)
        if outline is not None:
            outlines.setdefault(event_id, []).append(outline)
    result: list[Feature] = []
    for event in events:
        area = _outline(event.area_geojson)
        if area is None and outlines.get(event.id):
            area = unary_union(outlines[event.id])
        if not _in_bbox(area, ctx.query.bbox):
            continue
        result.append(
            Feature(
                event.id,
                _geojson(area),
                _properties(
                    title=event.title,
                    hazard=event.hazard,
                    level=event.level,
                    state=event.state,
                    localities="、".join(names.get(event.id, [])),
                    opened_at=event.opened_at,
                    closed_at=event.closed_at,
                    stable_at=event.stable_at,
                    duty_leader=event.duty_leader,
                    duty_officer=event.duty_officer,
                ),
            )
        )
        if len(result) > ctx.query.limit:
            break
    return result


_READERS = {
    "localities": _localities,
    "depots": _depots,
    "teams": _teams,
    "checkpoints": _checkpoints,
    "broadcast_terminals": _terminals,
    "events": _events,
    "tasks": _tasks,
}


def _locality_ids(session: Session, values: Sequence[str] | None) -> tuple[int, ...] | None:
    """The locality filter's values (names or ids) as ids; an unknown one is refused."""
    if values is None:
        return None
    rows = session.execute(select(Locality.id, Locality.name)).all()
    by_name = {name: locality_id for locality_id, name in rows}
    ids = {str(locality_id): locality_id for locality_id, _ in rows}
    result = []
    for value in values:
        found = by_name.get(value, ids.get(value))
        if found is None:
            raise ValidationError("error.unknown_locality", field="locality")
        result.append(found)
    return tuple(sorted(set(result)))


def _collection(collection_id: str) -> Collection:
    if collection_id not in COLLECTIONS:
        raise ValidationError("error.ogc.collection", field="collection", value=collection_id)
    return COLLECTIONS[collection_id]


def features(
    session: Session,
    actor: Actor,
    collection_id: str,
    query: FeatureQuery,
    *,
    full_phones: bool = True,
) -> FeaturePage:
    """One page of a collection, in id order, as the actor may see it; ``full_phones``
    False masks every phone number (a read-only token)."""
    require(actor, Action.VIEW)
    _collection(collection_id)
    ids = _locality_ids(session, query.filters.get("locality"))
    ctx = _Context(session, actor, query, ids, full_phones)
    found = _READERS[collection_id](ctx)
    page = tuple(found[: query.limit])
    more = len(found) > query.limit
    return FeaturePage(page, page[-1].id if more and page else None)


def feature(
    session: Session,
    actor: Actor,
    collection_id: str,
    feature_id: int,
    *,
    full_phones: bool = True,
) -> Feature | None:
    """One feature, or None when it does not exist or lies outside the actor's scope."""
    query = FeatureQuery(after_id=feature_id - 1, limit=1)
    page = features(session, actor, collection_id, query, full_phones=full_phones)
    return page.features[0] if page.features and page.features[0].id == feature_id else None


_TIMES: dict[str, InstrumentedAttribute[datetime]] = {
    "events": Event.opened_at,
    "tasks": ResponseTask.created_at,
}


def extent(session: Session, collection_id: str, district: BBox) -> Extent:
    """The collection's extent: the district's bounds, and for the collections with a time
    the first and last of their times (None when empty)."""
    _collection(collection_id)
    column = _TIMES.get(collection_id)
    if column is None:
        return Extent(district, None, None)
    first, last = session.execute(select(func.min(column), func.max(column))).one()
    return Extent(district, first, last)

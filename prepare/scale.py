"""A deterministic province-scale dataset for benchmarks: about 1,300 localities with
polygons, 10,000 depots with stock, 5,000 teams, 100,000 checkpoints with inspections and
rectifications — the size of a province-wide deployment.

The 19 real Haizhou localities stay; the rest are synthetic townships (Voronoi cells over a
Jiangsu-sized box, named 规模测试…) so the real ones remain where they are. Rows are written
with bulk INSERTs in one transaction (minutes, not hours, on SQLite and PostgreSQL) and flagged
``is_demo``; the ledger holds one receipt per lot, so ``prepare check`` finds it sound.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, box, mapping, shape
from shapely.ops import unary_union, voronoi_diagram
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from registry.accounts.users import create_user
from registry.demo.users import DEMO_PASSWORD, DEMO_USERS
from registry.kernel import audit
from registry.kernel.enums import (
    AuditAction,
    AuditEntity,
    CheckpointType,
    DepotLevel,
    InspectionResult,
    InspectionTarget,
    LocalityKind,
    MovementKind,
    PlanClass,
    PlanStatus,
    RectificationStatus,
    RiskLevel,
    TeamKind,
    TeamStaffing,
)
from registry.kernel.models import (
    Campaign,
    Checkpoint,
    Depot,
    Inspection,
    Item,
    Locality,
    Plan,
    Rectification,
    StockLot,
    StockMovement,
    Team,
    TeamMember,
)
from registry.kernel.permissions import Actor

PROVINCE_BOX = (116.4, 31.0, 121.8, 35.1)  # roughly Jiangsu, in WGS-84 degrees
CHUNK = 5_000
COUNTED = (Locality, Depot, StockLot, Team, TeamMember, Checkpoint, Inspection, Rectification, Plan)
RISKS = (RiskLevel.MAJOR, RiskLevel.SIGNIFICANT, RiskLevel.GENERAL, RiskLevel.LOW)
RISK_WEIGHTS = (2, 10, 55, 33)
TOWN_WORDS = "安平和兴新康宁福寿丰泰盛隆华源泉桥河湖山林港湾东西南北中"


@dataclass(frozen=True)
class ScaleSize:
    """How big the province is; the defaults are the README's (Scale and speed)."""

    localities: int = 1_300
    depots: int = 10_000
    teams: int = 5_000
    members_per_team: int = 12
    checkpoints: int = 100_000
    items_per_depot: int = 8


def _bulk(session: Session, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start : start + CHUNK])


def _next_id(session: Session, model) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def _synthetic_cells(rng: random.Random, count: int, haizhou) -> list:
    """Voronoi cells over the province box outside Haizhou, one per township."""
    area = box(*PROVINCE_BOX).difference(haizhou.buffer(0.01))
    shapely.prepare(area)
    seeds: list[Any] = []  # shapely points
    while len(seeds) < count:
        p = Point(
            rng.uniform(PROVINCE_BOX[0], PROVINCE_BOX[2]),
            rng.uniform(PROVINCE_BOX[1], PROVINCE_BOX[3]),
        )
        if area.contains(p):
            seeds.append(p)
    cells = voronoi_diagram(MultiPoint(seeds), envelope=box(*PROVINCE_BOX).buffer(1))
    by_seed = []
    for seed in seeds:
        cell = next(c for c in cells.geoms if c.contains(seed))
        by_seed.append((seed, cell.intersection(area).simplify(0.002)))
    return by_seed


def _localities(session: Session, rng: random.Random, count: int) -> list[tuple[int, object]]:
    """Add synthetic townships until there are ``count``; return (id, polygon) of all."""
    existing = session.execute(select(Locality.id, Locality.boundary_geojson)).all()
    haizhou = unary_union([shape(json.loads(g)) for _, g in existing if g])
    wanted = max(0, count - len(existing))
    first = _next_id(session, Locality)
    rows = []
    for n, (seed, cell) in enumerate(_synthetic_cells(rng, wanted, haizhou)):
        county, town = divmod(n, 14)
        kind = LocalityKind.SUBDISTRICT if town < 4 else LocalityKind.TOWN
        word = TOWN_WORDS[n % len(TOWN_WORDS)] + TOWN_WORDS[(n // 7) % len(TOWN_WORDS)]
        suffix = "街道" if kind is LocalityKind.SUBDISTRICT else "镇"
        rows.append(
            {
                "id": first + n,
                "nbs_code": f"32{county:04d}{town + 1:03d}000"[:12],
                "mca_code": f"9{county:04d}{town + 1:03d}0"[:9],
                "name": f"规模测试{county + 1:03d}县{word}{suffix}{n}",
                "kind": kind,
                "population": rng.randint(15_000, 120_000),
                "households": None,
                "seat_lon": seed.x,
                "seat_lat": seed.y,
                "boundary_geojson": json.dumps(mapping(cell)),
                "boundary_note": "synthetic scale-test township",
                "responsible_officer": f"测试{n}（分管负责人）",
                "population_is_estimate": True,
                "version": 1,
            }
        )
    _bulk(session, Locality, rows)
    return [(loc_id, shape(json.loads(g))) for loc_id, g in existing if g] + [
        (r["id"], shape(json.loads(r["boundary_geojson"]))) for r in rows
    ]


def _points_in(rng: random.Random, polygon, count: int) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    points: list[tuple[float, float]] = []
    while len(points) < count:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(p):
            points.append((round(p.x, 6), round(p.y, 6)))
    return points


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` split over ``parts`` as evenly as a little randomness allows."""
    counts = [total // parts] * parts
    for i in rng.sample(range(parts), total % parts):
        counts[i] += 1
    return counts


def _scatter(rng: random.Random, places, total: int):
    """``total`` points spread over the places: (locality id, lon, lat)."""
    counts = _spread(total, len(places), rng)
    for (loc_id, polygon), count in zip(places, counts, strict=True):
        for lon, lat in _points_in(rng, polygon, count):
            yield loc_id, lon, lat


def _depots_and_stock(session, rng, places, size: ScaleSize, today: date) -> list[dict]:
    items = session.scalars(select(Item.id).order_by(Item.code)).all()
    depot_id, lot_id = _next_id(session, Depot), _next_id(session, StockLot)
    depots, lots, moves = [], [], []
    stamp = datetime.combine(today, time(8))
    for loc_id, lon, lat in _scatter(rng, places, size.depots):
        level = DepotLevel.DISTRICT if rng.random() < 0.05 else DepotLevel.TOWN
        depots.append(
            {
                "id": depot_id,
                "name": f"规模测试储备库{depot_id}",
                "level": level,
                "locality_id": loc_id,
                "lon": lon,
                "lat": lat,
                "manager": "测试管理员",
                "status": "active",
                "reserve_mode": "physical",
                "is_demo": True,
                "last_confirmed_at": stamp - timedelta(days=rng.randint(0, 60)),
                "created_at": stamp,
                "updated_at": stamp,
                "version": 1,
            }
        )
        for item_id in rng.sample(items, size.items_per_depot):
            quantity = rng.randint(1, 400)
            expiry = today + timedelta(days=rng.randint(-30, 900))
            lots.append(
                {
                    "id": lot_id,
                    "depot_id": depot_id,
                    "item_id": item_id,
                    "batch": f"S{lot_id}",
                    "quantity": quantity,
                    "expiry_date": expiry,
                    "received_on": today - timedelta(days=200),
                    "is_demo": True,
                    "version": 1,
                }
            )
            moves.append(
                {
                    "lot_id": lot_id,
                    "depot_id": depot_id,
                    "item_id": item_id,
                    "kind": MovementKind.RECEIVE,
                    "quantity": quantity,
                    "reason": "规模测试入库",
                    "at": stamp - timedelta(days=200),
                    "is_demo": True,
                }
            )
            lot_id += 1
        depot_id += 1
    for model, rows in ((Depot, depots), (StockLot, lots), (StockMovement, moves)):
        _bulk(session, model, rows)
    return depots


def _teams(session, rng, places, size: ScaleSize, today: date) -> None:
    team_id = _next_id(session, Team)
    teams, members = [], []
    stamp = datetime.combine(today, time(8))
    for loc_id, lon, lat in _scatter(rng, places, size.teams):
        target = size.members_per_team + rng.randint(-2, 4)
        teams.append(
            {
                "id": team_id,
                "name": f"规模测试应急队{team_id}",
                "locality_id": loc_id,
                "kind": rng.choice(list(TeamKind)),
                "staffing": rng.choice(list(TeamStaffing)),
                "specialties": "flood,rescue",
                "base_lon": lon,
                "base_lat": lat,
                "leader": "测试队长",
                "target_headcount": target,
                "status": "active",
                "last_confirmed_at": stamp - timedelta(days=rng.randint(0, 60)),
                "is_demo": True,
                "version": 1,
            }
        )
        for m in range(size.members_per_team):
            trained = today - timedelta(days=rng.randint(0, 500))
            members.append(
                {
                    "team_id": team_id,
                    "name": f"队员{m + 1}",
                    "age_band": "30-39",
                    "last_training_on": trained,
                    "is_demo": True,
                    "version": 1,
                }
            )
        team_id += 1
    _bulk(session, Team, teams)
    _bulk(session, TeamMember, members)


def _checkpoints(session, rng, places, size: ScaleSize, today: date, campaign_id: int) -> None:
    """Checkpoints; about 60 % inspected in the running campaign, 15 % of those with a
    finding that opened a rectification (a third of them overdue)."""
    cp_id, insp_id = _next_id(session, Checkpoint), _next_id(session, Inspection)
    checkpoints, inspections, rects = [], [], []
    types = list(CheckpointType)
    for loc_id, lon, lat in _scatter(rng, places, size.checkpoints):
        risk = rng.choices(RISKS, RISK_WEIGHTS)[0]
        checkpoints.append(
            {
                "id": cp_id,
                "name": f"规模测试隐患点{cp_id}",
                "type": rng.choice(types),
                "risk_level": risk,
                "locality_id": loc_id,
                "lon": lon,
                "lat": lat,
                "responsible_person": "测试责任人",
                "status": "active",
                "is_demo": True,
                "version": 1,
            }
        )
        if rng.random() < 0.6:
            found = rng.random() < 0.15
            day = today - timedelta(days=rng.randint(0, 40))
            inspections.append(
                {
                    "id": insp_id,
                    "campaign_id": campaign_id,
                    "target_kind": InspectionTarget.CHECKPOINT,
                    "checkpoint_id": cp_id,
                    "locality_id": loc_id,
                    "inspected_on": day,
                    "inspector": "测试检查员",
                    "result": InspectionResult.FINDINGS if found else InspectionResult.PASSED,
                    "findings": "规模测试问题" if found else None,
                    "lon": lon,
                    "lat": lat,
                    "is_demo": True,
                }
            )
            if found:
                rects.append(
                    {
                        "inspection_id": insp_id,
                        "checkpoint_id": cp_id,
                        "locality_id": loc_id,
                        "description": "规模测试问题",
                        "risk_level": risk,
                        "status": RectificationStatus.RECTIFYING,
                        "found_on": day,
                        "deadline": day + timedelta(days=rng.randint(5, 60)),
                        "responsible_person": "测试责任人",
                        "is_demo": True,
                        "version": 1,
                    }
                )
            insp_id += 1
        cp_id += 1
    for model, rows in (
        (Checkpoint, checkpoints),
        (Inspection, inspections),
        (Rectification, rects),
    ):
        _bulk(session, model, rows)


def _plans(session, places, today: date) -> None:
    _bulk(
        session,
        Plan,
        [
            {
                "title": f"规模测试突发事件应急预案{loc_id}",
                "locality_id": loc_id,
                "plan_class": PlanClass.GRASSROOTS,
                "version_label": "2025版",
                "issued_on": today - timedelta(days=300 + loc_id % 900),
                "filed_on": today - timedelta(days=280 + loc_id % 900),
                "crowded_venue": False,
                "status": PlanStatus.CURRENT,
                "is_demo": True,
                "version": 1,
            }
            for loc_id, _ in places
        ],
    )


def _users(session: Session, actor: Actor) -> None:
    """The demo accounts (same names and password), so the province can be signed into."""
    names = {loc.name: loc.id for loc in session.scalars(select(Locality))}
    for username, role, place in DEMO_USERS:
        create_user(
            session,
            actor,
            username=username,
            display_name=f"{username}（规模测试）",
            role=role,
            password=DEMO_PASSWORD,
            locality_ids=[names[place]] if place else [],
            is_demo=True,
        )


def _advance_sequences(session: Session) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the data."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in (Locality, Depot, StockLot, Team, Checkpoint, Inspection):
        table = model.__tablename__
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )


def build(
    session: Session, actor: Actor, *, today: date, size: ScaleSize = ScaleSize(), seed: int = 7
) -> dict[str, int]:
    """Fill a database that has only reference data with a province; counts per table."""
    rng = random.Random(seed)
    places = _localities(session, rng, size.localities)
    campaign = Campaign(
        name="规模测试专项排查",
        starts_on=today - timedelta(days=45),
        ends_on=today + timedelta(days=15),
        target_kinds="checkpoint",
        is_demo=True,
    )
    session.add(campaign)
    session.flush()
    _depots_and_stock(session, rng, places, size, today)
    _teams(session, rng, places, size, today)
    _checkpoints(session, rng, places, size, today, campaign.id)
    _plans(session, places, today)
    _advance_sequences(session)
    _users(session, actor)
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in COUNTED
    }
    audit.record(
        session, actor, AuditAction.SCALE_DATASET_BUILT, AuditEntity.DEMO, None, after=counts
    )
    return counts

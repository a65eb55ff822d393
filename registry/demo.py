"""The demo district: a realistic, deterministic, synthetic Haizhou on the real localities.

Only the locality list, the 2020 census total and the public facts of domain-standards §6
(rivers, mountains, the 2016 waterlogging points) are real; every name, phone number, depot,
team, checkpoint, inspection and plan is invented. Every row carries ``is_demo`` so the UI
labels it. The same ``today`` and ``seed`` always give the same data, so screenshots, tests
and benchmarks repeat.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

import shapely
from shapely.geometry import Point, box, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import audit
from registry.accounts import create_user
from registry.catalogue import load_catalogue
from registry.enums import (
    CheckpointType,
    DepotLevel,
    DrillForm,
    InspectionResult,
    InspectionTarget,
    LocalityKind,
    PlanClass,
    PlanStatus,
    RectificationStatus,
    RiskLevel,
    Role,
    Specialty,
    TeamKind,
    TeamStaffing,
)
from registry.localities import load_reference_localities
from registry.models import (
    Campaign,
    Checkpoint,
    Depot,
    Drill,
    Inspection,
    Item,
    Locality,
    Plan,
    PlanRevision,
    Quota,
    Rectification,
    RectificationStep,
    StockLot,
    StockMovement,
    Team,
    TeamMember,
    User,
)
from registry.permissions import Actor
from registry.records import AGE_BANDS, add_member, create_checkpoint, create_depot, create_team
from registry.settings import Settings
from registry.stock import issue, receive, stock_take, transfer

DEMO_PASSWORD = "Haizhou-demo-2026"
DEMO_USERS: list[tuple[str, Role, str | None]] = [
    ("admin", Role.ADMIN, None),
    ("office", Role.OFFICE, None),
    ("leader", Role.LEADER, None),
    ("xinpu", Role.TOWN, "新浦街道"),
    ("banpu", Role.TOWN, "板浦镇"),
    ("huaguoshan", Role.TOWN, "花果山街道"),
    ("jinping", Role.TOWN, "锦屏镇"),
]
_DISPLAY_NAMES = {
    "admin": "系统管理员（演示）",
    "office": "区应急管理局值班员（演示）",
    "leader": "区领导（演示）",
    "xinpu": "新浦街道应急办（演示）",
    "banpu": "板浦镇应急办（演示）",
    "huaguoshan": "花果山街道应急办（演示）",
    "jinping": "锦屏镇应急办（演示）",
}

# --- places -----------------------------------------------------------------------------

URBAN = (
    "新浦街道", "新东街道", "新南街道", "路南街道", "浦西街道", "新海街道",
    "海州街道", "幸福路街道", "朐阳街道", "洪门街道", "郁洲街道",
)  # fmt: skip
OUTER = ("花果山街道", "云台街道", "南城街道", "宁海街道")
TOWNS = ("新坝镇", "锦屏镇", "板浦镇", "浦南镇")
CENSUS_TOTAL = 918_000  # 7th census, 2020 (domain-standards §6); the split below is invented
POPULATION_SHARE = {
    "新浦街道": 95, "新东街道": 62, "新南街道": 70, "路南街道": 52, "浦西街道": 66,
    "新海街道": 60, "海州街道": 38, "幸福路街道": 36, "朐阳街道": 55, "洪门街道": 40,
    "郁洲街道": 48, "花果山街道": 22, "云台街道": 30, "南城街道": 18, "宁海街道": 42,
    "新坝镇": 42, "锦屏镇": 36, "板浦镇": 60, "浦南镇": 46,
}  # fmt: skip
PERSONS_PER_HOUSEHOLD = (2.5, 2.7)
SEAT_RADIUS_DEG = 0.02  # about 2 km: urban records cluster around the built-up core

ROADS = (
    "通灌路", "解放路", "海连路", "朝阳路", "人民路", "建设路", "海宁大道", "光辉路",
    "民主路", "郁洲路", "凌州路", "苍梧路", "瀛洲路", "巨龙路", "龙河路", "幸福路",
    "盐河路", "秦东门大街", "花果山大道", "新浦路", "陇海路", "海昌路", "振华路", "团结路",
)  # fmt: skip
COMMUNITIES = (
    "常乐新村", "海宁小区", "龙河小区", "东方花园", "古楼小区", "双龙小区", "砚池小区",
    "南门小区", "淮海小区", "河滨小区", "东苑小区", "幸福花园", "建设新村", "人民新村",
    "锦绣苑", "银河花园", "朝阳小区", "工人新村", "铁路新村", "盐河新村", "凌州小区",
)  # fmt: skip
VILLAGES = (
    "前庄", "后庄", "张庄", "王圩", "李集", "刘庄", "东湖", "西湖", "新庄", "朱圩",
    "孙庄", "高庄", "马庄", "河东", "沟南", "三里", "八里", "双河", "杨圩", "陈庄",
)  # fmt: skip
URBAN_RIVERS = ("东盐河", "西盐河", "玉带河", "龙尾河", "大浦河")
DIKE_RIVERS = {  # river and, where the river marks an edge, the part of the cell it runs in
    "浦南镇": (("新沭河", "north"), ("蔷薇河", None)),
    "新坝镇": (("蔷薇河", None), ("盐河", None)),
    "板浦镇": (("盐河", None),),
    "宁海街道": (("盐河", None), ("蔷薇河", None)),
    "海州街道": (("玉带河", "seat"),),
    "新东街道": (("东盐河", "seat"), ("龙尾河", "seat")),
    "郁洲街道": (("东盐河", "seat"),),
    "新海街道": (("西盐河", "seat"),),
    "浦西街道": (("大浦河", "seat"), ("西盐河", "seat")),
    "路南街道": (("龙尾河", "seat"), ("大浦河", "seat")),
    "新南街道": (("龙尾河", "seat"),),
}
GEO_SITES = {  # domain-standards §6.1: 云台山 (incl. 花果山), 锦屏山, 孔望山, 南城凤凰山
    "花果山街道": (
        ("花果山", ("水帘洞北侧", "玉皇阁东坡", "大村后山", "三元宫南麓", "九龙桥西侧")),
    ),
    "云台街道": (("云台山", ("南云台北坡", "凌州后山", "渔湾沟口", "云台农场东侧山脚")),),
    "锦屏镇": (("锦屏山", ("马耳峰西坡", "桃花涧北侧", "磷矿旧址", "南麓采石宕口")),),
    "南城街道": (("凤凰山", ("北麓", "东坡", "老街后山")), ("孔望山", ("东麓", "龙洞北侧"))),
}
GEO_KINDS = ("崩塌", "滑坡", "高陡边坡", "不稳定斜坡")

# --- people -----------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉兰萍红建国志文利民海燕亮鹏飞波辉宁浩凯峰"
    "梅琳雪婷晨阳斌宇春林"
)
MOBILE_PREFIXES = ("13", "15", "17", "18", "19")


def _person(rng: random.Random) -> str:
    """A synthetic Chinese name: common surname, one or two given-name characters."""
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    """A synthetic mobile number in the 1xx-xxxx-xxxx form the offices write."""
    head = rng.choice(MOBILE_PREFIXES) + str(rng.randrange(10))
    return f"{head}-{rng.randrange(10_000):04d}-{rng.randrange(10_000):04d}"


# --- the seeding context ----------------------------------------------------------------


@dataclass
class _Seed:
    """What every step needs: the transaction, the actor, the clock and one random stream."""

    session: Session
    actor: Actor
    today: date
    rng: random.Random
    localities: dict[str, Locality]
    areas: dict[str, BaseGeometry]
    settings: Settings = field(default_factory=Settings)
    zones: dict[tuple[str, str | None], BaseGeometry] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))


def _cut(area: BaseGeometry, locality: Locality, where: str | None) -> BaseGeometry:
    """The part of a locality a kind of record favours: its core, or its northern third."""
    part = area
    if where == "seat":
        seat = Point(locality.seat_lon, locality.seat_lat)
        part = area.intersection(seat.buffer(SEAT_RADIUS_DEG))
    elif where == "north":  # 新沭河, the northern boundary
        minx, miny, maxx, maxy = area.bounds
        part = area.intersection(box(minx, maxy - (maxy - miny) / 3, maxx, maxy))
    if part.is_empty or part.area < 1e-6:
        part = area
    shapely.prepare(part)
    return part


def _point(seed: _Seed, locality: str, where: str | None = None) -> tuple[float, float]:
    """A point inside the locality's polygon, by rejection sampling from one random stream."""
    key = (locality, where)
    if key not in seed.zones:
        seed.zones[key] = _cut(seed.areas[locality], seed.localities[locality], where)
    zone, area = seed.zones[key], seed.areas[locality]
    minx, miny, maxx, maxy = zone.bounds
    while True:
        lon = round(seed.rng.uniform(minx, maxx), 6)
        lat = round(seed.rng.uniform(miny, maxy), 6)
        if shapely.contains_xy(zone, lon, lat) and shapely.contains_xy(area, lon, lat):
            return lon, lat


def _place(seed: _Seed, locality: str) -> str:
    """A road in the city, a village or neighbourhood elsewhere."""
    if locality in URBAN:
        return seed.rng.choice(ROADS)
    kind = "村" if seed.localities[locality].kind is LocalityKind.TOWN else "社区"
    return seed.rng.choice(VILLAGES) + kind


def _address(seed: _Seed, locality: str, place: str) -> str:
    """A synthetic address: a house number on a city road, or just the village."""
    number = f"{seed.rng.randint(1, 300)}号" if locality in URBAN else ""
    return f"海州区{locality}{place}{number}"


def _unique(seed: _Seed, name: str) -> str:
    """Number repeated names, so every record on the map can be told apart."""
    candidate, counter = name, 2
    while candidate in seed.names:
        candidate, counter = f"{name}（{counter}）", counter + 1
    seed.names.add(candidate)
    return candidate


# --- reference data and localities ------------------------------------------------------


def _ensure_reference(session: Session, actor: Actor) -> dict[str, Locality]:
    """Load the real localities and the catalogue first if a fresh database lacks them."""
    load_reference_localities(session, actor)
    if session.scalar(select(func.count()).select_from(Item)) == 0:
        load_catalogue(session, actor)
    return {loc.name: loc for loc in session.scalars(select(Locality).order_by(Locality.mca_code))}


def _areas(localities: dict[str, Locality]) -> dict[str, BaseGeometry]:
    areas = {}
    for name, locality in localities.items():
        areas[name] = shape(json.loads(locality.boundary_geojson))
        shapely.prepare(areas[name])
    return areas


def _profile_localities(seed: _Seed) -> None:
    """Demo population and officers: the census total is real, its split is an estimate.

    There is no locality-edit use-case yet, so the seed sets the columns directly and the
    ``demo-seeded`` audit event records it.
    """
    rng = seed.rng
    raw = {name: POPULATION_SHARE[name] * rng.uniform(0.95, 1.05) for name in seed.localities}
    scale = CENSUS_TOTAL / sum(raw.values())
    for name, locality in seed.localities.items():
        locality.population = int(round(raw[name] * scale / 100) * 100)
        locality.households = round(locality.population / rng.uniform(*PERSONS_PER_HOUSEHOLD))
        locality.population_is_estimate = True
        title = "分管副镇长" if locality.kind is LocalityKind.TOWN else "分管副主任"
        locality.responsible_officer = f"{_person(rng)}（{title}）"
        locality.officer_phone = _phone(rng)
    seed.session.flush()


def _create_users(seed: _Seed) -> dict[str, User]:
    users = {}
    for username, role, locality in DEMO_USERS:
        users[username] = create_user(
            seed.session,
            seed.actor,
            username=username,
            display_name=_DISPLAY_NAMES[username],
            role=role,
            password=DEMO_PASSWORD,
            locality_ids=[seed.localities[locality].id] if locality else [],
            phone=_phone(seed.rng),
            is_demo=True,
        )
    return users


# --- depots and stock -------------------------------------------------------------------

DISTRICT_DEPOTS = (  # 区级库, the main body: 630–800 m² (建标121-2009 county class, §2.1)
    ("海州区救灾物资储备库", "新南街道", "巨龙南路"),
    ("海州区防汛物资仓库", "浦西街道", "盐河北路"),
)
ALWAYS_HELD = frozenset({"3010101", "1020101"})  # 编织袋 and 棉被: every depot keeps them
EXTRA_LINES = {  # items outside the level quota some depots also keep: code -> (low, high)
    DepotLevel.DISTRICT: {
        "1030104": (300, 800), "2010103": (500, 1500), "1020105": (200, 600),
        "3010102": (5000, 20000), "2040101": (300, 800), "2040102": (300, 800),
        "2040103": (200, 500), "2020104": (2, 6), "2030102": (2, 6),
    },
    DepotLevel.TOWN: {
        "1030103": (50, 200), "1030104": (30, 120), "2010103": (30, 100),
        "2030101": (2, 6), "2020102": (10, 40), "3020102": (20, 60),
    },
}  # fmt: skip
LINE_SHARE = 0.85  # most quota items are held
EXTRA_SHARE = 0.4
SHORT_SHARE = 0.15  # lines deliberately below the quota minimum
EXPIRED_SHARE, EXPIRING_SHARE = 0.05, 0.10
TWO_BATCH_LINES = 2
RECEIVE_REASONS = ("年度储备采购入库", "上级调拨入库", "协议供货入库", "物资轮换补库")
ISSUE_REASONS = ("汛期排涝抢险出库", "受灾群众安置发放", "应急演练消耗")
PRE_POSITION = (("浦南镇", 1500), ("新坝镇", 1500), ("板浦镇", 1500))  # 编织袋 前置发放


def _depot(
    seed: _Seed, locality: str, name: str, level: DepotLevel, address: str, area: int
) -> Depot:
    lon, lat = _point(seed, locality, "seat" if level is DepotLevel.DISTRICT else None)
    data = {
        "name": _unique(seed, name),
        "level": level,
        "locality_id": seed.localities[locality].id,
        "address": address,
        "lon": lon,
        "lat": lat,
        "floor_area_m2": area,
        "manager": _person(seed.rng),
        "manager_phone": _phone(seed.rng),
    }
    return create_depot(seed.session, seed.actor, data, is_demo=True)


def _create_depots(seed: _Seed) -> tuple[list[Depot], dict[str, Depot]]:
    """Two district depots, then a main 镇街库 per locality and, for some, a 储备点."""
    rng = seed.rng
    depots = [
        _depot(
            seed, loc, name, DepotLevel.DISTRICT, _address(seed, loc, road), rng.randint(630, 800)
        )
        for name, loc, road in DISTRICT_DEPOTS
    ]
    main = {}
    for name, locality in seed.localities.items():
        main[name] = _depot(
            seed,
            name,
            f"{name}应急物资储备库",
            DepotLevel.TOWN,
            _address(seed, name, _place(seed, name)),
            rng.randint(120, 300),
        )
        depots.append(main[name])
        if locality.kind is LocalityKind.TOWN or rng.random() < 0.35:
            place = _place(seed, name)
            depots.append(
                _depot(
                    seed,
                    name,
                    f"{name}{place}应急物资储备点",
                    DepotLevel.TOWN,
                    _address(seed, name, place),
                    rng.randint(60, 150),
                )
            )
    return depots, main


def _nice(value: float) -> int:
    """Round down to the grain a storekeeper counts in (hundreds of sandbags, single tents)."""
    grain = 100 if value >= 10_000 else 10 if value >= 1_000 else 1
    return max(1, int(value // grain * grain))


def _line_quantity(rng: random.Random, low: int, high: int) -> int:
    if rng.random() < SHORT_SHARE:
        return _nice(rng.uniform(0.3, 0.9) * low)
    return _nice(rng.uniform(low, high * 1.05))


def _depot_lines(seed: _Seed, depot: Depot, quotas, items) -> list[tuple[Item, int, int]]:
    lines = [
        (quota.item, quota.minimum, quota.maximum)
        for quota in quotas
        if quota.depot_level is depot.level
        and (quota.item.code in ALWAYS_HELD or seed.rng.random() < LINE_SHARE)
    ]
    lines += [
        (items[code], low, high)
        for code, (low, high) in EXTRA_LINES[depot.level].items()
        if seed.rng.random() < EXTRA_SHARE
    ]
    return lines


def _lot_dates(seed: _Seed, item: Item, fresh: bool) -> tuple[date, date | None]:
    """Received and expiry dates: most lots fine, some expiring within 90 days, a few expired."""
    rng, today = seed.rng, seed.today
    if not item.shelf_life_days:
        return seed.days_ago(30, 1500), None
    roll = 1.0 if fresh else rng.random()
    if roll < EXPIRED_SHARE:
        expiry = today - timedelta(days=rng.randint(1, 240))
    elif roll < EXPIRED_SHARE + EXPIRING_SHARE:
        expiry = today + timedelta(days=rng.randint(1, 90))
    else:
        expiry = today + timedelta(days=rng.randint(91, item.shelf_life_days - 30))
    return expiry - timedelta(days=item.shelf_life_days), expiry


def _receive_lot(
    seed: _Seed, depot: Depot, item: Item, quantity: int, index: int, fresh: bool = False
) -> None:
    received, expiry = _lot_dates(seed, item, fresh)
    receive(
        seed.session,
        seed.actor,
        depot.id,
        item.id,
        quantity,
        batch=f"{received:%Y%m%d}-{index}",
        reason=seed.rng.choice(RECEIVE_REASONS),
        today=received,  # stored as the lot's received_on
        expiry_date=expiry,
        is_demo=True,
    )


def _stock_depot(seed: _Seed, depot: Depot, quotas, items) -> None:
    """Receive each line as one lot; a couple of lines come in two batches, the second fresh."""
    lines = _depot_lines(seed, depot, quotas, items)
    split = set(seed.rng.sample(range(len(lines)), min(TWO_BATCH_LINES, len(lines))))
    for position, (item, low, high) in enumerate(lines):
        quantity = _line_quantity(seed.rng, low, high)
        if position in split and quantity >= 2:
            first = quantity * 2 // 5
            _receive_lot(seed, depot, item, first, 1)
            _receive_lot(seed, depot, item, quantity - first, 2, fresh=True)
        else:
            _receive_lot(seed, depot, item, quantity, 1)


def _lots(seed: _Seed, depot: Depot, *, usable: bool = False) -> list[StockLot]:
    query = select(StockLot).where(StockLot.depot_id == depot.id, StockLot.quantity > 0)
    if usable:
        query = query.where((StockLot.expiry_date.is_(None)) | (StockLot.expiry_date >= seed.today))
    return list(seed.session.scalars(query.order_by(StockLot.id)))


def _largest_lot(seed: _Seed, depot: Depot, code: str) -> StockLot:
    lots = [lot for lot in _lots(seed, depot, usable=True) if lot.item.code == code]
    return max(lots, key=lambda lot: (lot.quantity, -lot.id))


def _exercise_ledger(seed: _Seed, depots: list[Depot], main: dict[str, Depot]) -> None:
    """Give the ledger every kind of movement: transfers, issues and stock-takes."""
    session, actor, rng, today = seed.session, seed.actor, seed.rng, seed.today
    flood_depot = depots[1]
    for locality, amount in PRE_POSITION:
        lot = _largest_lot(seed, flood_depot, "3010101")
        transfer(
            session,
            actor,
            lot.id,
            main[locality].id,
            amount,
            reason="汛前防汛物资前置发放到镇",
            today=today,
        )
    for depot in depots:
        usable = [lot for lot in _lots(seed, depot, usable=True) if lot.quantity >= 10]
        if usable and rng.random() < 0.35:
            lot = rng.choice(usable)
            issue(
                session,
                actor,
                lot.id,
                max(1, lot.quantity * rng.randint(5, 15) // 100),
                reason=rng.choice(ISSUE_REASONS),
                today=today,
            )
        lot = rng.choice(_lots(seed, depot))
        counted = max(0, lot.quantity + rng.choice((0, 0, 0, -1, 1)) * rng.randint(1, 5))
        stock_take(session, actor, lot.id, counted, reason="季度盘点")


def _stock_all(seed: _Seed, depots: list[Depot], main: dict[str, Depot]) -> None:
    quotas = list(
        seed.session.scalars(
            select(Quota).join(Item).where(Quota.depot_id.is_(None)).order_by(Item.code)
        )
    )
    items = {item.code: item for item in seed.session.scalars(select(Item))}
    for depot in depots:
        _stock_depot(seed, depot, quotas, items)
    _exercise_ledger(seed, depots, main)


# --- teams and members ------------------------------------------------------------------

S = Specialty
DISTRICT_TEAMS = (  # name, kind, staffing, specialties, locality, target headcount range
    ("海州区综合应急救援大队", TeamKind.COMPREHENSIVE, TeamStaffing.FULL_TIME,
     (S.RESCUE, S.FLOOD, S.FIRE), "新南街道", (50, 60)),
    ("海州区防汛抢险队", TeamKind.PROFESSIONAL, TeamStaffing.FULL_TIME,
     (S.FLOOD, S.RESCUE), "浦西街道", (40, 60)),
    ("海州区城市排涝抢险队", TeamKind.PROFESSIONAL, TeamStaffing.PART_TIME,
     (S.FLOOD,), "新东街道", (30, 45)),
    ("海州区地质灾害应急队", TeamKind.PROFESSIONAL, TeamStaffing.PART_TIME,
     (S.GEOLOGICAL, S.RESCUE), "南城街道", (15, 25)),
    ("云台山森林消防专业队", TeamKind.PROFESSIONAL, TeamStaffing.FULL_TIME,
     (S.FIRE,), "云台街道", (30, 50)),
    ("海州区危化品应急处置队", TeamKind.PROFESSIONAL, TeamStaffing.PART_TIME,
     (S.HAZCHEM, S.FIRE), "郁洲街道", (20, 35)),
    ("海州区卫生应急救援队", TeamKind.PROFESSIONAL, TeamStaffing.PART_TIME,
     (S.MEDICAL,), "新海街道", (20, 40)),
    ("海州供电应急抢修队", TeamKind.PROFESSIONAL, TeamStaffing.FULL_TIME,
     (S.POWER,), "新浦街道", (20, 35)),
    ("海州区通信保障应急分队", TeamKind.PROFESSIONAL, TeamStaffing.PART_TIME,
     (S.COMMUNICATIONS,), "路南街道", (15, 25)),
    ("蓝天救援队海州分队", TeamKind.SOCIAL, TeamStaffing.VOLUNTEER,
     (S.RESCUE, S.FLOOD, S.MEDICAL), "朐阳街道", (25, 45)),
    ("海州区红十字应急救护志愿队", TeamKind.SOCIAL, TeamStaffing.VOLUNTEER,
     (S.MEDICAL,), "海州街道", (20, 40)),
    ("海州区应急预备役大队", TeamKind.COMPREHENSIVE, TeamStaffing.RESERVE,
     (S.RESCUE, S.FLOOD), "洪门街道", (40, 60)),
)  # fmt: skip
FLOOD_LOCALITIES = frozenset({"浦南镇", "新坝镇", "板浦镇", "宁海街道", "锦屏镇", "新浦街道"})
MOUNTAIN_LOCALITIES = frozenset(GEO_SITES)
UNDERSTRENGTH_SHARE = 0.25
EQUIPMENT = {
    S.FLOOD: (("冲锋舟", "艘", 1, 4), ("救生衣", "件", 20, 80), ("排水泵", "台", 2, 8)),
    S.RESCUE: (("破拆工具组", "套", 1, 4), ("绳索救援装备", "套", 2, 6), ("照明灯", "台", 2, 10)),
    S.FIRE: (("风力灭火机", "台", 4, 20), ("灭火拍", "把", 20, 60), ("消防水泵", "台", 1, 4)),
    S.MEDICAL: (("急救箱", "个", 5, 20), ("AED除颤仪", "台", 1, 3), ("担架", "副", 4, 12)),
    S.GEOLOGICAL: (("裂缝监测仪", "套", 2, 8), ("无人机", "架", 1, 3), ("警戒带", "卷", 5, 15)),
    S.HAZCHEM: (("防化服", "套", 4, 12), ("气体检测仪", "台", 2, 6), ("空气呼吸器", "具", 4, 12)),
    S.POWER: (("应急发电车", "辆", 1, 2), ("发电机组", "台", 2, 6), ("绝缘工具", "套", 5, 15)),
    S.COMMUNICATIONS: (("卫星电话", "部", 2, 6), ("通信车", "辆", 1, 1), ("对讲机", "台", 20, 60)),
}
SKILLS = {
    S.FLOOD: ("冲锋舟驾驶", "水上救援", "巡堤查险", "排涝设备操作"),
    S.RESCUE: ("绳索救援", "破拆", "搜救", "驾驶（B照）"),
    S.FIRE: ("森林灭火", "消防设施操作", "风力灭火机操作"),
    S.MEDICAL: ("急救（红十字救护员）", "心肺复苏", "护理"),
    S.GEOLOGICAL: ("地质巡查", "裂缝监测", "无人机航拍"),
    S.HAZCHEM: ("危化品处置", "气体检测", "防化洗消"),
    S.POWER: ("电工（持证）", "发电机操作", "线路抢修"),
    S.COMMUNICATIONS: ("卫星电话操作", "应急通信保障", "无人机中继"),
}
AGE_WEIGHTS = (20, 30, 28, 17, 5)  # over records.AGE_BANDS


def _locality_teams(seed: _Seed, name: str) -> list[tuple]:
    """Each locality's 综合 team, plus flood, geological, reserve and volunteer teams where fit."""
    rng = seed.rng
    staffing = TeamStaffing.FULL_TIME if rng.random() < 0.25 else TeamStaffing.PART_TIME
    extra = (S.MEDICAL,) if rng.random() < 0.5 else ()
    specs = [
        (
            f"{name}综合应急救援队",
            TeamKind.COMPREHENSIVE,
            staffing,
            (S.RESCUE, S.FLOOD, S.FIRE, *extra),
            name,
            (30, 50),
        )
    ]
    if name in FLOOD_LOCALITIES:
        specs.append(
            (
                f"{name}防汛抢险分队",
                TeamKind.PROFESSIONAL,
                TeamStaffing.PART_TIME,
                (S.FLOOD, S.RESCUE),
                name,
                (20, 40),
            )
        )
    if name in MOUNTAIN_LOCALITIES:
        specs.append(
            (
                f"{name}地质灾害群测群防队",
                TeamKind.PROFESSIONAL,
                TeamStaffing.PART_TIME,
                (S.GEOLOGICAL,),
                name,
                (15, 25),
            )
        )
    if rng.random() < 0.5:
        specs.append(
            (
                f"{name}应急预备役分队",
                TeamKind.COMPREHENSIVE,
                TeamStaffing.RESERVE,
                (S.RESCUE, S.FLOOD),
                name,
                (20, 40),
            )
        )
    if rng.random() < 0.4:
        specs.append(
            (
                f"{name}应急志愿服务队",
                TeamKind.SOCIAL,
                TeamStaffing.VOLUNTEER,
                (S.MEDICAL, S.RESCUE),
                name,
                (15, 30),
            )
        )
    return specs


def _equipment(rng: random.Random, specialties) -> str:
    parts = [
        f"{label}{rng.randint(low, high)}{unit}"
        for specialty in specialties
        for label, unit, low, high in EQUIPMENT[specialty]
    ]
    return "、".join(parts)


def _create_team(seed: _Seed, spec: tuple) -> Team:
    name, kind, staffing, specialties, locality, (low, high) = spec
    lon, lat = _point(seed, locality, "seat")
    data = {
        "name": _unique(seed, name),
        "kind": kind,
        "staffing": staffing,
        "specialties": [s.value for s in specialties],
        "locality_id": seed.localities[locality].id,
        "base_lon": lon,
        "base_lat": lat,
        "leader": _person(seed.rng),
        "leader_phone": _phone(seed.rng),
        "target_headcount": seed.rng.randint(low, high),
        "equipment": _equipment(seed.rng, specialties),
    }
    return create_team(seed.session, seed.actor, data, is_demo=True)


def _training_date(seed: _Seed) -> date | None:
    """Most trained this year, a quarter more than 12 months ago, a few never."""
    roll = seed.rng.random()
    if roll < 0.05:
        return None
    return seed.days_ago(0, 364) if roll < 0.75 else seed.days_ago(365, 729)


def _enrol(seed: _Seed, team: Team) -> None:
    """Census rows: most teams at strength, about a quarter short of their target."""
    rng = seed.rng
    if rng.random() < UNDERSTRENGTH_SHARE:
        count = int(team.target_headcount * rng.uniform(0.5, 0.9))
    else:
        count = team.target_headcount + rng.randint(0, 3)
    pool = [skill for s in team.specialties.split(",") for skill in SKILLS[Specialty(s)]]
    for _ in range(count):
        data = {
            "name": _person(rng),
            "age_band": rng.choices(AGE_BANDS, AGE_WEIGHTS)[0],
            "skills": "、".join(rng.sample(pool, rng.randint(1, min(3, len(pool))))),
            "phone": _phone(rng),
            "last_training_on": _training_date(seed),
        }
        add_member(seed.session, seed.actor, team.id, data, today=seed.today, is_demo=True)


def _create_teams(seed: _Seed) -> list[Team]:
    specs = list(DISTRICT_TEAMS)
    for name in seed.localities:
        specs += _locality_teams(seed, name)
    teams = [_create_team(seed, spec) for spec in specs]
    for team in teams:
        _enrol(seed, team)
    return teams


# --- checkpoints ------------------------------------------------------------------------

T, R = CheckpointType, RiskLevel
NAMED_CHECKPOINTS = (  # 2016-08-20 waterlogging list and 强排泵 (§6.1); cells approximate
    ("常乐新村积水点", T.WATERLOGGING, "新浦街道", R.SIGNIFICANT, "常乐新村"),
    ("海宁小区积水点", T.WATERLOGGING, "新南街道", R.SIGNIFICANT, "海宁小区"),
    ("龙河小区西平房区积水点", T.WATERLOGGING, "新东街道", R.SIGNIFICANT, "龙河小区"),
    ("光辉路积水点", T.WATERLOGGING, "新东街道", R.GENERAL, "光辉路"),
    ("朝阳西路矿山院小区对面积水点", T.WATERLOGGING, "洪门街道", R.SIGNIFICANT, "朝阳西路"),
    ("海宁大道德邦物流段积水点", T.WATERLOGGING, "新海街道", R.GENERAL, "海宁大道"),
    ("建设路直销市场东侧积水点", T.WATERLOGGING, "路南街道", R.GENERAL, "建设路"),
    ("沙板桥强排泵站", T.PUMP_GATE, "新浦街道", R.SIGNIFICANT, "沙板桥"),
    ("东方花园强排泵站", T.PUMP_GATE, "新南街道", R.GENERAL, "东方花园"),
    ("临洪西路强排泵站", T.PUMP_GATE, "浦西街道", R.GENERAL, "临洪西路"),
    ("花果山景区游客中心", T.CROWDED_VENUE, "花果山街道", R.SIGNIFICANT, "花果山景区"),
    ("花果山景区水帘洞", T.CROWDED_VENUE, "花果山街道", R.MAJOR, "花果山景区"),
    ("花果山景区玉皇阁", T.CROWDED_VENUE, "花果山街道", R.SIGNIFICANT, "花果山景区"),
    ("花果山景区三元宫", T.CROWDED_VENUE, "花果山街道", R.SIGNIFICANT, "花果山景区"),
    ("孔望山景区", T.CROWDED_VENUE, "南城街道", R.SIGNIFICANT, "孔望山"),
    ("渔湾景区", T.CROWDED_VENUE, "云台街道", R.SIGNIFICANT, "渔湾"),
    ("锦屏山桃花涧景区", T.CROWDED_VENUE, "锦屏镇", R.GENERAL, "锦屏山"),
)


def _weights(urban=0, outer=0, towns=0, **named) -> dict[str, float]:
    """Per-locality weights: one weight per group (city, outer, towns), named ones overriding."""
    weights = {
        **dict.fromkeys(URBAN, urban),
        **dict.fromkeys(OUTER, outer),
        **dict.fromkeys(TOWNS, towns),
    }
    weights.update(named)
    return {name: weight for name, weight in weights.items() if weight}


CHECKPOINT_MIX = {  # type -> (count, locality weights); 1,483 here + 17 named = 1,500
    T.WATERLOGGING: (293, _weights(urban=20, outer=5, towns=5)),
    T.GEOLOGICAL: (90, {"花果山街道": 30, "云台街道": 28, "锦屏镇": 18, "南城街道": 14}),
    T.DILAPIDATED_HOUSING: (200, _weights(urban=14, outer=3, towns=10)),
    T.CONSTRUCTION_SITE: (150, _weights(urban=10, 郁洲街道=20, 宁海街道=8, 花果山街道=4)),
    T.DIKE: (120, {"浦南镇": 40, "新坝镇": 25, "板浦镇": 25, "宁海街道": 15, "海州街道": 3,
                   "新东街道": 2, "郁洲街道": 2, "新海街道": 2, "浦西街道": 2, "路南街道": 2,
                   "新南街道": 2}),
    T.RESERVOIR: (25, {"锦屏镇": 8, "云台街道": 6, "花果山街道": 5, "南城街道": 3, "新坝镇": 3}),
    T.PUMP_GATE: (107, _weights(urban=3, 浦南镇=20, 新坝镇=15, 板浦镇=15, 锦屏镇=10,
                                宁海街道=10)),
    T.HAZCHEM: (80, _weights(urban=1, 板浦镇=18, 新坝镇=15, 浦南镇=12, 锦屏镇=10,
                             宁海街道=10, 郁洲街道=8)),
    T.CROWDED_VENUE: (213, _weights(urban=14, outer=4, towns=8)),
    T.BILLBOARD: (205, _weights(urban=17, outer=1, towns=1)),
}  # fmt: skip
URBAN_NAMES = {  # name templates in the city: {place} road, {other} road, {community}, {n}
    T.WATERLOGGING: ("{place}与{other}交叉口积水点", "{place}下穿通道积水点",
                     "{community}低洼积水点", "{place}{n}号门前积水点"),
    T.DILAPIDATED_HOUSING: ("{community}{n}号楼", "{place}{n}号沿街老旧房屋",
                            "{community}平房区{n}排"),
    T.CONSTRUCTION_SITE: ("{place}安置房项目工地", "{community}改造工程工地",
                          "{place}道路提升改造工程", "{place}雨污分流改造工程{n}标段"),
    T.PUMP_GATE: ("{place}排涝泵站", "{place}{n}号雨水泵站", "{river}{n}号节制闸"),
    T.HAZCHEM: ("{place}加油站", "{place}液化气供应站"),
    T.CROWDED_VENUE: ("{place}小学", "{community}幼儿园", "{place}农贸市场", "{place}商业广场",
                      "{place}中学", "{locality}社区卫生服务中心", "{place}医院"),
    T.BILLBOARD: ("{place}{n}号户外广告牌", "{place}人行天桥", "{place}路灯杆{n}号",
                  "{place}{n}号楼顶广告牌", "{community}窨井盖"),
}  # fmt: skip
RURAL_NAMES = {  # elsewhere: {place} is a village or neighbourhood
    T.WATERLOGGING: ("{place}低洼地积水点", "{place}村内道路积水点"),
    T.DILAPIDATED_HOUSING: ("{place}{n}组D级危房", "{place}{n}组C级危房"),
    T.CONSTRUCTION_SITE: ("{place}道路提升工程", "{place}安置小区项目工地"),
    T.RESERVOIR: ("{place}水库", "{place}山塘", "{place}小（二）型水库"),
    T.PUMP_GATE: ("{place}排涝站", "{place}节制闸", "{place}灌溉泵站"),
    T.HAZCHEM: ("{place}液化气储配站", "{place}化工企业{n}号厂区", "{place}危险化学品仓库",
                "{place}加油站"),
    T.CROWDED_VENUE: ("{locality}中心小学", "{place}小学", "{locality}农贸市场",
                      "{locality}卫生院", "{place}文化广场"),
    T.BILLBOARD: ("{place}路口广告牌", "{place}路灯线路"),
}  # fmt: skip
RISK_WEIGHTS = {  # (major, significant, general, low); about 3 % major overall
    T.GEOLOGICAL: (8, 25, 45, 22),
    T.HAZCHEM: (8, 30, 42, 20),
    T.DIKE: (4, 20, 46, 30),
    T.WATERLOGGING: (2, 15, 45, 38),
}
DEFAULT_RISK_WEIGHTS = (1.5, 10, 45, 43.5)
RESPONSIBLE_TITLES = {
    T.CONSTRUCTION_SITE: "项目经理", T.HAZCHEM: "企业负责人", T.CROWDED_VENUE: "单位负责人",
    T.RESERVOIR: "水库管理员", T.PUMP_GATE: "站长", T.DIKE: "河长",
}  # fmt: skip


class _Spot(NamedTuple):
    """A checkpoint's name, the road or village in its address, and the part of the cell."""

    name: str
    place: str
    where: str | None


def _geological_spot(seed: _Seed, locality: str) -> _Spot:
    mountain, spots = seed.rng.choice(GEO_SITES[locality])
    place = mountain + seed.rng.choice(spots)
    return _Spot(f"{place}{seed.rng.choice(GEO_KINDS)}隐患点", place, None)


def _dike_spot(seed: _Seed, locality: str) -> _Spot:
    rng = seed.rng
    river, where = rng.choice(DIKE_RIVERS[locality])
    if where == "north":  # the boundary river: only its south bank is Haizhou's
        side = "南"
    else:
        side = rng.choice(("左", "右") if where == "seat" else ("南", "北", "东", "西"))
    chainage = f"K{rng.randint(0, 30)}+{rng.randrange(0, 1000, 50):03d}"
    place = _place(seed, locality)
    return _Spot(f"{river}{side}堤{place}段（{chainage}）", place, where)


def _templated_spot(seed: _Seed, kind: CheckpointType, locality: str) -> _Spot:
    rng, urban = seed.rng, locality in URBAN
    template = rng.choice((URBAN_NAMES if urban else RURAL_NAMES)[kind])
    place = _place(seed, locality)
    name = template.format(
        place=place,
        other=rng.choice(ROADS),
        community=rng.choice(COMMUNITIES),
        river=rng.choice(URBAN_RIVERS),
        locality=locality,
        n=rng.randint(1, 40),
    )
    return _Spot(name, place, "seat" if urban else None)


def _spot(seed: _Seed, kind: CheckpointType, locality: str) -> _Spot:
    """A plausible name for the type and place, and where in the locality it sits."""
    if kind is T.GEOLOGICAL:
        return _geological_spot(seed, locality)
    if kind is T.DIKE:
        return _dike_spot(seed, locality)
    return _templated_spot(seed, kind, locality)


def _checkpoint(seed: _Seed, spot: _Spot, kind, locality: str, risk) -> Checkpoint:
    rng = seed.rng
    lon, lat = _point(seed, locality, spot.where)
    title = RESPONSIBLE_TITLES.get(kind, "村居负责人")
    data = {
        "name": _unique(seed, spot.name),
        "type": kind,
        "risk_level": risk,
        "locality_id": seed.localities[locality].id,
        "lon": lon,
        "lat": lat,
        "address": _address(seed, locality, spot.place),
        "responsible_person": f"{_person(rng)}（{title}）",
        "responsible_phone": _phone(rng),
        "monitor": _person(rng),
        "monitor_phone": _phone(rng),
    }
    return create_checkpoint(seed.session, seed.actor, data, is_demo=True)


def _create_checkpoints(seed: _Seed) -> list[Checkpoint]:
    rng = seed.rng
    checkpoints = [
        _checkpoint(
            seed, _Spot(name, place, "seat" if locality in URBAN else None), kind, locality, risk
        )
        for name, kind, locality, risk, place in NAMED_CHECKPOINTS
    ]
    for kind, (count, weights) in CHECKPOINT_MIX.items():
        risks = RISK_WEIGHTS.get(kind, DEFAULT_RISK_WEIGHTS)
        for locality in rng.choices(list(weights), list(weights.values()), k=count):
            spot = _spot(seed, kind, locality)
            risk = rng.choices(list(RiskLevel), risks)[0]
            checkpoints.append(_checkpoint(seed, spot, kind, locality, risk))
    return checkpoints


# --- campaigns, inspections and rectifications ------------------------------------------

FINDINGS = {
    T.WATERLOGGING: ("雨水口堵塞，排水不畅", "警示标志缺失", "积水深度标尺缺失", "移动泵车未落实"),
    T.GEOLOGICAL: ("坡面出现新裂缝", "警示牌损毁", "监测员巡查记录不全", "坡下住户撤离预案未落实"),
    T.DILAPIDATED_HOUSING: ("墙体裂缝加宽", "仍有人员居住未搬离", "屋面漏雨"),
    T.CONSTRUCTION_SITE: ("基坑周边排水沟不畅", "临时用电线路私拉乱接", "塔吊未按规定加固",
                          "围挡不牢固"),
    T.DIKE: ("堤身背水坡渗水", "穿堤涵闸启闭不灵", "堤顶道路破损", "河道内有阻水障碍物"),
    T.RESERVOIR: ("溢洪道有杂物阻塞", "水位观测设施损坏", "防汛物资储备不足"),
    T.PUMP_GATE: ("备用电源不能正常启动", "闸门启闭机锈蚀", "值守记录不全"),
    T.HAZCHEM: ("可燃气体报警器失效", "现场处置方案未演练", "危化品台账不清"),
    T.CROWDED_VENUE: ("疏散通道堵塞", "应急照明损坏", "灭火器过期"),
    T.BILLBOARD: ("广告牌框架锈蚀松动", "路灯杆漏电隐患", "检查井盖缺失"),
}  # fmt: skip
DEPOT_FINDINGS = ("部分物资临近保质期未轮换", "台账与实物不符", "库房防潮措施不到位", "灭火器过期")
TEAM_FINDINGS = ("部分队员超过一年未参加培训", "装备维护保养记录缺失", "队员通讯录未及时更新")
FINDINGS_SHARE = 0.13  # plus 0.10 at major and significant checkpoints: about 15 % overall
COVERAGE_RANGE = (0.6, 1.0)  # share of a locality's targets reached in a campaign
WINTER_TYPES = (T.DILAPIDATED_HOUSING, T.CONSTRUCTION_SITE, T.HAZCHEM, T.CROWDED_VENUE, T.BILLBOARD)
REOPEN_SHARE = 0.1
FLOW = list(RectificationStatus)  # registered → rectifying → awaiting re-check → closed
STEP_NOTES = {
    RectificationStatus.REGISTERED: "发现登记，已告知责任人",
    RectificationStatus.RECTIFYING: "已落实整改责任人和措施，整改中",
    RectificationStatus.AWAITING_RECHECK: "整改完成，申请复查",
    RectificationStatus.CLOSED: "复查验收合格，予以销号",
}
REOPEN_NOTE = "复查未通过，退回整改"


@dataclass(frozen=True)
class _Target:
    """Anything inspected: a checkpoint, depot or team, with what an inspection needs of it."""

    kind: InspectionTarget
    record: Checkpoint | Depot | Team
    locality: Locality
    lon: float | None
    lat: float | None
    checkpoint_type: CheckpointType | None
    risk: RiskLevel | None  # depots and teams: drawn per finding
    findings: tuple[str, ...]
    responsible: str | None


def _targets(seed: _Seed, checkpoints, depots, teams) -> list[_Target]:
    by_id = {loc.id: loc for loc in seed.localities.values()}
    kind = InspectionTarget
    return [
        *(
            _Target(
                kind.CHECKPOINT,
                c,
                by_id[c.locality_id],
                c.lon,
                c.lat,
                c.type,
                c.risk_level,
                FINDINGS[c.type],
                c.responsible_person,
            )
            for c in checkpoints
        ),
        *(
            _Target(
                kind.DEPOT,
                d,
                by_id[d.locality_id],
                d.lon,
                d.lat,
                None,
                None,
                DEPOT_FINDINGS,
                d.manager,
            )
            for d in depots
        ),
        *(
            _Target(
                kind.TEAM,
                t,
                by_id[t.locality_id],
                t.base_lon,
                t.base_lat,
                None,
                None,
                TEAM_FINDINGS,
                t.leader,
            )
            for t in teams
        ),
    ]


def _create_campaigns(seed: _Seed, office: User) -> list[Campaign]:
    """This year's 汛前隐患排查 over everything, and last winter's sweep of some types."""
    year = seed.today.year
    campaigns = [
        Campaign(
            name=f"{year - 1}年冬春安全隐患专项排查",
            starts_on=date(year - 1, 11, 15),
            ends_on=date(year, 1, 31),
            target_kinds=InspectionTarget.CHECKPOINT.value,
            checkpoint_types=",".join(WINTER_TYPES),
            created_by=office.id,
            is_demo=True,
        ),
        Campaign(
            name=f"{year}年汛前隐患排查",
            starts_on=date(year, 4, 1),
            ends_on=date(year, 5, 15),
            target_kinds="checkpoint,depot,team",
            created_by=office.id,
            is_demo=True,
        ),
    ]
    seed.session.add_all(campaigns)
    seed.session.flush()
    return campaigns


def _applies(campaign: Campaign, target: _Target) -> bool:
    if target.kind.value not in campaign.target_kinds.split(","):
        return False
    types = campaign.checkpoint_types
    kind = target.checkpoint_type
    return kind is None or types is None or kind in types.split(",")


def _routine(seed: _Seed, kind: InspectionTarget, done: int) -> list[date]:
    """Visits outside campaigns: checkpoints now and then, depots quarterly, teams twice a year."""
    rng = seed.rng
    if kind is InspectionTarget.CHECKPOINT:
        return [seed.days_ago(0, 364)] if rng.random() < (0.9, 0.3, 0.1)[done] else []
    if kind is InspectionTarget.DEPOT:
        return [seed.days_ago(91 * q, 91 * q + 60) for q in range(4 - done) if rng.random() > 0.1]
    return [seed.days_ago(182 * q, 182 * q + 150) for q in range(2 - done)]


def _visit_dates(seed: _Seed, target: _Target, campaigns, coverage) -> list[date]:
    visits = [
        seed.between(campaign.starts_on, min(campaign.ends_on, seed.today))
        for campaign in campaigns
        if _applies(campaign, target)
        and campaign.starts_on <= seed.today
        and seed.rng.random() < coverage[campaign.id, target.locality.id]
    ]
    return visits + _routine(seed, target.kind, len(visits))


def _inspection(seed: _Seed, target: _Target, day: date, campaigns) -> Inspection:
    rng = seed.rng
    share = FINDINGS_SHARE + (0.1 if target.risk in (R.MAJOR, R.SIGNIFICANT) else 0.0)
    found = rng.random() < share
    unit = "区应急管理局" if rng.random() < 0.3 else f"{target.locality.name}应急办"
    campaign = next(
        (c for c in campaigns if c.starts_on <= day <= c.ends_on and _applies(c, target)), None
    )
    return Inspection(
        campaign_id=campaign.id if campaign else None,
        target_kind=target.kind,
        **{f"{target.kind.value}_id": target.record.id},
        locality_id=target.locality.id,
        inspected_on=day,
        inspector=f"{_person(rng)}（{unit}）",
        result=InspectionResult.FINDINGS if found else InspectionResult.PASSED,
        findings=rng.choice(target.findings) if found else None,
        lon=target.lon,
        lat=target.lat,
        is_demo=True,
    )


def _status(seed: _Seed, deadline: date) -> RectificationStatus:
    """Old findings are mostly closed; recent ones are still moving; some open ones overdue."""
    late = (seed.today - deadline).days
    weights = (3, 8, 4, 85) if late > 30 else (10, 25, 15, 50) if late > 0 else (25, 40, 20, 15)
    return seed.rng.choices(FLOW, weights)[0]


def _path(rng: random.Random, status: RectificationStatus) -> list[RectificationStatus]:
    path = FLOW[: FLOW.index(status) + 1]
    if len(path) >= 3 and rng.random() < REOPEN_SHARE:
        path[3:3] = [RectificationStatus.RECTIFYING, RectificationStatus.AWAITING_RECHECK]
    return path


def _steps(seed: _Seed, path, found_on: date, actor_id: int) -> list[RectificationStep]:
    rng, steps, day, previous = seed.rng, [], found_on, None
    for status in path:
        if previous is not None:
            day = min(seed.today, day + timedelta(days=rng.randint(1, 6)))
        reopened = status is RectificationStatus.RECTIFYING and (
            previous is RectificationStatus.AWAITING_RECHECK
        )
        evidence = (
            f"整改前后对比照片{rng.randint(2, 6)}张（演示）"
            if status is RectificationStatus.AWAITING_RECHECK
            else None
        )
        steps.append(
            RectificationStep(
                from_status=previous.value if previous else None,
                to_status=status.value,
                actor_id=actor_id,
                at=datetime.combine(day, time(rng.randint(8, 17), rng.randrange(60))),
                note=REOPEN_NOTE if reopened else STEP_NOTES[status],
                evidence=evidence,
            )
        )
        previous = status
    return steps


def _plan_text(finding: str, responsible: str | None, deadline: date) -> str:
    """A 重大隐患 治理方案 covering the 五落实 of 16号令 Art. 15 (domain-standards §4.3)."""
    return (
        f"治理目标：消除“{finding}”隐患。措施：设置警戒区，专人24小时监测，实施工程治理。"
        f"经费和物资：已列入区级专项资金。责任人：{responsible or '属地负责人'}。"
        f"时限：{deadline.isoformat()}前完成。安全措施：治理期间落实监测预警和人员撤离预案。"
    )


def _rectify(seed: _Seed, target: _Target, inspection: Inspection, office_id: int):
    risk = target.risk or seed.rng.choice((R.GENERAL, R.LOW))
    days = getattr(seed.settings, f"rectification_days_{risk.value}")
    deadline = inspection.inspected_on + timedelta(days=days)
    status = _status(seed, deadline)
    steps = _steps(seed, _path(seed.rng, status), inspection.inspected_on, office_id)
    closed = status is RectificationStatus.CLOSED
    return Rectification(
        inspection_id=inspection.id,
        **{f"{target.kind.value}_id": target.record.id},
        locality_id=target.locality.id,
        description=inspection.findings,
        risk_level=risk,
        status=status,
        found_on=inspection.inspected_on,
        deadline=deadline,
        responsible_person=target.responsible,
        plan_text=_plan_text(inspection.findings, target.responsible, deadline)
        if risk is R.MAJOR
        else None,
        signed_off_by=office_id if closed else None,
        closed_on=steps[-1].at.date() if closed else None,
        is_demo=True,
        steps=steps,
    )


def _inspect_all(seed: _Seed, checkpoints, depots, teams, office: User) -> None:
    """About a year of inspections, written directly: there is no inspection use-case yet."""
    campaigns = _create_campaigns(seed, office)
    coverage = {
        (campaign.id, loc.id): seed.rng.uniform(*COVERAGE_RANGE)
        for campaign in campaigns
        for loc in seed.localities.values()
    }
    visits = [
        (target, _inspection(seed, target, day, campaigns))
        for target in _targets(seed, checkpoints, depots, teams)
        for day in _visit_dates(seed, target, campaigns, coverage)
    ]
    seed.session.add_all(inspection for _, inspection in visits)
    seed.session.flush()
    seed.session.add_all(
        _rectify(seed, target, inspection, office.id)
        for target, inspection in visits
        if inspection.result is InspectionResult.FINDINGS
    )
    seed.session.flush()


# --- plans and drills -------------------------------------------------------------------

P, PS = PlanClass, PlanStatus
DISTRICT_PLANS = (  # title, class, owner, locality, hazards, status, years since issue, crowded
    ("海州区突发事件总体应急预案", P.OVERALL, "海州区人民政府", None,
     "自然灾害、事故灾难、公共卫生事件、社会安全事件", PS.CURRENT, 2.2, False),
    ("海州区防汛抗旱应急预案", P.SPECIAL, "海州区防汛抗旱指挥部办公室", None,
     "洪涝、干旱、台风", PS.CURRENT, 1.1, False),
    ("海州区防汛防台应急预案", P.SPECIAL, "海州区防汛抗旱指挥部办公室", None,
     "洪涝、台风", PS.REPEALED, 5.5, False),
    ("海州区地质灾害应急预案", P.SPECIAL, "海州区自然资源和规划部门", None,
     "崩塌、滑坡、地面塌陷", PS.EVALUATING, 3.4, False),
    ("海州区危险化学品事故应急预案", P.SPECIAL, "海州区应急管理局", None,
     "泄漏、火灾、爆炸、中毒", PS.REVISING, 4.6, False),
    ("云台山森林火灾应急预案", P.SPECIAL, "云台山风景名胜区管委会", "云台街道",
     "森林火灾", PS.CURRENT, 2.8, False),
    ("海州区自然灾害救助应急预案", P.SPECIAL, "海州区应急管理局", None,
     "洪涝、台风、地震、地质灾害", PS.CURRENT, 3.6, False),
    ("海州区城市排水防涝应急预案", P.DEPARTMENT, "海州区住房和城乡建设局", None,
     "城市内涝", PS.CURRENT, 1.8, False),
    ("海州区城镇燃气事故应急预案", P.SPECIAL, "海州区住房和城乡建设局", None,
     "燃气泄漏、爆炸", PS.AWAITING_ISSUE, None, False),
    ("花果山风景区突发事件应急预案", P.UNIT, "花果山风景区管理处", "花果山街道",
     "游客拥挤踩踏、山体崩塌、森林火灾", PS.CURRENT, 1.3, True),
    ("孔望山景区游客安全应急预案", P.UNIT, "孔望山景区管理处", "南城街道",
     "游客拥挤踩踏、山体崩塌", PS.CURRENT, 2.5, True),
)  # fmt: skip
GRASSROOTS_STATUS = {PS.CURRENT: 70, PS.EVALUATING: 10, PS.REVISING: 15, PS.AWAITING_ISSUE: 5}
# 20 working days (2024 办法 Art. 26) approximated as 28 calendar days until the registry has
# a working-day calendar with Chinese public holidays.
FILING_DAYS_APPROX = 28
EVALUATION_YEARS = 3  # county-level plans (domain-standards §5.1)
DRILL_YEARS = 3
CROWDED_DRILL_DAYS = 182  # crowded venues drill at least every six months (§5.3)
DRILL_EVALUATIONS = (
    "演练达到预期目标，队伍集结迅速",
    "指挥协调顺畅，建议增加夜间科目",
    "通讯联络不畅，已纳入预案修订",
    "群众转移路线标识不清，已督促整改",
)


def _years_since_issue(rng: random.Random, status: PlanStatus) -> float | None:
    """Within six years; plans under evaluation or revision are the older ones."""
    if status is PS.AWAITING_ISSUE:
        return None
    return rng.uniform(2.7 if status in (PS.EVALUATING, PS.REVISING) else 0.2, 5.8)


def _grassroots_spec(seed: _Seed, name: str) -> tuple:
    """A 基层 plan per locality, in a status drawn from GRASSROOTS_STATUS."""
    rng = seed.rng
    status = rng.choices(list(GRASSROOTS_STATUS), list(GRASSROOTS_STATUS.values()))[0]
    years = _years_since_issue(rng, status)
    town = seed.localities[name].kind is LocalityKind.TOWN
    hazards = "洪涝、台风、火灾" + ("、地质灾害" if name in GEO_SITES else "")
    hazards += "、危险化学品" if town else ""
    owner = f"{name}{'人民政府' if town else '办事处'}"
    return (f"{name}突发事件应急预案", P.GRASSROOTS, owner, name, hazards, status, years, False)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _filed_on(seed: _Seed, issued: date, due: date) -> date | None:
    """Most filed on time, some late, some not at all."""
    roll = seed.rng.random()
    if roll < 0.12:
        return None
    days = (due - issued).days + seed.rng.randint(3, 60) if roll < 0.27 else seed.rng.randint(5, 27)
    filed = issued + timedelta(days=days)
    return filed if filed <= seed.today else None


def _evaluated_on(seed: _Seed, status: PlanStatus, issued: date) -> date | None:
    age = (seed.today - issued).days
    if status is PS.REVISING:  # the evaluation concluded 需修订
        return seed.days_ago(30, 200)
    if status is PS.CURRENT and age > 900 and seed.rng.random() < 0.4:
        return issued + timedelta(days=seed.rng.randint(730, min(age, 1090)))
    return None


def _plan_dates(seed: _Seed, status: PlanStatus, years: float | None) -> dict:
    if years is None:
        return {"version_label": "送审稿"}
    issued = seed.today - timedelta(days=round(years * 365) + seed.rng.randint(-30, 30))
    due = issued + timedelta(days=FILING_DAYS_APPROX)
    evaluated = _evaluated_on(seed, status, issued)
    return {
        "version_label": f"{issued.year}年版",
        "issued_on": issued,
        "filing_due": due,
        "filed_on": _filed_on(seed, issued, due),
        "last_evaluated_on": evaluated,
        "next_evaluation_due": _add_years(evaluated or issued, EVALUATION_YEARS),
    }


def _revisions(seed: _Seed, plan: Plan) -> list[PlanRevision]:
    """Earlier issued versions, then the current one (or the draft awaiting issue)."""
    if plan.issued_on is None:
        return [
            PlanRevision(
                plan_id=plan.id,
                version_label="送审稿",
                note="修订完成，待印发",
                document_name=f"{plan.title}（送审稿）.docx",
                recorded_at=datetime.combine(seed.days_ago(5, 60), time(10)),
            )
        ]
    earlier = [
        plan.issued_on - timedelta(days=k * seed.rng.randint(1000, 1400))
        for k in range(seed.rng.randint(0, 2), 0, -1)
    ]
    return [
        PlanRevision(
            plan_id=plan.id,
            version_label=f"{day.year}年版",
            issued_on=day,
            note="首次印发" if position == 0 else "根据风险变化和机构调整修订",
            document_name=f"{plan.title}（{day.year}年版）.pdf",
            recorded_at=datetime.combine(day, time(10)),
        )
        for position, day in enumerate([*earlier, plan.issued_on])
    ]


def _drill(seed: _Seed, day: date, participants: int, **owner) -> Drill:
    form = DrillForm.LIVE if seed.rng.random() < 0.6 else DrillForm.TABLETOP
    return Drill(
        held_on=day,
        form=form,
        participants=participants,
        evaluation=seed.rng.choice(DRILL_EVALUATIONS),
        is_demo=True,
        **owner,
    )


def _plan_drills(seed: _Seed, plan: Plan) -> list[Drill]:
    """Drills in the last three years; crowded venues every six months; some plans none."""
    if plan.issued_on is None or plan.status is PS.REPEALED:
        return []
    rng = seed.rng
    start = max(plan.issued_on, seed.today - timedelta(days=DRILL_YEARS * 365))
    if plan.crowded_venue:
        days = [
            seed.days_ago(20 + CROWDED_DRILL_DAYS * k, 60 + CROWDED_DRILL_DAYS * k)
            for k in range(2 * DRILL_YEARS)
        ]
    else:
        count = rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]
        days = [seed.between(start, seed.today) for _ in range(count)]
    return [
        _drill(seed, day, rng.randint(20, 300), plan_id=plan.id, locality_id=plan.locality_id)
        for day in days
        if day >= plan.issued_on
    ]


def _create_plans(seed: _Seed) -> None:
    """Plans with revisions and drills, written directly: there is no plan use-case yet."""
    specs = list(DISTRICT_PLANS) + [_grassroots_spec(seed, name) for name in seed.localities]
    for title, plan_class, owner, locality, hazards, status, years, crowded in specs:
        plan = Plan(
            title=title,
            locality_id=seed.localities[locality].id if locality else None,
            department=owner,
            plan_class=plan_class,
            hazards=hazards,
            owner_person=_person(seed.rng),
            crowded_venue=crowded,
            status=status,
            is_demo=True,
            **_plan_dates(seed, status, years),
        )
        seed.session.add(plan)
        seed.session.flush()
        seed.session.add_all(_revisions(seed, plan) + _plan_drills(seed, plan))


def _team_drills(seed: _Seed, teams: list[Team]) -> None:
    """Team drills over three years; ``last_drill_on`` is set directly (update_team omits it)."""
    rng = seed.rng
    for team in teams:
        count = rng.choices((0, 1, 2, 3), (5, 30, 40, 25))[0]
        days = sorted(seed.days_ago(0, DRILL_YEARS * 365) for _ in range(count))
        seed.session.add_all(
            _drill(
                seed,
                day,
                rng.randint(10, max(10, team.target_headcount)),
                team_id=team.id,
                locality_id=team.locality_id,
            )
            for day in days
        )
        team.last_drill_on = days[-1] if days else None


# --- the use-case -----------------------------------------------------------------------

DEMO_TABLES = {
    "users": User, "depots": Depot, "stock_lots": StockLot, "stock_movements": StockMovement,
    "teams": Team, "team_members": TeamMember, "checkpoints": Checkpoint,
    "campaigns": Campaign, "inspections": Inspection, "rectifications": Rectification,
    "plans": Plan, "drills": Drill,
}  # fmt: skip


def _counts(session: Session, localities: int) -> dict[str, int]:
    counts = {
        name: session.scalar(select(func.count()).select_from(model).where(model.is_demo))
        for name, model in DEMO_TABLES.items()
    }
    counts["rectification_steps"] = session.scalar(
        select(func.count())
        .select_from(RectificationStep)
        .join(Rectification)
        .where(Rectification.is_demo)
    )
    counts["plan_revisions"] = session.scalar(
        select(func.count()).select_from(PlanRevision).join(Plan).where(Plan.is_demo)
    )
    return {"localities": localities, **counts}


def seed_demo(session: Session, actor: Actor, *, today: date, seed: int = 2026) -> dict[str, int]:
    """Build the demo district in the caller's transaction; returns counts per entity.

    Records go through the use-cases where they exist (validated and audited); inspections,
    rectifications, plans and drills have none yet and are written directly, covered by one
    ``demo-seeded`` audit event.
    """
    localities = _ensure_reference(session, actor)
    ctx = _Seed(session, actor, today, random.Random(seed), localities, _areas(localities))
    _profile_localities(ctx)
    users = _create_users(ctx)
    depots, main = _create_depots(ctx)
    _stock_all(ctx, depots, main)
    teams = _create_teams(ctx)
    checkpoints = _create_checkpoints(ctx)
    _inspect_all(ctx, checkpoints, depots, teams, users["office"])
    _create_plans(ctx)
    _team_drills(ctx, teams)
    session.flush()
    counts = _counts(session, len(localities))
    audit.record(
        session,
        actor,
        "demo-seeded",
        "demo",
        None,
        after={"seed": seed, "today": today.isoformat(), **counts},
    )
    return counts

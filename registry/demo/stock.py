"""Depots and their stock: quota lines received as lots, then transfers, issues and counts."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from registry.demo._context import _address, _place, _point, _Seed, _unique
from registry.demo.people import _person, _phone
from registry.kernel.enums import DepotLevel, LocalityKind
from registry.kernel.models import Depot, Item, Quota, StockLot
from registry.records.commands import create_depot
from registry.records.stock import issue, receive, stock_take, transfer

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


def _depot_lines(
    seed: _Seed, depot: Depot, quotas: list[Quota], items: dict[str, Item]
) -> list[tuple[Item, int, int]]:
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


def _stock_depot(seed: _Seed, depot: Depot, quotas: list[Quota], items: dict[str, Item]) -> None:
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
        stock_take(session, actor, lot.id, counted, book=lot.quantity, reason="季度盘点")


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

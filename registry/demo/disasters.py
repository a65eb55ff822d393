"""The demo's disaster reporting and what came after, on the closed “7·8” event: each of its
three streets files a 初报 two hours in, two 续报 (one a 零报告) and a 核报 once the office
declared the disaster stable; one 初报 is returned and filed again; the office accepts the
rest. The event is closed with its review (复盘: a plan that did not work enters revision, a
pumping station that failed is owed a re-inspection) and its replenishment list, half
refilled since. The live event has one 初报 waiting for the office and the others due.

The figures are in the range of an urban rainstorm of three streets (积水 in the old town, no
deaths); the damaged houses behind them are in the household register, so the reports agree
with it as the rules require. Every name carries （演示）.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.demo._context import _Seed
from registry.disasters import checking, registers, reports
from registry.kernel.attachments import PreparedFile
from registry.kernel.clock import from_local, local
from registry.kernel.enums import (
    CheckpointType,
    DepotLevel,
    HouseDamage,
    PlanStatus,
    ReportStage,
    ReviewSubject,
    ReviewVerdict,
)
from registry.kernel.models import (
    Checkpoint,
    Depot,
    DisasterReport,
    Event,
    Item,
    ReplenishmentLine,
    StockLot,
    User,
)
from registry.kernel.permissions import Actor
from registry.records import stock, stockview
from registry.recovery import closing

TOWNS = ("新浦街道", "浦西街道", "新海街道")
SITUATION = (
    "7月8日凌晨起我街道普降大暴雨，最大小时雨强约70毫米，老城区多处低洼路段和小区积水"
    "0.3～0.8米，部分老旧住房进水受损。目前雨势减弱，积水正在排除。（演示）"
)
RELIEF = (
    "街道启动防汛应急响应，组织社区干部、民兵和志愿者转移安置低洼地带群众，开放临时安置点，"
    "调用排水泵排涝，发放棉被、饮用水和方便食品。需求：排水泵和编织袋补充。（演示）"
)


@dataclass(frozen=True)
class Filing:
    """One street's figures at one stage; houses are added to the register first."""

    people: tuple[int, int, int]  # 受灾人口, 紧急转移安置, 需紧急生活救助
    houses: tuple[tuple[HouseDamage, int], ...]  # households newly in the register
    crops_loss: tuple[str, str, str]  # 受灾面积, 绝收面积 (公顷), 直接经济损失 (万元)
    relief: tuple[int, int, str]  # 投入力量 人次, 物资 件, 救助资金 万元


SERIES: dict[str, tuple[Filing, Filing, Filing]] = {  # 初报, 续报, 核报 (a 零报告 between)
    "新浦街道": (
        Filing((3200, 450, 120), ((HouseDamage.MODERATE, 3),) * 2, ("0", "0", "380.5"),
               (260, 1500, "12")),
        Filing((4150, 620, 180), ((HouseDamage.SEVERE, 2), (HouseDamage.MODERATE, 2)),
               ("0", "0", "610"), (410, 2600, "22")),
        Filing((4300, 620, 185), ((HouseDamage.MODERATE, 1),), ("0", "0", "655.8"),
               (430, 2800, "28")),
    ),
    "浦西街道": (
        Filing((1800, 230, 60), ((HouseDamage.MODERATE, 2),), ("35.6", "4.2", "210"),
               (150, 800, "6")),
        Filing((2600, 310, 95), ((HouseDamage.SEVERE, 3),), ("52.4", "8.2", "395.2"),
               (240, 1300, "11")),
        Filing((2650, 310, 95), (), ("52.4", "9.1", "402"), (240, 1350, "11.5")),
    ),
    "新海街道": (
        Filing((950, 80, 25), (), ("0", "0", "96"), (90, 300, "2")),
        Filing((1200, 110, 30), ((HouseDamage.MODERATE, 2),), ("0", "0", "140.6"),
               (120, 450, "3.5")),
        Filing((1200, 110, 30), (), ("0", "0", "142"), (120, 450, "3.5")),
    ),
}  # fmt: skip
RETURNED = ("浦西街道", "受灾人口与各社区上报合计不符（差约300人），请核实后重报。（演示）")
HEADS = "王李张刘陈杨赵黄周吴"
RELIEF_ITEMS = ("1020101", "3010101")  # 棉被 and 编织袋: every depot keeps them


def photos(place: str, count: int = 3) -> list[PreparedFile]:
    """Stand-in scene photos (drawn, no people, no metadata) named as demo photos."""
    found = []
    for number in range(count):
        image = Image.new("RGB", (640, 480), (176, 196, 214))
        draw = ImageDraw.Draw(image)
        water = 250 + 30 * number
        draw.rectangle((0, 180, 640, water), fill=(120, 120, 118))  # houses
        for left in range(20, 640, 110):
            draw.rectangle((left, 120, left + 80, water), fill=(150, 140, 130))
        draw.rectangle((0, water, 640, 480), fill=(92, 110, 96))  # standing water
        data = io.BytesIO()
        image.save(data, "JPEG", quality=70)
        name = f"演示-{place}-积水现场-{number + 1}.jpg"
        found.append(PreparedFile(name, "image/jpeg", data.getvalue()))
    return found


def _figures(filing: Filing, house_rows: Mapping[str, int]) -> dict[str, str | int]:
    affected, relocated, aid = filing.people
    crops, failed, loss = filing.crops_loss
    forces, materials, funds = filing.relief
    return {
        "affected_people": affected, "relocated": relocated, "needing_aid": aid,
        "crop_affected_ha": crops, "crop_failed_ha": failed, "direct_loss": loss,
        "relief_forces": forces, "relief_materials": materials, "relief_funds": funds,
        **house_rows,
    }  # fmt: skip


def _register(
    ctx: _Seed, actor: Actor, event: Event, town: int, filing: Filing, at: datetime
) -> None:
    for damage, rooms in filing.houses:
        number = ctx.rng.randint(1, 99)
        registers.add_house(
            ctx.session, actor, event.id, town, now=at,
            household_head=f"{ctx.rng.choice(HEADS)}某某（演示）",
            address=f"{ctx.rng.choice(('解放', '民主', '建国', '海连'))}社区{number}号（演示）",
            damage=damage, rooms=rooms,
        )  # fmt: skip


def _file(
    ctx: _Seed, actor: Actor, event: Event, town: str, stage: ReportStage, filing: Filing,
    at: datetime, explanation: str | None = None,
) -> DisasterReport:  # fmt: skip
    town_id = ctx.localities[town].id
    _register(ctx, actor, event, town_id, filing, at - timedelta(minutes=10))
    house_rows = registers.register_figures(ctx.session, event.id, town_id)
    is_open = stage is not ReportStage.FINAL
    return reports.file_report(
        ctx.session, actor, event.id, town_id, stage, _figures(filing, house_rows),
        situation=SITUATION.replace("我街道", town), relief=RELIEF, explanation=explanation,
        photos=photos(town) if is_open else [], now=at, settings=ctx.settings,
    )  # fmt: skip


def _accept(session: Session, office: Actor, report: DisasterReport, at: datetime) -> None:
    checking.accept_report(session, office, report.id, report.version, at)


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    return from_local(datetime(day.year, day.month, day.day, hour, minute))


def _report_series(ctx: _Seed, office: Actor, towns: Mapping[str, Actor], event: Event) -> None:
    """初报 two hours in, a 续报 each morning (新海's second is a 零报告), then the 核报."""
    day = local(event.opened_at).date()
    for number, town in enumerate(TOWNS):
        first, update_, final = SERIES[town]
        actor = towns.get(town, office)
        report = _file(ctx, actor, event, town, ReportStage.INITIAL, first,
                       event.opened_at + timedelta(minutes=95 + 5 * number))  # fmt: skip
        if town == RETURNED[0]:
            checking.return_report(ctx.session, office, report.id, report.version, RETURNED[1],
                                   report.submitted_at + timedelta(minutes=20))  # fmt: skip
            again = replace(first, houses=())  # its houses are in the register already
            report = _file(ctx, actor, event, town, ReportStage.INITIAL, again,
                           report.submitted_at + timedelta(minutes=50))  # fmt: skip
        _accept(ctx.session, office, report, report.submitted_at + timedelta(minutes=15))
        second = _file(ctx, actor, event, town, ReportStage.UPDATE, update_,
                       _utc(day + timedelta(days=1), 8, 20 + 5 * number))  # fmt: skip
        _accept(ctx.session, office, second, _utc(day + timedelta(days=1), 9, 30))
        if town == "新海街道":
            third = reports.file_zero_report(
                ctx.session,
                actor,
                event.id,
                ctx.localities[town].id,
                _utc(day + timedelta(days=2), 8, 40),
                ctx.settings,
            )
        else:
            third = _file(ctx, actor, event, town, ReportStage.UPDATE, final,
                          _utc(day + timedelta(days=2), 8, 30 + 5 * number))  # fmt: skip
        _accept(ctx.session, office, third, _utc(day + timedelta(days=2), 9, 10))
    event = ctx.session.get_one(Event, event.id)
    checking.declare_stable(ctx.session, office, event.id, event.version,
                            _utc(day + timedelta(days=2), 9, 40))  # fmt: skip


def _final_reports(ctx: _Seed, office: Actor, towns: Mapping[str, Actor], event: Event) -> None:
    """核报 within the two working days after the disaster was declared stable."""
    assert event.stable_at is not None
    day = local(event.stable_at).date()
    for number, town in enumerate(TOWNS):
        actor = towns.get(town, office)
        at = _utc(day + timedelta(days=1), 15, 10 * number)
        final = replace(SERIES[town][2], houses=())  # its houses came with the last 续报
        report = _file(ctx, actor, event, town, ReportStage.FINAL, final, at)
        _accept(ctx.session, office, report, at + timedelta(hours=1))


def _relief_issues(ctx: _Seed, office: Actor, event: Event) -> None:
    """The streets' own depots gave out quilts and sandbags for the event (安置发放, 围堵), down
    to half their minimum quota, so the replenishment list has something to buy back."""
    day = local(event.opened_at).date()
    depot_ids = ctx.session.scalars(
        select(Depot.id).where(Depot.locality_id.in_([loc.id for loc in event.localities]),
                               Depot.level == DepotLevel.TOWN)
    ).all()  # fmt: skip
    items = ctx.session.scalars(select(Item.id).where(Item.code.in_(RELIEF_ITEMS))).all()
    usable = stockview.usable_stock(ctx.session, day, depot_ids)
    quotas = stockview.quota_lines(ctx.session, depot_ids)
    for key in sorted(k for k in usable if k[1] in items):
        minimum = quotas.get(key, (0, 0))[0]
        wanted = usable[key] - minimum // 2 if minimum else usable[key] // 3
        lots = ctx.session.scalars(
            select(StockLot).where(StockLot.depot_id == key[0], StockLot.item_id == key[1],
                                   StockLot.quantity > 0,
                                   (StockLot.expiry_date.is_(None)) | (StockLot.expiry_date >= day))
            .order_by(StockLot.id)
        ).all()  # fmt: skip
        for lot in lots:
            amount = min(wanted, lot.quantity)
            if amount <= 0:
                break
            stock.issue(ctx.session, office, lot.id, amount, reason="“7·8”暴雨安置发放（演示）",
                        today=day, event_id=event.id)  # fmt: skip
            wanted -= amount


def _findings(session: Session, event: Event) -> list[closing.FindingInput]:
    """What the review names: the activated plans worked but the first district plan's
    early-warning chain did not; a pumping station in the area failed, the depot delivered."""
    found: list[closing.FindingInput] = []
    plans = [p for p in event.plans if p.status is PlanStatus.CURRENT]
    if plans:
        note = "预警信息未及时传达到社区网格员，需修订预警发布与响应衔接。（演示）"
        found.append(
            closing.FindingInput(ReviewSubject.PLAN, plans[0].id, ReviewVerdict.FAILED, note)
        )
    for plan in plans[1:3]:
        found.append(closing.FindingInput(ReviewSubject.PLAN, plan.id, ReviewVerdict.WORKED))
    town_ids = [loc.id for loc in event.localities]
    pump = session.scalars(
        select(Checkpoint).where(Checkpoint.locality_id.in_(town_ids),
                                 Checkpoint.type == CheckpointType.PUMP_GATE)
        .order_by(Checkpoint.id).limit(1)
    ).first()  # fmt: skip
    if pump is not None:
        found.append(closing.FindingInput(ReviewSubject.CHECKPOINT, pump.id, ReviewVerdict.FAILED,
                     "暴雨期间一台机组跳闸，排涝能力不足。（演示）"))  # fmt: skip
    return found


def _refill(ctx: _Seed, office: Actor, event: Event, today: date) -> None:
    """Partly refilled since: the first line's purchase received in full, the second's half,
    the rest still open."""
    lines = ctx.session.scalars(
        select(ReplenishmentLine).where(ReplenishmentLine.event_id == event.id,
                                        ReplenishmentLine.suggested > 0)
        .order_by(ReplenishmentLine.id)
    ).all()  # fmt: skip
    for number, line in enumerate(lines[:2]):
        stock.receive(
            ctx.session, office, line.depot_id, line.item_id, line.suggested // (number + 1),
            batch=f"补库-{today:%Y%m}-{number + 1}", reason="汛后补库采购入库（演示）",
            today=today, is_demo=True,
        )  # fmt: skip


def past_event_reports(ctx: _Seed, office: User, event: Event, closed_at: datetime) -> None:
    """The closed event's reports, its closing with the review and its replenishment."""
    actor = Actor.from_user(office)
    users = ctx.session.scalars(select(User).where(User.username == "xinpu")).all()
    towns = {"新浦街道": Actor.from_user(users[0])} if users else {}
    _relief_issues(ctx, actor, event)
    _report_series(ctx, actor, towns, event)
    event = ctx.session.get_one(Event, event.id)
    closing.close_with_review(
        ctx.session, actor, event.id, event.version, reason="灾情稳定，结束响应",
        worked="预警发布后1小时内完成易涝点人员转移；区级库排水泵、编织袋2小时内到位。（演示）",
        failed="部分社区未及时收到预警；一处泵站机组跳闸，排涝能力不足。（演示）",
        findings=_findings(ctx.session, event), now=closed_at, today=closed_at.date(),
    )  # fmt: skip
    _final_reports(ctx, actor, towns, ctx.session.get_one(Event, event.id))
    _refill(ctx, actor, event, ctx.today)


def live_event_reports(ctx: _Seed, office: User, event: Event) -> None:
    """The live event: 海州街道's 初报 is in and waiting for the office."""
    actor = Actor.from_user(office)
    town = "海州街道"
    filing = Filing((600, 85, 20), (), ("0", "0", "45"), (60, 200, "0"))
    _file(ctx, actor, event, town, ReportStage.INITIAL, filing,
          event.opened_at + timedelta(minutes=80))  # fmt: skip

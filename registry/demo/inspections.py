"""A year of campaigns and inspections, and the rectification of what they found."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from registry.demo._context import _Seed
from registry.demo.people import _person
from registry.kernel import deadlines
from registry.kernel.enums import (
    CheckpointType,
    InspectionResult,
    InspectionTarget,
    RectificationStatus,
    RiskLevel,
)
from registry.kernel.models import (
    Campaign,
    Checkpoint,
    Depot,
    Inspection,
    Locality,
    Rectification,
    RectificationStep,
    Team,
    User,
)

T, R = CheckpointType, RiskLevel
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
COVERAGE_RANGE = (0.6, 1.0)  # share of a locality's targets reached in a finished campaign
RUNNING_COVERAGE_RANGE = (0.1, 0.5)  # … and so far in the running one
RUNNING_STARTED_DAYS_AGO, RUNNING_DAYS_LEFT = 12, 48
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
STEP_ACTIONS = {
    RectificationStatus.REGISTERED: "register",
    RectificationStatus.RECTIFYING: "start",
    RectificationStatus.AWAITING_RECHECK: "submit",
    RectificationStatus.CLOSED: "close",
}


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


def _targets(
    seed: _Seed, checkpoints: list[Checkpoint], depots: list[Depot], teams: list[Team]
) -> list[_Target]:
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
    """Last winter's sweep of some types, this year's 汛前隐患排查 over everything, and a
    sweep running now (started twelve days ago) so there is a campaign in progress."""
    year, today = seed.today.year, seed.today
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
            description="汛前对全区隐患点、储备库和应急队伍开展全覆盖排查，不留死角。",
            created_by=office.id,
            is_demo=True,
        ),
        Campaign(
            name=f"{today:%Y年%m月}安全隐患专项排查",
            starts_on=today - timedelta(days=RUNNING_STARTED_DAYS_AGO),
            ends_on=today + timedelta(days=RUNNING_DAYS_LEFT),
            target_kinds="checkpoint,depot",
            checkpoint_types=",".join(WINTER_TYPES),
            description="冬季火灾、危房和人员密集场所隐患专项排查（进行中）。",
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
        return [seed.days_ago(0, 364)] if rng.random() < (0.9, 0.3, 0.1)[min(done, 2)] else []
    if kind is InspectionTarget.DEPOT:
        return [seed.days_ago(91 * q, 91 * q + 60) for q in range(4 - done) if rng.random() > 0.1]
    return [seed.days_ago(182 * q, 182 * q + 150) for q in range(2 - done)]


def _visit_dates(
    seed: _Seed,
    target: _Target,
    campaigns: list[Campaign],
    coverage: dict[tuple[int, int], float],
) -> list[date]:
    visits = [
        seed.between(campaign.starts_on, min(campaign.ends_on, seed.today))
        for campaign in campaigns
        if _applies(campaign, target)
        and campaign.starts_on <= seed.today
        and seed.rng.random() < coverage[campaign.id, target.locality.id]
    ]
    return visits + _routine(seed, target.kind, len(visits))


def _inspection(seed: _Seed, target: _Target, day: date, campaigns: list[Campaign]) -> Inspection:
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


def _steps(
    seed: _Seed, path: list[RectificationStatus], found_on: date, actor_id: int
) -> list[RectificationStep]:
    rng, steps, day, previous = seed.rng, [], found_on, None
    for status in path:
        if previous is not None:
            day = min(seed.today, day + timedelta(days=rng.randint(1, 6)))
        reopened = status is RectificationStatus.RECTIFYING and (
            previous is RectificationStatus.AWAITING_RECHECK
        )
        action = "send_back" if reopened else STEP_ACTIONS[status]
        evidence = (
            f"整改前后对比照片{rng.randint(2, 6)}张（演示）"
            if status is RectificationStatus.AWAITING_RECHECK
            else None
        )
        steps.append(
            RectificationStep(
                action=action,
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
    """A 重大隐患 治理方案 covering the 五落实 of 16号令 Art. 15 (docs/domain-standards.md §4.3)."""
    return (
        f"治理目标：消除“{finding}”隐患。措施：设置警戒区，专人24小时监测，实施工程治理。"
        f"经费和物资：已列入区级专项资金。责任人：{responsible or '属地负责人'}。"
        f"时限：{deadline.isoformat()}前完成。安全措施：治理期间落实监测预警和人员撤离预案。"
    )


def _rectify(seed: _Seed, target: _Target, inspection: Inspection, office_id: int) -> Rectification:
    risk = target.risk or seed.rng.choice((R.GENERAL, R.LOW))
    deadline = deadlines.rectification_deadline(inspection.inspected_on, risk, seed.settings)
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
        plan_text=_plan_text(inspection.findings or "", target.responsible, deadline)
        if risk is R.MAJOR
        else None,
        signed_off_by=office_id if closed and risk is R.MAJOR else None,
        signed_off_at=steps[-1].at if closed and risk is R.MAJOR else None,
        closed_on=steps[-1].at.date() if closed else None,
        is_demo=True,
        steps=steps,
    )


def _inspect_all(
    seed: _Seed,
    checkpoints: list[Checkpoint],
    depots: list[Depot],
    teams: list[Team],
    office: User,
) -> None:
    """About a year of inspections, written directly (the use-cases would audit ~3,000 demo
    rows one by one; the seed stays fast and every row is flagged as demo)."""
    campaigns = _create_campaigns(seed, office)
    coverage = {
        (campaign.id, loc.id): seed.rng.uniform(
            *(COVERAGE_RANGE if campaign.ends_on < seed.today else RUNNING_COVERAGE_RANGE)
        )
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

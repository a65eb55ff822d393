"""Rescue teams, district and local, with equipment and a roster of members."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date
from typing import Any

from registry.demo._context import _point, _Seed, _unique
from registry.demo.people import _person, _phone
from registry.demo.places import GEO_SITES
from registry.kernel.enums import Specialty, TeamKind, TeamStaffing
from registry.kernel.models import Team
from registry.records.commands import AGE_BANDS, add_member, create_team

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


def _locality_teams(seed: _Seed, name: str) -> list[tuple[Any, ...]]:
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


def _equipment(rng: random.Random, specialties: Iterable[Specialty]) -> str:
    parts = [
        f"{label}{rng.randint(low, high)}{unit}"
        for specialty in specialties
        for label, unit, low, high in EQUIPMENT[specialty]
    ]
    return "、".join(parts)


def _create_team(seed: _Seed, spec: tuple[Any, ...]) -> Team:
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

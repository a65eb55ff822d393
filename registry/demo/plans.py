"""Emergency plans with their revisions, and the drills held under plans and by teams."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from registry.demo._context import _Seed
from registry.demo.people import _person
from registry.demo.places import GEO_SITES
from registry.kernel import deadlines
from registry.kernel.enums import DrillForm, LocalityKind, PlanClass, PlanStatus, RevisionTrigger
from registry.kernel.models import Drill, Plan, PlanRevision, Team

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
# Lapses the register must always show, whatever the random stream draws: a filing never
# made, an evaluation three years late, a scenic area whose six-monthly drill has lapsed.
LAPSES = {
    "海州区城市排水防涝应急预案": "filing",
    "海州区自然灾害救助应急预案": "evaluation",
    "孔望山景区游客安全应急预案": "drill",
}
REVISING_TRIGGERS = (
    RevisionTrigger.EVALUATION,
    RevisionTrigger.RISK_CHANGE,
    RevisionTrigger.COMMAND_CHANGE,
    RevisionTrigger.RESPONSE_OR_DRILL,
)
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


def _grassroots_spec(seed: _Seed, name: str) -> tuple[Any, ...]:
    """A 基层 plan per locality, in a status drawn from GRASSROOTS_STATUS."""
    rng = seed.rng
    status = rng.choices(list(GRASSROOTS_STATUS), list(GRASSROOTS_STATUS.values()))[0]
    years = _years_since_issue(rng, status)
    town = seed.localities[name].kind is LocalityKind.TOWN
    hazards = "洪涝、台风、火灾" + ("、地质灾害" if name in GEO_SITES else "")
    hazards += "、危险化学品" if town else ""
    owner = f"{name}{'人民政府' if town else '办事处'}"
    return (f"{name}突发事件应急预案", P.GRASSROOTS, owner, name, hazards, status, years, False)


def _filed_on(seed: _Seed, issued: date, due: date, lapse: str | None) -> date | None:
    """Most filed within the 20 working days, some late, some not at all."""
    roll = seed.rng.random()
    if roll < 0.08 or lapse == "filing":
        return None
    if roll < 0.22:
        filed = due + timedelta(days=seed.rng.randint(3, 60))
    else:
        filed = seed.between(issued + timedelta(days=3), due)
    return filed if filed <= seed.today else None


def _evaluated_on(seed: _Seed, status: PlanStatus, issued: date, lapse: str | None) -> date | None:
    age = (seed.today - issued).days
    if status is PS.REVISING:  # the evaluation concluded 需修订
        return seed.days_ago(30, 200)
    if lapse == "evaluation":
        return None
    if status is PS.CURRENT and age > 900 and seed.rng.random() < 0.4:
        return issued + timedelta(days=seed.rng.randint(730, min(age, 1090)))
    return None


def _plan_dates(
    seed: _Seed, status: PlanStatus, years: float | None, lapse: str | None
) -> dict[str, Any]:
    """Issue, filing and evaluation dates; the due dates follow ``registry.deadlines``."""
    if years is None:
        return {"version_label": "送审稿"}
    issued = seed.today - timedelta(days=round(years * 365) + seed.rng.randint(-30, 30))
    due = deadlines.filing_due(issued)
    evaluated = _evaluated_on(seed, status, issued, lapse)
    return {
        "version_label": f"{issued.year}年版",
        "issued_on": issued,
        "filing_due": due,
        "filed_on": _filed_on(seed, issued, due, lapse),
        "last_evaluated_on": evaluated,
        "next_evaluation_due": deadlines.next_evaluation_due(issued, evaluated),
    }


def _status_story(seed: _Seed, status: PlanStatus, dates: dict[str, Any]) -> dict[str, Any]:
    """Why a plan is in its status: the revision's trigger and a short note."""
    if status is PS.REVISING:
        trigger = (
            RevisionTrigger.EVALUATION
            if dates.get("last_evaluated_on")
            else seed.rng.choice(REVISING_TRIGGERS[1:])
        )
        return {"revision_trigger": trigger, "status_note": "已启动修订，正在征求意见"}
    if status is PS.EVALUATING:
        return {"status_note": "已满三年，组织研判评估"}
    if status is PS.AWAITING_ISSUE:
        return {"status_note": "修订稿已报审，待印发"}
    if status is PS.REPEALED:
        return {"status_note": "已被新版预案取代"}
    return {}


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


def _drill(seed: _Seed, day: date, participants: int, **owner: int | None) -> Drill:
    form = DrillForm.LIVE if seed.rng.random() < 0.6 else DrillForm.TABLETOP
    return Drill(
        held_on=day,
        form=form,
        participants=participants,
        evaluation=seed.rng.choice(DRILL_EVALUATIONS),
        is_demo=True,
        **owner,
    )


def _crowded_drill_days(seed: _Seed, lapsed: bool) -> list[date]:
    """Six-monthly drills over three years; a lapsed venue's last one is 7 to 9 months old."""
    latest = seed.days_ago(215, 270) if lapsed else seed.days_ago(20, 60)
    months = deadlines.CROWDED_DRILL_MONTHS
    return [
        deadlines.add_months(latest, -months * k) - timedelta(days=seed.rng.randint(0, 20))
        for k in range(2 * deadlines.DRILL_YEARS)
    ]


def _plan_drills(seed: _Seed, plan: Plan) -> list[Drill]:
    """Drills in the last three years; crowded venues every six months; some plans none."""
    if plan.issued_on is None or plan.status is PS.REPEALED:
        return []
    rng = seed.rng
    start = max(plan.issued_on, deadlines.add_months(seed.today, -12 * deadlines.DRILL_YEARS))
    if plan.crowded_venue:
        days = _crowded_drill_days(seed, LAPSES.get(plan.title) == "drill")
    else:
        count = rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]
        days = [seed.between(start, seed.today) for _ in range(count)]
    return [
        _drill(seed, day, rng.randint(20, 300), plan_id=plan.id, locality_id=plan.locality_id)
        for day in days
        if day >= plan.issued_on
    ]


def _create_plans(seed: _Seed) -> None:
    """Plans with revisions and drills, written directly like the rest of the demo (one
    ``demo-seeded`` audit event covers them); the dates follow ``registry.deadlines``."""
    specs = list(DISTRICT_PLANS) + [_grassroots_spec(seed, name) for name in seed.localities]
    for title, plan_class, owner, locality, hazards, status, years, crowded in specs:
        dates = _plan_dates(seed, status, years, LAPSES.get(title))
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
            **dates,
            **_status_story(seed, status, dates),
        )
        seed.session.add(plan)
        seed.session.flush()
        seed.session.add_all([*_revisions(seed, plan), *_plan_drills(seed, plan)])


def _team_drills(seed: _Seed, teams: list[Team]) -> None:
    """Team drills over three years; ``last_drill_on`` is set directly (update_team omits it)."""
    rng = seed.rng
    for team in teams:
        count = rng.choices((0, 1, 2, 3), (5, 30, 40, 25))[0]
        days = sorted(seed.days_ago(0, deadlines.DRILL_YEARS * 365) for _ in range(count))
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

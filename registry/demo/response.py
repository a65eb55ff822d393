"""The demo's response: one closed past event on the pattern of the 2012-07-08 rainstorm
(易涝点 in the old town, pumps and sandbags moved from the district depots, people
evacuated, teams out and back, a broadcast) and one live event at a 黄色暴雨预警 with tasks
still open (some already overdue), so every response page has something real to show.

Everything goes through the use-cases, dated as it happened, with the office as the actor;
rows the use-cases do not flag as demo are flagged afterwards.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from registry.demo import disasters
from registry.demo._context import _Seed
from registry.kernel.clock import from_local, local
from registry.kernel.enums import BroadcastKind, DeploymentStatus, TaskStatus, TerminalStatus
from registry.kernel.models import (
    Broadcast,
    BroadcastTerminal,
    Deployment,
    Dispatch,
    Event,
    Item,
    ResponseTask,
    User,
)
from registry.kernel.permissions import Actor
from registry.response import broadcast, deployments, dispatch, events, tasks, warnings
from registry.response.broadcast_adapters import OutboxAdapter
from registry.response.broadcast_queries import event_terminal_ids

SENDER = "32070641600000"  # GB/T 35965.1: 320706 海州区 + agency 416 (气象) + unit


def _cap(identifier: str, sent: datetime, expires: datetime, level: str, headline: str) -> bytes:
    """A GB/T 35965.1 message of the district's 气象台 (times given in China time)."""
    stamp = "%Y-%m-%dT%H:%M:%S+08:00"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{identifier}</identifier><sender>{SENDER}</sender>"
        f"<sent>{sent:{stamp}}</sent><status>Actual</status><msgType>Alert</msgType>"
        "<scope>Public</scope><info><language>zh-CN</language><category>Met</category>"
        f"<event>暴雨</event><urgency>Immediate</urgency><severity>{level}</severity>"
        f"<certainty>Likely</certainty><effective>{sent:{stamp}}</effective>"
        f"<expires>{expires:{stamp}}</expires><senderName>连云港市海州区气象台（演示）</senderName>"
        f"<headline>{headline}</headline>"
        "<description>受副热带高压边缘和低涡切变影响，预计未来6小时内海州区将出现大到暴雨，"
        "局部大暴雨，并伴有雷电和短时大风。</description>"
        "<instruction>1. 做好城市排涝和易涝点群众转移避险；2. 地下通道、低洼路段设置警示、"
        "必要时封控；3. 切断危险区域户外电源。</instruction>"
        "<area><areaDesc>海州区</areaDesc><geocode><valueName>GB/T 2260</valueName>"
        "<value>320706</value></geocode></area></info></alert>"
    ).encode()


def _flag(session: Session, event_id: int) -> None:
    """Mark what the use-cases wrote for a demo event as demo data."""
    for model in (ResponseTask, Dispatch, Deployment, Broadcast):
        session.execute(update(model).where(model.event_id == event_id).values(is_demo=True))


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    return from_local(datetime.combine(day, time(hour, minute)))


def _broadcast(session: Session, actor: Actor, event: Event, text: str, at: datetime) -> None:
    online = [
        t.id
        for t in session.query(BroadcastTerminal).filter(
            BroadcastTerminal.id.in_(event_terminal_ids(session, event.id)),
            BroadcastTerminal.status == TerminalStatus.ONLINE,
        )
    ][:12]
    broadcast.send(session, actor, text=text, kind=BroadcastKind.EMERGENCY,
                   terminal_ids=online, event_id=event.id, source_department="区气象局",
                   adapter=OutboxAdapter(), now=at)  # fmt: skip


def _work_tasks(session: Session, actor: Actor, event: Event, start: datetime, done: int) -> None:
    """Move the first ``done`` tasks through their steps, an hour or so apart."""
    for number, task in enumerate(tasks.generate_tasks(session, actor, event.id, start)):
        if number >= done:
            break
        at = start + timedelta(minutes=10 + 3 * number)
        task = tasks.update_task(session, actor, task.id, task.version, TaskStatus.ON_SITE,
                                 note="已到岗，现场查看", now=at)  # fmt: skip
        final = TaskStatus.EVACUATED if number % 3 == 0 else TaskStatus.HANDLED
        people = 8 + number % 5 * 6 if final is TaskStatus.EVACUATED else 0
        later = at + timedelta(hours=1)
        task = tasks.update_task(session, actor, task.id, task.version, final,
                                 evacuated=people, note="已处置", now=later)  # fmt: skip


def _past_event(ctx: _Seed, actor: Actor) -> Event:
    """The “7·8” pattern: a red rainstorm warning at dawn, Ⅱ级 response, the old town's
    易涝点 cleared, district pumps and sandbags moved, two teams out, lowered to Ⅳ级 at night
    (its reports and its closing two days on are ``disasters.past_event_reports``)."""
    year = ctx.today.year if date(ctx.today.year, 7, 8) < ctx.today else ctx.today.year - 1
    day = date(year, 7, 8)
    sent, session = _utc(day, 5, 30), ctx.session
    warning = warnings.import_message(
        session, actor,
        _cap(f"{SENDER}_{day:%Y%m%d}053000_1", datetime.combine(day, time(5, 30)),
             datetime.combine(day, time(23, 0)), "Red", "海州区气象台发布暴雨红色预警信号"),
        sent, is_demo=True,
    )  # fmt: skip
    urban = [ctx.localities[name].id for name in ("新浦街道", "浦西街道", "新海街道")]
    event = events.open_event(
        session, actor, title=f"{year}年“7·8”暴雨（演示）", hazard="rainstorm", level="2",
        locality_ids=urban, warning_ids=[warning.id], duty_leader="王志强（演示）",
        duty_officer="陈静（演示）", now=sent + timedelta(minutes=20), is_demo=True,
    )  # fmt: skip
    _work_tasks(session, actor, event, sent + timedelta(minutes=40), done=10_000)
    for found in tasks_of(session, event.id):
        if found.status is not TaskStatus.LIFTED:
            tasks.update_task(session, actor, found.id, found.version, TaskStatus.LIFTED,
                              note="积水退去，解除", now=_utc(day, 20))  # fmt: skip
    _pumps_and_sandbags(session, actor, event, day, sent + timedelta(minutes=50))
    _deploy(session, actor, event, sent + timedelta(hours=1), back=_utc(day, 21))
    _broadcast(session, actor, event, "【海州区防汛抗旱指挥部】暴雨红色预警：请低洼地带群众"
               "立即转移，远离河道、地下通道。（演示）", sent + timedelta(minutes=30))  # fmt: skip
    event = session.get_one(Event, event.id)
    event = events.change_level(session, actor, event.id, event.version, "4",
                                reason="雨势减弱，降为Ⅳ级", now=_utc(day, 22))  # fmt: skip
    _flag(session, event.id)
    return event


def _pumps_and_sandbags(
    session: Session, actor: Actor, event: Event, day: date, at: datetime
) -> None:
    """The suggested order, with pumps and sandbags from the district depots added where the
    area's own depots held enough (half of what a depot can spare), then issued."""
    draft = dispatch.suggest(session, actor, event.id, day, at)
    target = dispatch.receiving_depot(session, event)
    planned = {line.item_id for line in session.get_one(Dispatch, draft.dispatch_id).lines}
    items = session.query(Item).filter(Item.name.in_(("排水泵", "编织袋"))).all()
    depots = dispatch.district_depots(session)
    spare = dispatch.spare(session, [d.id for d in depots], day)
    for item in items:
        offers = [(spare.get((d.id, item.id), 0), d.id) for d in depots]
        amount, depot_id = max(offers, default=(0, 0))
        if item.id not in planned and target is not None and amount >= 2:
            dispatch.add_line(session, actor, draft.dispatch_id, item_id=item.id,
                              from_depot_id=depot_id, to_depot_id=target.id,
                              quantity=amount // 2, today=day)  # fmt: skip
    if session.get_one(Dispatch, draft.dispatch_id).lines:
        dispatch.issue(session, actor, draft.dispatch_id, day, at + timedelta(minutes=10))


def tasks_of(session: Session, event_id: int) -> list[ResponseTask]:
    return list(session.query(ResponseTask).filter(ResponseTask.event_id == event_id))


def _deploy(
    session: Session, actor: Actor, event: Event, at: datetime, back: datetime | None
) -> None:
    for team in deployments.suggest_teams(session, event.id, limit=2)[:2]:
        locality = event.localities[team.team_id % len(event.localities)].id
        sent = deployments.deploy(session, actor, event.id, team.team_id, locality,
                                  max(1, team.strength // 2), now=at)  # fmt: skip
        steps = [DeploymentStatus.DISPATCHED, DeploymentStatus.ARRIVED]
        if back is not None:
            steps.append(DeploymentStatus.WITHDRAWN)
        for number, status in enumerate(steps):
            moment = (back or at) if status is DeploymentStatus.WITHDRAWN else at
            when = moment + timedelta(minutes=20 * number)
            sent = deployments.advance(session, actor, sent.id, sent.version, status, now=when)


def _live_event(ctx: _Seed, actor: Actor) -> Event:
    """Yesterday evening (so it is in the past at any hour the demo is loaded): a yellow
    rainstorm warning, Ⅳ级 response in the old town; a few tasks acknowledged, the others
    not yet (overdue after 30 minutes), a team on its way, a broadcast sent and a dispatch
    suggested but not yet issued."""
    evening = ctx.today - timedelta(days=1)
    session, sent = ctx.session, _utc(evening, 19, 10)
    warning = warnings.import_message(
        session, actor,
        _cap(f"{SENDER}_{evening:%Y%m%d}191000_1", datetime.combine(evening, time(19, 10)),
             datetime.combine(ctx.today + timedelta(days=3), time(20, 0)), "Yellow",
             "海州区气象台发布暴雨黄色预警信号"),
        sent, is_demo=True,
    )  # fmt: skip
    old_town = [ctx.localities[name].id for name in ("海州街道", "幸福路街道", "朐阳街道")]
    event = events.open_event(
        session, actor, title="海州区暴雨Ⅳ级应急响应（演示）", hazard="rainstorm", level="4",
        locality_ids=old_town, warning_ids=[warning.id], duty_leader="刘建国（演示）",
        duty_officer="张敏（演示）", now=sent + timedelta(minutes=15), is_demo=True,
    )  # fmt: skip
    _work_tasks(session, actor, event, sent + timedelta(minutes=25), done=3)
    _deploy(session, actor, event, sent + timedelta(minutes=40), back=None)
    _broadcast(session, actor, event, "【海州区防汛抗旱指挥部】暴雨黄色预警：请减少外出，"
               "低洼地带群众做好转移准备。（演示）", sent + timedelta(minutes=30))  # fmt: skip
    dispatch.suggest(session, actor, event.id, evening, sent + timedelta(minutes=45))
    _flag(session, event.id)
    return event


def _create_response(ctx: _Seed, office: User) -> None:
    actor = Actor.from_user(office)
    past = _past_event(ctx, actor)
    closed_at = _utc(local(past.opened_at).date() + timedelta(days=2), 10)
    disasters.past_event_reports(ctx, office, past, closed_at)
    disasters.live_event_reports(ctx, office, _live_event(ctx, actor))

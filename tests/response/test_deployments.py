"""Team deployments (issue 15, item 4): nearest free teams, deploying within strength to an
affected locality, never twice at once, and the status machine 待命 → 出动 → 到达 → 撤离.
On both backends."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.enums import DeploymentStatus as S
from registry.kernel.errors import PermissionDenied, StaleRecord, ValidationError
from registry.kernel.models import AuditEvent, Deployment, EventLogEntry, ResponseTask, Team
from registry.records.commands import add_member, create_team
from registry.response import deployments
from tests.helpers import BANPU_POINT, XINPU_POINT, locality
from tests.response.test_dispatch import TODAY, make_event

NOW = datetime(2026, 7, 8, 2, 0)


def team(session, actor, name, point, *, specialties="flood", target=8, place="新浦街道"):
    return create_team(
        session,
        actor,
        {
            "name": name,
            "kind": "professional",
            "staffing": "full_time",
            "specialties": specialties,
            "locality_id": locality(session, place).id,
            "base_lon": point[0],
            "base_lat": point[1],
            "target_headcount": target,
        },
    ).id


@pytest.fixture
def scene(factory, actors):
    """An open event over 新浦街道 and another one; a near flood team of three members
    (target 8), a far flood team with no census (target 5), a near medical team."""
    office = actors["office"]
    with db.transaction(factory) as session:
        event = make_event(session).id
        other = make_event(session, places=("板浦镇",)).id
        near = team(session, office, "新浦防汛队", XINPU_POINT)
        for name in ("张一", "李二", "王三"):
            add_member(session, office, near, {"name": name}, today=TODAY)
        far = team(session, office, "板浦防汛队", BANPU_POINT, target=5, place="板浦镇")
        medic = team(session, office, "新浦医疗队", XINPU_POINT, specialties="medical")
        return {
            "event": event,
            "other": other,
            "near": near,
            "far": far,
            "medic": medic,
            "xinpu": locality(session, "新浦街道").id,
            "banpu": locality(session, "板浦镇").id,
        }


def deploy(factory, actor, scene, team_key="near", heads=2, *, event="event", place="xinpu"):
    with db.transaction(factory) as session:
        found = deployments.deploy(
            session, actor, scene[event], scene[team_key], scene[place], heads, now=NOW
        )
        return found.id


def advance(factory, actor, deployment_id, status, version=None):
    with db.transaction(factory) as session:
        current = session.get_one(Deployment, deployment_id).version
        found = deployments.advance(
            session, actor, deployment_id, current if version is None else version, status, now=NOW
        )
        return found.status


def test_suggestions_are_nearest_first_with_strength_and_specialty(factory, scene):
    with factory() as session:
        flood = deployments.suggest_teams(session, scene["event"], "flood")
        every = deployments.suggest_teams(session, scene["event"])
    assert [(t.name, t.strength) for t in flood] == [("新浦防汛队", 3), ("板浦防汛队", 5)]
    assert {t.name for t in every} == {"新浦防汛队", "板浦防汛队", "新浦医疗队"}
    assert every[-1].name == "板浦防汛队"


def test_a_deployed_team_is_busy_until_it_withdraws(factory, actors, scene):
    office = actors["office"]
    first = deploy(factory, office, scene)
    with factory() as session:
        names = {t.name for t in deployments.suggest_teams(session, scene["event"])}
    assert "新浦防汛队" not in names  # busy: not offered
    audits = _count(factory, AuditEvent)
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        deployments.deploy(
            session, office, scene["other"], scene["near"], scene["banpu"], 1, now=NOW
        )
    assert refused.value.key == "error.team_busy"
    assert "队伍已在任务中" in refused.value.message("zh")
    assert _count(factory, Deployment) == 1 and _count(factory, AuditEvent) == audits
    advance(factory, office, first, S.WITHDRAWN)
    assert deploy(factory, office, scene, event="other", place="banpu") != first


def test_head_count_is_at_least_one_and_at_most_the_strength(factory, actors, scene):
    office = actors["office"]
    for heads, key in ((0, "error.not_positive"), (4, "error.head_count_above_strength")):
        with pytest.raises(ValidationError) as refused:
            deploy(factory, office, scene, heads=heads)
        assert refused.value.key == key
    with pytest.raises(ValidationError) as refused:
        deploy(factory, office, scene, "far", heads=6)
    assert refused.value.params["strength"] == 5  # no census: the target size counts
    assert _count(factory, Deployment) == 0
    deploy(factory, office, scene, "far", heads=5)


def test_a_team_goes_only_to_an_affected_locality(factory, actors, scene):
    with pytest.raises(ValidationError) as refused:
        deploy(factory, actors["office"], scene, place="banpu")
    assert refused.value.key == "error.deploy_locality_outside"
    assert _count(factory, Deployment) == 0


@pytest.mark.parametrize("who", ["town", "leader"])
def test_only_the_office_deploys_and_advances(factory, actors, scene, who):
    deployed = deploy(factory, actors["office"], scene)
    with pytest.raises(PermissionDenied):
        deploy(factory, actors[who], scene, "medic")
    with pytest.raises(PermissionDenied):
        advance(factory, actors[who], deployed, S.DISPATCHED)
    assert _count(factory, Deployment) == 1
    with factory() as session:
        assert session.get_one(Deployment, deployed).status is S.STANDBY


def test_the_status_machine_stamps_each_step_and_logs_it(factory, actors, scene):
    office = actors["office"]
    deployed = deploy(factory, office, scene)
    with pytest.raises(ValidationError) as refused:
        advance(factory, office, deployed, S.ARRIVED)  # 待命 cannot skip 出动
    assert refused.value.key == "error.deployment_step"
    with pytest.raises(ValidationError):
        advance(factory, office, deployed, "gone")
    assert advance(factory, office, deployed, S.DISPATCHED) is S.DISPATCHED
    with pytest.raises(StaleRecord):
        advance(factory, office, deployed, S.ARRIVED, version=1)
    assert advance(factory, office, deployed, S.ARRIVED) is S.ARRIVED
    assert advance(factory, office, deployed, S.WITHDRAWN) is S.WITHDRAWN
    with pytest.raises(ValidationError):
        advance(factory, office, deployed, S.DISPATCHED)  # withdrawn is final
    with factory() as session:
        record = session.get_one(Deployment, deployed)
        assert record.dispatched_at == record.arrived_at == record.withdrawn_at == NOW
        kinds = session.scalars(select(EventLogEntry.kind).order_by(EventLogEntry.id)).all()
        assert kinds == ["team_deployed", "team_dispatched", "team_arrived", "team_withdrawn"]
        rows = deployments.deployments(session, scene["event"])
    assert [(r.team, r.locality, r.head_count, r.status) for r in rows] == [
        ("新浦防汛队", "新浦街道", 2, S.WITHDRAWN)
    ]


def test_a_retired_team_is_not_deployed(factory, actors, scene):
    with db.transaction(factory) as session:
        session.get_one(Team, scene["medic"]).status = "retired"
    with pytest.raises(ValidationError) as refused:
        deploy(factory, actors["office"], scene, "medic")
    assert refused.value.key == "error.retired"


def _count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_team_sent_to_a_task_goes_to_the_task_locality(factory, actors, scene):
    office = actors["office"]
    with db.transaction(factory) as session:
        task = ResponseTask(
            event_id=scene["event"],
            locality_id=scene["xinpu"],
            kind="patrol",
            title="巡查易涝点",
            created_at=NOW,
        )
        elsewhere = ResponseTask(
            event_id=scene["other"],
            locality_id=scene["banpu"],
            kind="patrol",
            title="板浦巡查",
            created_at=NOW,
        )
        session.add_all([task, elsewhere])
        session.flush()
        task_id, elsewhere_id = task.id, elsewhere.id
    for task_key, place, refusal in (
        (elsewhere_id, None, "error.deploy_task_unknown"),  # another event's task
        (task_id, scene["banpu"], "error.deploy_task_elsewhere"),
    ):
        with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
            deployments.deploy(
                session, office, scene["event"], scene["near"], place, 1, task_key, now=NOW
            )
        assert refused.value.key == refusal
    with db.transaction(factory) as session:
        found = deployments.deploy(
            session, office, scene["event"], scene["near"], None, 1, task_id, now=NOW
        )
        assert (found.locality_id, found.task_id) == (scene["xinpu"], task_id)

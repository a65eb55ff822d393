"""Closing an event with its after-action review (issue 16, item 4): the review and its
findings, a failed plan in force entering revision with the statutory trigger (one not in
force named instead), a failed checkpoint owed a re-inspection until inspected after the
review (alerts and the campaign's target list say so), refusals that write nothing. On both
backends."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select

from registry.fieldwork import campaigns, inspections
from registry.kernel import db
from registry.kernel.enums import (
    AuditAction,
    EventState,
    PlanStatus,
    ResponseLevel,
    ReviewSubject,
    ReviewVerdict,
    RevisionTrigger,
    WarningType,
)
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import AuditEvent, Event, EventReview, Plan, ReviewFinding
from registry.kernel.settings import Settings
from registry.plans import commands as plans
from registry.readiness import alerts
from registry.recovery import closing, queries
from registry.recovery.closing import FindingInput
from registry.response import events, timeline
from tests.conftest import locality_id
from tests.helpers import depot
from tests.plans.test_plans import plan_data
from tests.response.test_tasks import checkpoint

OPENED = datetime(2026, 7, 8, 2, 0)
NOW = datetime(2026, 7, 10, 2, 0)  # 10:00 China time: the review's day is 2026-07-10
TODAY = date(2026, 7, 10)
SETTINGS = Settings()


@pytest.fixture
def scene(factory, actors):
    """An open event over 新浦街道 with a plan in force and one already being revised, a
    depot, and two checkpoints."""
    office = actors["office"]
    with db.transaction(factory) as session:
        current = plans.create_plan(session, office, plan_data(session), today=TODAY)
        revising = plans.create_plan(
            session, office, plan_data(session, title="新浦街道防汛预案"), today=TODAY
        )
        plans.start_revision(session, office, revising.id, revising.version, trigger="other")
        event = events.open_event(
            session, office, title="7·8 暴雨", hazard=WarningType.RAINSTORM,
            level=ResponseLevel.IV, locality_ids=[locality_id(session, "新浦街道")],
            plan_ids=[current.id, revising.id], duty_leader="李区长", duty_officer="王值班",
            now=OPENED,
        )  # fmt: skip
        store = depot(session, office, "新浦街道储备库")
        failed = checkpoint(session, office, "新浦低洼片区", "waterlogging")
        fine = checkpoint(session, office, "新浦河堤", "dike")
        return {
            "event": event.id, "version": event.version, "current": current.id,
            "revising": revising.id, "depot": store.id, "failed": failed, "fine": fine,
        }  # fmt: skip


def close(factory, actor, scene, *findings, worked="转移及时", failed="预案未覆盖低洼片区"):
    with db.transaction(factory) as session:
        return closing.close_with_review(
            session, actor, scene["event"], scene["version"], reason="雨停水退",
            worked=worked, failed=failed, findings=list(findings), now=NOW, today=TODAY,
        )  # fmt: skip


def standard_findings(scene) -> list[FindingInput]:
    return [
        FindingInput("plan", scene["current"], "failed", "低洼片区转移路线缺失"),
        FindingInput("plan", scene["revising"], "failed"),
        FindingInput("depot", scene["depot"], "worked", "物资充足"),
        FindingInput("checkpoint", scene["failed"], "failed", "积水超过警戒"),
        FindingInput("checkpoint", scene["fine"], "worked"),
    ]


def test_closing_files_the_review_and_revises_the_failed_plan(factory, actors, scene):
    result = close(factory, actors["office"], scene, *standard_findings(scene))
    assert result.plans_revising == (scene["current"],)
    assert result.plans_not_revised == ((scene["revising"], PlanStatus.REVISING),)
    assert result.checkpoints_flagged == (scene["failed"],)
    assert (result.lines, result.open_lines) == (0, 0)  # nothing was issued for it
    with factory() as session:
        event = session.get(Event, scene["event"])
        assert event.state is EventState.CLOSED and event.closed_at == NOW
        plan = session.get(Plan, scene["current"])
        assert plan.status is PlanStatus.REVISING
        assert plan.revision_trigger is RevisionTrigger.RESPONSE_OR_DRILL
        assert plan.status_note == "7·8 暴雨 · 低洼片区转移路线缺失"
        other = session.get(Plan, scene["revising"])
        assert other.revision_trigger is RevisionTrigger.OTHER  # untouched
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {AuditAction.REVIEW_FILED, AuditAction.REPLENISHMENT_LISTED} <= actions
        assert AuditAction.PLAN_REVISION_STARTED in actions
        review = queries.review(session, scene["event"])
        kinds = [line.kind for line in timeline.timeline(session, scene["event"])]
    assert review is not None and review.worked == "转移及时"
    assert [(f.subject, f.verdict) for f in review.findings] == [
        (ReviewSubject.PLAN, ReviewVerdict.FAILED),
        (ReviewSubject.PLAN, ReviewVerdict.FAILED),
        (ReviewSubject.DEPOT, ReviewVerdict.WORKED),
        (ReviewSubject.CHECKPOINT, ReviewVerdict.FAILED),
        (ReviewSubject.CHECKPOINT, ReviewVerdict.WORKED),
    ]
    assert review.findings[0].plan_status is PlanStatus.REVISING
    assert review.findings[3].name == "新浦低洼片区"
    assert kinds[-2:] == ["closed", "reviewed"]


def _reinspect_alerts(factory, actor, today) -> list[alerts.Alert]:
    with factory() as session:
        found = alerts.alerts_for(session, actor, today=today, settings=SETTINGS)
    return [a for a in found if a.kind == "checkpoint_reinspect"]


def _inspect(factory, actor, checkpoint_id, day):
    with db.transaction(factory) as session:
        inspections.record_inspection(
            session, actor,
            {"target_kind": "checkpoint", "target_id": checkpoint_id, "inspected_on": day,
             "result": "passed"},
            settings=SETTINGS, today=TODAY,
        )  # fmt: skip


def test_a_failed_checkpoint_alerts_until_inspected_after_the_review(factory, actors, scene):
    _inspect(factory, actors["office"], scene["failed"], date(2026, 7, 9))  # before: no help
    close(factory, actors["office"], scene, *standard_findings(scene))
    found = _reinspect_alerts(factory, actors["town"], TODAY)
    assert [(a.subject, a.link, a.severity) for a in found] == [
        ("新浦低洼片区", f"c{scene['failed']}", alerts.DUE)
    ]
    assert found[0].detail["event"] == "7·8 暴雨"
    with factory() as session:
        campaign = campaigns.create_campaign(
            session, actors["office"],
            {"name": "汛后复查", "starts_on": TODAY, "ends_on": date(2026, 7, 31),
             "target_kinds": ["checkpoint"]},
        )  # fmt: skip
        session.commit()
        marked = {
            t["id"]: t["reinspect"]
            for t in campaigns.campaign_targets(session, campaign.id)
            if t["kind"] == "checkpoint"
        }
        listed = queries.reinspections(session, actors["town"])
    assert marked == {scene["failed"]: True, scene["fine"]: False}
    assert [r.checkpoint_id for r in listed] == [scene["failed"]]
    _inspect(factory, actors["office"], scene["failed"], TODAY)  # the review's day counts
    assert _reinspect_alerts(factory, actors["office"], TODAY) == []
    with factory() as session:
        assert queries.reinspections(session, actors["office"]) == []


def _counts(factory) -> tuple[int, ...]:
    with factory() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (EventReview, ReviewFinding, AuditEvent)
        )


@pytest.mark.parametrize(
    ("who", "findings", "texts", "refusal"),
    [
        ("town", [], {}, PermissionDenied),
        ("leader", [], {}, PermissionDenied),
        ("office", [FindingInput("plan", 99_999, "failed")], {}, "error.recovery_subject_unknown"),
        ("office", [FindingInput("team", 1, "failed")], {}, "error.recovery_subject_unknown"),
        ("office", [FindingInput("street", 1, "failed")], {}, "error.unknown_choice"),
        ("office", [], {"worked": " "}, "error.required"),
        ("office", [], {"failed": ""}, "error.required"),
    ],
)
def test_refusals_write_nothing(factory, actors, scene, who, findings, texts, refusal):
    before = _counts(factory)
    expected = refusal if isinstance(refusal, type) else ValidationError
    with pytest.raises(expected) as caught:
        close(factory, actors[who], scene, *findings, **texts)
    if isinstance(refusal, str):
        assert caught.value.key == refusal
    assert _counts(factory) == before
    with factory() as session:
        assert session.get(Event, scene["event"]).state is EventState.OPEN
        assert session.get(Plan, scene["current"]).status is PlanStatus.CURRENT


def test_a_subject_named_twice_is_refused(factory, actors, scene):
    twice = [FindingInput("depot", scene["depot"], "worked")] * 2
    with pytest.raises(ValidationError) as caught:
        close(factory, actors["office"], scene, *twice)
    assert caught.value.key == "error.recovery_subject_twice"
    assert caught.value.field == "review_subject"


def test_a_closed_event_cannot_be_closed_again(factory, actors, scene):
    close(factory, actors["office"], scene)
    with factory() as session:
        scene = {**scene, "version": session.get(Event, scene["event"]).version}
    with pytest.raises(ValidationError) as caught:
        close(factory, actors["office"], scene)
    assert caught.value.key == "error.event_closed"
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(EventReview)) == 1


def test_the_review_reads_its_records_with_one_query_per_kind(factory, actors, scene):
    """Five findings name plans, a depot and checkpoints: one query reads each kind of record,
    not one query per finding."""
    close(factory, actors["office"], scene, *standard_findings(scene))
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with factory() as session:
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            review = queries.review(session, scene["event"])
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    assert review is not None
    assert [f.name for f in review.findings][3:] == ["新浦低洼片区", "新浦河堤"]
    assert review.findings[0].plan_status is PlanStatus.REVISING
    reads = {
        table: sum(f"FROM {table}" in s for s in statements)
        for table in ("plans", "depots", "checkpoints")
    }
    assert reads == {"plans": 1, "depots": 1, "checkpoints": 1}, statements

"""The office checks town reports (issue 16, item 3): only the office accepts or returns, only
a submitted report and only once, at the version the form saw; a return needs a reason; an
earlier report cannot be accepted over a later accepted one; each check is audited and on the
event's timeline. Declaring the disaster stable stamps the event once, open or closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.disasters import checking
from registry.kernel import db
from registry.kernel.enums import AuditAction, ReportStage, ReportState
from registry.kernel.errors import PermissionDenied, StaleRecord, ValidationError
from registry.kernel.models import AuditEvent, DisasterReport, Event
from registry.response import events, timeline
from tests.disasters.rollup_data import OPENED, open_event, report, version

NOW = OPENED + timedelta(hours=2)


def test_the_office_accepts_a_submitted_report_audited_and_on_the_timeline(factory, actors):
    event_id = open_event(factory, actors["office"])
    report_id = report(factory, event_id, "新浦街道", affected_people=120)
    with db.transaction(factory) as session:
        checking.accept_report(session, actors["office"], report_id, 1, NOW)
    with factory() as session:
        row = session.get(DisasterReport, report_id)
        assert (row.state, row.reviewed_at) == (ReportState.ACCEPTED, NOW)
        assert row.reviewed_by == actors["office"].user_id
        audit = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == report_id, AuditEvent.entity == "disaster_report"
            )
        ).all()
        assert [a.action for a in audit] == [AuditAction.DISASTER_REPORT_ACCEPTED.value]
        assert audit[0].locality_id == row.locality_id
        lines = timeline.timeline(session, event_id)
    assert lines[-1].text("zh") == "采用新浦街道初报"
    assert lines[-1].text("en") == "Accepted the initial report of 新浦街道"


def test_the_office_returns_a_report_with_its_reason(factory, actors):
    event_id = open_event(factory, actors["office"])
    report_id = report(
        factory, event_id, "板浦镇", stage=ReportStage.UPDATE, sequence=2, affected_people=9
    )
    with db.transaction(factory) as session, pytest.raises(ValidationError) as refused:
        checking.return_report(session, actors["office"], report_id, 1, "  ", NOW)
    assert refused.value.field == "rollup_reason"
    with db.transaction(factory) as session:
        checking.return_report(session, actors["office"], report_id, 1, "受灾人口与台账不符", NOW)
    with factory() as session:
        row = session.get(DisasterReport, report_id)
        assert (row.state, row.return_reason) == (ReportState.RETURNED, "受灾人口与台账不符")
        lines = timeline.timeline(session, event_id)
    assert lines[-1].text("zh") == "退回板浦镇续报（第2次）：受灾人口与台账不符"


def test_a_checked_report_is_not_checked_again(factory, actors):
    office = actors["office"]
    event_id = open_event(factory, office)
    report_id = report(factory, event_id, "新浦街道")
    with db.transaction(factory) as session:
        checking.accept_report(session, office, report_id, 1, NOW)
    current = version(factory, DisasterReport, report_id)
    for attempt in (
        lambda s: checking.return_report(s, office, report_id, current, "再看看", NOW),
        lambda s: checking.accept_report(s, office, report_id, current, NOW),
    ):
        with db.transaction(factory) as session, pytest.raises(ValidationError) as refused:
            attempt(session)
        assert refused.value.key == "error.rollup_checked"
        assert "已采用" in refused.value.message("zh")  # the state by its label
    with factory() as session:
        assert session.get(DisasterReport, report_id).state is ReportState.ACCEPTED


def test_a_stale_check_is_refused(factory, actors):
    event_id = open_event(factory, actors["office"])
    report_id = report(factory, event_id, "新浦街道")
    with db.transaction(factory) as session, pytest.raises(StaleRecord):
        checking.accept_report(session, actors["office"], report_id, 0, NOW)
    with factory() as session:
        assert session.get(DisasterReport, report_id).state is ReportState.SUBMITTED


def test_only_the_office_checks(factory, actors):
    event_id = open_event(factory, actors["office"])
    report_id = report(factory, event_id, "新浦街道")
    for who in ("town", "leader"):
        with db.transaction(factory) as session, pytest.raises(PermissionDenied):
            checking.accept_report(session, actors[who], report_id, 1, NOW)
        with db.transaction(factory) as session, pytest.raises(PermissionDenied):
            checking.return_report(session, actors[who], report_id, 1, "不对", NOW)
        with db.transaction(factory) as session, pytest.raises(PermissionDenied):
            checking.declare_stable(session, actors[who], event_id, 1, NOW)
    with db.transaction(factory) as session:
        checking.accept_report(session, actors["admin"], report_id, 1, NOW)
    with factory() as session:
        assert session.get(DisasterReport, report_id).state is ReportState.ACCEPTED


def test_an_earlier_report_is_not_accepted_over_a_later_accepted_one(factory, actors):
    office = actors["office"]
    event_id = open_event(factory, office)
    early = report(factory, event_id, "新浦街道", affected_people=10)
    later = report(
        factory, event_id, "新浦街道", stage=ReportStage.UPDATE,
        submitted_at=OPENED + timedelta(hours=20), affected_people=30,
    )  # fmt: skip
    with db.transaction(factory) as session:
        checking.accept_report(session, office, later, 1, NOW + timedelta(hours=20))
    with db.transaction(factory) as session, pytest.raises(ValidationError) as refused:
        checking.accept_report(session, office, early, 1, NOW + timedelta(hours=21))
    assert refused.value.key == "error.rollup_superseded"
    assert "return it instead" in str(refused.value)  # the refusal says what to do
    assert refused.value.message("zh").endswith("请退回")
    with db.transaction(factory) as session:  # returning it is still possible
        checking.return_report(session, office, early, 1, "已被续报取代", NOW)


def test_declaring_the_disaster_stable_once_also_after_closing(factory, actors):
    office = actors["office"]
    event_id = open_event(factory, office)
    with db.transaction(factory) as session:
        events.close_event(session, office, event_id, 1, "雨停", NOW)
    closed_version = version(factory, Event, event_id)
    with db.transaction(factory) as session:
        checking.declare_stable(session, office, event_id, closed_version, NOW)
    with factory() as session:
        event = session.get(Event, event_id)
        assert event.stable_at == NOW
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "event")
        ).all()
        assert actions[-1] == AuditAction.EVENT_STABLE.value
        assert timeline.timeline(session, event_id)[-1].kind == "disaster_stable"
        current = event.version
    with db.transaction(factory) as session, pytest.raises(ValidationError) as refused:
        checking.declare_stable(session, office, event_id, current, NOW + timedelta(hours=1))
    assert refused.value.key == "error.rollup_already_stable"
    with factory() as session:
        assert session.get(Event, event_id).stable_at == NOW

"""Town disaster reports (issue 16, item 1): a town files 初报, 续报 (or a one-click 零报告) and
核报 in order, for its own towns only; broken figures are refused naming the field (values,
parts within wholes, sharp changes without a written explanation, figures disagreeing with
the named registers, too few photos while the response is active); a returned report is
replaced; a closed event takes no new 初报. Audit and the event timeline record each."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, update

from registry.disasters import queries, registers, reports
from registry.kernel import attachments, clock, db
from registry.kernel.attachments import Upload
from registry.kernel.enums import (
    AttachmentOwner,
    AuditAction,
    EventState,
    ReportStage,
    ReportState,
    ResponseLevel,
    WarningType,
)
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import Attachment, AuditEvent, DisasterReport, Event
from registry.kernel.settings import Settings
from registry.response import events, timeline
from tests.conftest import locality_id

NOW = clock.from_local(datetime(2026, 7, 8, 10, 0))
SETTINGS = Settings()
FIGURES = {"affected_people": "120", "relocated": "30", "crop_affected_ha": "12.5"}
TEXT = "7日夜间强降雨，低洼地段积水。"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "PNG")
    return out.getvalue()


PHOTOS = attachments.prepare_photos([Upload(f"现场{i}.png", photo()) for i in range(3)], SETTINGS)


def open_event(factory, office, places=("新浦街道", "板浦镇"), now=NOW) -> int:
    with db.transaction(factory) as session:
        return events.open_event(
            session, office, title="7·8 暴雨", hazard=WarningType.RAINSTORM,
            level=ResponseLevel.III, locality_ids=[locality_id(session, p) for p in places],
            plan_ids=[], duty_leader="李区长", duty_officer="王值班", now=now,
        ).id  # fmt: skip


def town_id(factory, name="新浦街道") -> int:
    with factory() as session:
        return locality_id(session, name)


def file(factory, actor, event_id, stage, figures=None, *, place="新浦街道", now=NOW, **extra):
    """File through the use-case; the defaults make a valid report with three photos."""
    values = {"situation": TEXT, "relief": None, "explanation": None, "photos": PHOTOS}
    values.update(extra)
    with db.transaction(factory) as session:
        report = reports.file_report(
            session, actor, event_id, locality_id(session, place), stage,
            FIGURES if figures is None else figures, values["situation"], values["relief"],
            values["explanation"], values["photos"], now, SETTINGS,
        )  # fmt: skip
        session.flush()  # the audit event too, before the rows are let go
        session.expunge_all()
        return report


def zero(factory, actor, event_id, now, place="新浦街道") -> DisasterReport:
    with db.transaction(factory) as session:
        report = reports.file_zero_report(
            session, actor, event_id, locality_id(session, place), now, SETTINGS
        )
        session.flush()  # the audit event too, before the rows are let go
        session.expunge_all()
        return report


def set_event(factory, event_id, **values) -> None:
    with db.transaction(factory) as session:
        session.execute(update(Event).where(Event.id == event_id).values(**values))


def set_state(factory, report_id, state) -> None:
    with db.transaction(factory) as session:
        session.execute(
            update(DisasterReport).where(DisasterReport.id == report_id).values(state=state)
        )


def count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def event_id(factory, actors):
    return open_event(factory, actors["office"])


def test_a_town_files_its_initial_report_with_photos_audit_and_timeline(factory, actors, event_id):
    report = file(factory, actors["town"], event_id, ReportStage.INITIAL)
    assert (report.stage, report.sequence, report.state, report.is_zero) == (
        ReportStage.INITIAL, 1, ReportState.SUBMITTED, False,
    )  # fmt: skip
    assert report.figures_to == NOW
    assert (report.affected_people, report.crop_affected_ha) == (120, Decimal("12.50"))
    with factory() as session:
        stored = session.get(DisasterReport, report.id)
        assert stored.crop_affected_ha == Decimal("12.5") and stored.deaths == 0
        photos = session.scalar(
            select(func.count()).where(
                Attachment.owner_kind == AttachmentOwner.DISASTER_REPORT,
                Attachment.owner_id == report.id,
            )
        )
        assert photos == 3
        filed = session.scalar(
            select(AuditEvent).where(AuditEvent.action == AuditAction.DISASTER_REPORT_FILED.value)
        )
        assert filed.entity_id == report.id and '"affected_people": 120' in filed.after
        lines = timeline.timeline(session, event_id)
        assert lines[-1].kind == "disaster_report_initial"
        assert lines[-1].text("zh") == "新浦街道报送初报"


def test_only_the_towns_own_officials_and_the_office_report(factory, actors, event_id):
    with pytest.raises(PermissionDenied):
        file(factory, actors["town"], event_id, ReportStage.INITIAL, place="板浦镇")
    with pytest.raises(PermissionDenied):
        file(factory, actors["leader"], event_id, ReportStage.INITIAL)
    other = open_event(factory, actors["office"], places=("板浦镇",))
    with pytest.raises(ValidationError) as refused:
        file(factory, actors["office"], other, ReportStage.INITIAL)  # 新浦 is not affected
    assert refused.value.field == "locality"
    assert file(factory, actors["office"], event_id, ReportStage.INITIAL, place="板浦镇").id
    assert count(factory, DisasterReport) == 1


@pytest.mark.parametrize(
    ("figures", "key", "field"),
    [
        ({"affected_people": "-1"}, "error.disaster_negative", "affected_people"),
        ({"affected_people": "12.5"}, "error.disaster_not_whole", "affected_people"),
        ({"crop_affected_ha": "1.234"}, "error.disaster_places", "crop_affected_ha"),
        ({"direct_loss": "很多"}, "error.disaster_not_a_number", "direct_loss"),
        ({"relief_funds": "1e12"}, "error.disaster_too_large", "relief_funds"),
        ({"flooded_roads": "3"}, "error.disaster_unknown_indicator", "flooded_roads"),
        (
            {"affected_people": "10", "deaths": "0", "missing": "0", "relocated": "11"},
            "error.disaster_part_exceeds",
            "relocated",
        ),
        (
            {"affected_people": "5", "needing_aid": "6"},
            "error.disaster_part_exceeds",
            "needing_aid",
        ),
        (
            {"crop_affected_ha": "3.5", "crop_failed_ha": "3.51"},
            "error.disaster_part_exceeds",
            "crop_failed_ha",
        ),
        (
            {"collapsed_households": "3", "collapsed_rooms": "2"},
            "error.disaster_part_exceeds",
            "collapsed_households",
        ),
    ],
)
def test_broken_figures_are_refused_naming_the_field(
    factory, actors, event_id, figures, key, field
):
    with pytest.raises(ValidationError) as refused:
        file(factory, actors["town"], event_id, ReportStage.INITIAL, figures)
    assert (refused.value.key, refused.value.field) == (key, field)
    assert count(factory, DisasterReport) == 0


def test_deaths_and_missing_within_the_affected_are_refused_in_chinese_by_label(
    factory, actors, event_id
):
    with pytest.raises(ValidationError) as refused:
        file(factory, actors["town"], event_id, ReportStage.INITIAL,
             {"affected_people": "3", "deaths": "2", "missing": "2"})  # fmt: skip
    assert refused.value.field == "deaths"
    assert refused.value.message("zh") == "因灾死亡与失踪人口之和（4）不能大于受灾人口（3）。"


def test_the_stages_come_in_order(factory, actors, event_id):
    town = actors["town"]
    with pytest.raises(ValidationError, match="initial report first"):
        file(factory, town, event_id, ReportStage.UPDATE)
    first = file(factory, town, event_id, ReportStage.INITIAL)
    with pytest.raises(ValidationError) as again:
        file(factory, town, event_id, ReportStage.INITIAL)
    assert (again.value.key, again.value.field) == ("error.disaster_initial_filed", "report_stage")
    with pytest.raises(ValidationError, match="declares the disaster stable"):
        file(factory, town, event_id, ReportStage.FINAL)
    set_state(factory, first.id, ReportState.RETURNED)
    corrected = file(factory, town, event_id, ReportStage.INITIAL)  # replaces the returned one
    assert corrected.sequence == 1
    next_day = NOW + timedelta(days=1)
    one = file(factory, town, event_id, ReportStage.UPDATE, now=next_day)
    two = file(factory, town, event_id, ReportStage.UPDATE, now=next_day + timedelta(hours=1))
    assert (one.sequence, two.sequence) == (1, 2)
    assert one.figures_to == clock.from_local(datetime(2026, 7, 9, 0, 0))  # 24:00 of 8 July
    set_event(factory, event_id, stable_at=next_day + timedelta(hours=2))
    with pytest.raises(ValidationError, match="declared stable"):
        file(factory, town, event_id, ReportStage.UPDATE, now=next_day + timedelta(hours=3))
    final = file(factory, town, event_id, ReportStage.FINAL, now=next_day + timedelta(hours=3))
    assert (final.sequence, final.figures_to) == (1, next_day + timedelta(hours=3))
    with pytest.raises(ValidationError, match="final report for this event is on file"):
        file(factory, town, event_id, ReportStage.FINAL, now=next_day + timedelta(hours=4))
    set_state(factory, final.id, ReportState.ACCEPTED)
    with pytest.raises(ValidationError, match="accepted"):
        file(factory, town, event_id, ReportStage.FINAL, now=next_day + timedelta(hours=5))


def test_a_sharp_change_needs_a_written_explanation(factory, actors, event_id):
    town = actors["town"]
    file(factory, town, event_id, ReportStage.INITIAL)  # 受灾人口 120
    later = NOW + timedelta(days=1)
    for figures in ({**FIGURES, "affected_people": "100"}, {**FIGURES, "affected_people": "241"}):
        with pytest.raises(ValidationError) as refused:
            file(factory, town, event_id, ReportStage.UPDATE, figures, now=later)
        assert (refused.value.key, refused.value.field) == (
            "error.disaster_explanation", "explanation",
        )  # fmt: skip
        assert "受灾人口" in refused.value.message("zh")
    doubled = file(factory, town, event_id, ReportStage.UPDATE,
                   {**FIGURES, "affected_people": "240", "deaths": ""}, now=later)  # fmt: skip
    assert doubled.affected_people == 240  # exactly twice is not "more than" twice
    explained = file(factory, town, event_id, ReportStage.UPDATE,
                     {**FIGURES, "affected_people": "90"}, now=later,
                     explanation="核查后剔除重复统计的 150 人。")  # fmt: skip
    assert explained.explanation == "核查后剔除重复统计的 150 人。"


def test_deaths_and_houses_must_agree_with_the_registers(factory, actors, event_id):
    town, xinpu = actors["town"], town_id(factory)
    figures = {"affected_people": "50", "deaths": "1", "collapsed_households": "1",
               "collapsed_rooms": "3", "severe_rooms": "2"}  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        file(factory, town, event_id, ReportStage.INITIAL, figures)
    assert (refused.value.key, refused.value.field) == (
        "error.disaster_register_mismatch",
        "deaths",
    )
    with db.transaction(factory) as session:
        registers.add_casualty(
            session, town, event_id, xinpu, name="张小明", sex="male", age="67", status="dead",
            cause="房屋倒塌", place="新浦街道民主路", occurred_on=NOW.date(), now=NOW,
            today=NOW.date(),
        )  # fmt: skip
        registers.add_house(
            session, town, event_id, xinpu, household_head="李四", address="民主路 3 号",
            damage="collapsed", rooms=3, now=NOW,
        )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        file(factory, town, event_id, ReportStage.INITIAL, figures)
    assert refused.value.field == "severe_rooms"
    assert "台账中为 0" in refused.value.message("zh")
    with db.transaction(factory) as session:
        registers.add_house(session, town, event_id, xinpu, household_head="王五",
                            address="民主路 5 号", damage="severe", rooms=2, now=NOW)  # fmt: skip
    report = file(factory, town, event_id, ReportStage.INITIAL, figures)
    assert (report.deaths, report.collapsed_rooms, report.severe_rooms) == (1, 3, 2)


def test_photos_and_the_situation_are_required_while_the_response_is_active(
    factory, actors, event_id
):
    town = actors["town"]
    with pytest.raises(ValidationError) as refused:
        file(factory, town, event_id, ReportStage.INITIAL, photos=PHOTOS[:2])
    assert refused.value.field == "photos" and "至少 3 张" in refused.value.message("zh")
    with pytest.raises(ValidationError) as refused:
        file(factory, town, event_id, ReportStage.INITIAL, situation="  ")
    assert refused.value.field == "situation"
    file(factory, town, event_id, ReportStage.INITIAL)
    set_event(factory, event_id, state=EventState.CLOSED, closed_at=NOW + timedelta(days=2),
              stable_at=NOW + timedelta(days=2))  # fmt: skip
    final = file(factory, town, event_id, ReportStage.FINAL, photos=(), now=NOW + timedelta(days=3))
    assert final.stage is ReportStage.FINAL  # the response is over: no photos required


def test_a_closed_event_takes_updates_but_no_new_initial_report(factory, actors, event_id):
    office = actors["office"]
    file(factory, actors["town"], event_id, ReportStage.INITIAL)
    set_event(factory, event_id, state=EventState.CLOSED, closed_at=NOW + timedelta(hours=5))
    later = NOW + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        file(factory, office, event_id, ReportStage.INITIAL, place="板浦镇", now=later)
    assert refused.value.key == "error.disaster_initial_closed"
    update_ = file(factory, office, event_id, ReportStage.UPDATE, photos=(), now=later)
    assert update_.sequence == 1


def test_a_zero_report_repeats_the_last_figures_in_one_click(factory, actors, event_id):
    town = actors["town"]
    with pytest.raises(ValidationError, match="initial report first"):
        zero(factory, town, event_id, NOW)
    file(factory, town, event_id, ReportStage.INITIAL)
    morning = clock.from_local(datetime(2026, 7, 9, 8, 30))
    report = zero(factory, town, event_id, morning)
    assert (report.stage, report.is_zero, report.sequence) == (ReportStage.UPDATE, True, 1)
    assert (report.affected_people, report.relocated, report.crop_affected_ha) == (
        120, 30, Decimal("12.50"),
    )  # fmt: skip
    assert report.figures_to == clock.from_local(datetime(2026, 7, 9, 0, 0))
    with factory() as session:
        status = queries.town_status(session, event_id, town_id(factory), morning, SETTINGS)
        assert status is not None and status.due == () and status.last.is_zero
        assert timeline.timeline(session, event_id)[-1].kind == "disaster_report_zero"


def test_the_reporting_status_of_every_affected_town(factory, actors, event_id):
    file(factory, actors["town"], event_id, ReportStage.INITIAL)
    with factory() as session:
        rows = queries.reporting_status(session, event_id, NOW + timedelta(hours=3), SETTINGS)
    by_town = {row.locality: row for row in rows}
    assert set(by_town) == {"新浦街道", "板浦镇"}
    xinpu, banpu = by_town["新浦街道"], by_town["板浦镇"]
    assert xinpu.last.stage is ReportStage.INITIAL and xinpu.due == () and not xinpu.overdue
    assert xinpu.stages_open == (ReportStage.UPDATE,)
    assert banpu.last is None and banpu.overdue
    assert [d.stage for d in banpu.due] == [ReportStage.INITIAL]


def test_a_refiled_update_takes_the_returned_ones_number_and_a_new_one_the_next(
    factory, actors, event_id
):
    """Returning an older 续报 used to give the next one a number already standing (1 + the
    updates not returned): #1 and #2 on file, #1 returned, the next was numbered 2 again."""
    town = actors["town"]
    file(factory, town, event_id, ReportStage.INITIAL)
    day = NOW + timedelta(days=1)
    one = file(factory, town, event_id, ReportStage.UPDATE, now=day)
    two = file(factory, town, event_id, ReportStage.UPDATE, now=day + timedelta(hours=1))
    set_state(factory, one.id, ReportState.RETURNED)
    three = file(factory, town, event_id, ReportStage.UPDATE, now=day + timedelta(hours=2))
    assert (two.sequence, three.sequence) == (2, 3)
    set_state(factory, three.id, ReportState.RETURNED)
    again = zero(factory, town, event_id, day + timedelta(hours=3))
    assert again.sequence == 3  # filed in place of the returned #3
    four = file(factory, town, event_id, ReportStage.UPDATE, now=day + timedelta(hours=4))
    assert four.sequence == 4
    with factory() as session:
        standing = [
            r for r in session.scalars(select(DisasterReport)) if r.state.value != "returned"
        ]
    numbers = [r.sequence for r in standing if r.stage is ReportStage.UPDATE]
    assert sorted(numbers) == [2, 3, 4]


def test_an_update_on_the_opening_day_carries_figures_from_the_opening(factory, actors, event_id):
    """The cut-off of a 续报 is 24:00 of the day before — but not before the event began."""
    town = actors["town"]
    file(factory, town, event_id, ReportStage.INITIAL)
    same_day = NOW + timedelta(hours=5)
    report = zero(factory, town, event_id, same_day)
    assert report.figures_to == NOW  # not 00:00 of the opening day
    next_day = file(factory, town, event_id, ReportStage.UPDATE, now=NOW + timedelta(days=1))
    assert next_day.figures_to == clock.from_local(datetime(2026, 7, 9, 0, 0))


def test_a_closed_event_not_yet_stable_stays_on_the_town_page_for_its_updates(
    factory, actors, event_id
):
    """The daily 续报 runs until the disaster is stable, not until the response ends: the town
    still finds the closed event, owes its 续报 and may file a returned 初报 again; once the
    office declares it stable and accepts the 核报 the event leaves the page. A closed event
    no town reported in is not listed."""
    town, office = actors["town"], actors["office"]
    first = file(factory, town, event_id, ReportStage.INITIAL)
    silent = open_event(factory, office, places=("新浦街道",))
    closed_at = NOW + timedelta(hours=5)
    for closing in (event_id, silent):
        set_event(factory, closing, state=EventState.CLOSED, closed_at=closed_at)
    later = clock.from_local(datetime(2026, 7, 10, 12, 0))

    def listed(now=later):
        with factory() as session:
            return [c.id for c in queries.report_events(session, town, now, SETTINGS)]

    assert listed() == [event_id]
    with factory() as session:
        status = queries.town_status(session, event_id, town_id(factory), later, SETTINGS)
    assert status is not None and status.stages_open == (ReportStage.UPDATE,)
    assert [(d.stage, d.overdue) for d in status.due] == [
        (ReportStage.UPDATE, True),
        (ReportStage.UPDATE, True),
    ]
    set_state(factory, first.id, ReportState.RETURNED)
    with factory() as session:
        status = queries.town_status(session, event_id, town_id(factory), later, SETTINGS)
    assert status.stages_open == (ReportStage.INITIAL,) and listed() == [event_id]
    file(factory, town, event_id, ReportStage.INITIAL, photos=(), now=later)  # no photos: closed
    update_ = file(factory, town, event_id, ReportStage.UPDATE, photos=(), now=later)
    assert update_.sequence == 1
    stable_at = later + timedelta(hours=1)
    set_event(factory, event_id, stable_at=stable_at)
    final = file(factory, town, event_id, ReportStage.FINAL, photos=(), now=stable_at)
    assert listed(stable_at) == []  # the 核报 is filed: nothing to file or owe meanwhile
    set_state(factory, final.id, ReportState.ACCEPTED)
    assert listed(stable_at + timedelta(days=10)) == []


def test_the_town_page_reads_take_a_fixed_number_of_queries(factory, actors):
    """``report_events`` reads every closed event's reports in one query, not one per event;
    ``town_status`` reads the one town asked for."""
    office = actors["office"]
    engine = factory.kw["bind"]

    def statements(read) -> list[str]:
        seen = []

        def count(_conn, _cursor, statement, *_args):
            seen.append(statement)

        with factory() as session:
            sqlalchemy_event.listen(engine, "before_cursor_execute", count)
            try:
                read(session)
            finally:
                sqlalchemy_event.remove(engine, "before_cursor_execute", count)
        return seen

    def closed_events(n: int) -> list[int]:
        ids = [open_event(factory, office) for _ in range(n)]
        for event_id in ids:
            file(factory, office, event_id, ReportStage.INITIAL)
            file(factory, office, event_id, ReportStage.INITIAL, place="板浦镇")
            set_event(
                factory, event_id, state=EventState.CLOSED, closed_at=NOW + timedelta(hours=5)
            )
        return ids

    later = NOW + timedelta(days=2)
    first = closed_events(1)[0]
    few = len(statements(lambda s: queries.report_events(s, office, later, SETTINGS)))
    closed_events(4)
    with factory() as session:
        assert len(queries.report_events(session, office, later, SETTINGS)) == 5
    assert len(statements(lambda s: queries.report_events(s, office, later, SETTINGS))) == few
    xinpu = town_id(factory)
    read = statements(lambda s: queries.town_status(s, first, xinpu, later, SETTINGS))
    on_reports = [sql for sql in read if "FROM disaster_reports" in sql]
    assert on_reports and all("disaster_reports.locality_id =" in sql for sql in on_reports)
    with factory() as session:
        status = queries.town_status(session, first, xinpu, later, SETTINGS)
        every = queries.reporting_status(session, first, later, SETTINGS)
    assert status == next(s for s in every if s.locality_id == xinpu)

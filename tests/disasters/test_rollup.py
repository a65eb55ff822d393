"""The district roll-up (issue 16, item 3): each town's latest report beside the accepted one
before it; the district total as of a time counts, per town, the latest report accepted by
then, of the given stage or an earlier one, and nothing submitted or returned."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from PIL import Image

from registry.disasters import checking, reports, rollup
from registry.kernel import attachments, db
from registry.kernel.attachments import Upload
from registry.kernel.enums import ReportStage, ReportState
from registry.kernel.settings import Settings
from tests.conftest import locality_id
from tests.disasters.rollup_data import OPENED, open_event, report

HOUR = timedelta(hours=1)


def test_each_town_shows_its_latest_report_beside_the_previous_accepted_one(factory, actors):
    event_id = open_event(factory, actors["office"])
    first = report(factory, event_id, "新浦街道", state=ReportState.ACCEPTED, affected_people=100)
    report(
        factory, event_id, "新浦街道", stage=ReportStage.UPDATE, submitted_at=OPENED + 20 * HOUR,
        state=ReportState.RETURNED, affected_people=999,
    )  # fmt: skip
    latest = report(
        factory, event_id, "新浦街道", stage=ReportStage.UPDATE, submitted_at=OPENED + 21 * HOUR,
        affected_people=150,
    )  # fmt: skip
    banpu = report(factory, event_id, "板浦镇", affected_people=7)
    with factory() as session:
        rows = {row.locality: row for row in rollup.town_rows(session, event_id)}
    assert set(rows) == {"新浦街道", "板浦镇", "浦南镇"}
    xinpu = rows["新浦街道"]
    assert xinpu.latest is not None and xinpu.previous is not None
    assert (xinpu.latest.id, xinpu.latest.state) == (latest, ReportState.SUBMITTED)
    assert xinpu.latest.figures["affected_people"] == 150
    assert (xinpu.previous.id, xinpu.previous.figures["affected_people"]) == (first, 100)
    assert rows["板浦镇"].latest.id == banpu and rows["板浦镇"].previous is None
    assert rows["浦南镇"].latest is None and rows["浦南镇"].previous is None


def test_the_district_total_counts_accepted_reports_as_of_a_time(factory, actors):
    event_id = open_event(factory, actors["office"])
    report(
        factory, event_id, "新浦街道", state=ReportState.ACCEPTED, reviewed_at=OPENED + 2 * HOUR,
        affected_people=100, deaths=1, crop_affected_ha=Decimal("12.50"),
        direct_loss=Decimal("30.25"),
    )  # fmt: skip
    report(
        factory, event_id, "新浦街道", stage=ReportStage.UPDATE, submitted_at=OPENED + 20 * HOUR,
        state=ReportState.ACCEPTED, reviewed_at=OPENED + 25 * HOUR, affected_people=180,
        deaths=1, crop_affected_ha=Decimal("20.00"), direct_loss=Decimal("50.00"),
    )  # fmt: skip
    report(
        factory, event_id, "板浦镇", state=ReportState.ACCEPTED, reviewed_at=OPENED + 3 * HOUR,
        affected_people=40, crop_affected_ha=Decimal("0.75"),
    )  # fmt: skip
    report(factory, event_id, "板浦镇", stage=ReportStage.UPDATE, affected_people=5000)
    report(factory, event_id, "浦南镇", state=ReportState.RETURNED, affected_people=77)

    def total(at, stage=None):
        with factory() as session:
            return rollup.district_total(session, event_id, at, stage)

    before = total(OPENED + HOUR)
    assert before.reported == 0 and before.figures["affected_people"] == 0
    morning = total(OPENED + 4 * HOUR)
    assert morning.reported == 2
    assert morning.figures["affected_people"] == 140
    assert morning.figures["crop_affected_ha"] == Decimal("13.25")
    assert morning.figures["direct_loss"] == Decimal("30.25")
    next_day = total(OPENED + 26 * HOUR)
    assert next_day.figures["affected_people"] == 220  # 新浦's 续报 replaces its 初报
    assert next_day.figures["deaths"] == 1
    counted = {town.locality: town.report for town in next_day.towns}
    assert counted["浦南镇"] is None  # returned: not counted
    assert counted["新浦街道"].stage is ReportStage.UPDATE
    initial_only = total(OPENED + 26 * HOUR, ReportStage.INITIAL)
    assert initial_only.figures["affected_people"] == 140
    assert total(OPENED + 26 * HOUR, ReportStage.FINAL).figures == next_day.figures


def test_an_unknown_event_has_no_total_and_no_rows(factory):
    with factory() as session:
        assert rollup.district_total(session, 999, OPENED) is None
        assert rollup.town_rows(session, 999) == []


def test_every_report_waiting_for_the_office_is_listed_oldest_first(factory, actors):
    """Not only each town's latest: an earlier report still submitted is checked first."""
    event_id = open_event(factory, actors["office"])
    early = report(factory, event_id, "新浦街道", affected_people=10)
    banpu = report(factory, event_id, "板浦镇", submitted_at=OPENED + 2 * HOUR)
    report(factory, event_id, "浦南镇", state=ReportState.ACCEPTED)
    later = report(
        factory, event_id, "新浦街道", stage=ReportStage.UPDATE, submitted_at=OPENED + 20 * HOUR,
        affected_people=30,
    )  # fmt: skip
    with factory() as session:
        waiting = rollup.waiting(session, event_id)
    assert [line.id for line in waiting] == [early, banpu, later]
    assert {line.state for line in waiting} == {ReportState.SUBMITTED}


def test_open_events_carry_their_accepted_figures_for_the_overview(factory, actors):
    event_id = open_event(factory, actors["office"])
    report(factory, event_id, "板浦镇", state=ReportState.ACCEPTED, relocated=35, missing=2)
    report(factory, event_id, "新浦街道", relocated=1000)  # not yet accepted
    with factory() as session:
        found = rollup.open_event_figures(session, OPENED + 10 * HOUR)
    assert [(f.event_id, f.title) for f in found] == [(event_id, "7·8 暴雨")]
    assert found[0].total.figures["relocated"] == 35
    assert found[0].total.figures["missing"] == 2


def test_a_report_filed_by_the_town_counts_once_the_office_accepts_it(factory, actors):
    """End to end through the town's own use-case (``reports.file_report``)."""
    settings = Settings()
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, "JPEG")
    photos = attachments.prepare_photos(
        [Upload(f"{i}.jpg", buffer.getvalue()) for i in range(3)], settings
    )
    event_id = open_event(factory, actors["office"])
    filed_at = OPENED + HOUR
    with db.transaction(factory) as session:
        xinpu = locality_id(session, "新浦街道")
        report_id = reports.file_report(
            session, actors["town"], event_id, xinpu, "initial",
            {"affected_people": "320", "relocated": "45", "direct_loss": "12.5"},
            "暴雨致低洼处积水", "转移群众45人", None, photos, filed_at, settings,
        ).id  # fmt: skip
    with factory() as session:
        assert rollup.district_total(session, event_id, filed_at + HOUR).reported == 0
        row = {r.locality: r for r in rollup.town_rows(session, event_id)}["新浦街道"]
        assert row.latest.id == report_id and row.latest.state is ReportState.SUBMITTED
    with db.transaction(factory) as session:
        checking.accept_report(
            session, actors["office"], report_id, row.latest.version, filed_at + HOUR
        )
    with factory() as session:
        total = rollup.district_total(session, event_id, filed_at + HOUR)
    assert total.reported == 1
    assert (total.figures["affected_people"], total.figures["relocated"]) == (320, 45)
    assert total.figures["direct_loss"] == Decimal("12.50")

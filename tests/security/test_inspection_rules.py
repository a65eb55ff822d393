"""A finding's risk level and deadline follow the core's rules, and an inspection counts only
in a campaign whose scope holds its target (issue 12, item 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.fieldwork import campaigns
from registry.kernel import db, deadlines
from registry.kernel.enums import RecordStatus, RiskLevel
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import Checkpoint, Inspection, Locality, Rectification
from tests.conftest import TODAY, sign_in
from tests.fieldwork.test_rectifications import SETTINGS, checkpoint, inspect
from tests.helpers import locality
from tests.security.test_stale_forms import load


def rects_of(session, inspection) -> list[Rectification]:
    return list(
        session.scalars(select(Rectification).where(Rectification.inspection_id == inspection.id))
    )


@pytest.fixture
def major(factory, actors):
    with db.transaction(factory) as session:
        return checkpoint(session, actors["office"], risk="major").id


def test_town_official_cannot_rate_a_major_hazards_finding_low(factory, actors, major):
    with pytest.raises(PermissionDenied, match="risk_level"), db.transaction(factory) as session:
        inspect(session, actors["town"], major, risk_level="low")
    with factory() as session:
        assert session.scalar(select(Rectification)) is None
        assert session.scalar(select(Inspection)) is None


def test_a_finding_takes_the_checkpoints_level_when_none_is_given(factory, actors, major):
    with db.transaction(factory) as session:
        rects = rects_of(session, inspect(session, actors["town"], major))
    assert {r.risk_level for r in rects} == {RiskLevel.MAJOR}


def test_the_office_may_lower_and_anyone_may_raise_a_findings_level(factory, actors, major):
    with db.transaction(factory) as session:
        general = checkpoint(session, actors["office"], risk="general").id
        lowered = rects_of(session, inspect(session, actors["office"], major, risk_level="low"))
        raised = rects_of(session, inspect(session, actors["town"], general, risk_level="major"))
    assert {r.risk_level for r in lowered} == {RiskLevel.LOW}
    assert {r.risk_level for r in raised} == {RiskLevel.MAJOR}


def test_town_official_cannot_set_a_deadline_beyond_the_rule(factory, actors, major):
    ten_years = TODAY + timedelta(days=3650)
    with pytest.raises(PermissionDenied, match="deadline"), db.transaction(factory) as session:
        inspect(session, actors["town"], major, deadline=ten_years)
    rule = deadlines.rectification_deadline(TODAY, RiskLevel.MAJOR, SETTINGS)
    with db.transaction(factory) as session:  # earlier than the rule is stricter: allowed
        sooner = rects_of(session, inspect(session, actors["town"], major, deadline=TODAY))
        at_rule = rects_of(session, inspect(session, actors["town"], major, deadline=rule))
        extended = rects_of(session, inspect(session, actors["office"], major, deadline=ten_years))
    assert {r.deadline for r in sooner} == {TODAY}
    assert {r.deadline for r in at_rule} == {rule}
    assert {r.deadline for r in extended} == {ten_years}


def test_an_inspection_is_not_counted_in_a_campaign_that_does_not_cover_it(factory, actors):
    with db.transaction(factory) as session:
        banpu_only = campaigns.create_campaign(
            session,
            actors["office"],
            {
                "name": "板浦汛前排查",
                "starts_on": TODAY - timedelta(days=10),
                "ends_on": TODAY + timedelta(days=10),
                "target_kinds": ["checkpoint"],
                "locality_ids": [locality(session, "板浦镇").id],
            },
        ).id
        xinpu = checkpoint(session, actors["office"]).id
    with (
        pytest.raises(ValidationError, match="campaign") as refused,
        db.transaction(factory) as session,
    ):
        inspect(session, actors["town"], xinpu, campaign_id=banpu_only)
    assert refused.value.field == "campaign"
    with factory() as session:
        assert session.scalar(select(Inspection)) is None


def test_inspection_form_offers_a_town_official_no_lower_level_and_no_later_deadline(app, demo_url):
    engine = db.make_engine(demo_url)
    with engine.connect() as connection:
        major_id = connection.execute(
            select(Checkpoint.id)
            .join(Locality, Locality.id == Checkpoint.locality_id)
            .where(
                Locality.name == "新浦街道",
                Checkpoint.risk_level == RiskLevel.MAJOR,
                Checkpoint.status == RecordStatus.ACTIVE,
            )
        ).scalar()
    engine.dispose()
    sign_in(app, "xinpu")
    app.switch_page("app_pages/inspections.py").run()
    app.selectbox(key="insp.target").set_value(major_id).run()
    app.radio(key="insp.result").set_value(app.radio(key="insp.result").options[1]).run()
    assert app.selectbox(key=f"insp.risk.{major_id}").options == ["重大（红）"]
    deadline = app.date_input(key="insp.deadline.major")
    assert deadline.max == deadline.value  # the rule's deadline is the latest on offer
    assert load(demo_url, Checkpoint, major_id).risk_level is RiskLevel.MAJOR

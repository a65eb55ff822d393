"""Campaigns (专项检查): validation and permissions, scope, target statuses, coverage, progress
and attribution of new inspections, on SQLite and PostgreSQL."""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.fieldwork import campaigns
from registry.kernel import db
from registry.kernel.enums import CampaignTargetStatus as S
from registry.kernel.enums import InspectionTarget, RectificationStatus
from registry.kernel.errors import PermissionDenied, StaleRecord, ValidationError
from registry.kernel.models import (
    AuditEvent,
    Campaign,
    Checkpoint,
    Depot,
    Inspection,
    Rectification,
)
from registry.records import commands as records
from tests.helpers import BANPU_POINT, XINPU_POINT, depot, locality

START, END = date(2026, 4, 1), date(2026, 5, 15)
FLOOD = {
    "name": "2026年汛前隐患排查",
    "starts_on": START,
    "ends_on": END,
    "target_kinds": ["checkpoint", "depot", "team"],
}


def count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def new_campaign(factory, actor, **changes) -> Campaign:
    with db.transaction(factory) as session:
        return campaigns.create_campaign(session, actor, {**FLOOD, **changes})


def checkpoint(session, actor, name, *, kind="waterlogging", place="新浦街道", risk="general"):
    point = XINPU_POINT if place == "新浦街道" else BANPU_POINT
    return records.create_checkpoint(
        session,
        actor,
        {
            "name": name,
            "type": kind,
            "risk_level": risk,
            "locality_id": locality(session, place).id,
            "lon": point[0],
            "lat": point[1],
        },
    )


def team(session, actor, name, place="新浦街道"):
    return records.create_team(
        session,
        actor,
        {
            "name": name,
            "kind": "comprehensive",
            "staffing": "part_time",
            "locality_id": locality(session, place).id,
            "target_headcount": 20,
        },
    )


def inspect(session, record, day, campaign, *, result="passed", rect=None, inspector="张三"):
    """An inspection (and optionally its rectification) written by hand."""
    kind = {Checkpoint: "checkpoint", Depot: "depot"}.get(type(record), "team")
    inspection = Inspection(
        campaign_id=campaign.id if campaign else None,
        target_kind=kind,
        **{f"{kind}_id": record.id},
        locality_id=record.locality_id,
        inspected_on=day,
        inspector=inspector,
        result="findings" if rect else result,
        findings="问题" if rect else None,
    )
    session.add(inspection)
    session.flush()
    if rect:
        session.add(
            Rectification(
                inspection_id=inspection.id,
                **{f"{kind}_id": record.id},
                locality_id=record.locality_id,
                description="问题",
                risk_level="general",
                status=rect,
                found_on=day,
                deadline=day + timedelta(days=30),
            )
        )
        session.flush()
    return inspection


def by_name(rows):
    return {row["name"]: row for row in rows}


# --- writing -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "admin"])
def test_office_and_admin_create_a_campaign_and_it_is_audited(factory, actors, who):
    with db.transaction(factory) as session:
        places = [locality(session, "板浦镇").id, locality(session, "新浦街道").id]
        created = campaigns.create_campaign(
            session,
            actors[who],
            {
                **FLOOD,
                "name": "  汛前隐患排查  ",
                "target_kinds": ["team", "checkpoint", "team"],
                "checkpoint_types": ["dike", "waterlogging"],
                "locality_ids": [str(places[0]), places[1]],
                "description": "区防指统一部署",
            },
        )
    with factory() as session:
        saved = session.get(Campaign, created.id)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "campaign-created")
        ).one()
    assert saved.name == "汛前隐患排查"
    assert saved.target_kinds == "checkpoint,team"  # enum order, no repeats
    assert saved.checkpoint_types == "waterlogging,dike"
    assert saved.locality_ids == ",".join(str(i) for i in sorted(places))
    assert saved.created_by == actors[who].user_id
    assert (event.entity, event.entity_id, event.actor_name) == (
        "campaign",
        saved.id,
        f"test-{who}",
    )
    assert json.loads(event.after)["name"] == "汛前隐患排查"


@pytest.mark.parametrize("who", ["town", "leader"])
def test_town_officials_and_leaders_may_not_manage_campaigns(factory, actors, who):
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        campaigns.create_campaign(session, actors[who], FLOOD)
    assert count(factory, Campaign) == 0
    created = new_campaign(factory, actors["office"])
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        campaigns.update_campaign(session, actors[who], created.id, created.version, {"name": "x"})
    with factory() as session:
        assert session.get(Campaign, created.id).name == FLOOD["name"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 129}, "name"),
        ({"starts_on": None}, "starts_on"),
        ({"starts_on": "1 April"}, "starts_on"),
        ({"ends_on": date(2026, 3, 31)}, "ends_on"),
        ({"target_kinds": []}, "target_kinds"),
        ({"target_kinds": ["depot", "vehicle"]}, "target_kinds"),
        ({"checkpoint_types": ["volcano"]}, "checkpoint_types"),
        ({"locality_ids": [9999]}, "locality_ids"),
        ({"locality_ids": ["abc"]}, "locality_ids"),
        ({"description": "x" * 2001}, "description"),
    ],
)
def test_invalid_campaign_fields_are_named_and_nothing_is_written(factory, actors, changes, field):
    with pytest.raises(ValidationError) as error, db.transaction(factory) as session:
        campaigns.create_campaign(session, actors["office"], {**FLOOD, **changes})
    assert error.value.field == field
    assert count(factory, Campaign) == 0
    with factory() as session:
        events = select(func.count()).where(AuditEvent.entity == "campaign")
        assert session.scalar(events.select_from(AuditEvent)) == 0


def test_a_one_day_campaign_is_allowed_and_names_are_unique(factory, actors):
    new_campaign(factory, actors["office"], starts_on=START, ends_on=START)
    with pytest.raises(ValidationError) as error, db.transaction(factory) as session:
        campaigns.create_campaign(session, actors["office"], {**FLOOD, "ends_on": END})
    assert error.value.field == "name"
    assert count(factory, Campaign) == 1


def test_checkpoint_types_only_narrow_checkpoints(factory, actors):
    created = new_campaign(
        factory, actors["office"], target_kinds=["depot"], checkpoint_types=["dike"]
    )
    assert created.checkpoint_types is None


def test_update_checks_the_version_and_is_audited(factory, actors):
    created = new_campaign(factory, actors["office"])
    read = created.version
    with db.transaction(factory) as session:
        campaigns.update_campaign(
            session, actors["admin"], created.id, read, {"ends_on": date(2026, 5, 31)}
        )
    with pytest.raises(StaleRecord) as refused, db.transaction(factory) as session:
        campaigns.update_campaign(session, actors["office"], created.id, read, {"name": "改名"})
    assert refused.value.changes["ends_on"] == ("2026-05-15", "2026-05-31")
    with factory() as session:
        saved = session.get(Campaign, created.id)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "campaign-updated")
        ).one()
    assert (saved.name, saved.ends_on, saved.version) == (
        FLOOD["name"],
        date(2026, 5, 31),
        read + 1,
    )
    assert json.loads(event.before)["ends_on"] == "2026-05-15"
    assert json.loads(event.after)["ends_on"] == "2026-05-31"


def test_update_keeps_its_own_name_but_not_another_campaigns(factory, actors):
    first = new_campaign(factory, actors["office"])
    second = new_campaign(factory, actors["office"], name="第二次")
    with db.transaction(factory) as session:  # a partial edit keeps the rest, name included
        campaigns.update_campaign(
            session, actors["office"], first.id, first.version, {"description": "补充"}
        )
    with pytest.raises(ValidationError) as error, db.transaction(factory) as session:
        campaigns.update_campaign(
            session, actors["office"], second.id, second.version, {"name": FLOOD["name"]}
        )
    assert error.value.field == "name"


def test_the_window_cannot_shrink_past_its_inspections(factory, actors):
    created = new_campaign(factory, actors["office"])
    with db.transaction(factory) as session:
        point = checkpoint(session, actors["town"], "易涝点")
        inspect(session, point, date(2026, 4, 10), created)
    for changes, field in (
        ({"starts_on": date(2026, 4, 11)}, "starts_on"),
        ({"ends_on": date(2026, 4, 9)}, "ends_on"),
    ):
        with pytest.raises(ValidationError) as error, db.transaction(factory) as session:
            campaigns.update_campaign(session, actors["office"], created.id, 1, changes)
        assert error.value.field == field
    with db.transaction(factory) as session:
        campaigns.update_campaign(
            session, actors["office"], created.id, 1, {"starts_on": date(2026, 4, 10)}
        )


# --- phase and attribution ---------------------------------------------------------------


def test_phase_follows_the_window_both_ends_included(factory, actors):
    created = new_campaign(factory, actors["office"])
    assert campaigns.phase(created, START - timedelta(days=1)) == "upcoming"
    assert campaigns.phase(created, START) == "running"
    assert campaigns.phase(created, END) == "running"
    assert campaigns.phase(created, END + timedelta(days=1)) == "ended"


def test_matching_campaign_by_window_and_scope_preferring_the_latest_start(factory, actors):
    office = actors["office"]
    with db.transaction(factory) as session:
        xinpu, banpu = locality(session, "新浦街道").id, locality(session, "板浦镇").id
    everything = new_campaign(factory, office, name="全面排查")
    dikes = new_campaign(
        factory,
        office,
        name="堤防专查",
        starts_on=date(2026, 4, 20),
        ends_on=date(2026, 4, 30),
        target_kinds=["checkpoint"],
        checkpoint_types=["dike"],
        locality_ids=[xinpu],
    )
    same_start = new_campaign(
        factory, office, name="同日开始的队伍检查", starts_on=START, target_kinds=["team"]
    )
    with factory() as session:

        def match(kind, place, kind_of_checkpoint, day):
            found = campaigns.matching_campaign(session, kind, place, kind_of_checkpoint, day)
            return found.id if found else None

        assert match("checkpoint", xinpu, "dike", date(2026, 4, 25)) == dikes.id
        assert match("checkpoint", banpu, "dike", date(2026, 4, 25)) == everything.id
        assert match(InspectionTarget.CHECKPOINT, xinpu, "waterlogging", date(2026, 4, 25)) == (
            everything.id
        )
        assert match("checkpoint", xinpu, "dike", date(2026, 5, 1)) == everything.id
        assert match("depot", xinpu, None, date(2026, 4, 25)) == everything.id
        assert match("team", xinpu, None, START) == same_start.id  # same start: created last
        assert match("checkpoint", xinpu, "dike", START - timedelta(days=1)) is None
        assert match("checkpoint", xinpu, "dike", END + timedelta(days=1)) is None


# --- targets and statuses ----------------------------------------------------------------


@pytest.fixture
def world(factory, actors):
    """新浦: a depot, a team, waterlogging points (two retired), a dike; 板浦: a depot and a
    waterlogging point. Names say what happens to each in the flood campaign."""
    town, office = actors["town"], actors["office"]
    with db.transaction(factory) as session:
        made = {
            "depot": depot(session, town, "新浦库"),
            "team": team(session, town, "新浦队"),
            "banpu-depot": depot(session, office, "板浦库", place="板浦镇", point=BANPU_POINT),
            "banpu-point": checkpoint(session, office, "板浦易涝点", place="板浦镇"),
            "dike": checkpoint(session, town, "新浦堤防", kind="dike", risk="major"),
        }
        for name in ("未检查", "合格", "整改中", "已销号", "复查后合格", "未登记整改", "别处检查"):
            made[name] = checkpoint(session, town, name)
        for name in ("撤销未检查", "撤销已检查"):
            made[name] = checkpoint(session, town, name)
    flood = new_campaign(factory, office)
    other = new_campaign(factory, office, name="别的检查")
    with db.transaction(factory) as session:
        day = date(2026, 4, 10)
        inspect(session, made["合格"], day, flood)
        inspect(session, made["合格"], date(2026, 4, 20), flood, inspector="李四")
        inspect(session, made["整改中"], day, flood, rect=RectificationStatus.RECTIFYING)
        inspect(session, made["已销号"], day, flood, rect=RectificationStatus.CLOSED)
        inspect(session, made["复查后合格"], day, flood, rect=RectificationStatus.CLOSED)
        inspect(session, made["复查后合格"], date(2026, 4, 12), flood)
        inspect(session, made["未登记整改"], day, flood, result="findings")
        inspect(session, made["别处检查"], day, other)
        inspect(session, made["别处检查"], day, None)
        inspect(session, made["撤销已检查"], day, flood, rect=RectificationStatus.REGISTERED)
        inspect(session, made["depot"], date(2026, 4, 2), flood)
        inspect(session, made["banpu-point"], date(2026, 4, 2), flood)
        for name in ("撤销未检查", "撤销已检查"):
            record = session.get(Checkpoint, made[name].id)
            records.retire_checkpoint(session, town, record.id, record.version)
    return {"records": made, "flood": flood, "other": other}


def test_each_target_gets_its_status(factory, world):
    with factory() as session:
        rows = by_name(campaigns.campaign_targets(session, world["flood"].id))
    assert {name: row["status"] for name, row in rows.items()} == {
        "新浦库": S.PASSED,
        "新浦队": S.NOT_INSPECTED,
        "板浦库": S.NOT_INSPECTED,
        "板浦易涝点": S.PASSED,
        "新浦堤防": S.NOT_INSPECTED,
        "未检查": S.NOT_INSPECTED,
        "合格": S.PASSED,
        "整改中": S.OPEN_FINDINGS,
        "已销号": S.FINDINGS_CLOSED,
        "复查后合格": S.FINDINGS_CLOSED,  # there were findings, and they are closed
        "未登记整改": S.OPEN_FINDINGS,  # a finding nobody registered is not closed
        "别处检查": S.NOT_INSPECTED,  # inspected, but not under this campaign
        "撤销已检查": S.OPEN_FINDINGS,  # retired since, kept: history does not vanish
    }  # "撤销未检查" is retired and was never inspected: no longer a target
    assert rows["合格"]["last_inspected_on"] == date(2026, 4, 20)
    assert rows["合格"]["inspector"] == "李四"
    assert rows["未检查"]["last_inspected_on"] is rows["未检查"]["inspector"] is None
    assert rows["撤销已检查"]["retired"] and not rows["合格"]["retired"]
    dike = rows["新浦堤防"]
    assert (dike["kind"], dike["checkpoint_type"], dike["risk_level"]) == (
        InspectionTarget.CHECKPOINT,
        "dike",
        "major",
    )
    assert (rows["新浦队"]["checkpoint_type"], rows["新浦队"]["locality"]) == (None, "新浦街道")


def test_scope_by_kind_checkpoint_type_and_locality(factory, actors, world):
    def targets_when(**changes) -> set[str]:
        with db.transaction(factory) as session:
            campaign = session.get(Campaign, world["flood"].id)
            campaigns.update_campaign(
                session, actors["office"], campaign.id, campaign.version, changes
            )
            return set(by_name(campaigns.campaign_targets(session, campaign.id)))

    with factory() as session:
        banpu = locality(session, "板浦镇").id
    inspected_waterlogging = {"合格", "整改中", "已销号", "复查后合格", "未登记整改", "撤销已检查"}
    assert targets_when(target_kinds=["depot"]) == {
        "新浦库",
        "板浦库",
        "板浦易涝点",  # inspected under the campaign: it stays a target
        *inspected_waterlogging,
    }
    dikes = targets_when(target_kinds=["checkpoint"], checkpoint_types=["dike"])
    assert dikes == {"新浦堤防", "新浦库", "板浦易涝点", *inspected_waterlogging}
    in_banpu = targets_when(
        target_kinds=["checkpoint", "depot", "team"], checkpoint_types=[], locality_ids=[banpu]
    )
    assert in_banpu == {"板浦库", "板浦易涝点", "新浦库", *inspected_waterlogging}


def test_coverage_per_locality_and_for_the_district(factory, world):
    with factory() as session:
        xinpu, banpu = locality(session, "新浦街道").id, locality(session, "板浦镇").id
        cover = campaigns.coverage(session, world["flood"].id)
        listed = {c["id"]: c for c in campaigns.list_campaigns(session, date(2026, 4, 25))}
    # 新浦: 新浦库 新浦队 新浦堤防 + 7 active waterlogging points + 撤销已检查 = 11 targets;
    # inspected: 新浦库 合格 整改中 已销号 复查后合格 未登记整改 撤销已检查 = 7; open 3.
    # 板浦: 板浦库, 板浦易涝点 (inspected) = 2 targets, 1 inspected.
    rows = {row["locality_id"]: row for row in cover["localities"]}
    assert set(rows) == {xinpu, banpu}
    assert {k: rows[xinpu][k] for k in ("targets", "inspected", "not_inspected")} == {
        "targets": 11,
        "inspected": 7,
        "not_inspected": 4,
    }
    assert rows[xinpu]["share"] == pytest.approx(7 / 11)
    assert rows[xinpu]["open_findings"] == 3
    assert (rows[banpu]["targets"], rows[banpu]["inspected"], rows[banpu]["share"]) == (2, 1, 0.5)
    assert [r["locality_id"] for r in cover["localities"]] == [banpu, xinpu]  # worst first
    district = cover["district"]
    assert (district["targets"], district["inspected"], district["open_findings"]) == (13, 8, 3)
    assert district["share"] == pytest.approx(8 / 13)
    flood = listed[world["flood"].id]
    assert (flood["targets"], flood["inspected"], flood["phase"]) == (13, 8, "running")
    assert flood["share"] == pytest.approx(district["share"])
    other = listed[world["other"].id]
    assert (other["targets"], other["inspected"]) == (12, 1)  # the retired one is not its target
    with factory() as session:  # the two ways of counting agree
        rows = campaigns.campaign_targets(session, world["flood"].id)
    assert len(rows) == district["targets"]
    assert sum(r["status"] is not S.NOT_INSPECTED for r in rows) == district["inspected"]


def test_list_is_newest_first_with_phase(factory, actors):
    office = actors["office"]
    new_campaign(
        factory, office, name="去年", starts_on=date(2025, 4, 1), ends_on=date(2025, 5, 15)
    )
    new_campaign(factory, office)
    new_campaign(
        factory, office, name="冬季", starts_on=date(2026, 11, 15), ends_on=date(2027, 1, 31)
    )
    with factory() as session:
        listed = campaigns.list_campaigns(session, date(2026, 5, 1))
    assert [(c["name"], c["phase"]) for c in listed] == [
        ("冬季", "upcoming"),
        (FLOOD["name"], "running"),
        ("去年", "ended"),
    ]
    assert listed[0]["share"] is None  # nothing to inspect yet: no share, not 0 %
    assert listed[1]["target_kinds"] == list(InspectionTarget)


def test_reading_an_unknown_campaign_is_refused(factory):
    with factory() as session, pytest.raises(ValidationError) as error:
        campaigns.coverage(session, 999)
    assert error.value.field == "campaign_id"


def test_progress_day_by_day_with_frozen_dates(factory, world):
    flood = world["flood"]
    with factory() as session:
        assert campaigns.progress(session, flood.id, START - timedelta(days=1)) == []
        first_days = campaigns.progress(session, flood.id, date(2026, 4, 10))
        whole = campaigns.progress(session, flood.id, date(2026, 11, 25))
    window = (END - START).days + 1
    assert [row["day"] for row in first_days] == [START + timedelta(days=i) for i in range(10)]
    assert [row["inspected"] for row in first_days] == [0, 2, 2, 2, 2, 2, 2, 2, 2, 8]
    assert first_days[0]["even_pace"] == pytest.approx(13 / window)
    assert first_days[9]["even_pace"] == pytest.approx(13 * 10 / window)
    assert len(whole) == window and whole[-1]["day"] == END  # stops at the end
    assert whole[-1]["inspected"] == 8  # later visits to the same target do not count twice
    assert whole[-1]["even_pace"] == pytest.approx(13)

"""Inspections and the rectification loop: every step allowed and refused, deadlines by risk
level, the major-hazard plan and sign-off, photos, permissions and the audit trail."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from registry.fieldwork import inspections, rectifications
from registry.fieldwork import queries as field_queries
from registry.kernel import attachments, db
from registry.kernel.attachments import Upload
from registry.kernel.enums import InspectionTarget
from registry.kernel.enums import RectificationStatus as S
from registry.kernel.errors import PermissionDenied, StaleRecord, ValidationError
from registry.kernel.models import (
    Attachment,
    AuditEvent,
    Inspection,
    Rectification,
    RectificationStep,
)
from registry.kernel.settings import Settings
from registry.records.commands import create_checkpoint
from tests.conftest import TODAY
from tests.helpers import BANPU_POINT, XINPU_POINT, depot, locality

SETTINGS = Settings()


def jpeg(width=640, height=480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 40)).save(out, "JPEG")
    return out.getvalue()


def checkpoint(session, actor, risk="general", place="新浦街道", point=XINPU_POINT):
    return create_checkpoint(
        session,
        actor,
        {
            "name": f"测试{risk}隐患点",
            "type": "waterlogging",
            "risk_level": risk,
            "locality_id": locality(session, place).id,
            "lon": point[0],
            "lat": point[1],
            "responsible_person": "李责任",
        },
    )


def inspect(session, actor, target_id, /, kind="checkpoint", **extra):
    data = {
        "target_kind": kind,
        "target_id": target_id,
        "inspected_on": TODAY,
        "result": "findings",
        "findings": "雨水口堵塞\n警示标志缺失",
        **extra,
    }
    photos = extra.pop("photos", [])
    return inspections.record_inspection(
        session, actor, data, photos, settings=SETTINGS, today=TODAY
    )


def first_rect(session, inspection) -> Rectification:
    return session.scalar(select(Rectification).where(Rectification.inspection_id == inspection.id))


def count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def site(factory, actors):
    """A general and a major checkpoint in 新浦街道 and one in 板浦镇."""
    with db.transaction(factory) as session:
        office = actors["office"]
        return {
            "general": checkpoint(session, office).id,
            "major": checkpoint(session, office, "major").id,
            "banpu": checkpoint(session, office, place="板浦镇", point=BANPU_POINT).id,
        }


def test_each_finding_line_opens_a_rectification_with_the_risk_deadline(factory, actors, site):
    with db.transaction(factory) as session:
        inspection = inspect(session, actors["town"], site["general"])
        rects = session.scalars(
            select(Rectification).where(Rectification.inspection_id == inspection.id)
        ).all()
        assert [r.description for r in rects] == ["雨水口堵塞", "警示标志缺失"]
        assert {r.status for r in rects} == {S.REGISTERED}
        assert {r.deadline for r in rects} == {TODAY + timedelta(days=7)}
        assert {r.responsible_person for r in rects} == {"李责任"}
        assert all(len(r.steps) == 1 and r.steps[0].action == "register" for r in rects)


@pytest.mark.parametrize(
    ("risk", "days"), [("major", 30), ("significant", 15), ("general", 7), ("low", 7)]
)
def test_default_deadline_follows_the_risk_level_setting(factory, actors, risk, days):
    with db.transaction(factory) as session:
        cp = checkpoint(session, actors["office"], risk)
        inspection = inspect(session, actors["office"], cp.id, findings="一处问题")
        rect = session.scalar(
            select(Rectification).where(Rectification.inspection_id == inspection.id)
        )
        assert rect.deadline == TODAY + timedelta(days=days)


def test_settings_change_the_default_deadline(factory, actors, site):
    with db.transaction(factory) as session:
        inspection = inspections.record_inspection(
            session,
            actors["office"],
            {"target_kind": "checkpoint", "target_id": site["general"], "result": "findings",
             "findings": "一处问题"},
            settings=Settings(rectification_days_general=3),
            today=TODAY,
        )  # fmt: skip
        rect = session.scalar(
            select(Rectification).where(Rectification.inspection_id == inspection.id)
        )
        assert rect.deadline == TODAY + timedelta(days=3)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"result": "findings", "findings": "  \n "}, "findings"),
        ({"result": "passed", "findings": "有问题"}, "findings"),
        ({"result": "maybe"}, "result"),
        ({"inspected_on": TODAY + timedelta(days=1)}, "inspected_on"),
        ({"lon": 118.0, "lat": 30.0}, "location"),
        ({"target_id": 999999}, "target"),
        ({"target_kind": "bridge"}, "target_kind"),
        ({"deadline": TODAY - timedelta(days=1)}, "deadline"),
    ],
)
def test_bad_inspections_are_refused_naming_the_field_and_nothing_is_written(
    factory, actors, site, change, field
):
    before = (count(factory, Inspection), count(factory, Rectification), count(factory, AuditEvent))
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        inspect(session, actors["office"], site["general"], **change)
    assert refused.value.field == field
    after = (count(factory, Inspection), count(factory, Rectification), count(factory, AuditEvent))
    assert after == before


def test_a_depot_finding_needs_a_risk_level(factory, actors):
    with db.transaction(factory) as session:
        target = depot(session, actors["office"]).id
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        inspect(session, actors["town"], target, kind="depot", findings="台账与实物不符")
    assert refused.value.field == "risk_level"
    with db.transaction(factory) as session:
        inspect(
            session, actors["town"], target, kind="depot", findings="台账不符", risk_level="low"
        )


def test_town_officials_inspect_only_their_own_locality(factory, actors, site):
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        inspect(session, actors["town"], site["banpu"])
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        inspect(session, actors["leader"], site["general"])
    with db.transaction(factory) as session:
        district = depot(session, actors["office"], "区级库", level="district").id
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        inspect(session, actors["town"], district, kind="depot", risk_level="low")
    assert count(factory, Inspection) == 0


def test_photos_are_checked_reencoded_stored_and_listed(factory, actors, site):
    photo = attachments.prepare_photos([Upload("现场.PNG", jpeg(3000, 2000))], SETTINGS)
    with db.transaction(factory) as session:
        inspection = inspect(session, actors["town"], site["general"], photos=photo)
    with factory() as session:
        listed = attachments.listing(session, "inspection", [inspection.id])[inspection.id]
        assert [p["filename"] for p in listed] == ["现场.jpg"]
        stored = attachments.content(session, listed[0]["id"])
        assert stored.content_type == "image/jpeg"
        assert max(Image.open(io.BytesIO(stored.data)).size) == attachments.PHOTO_LONG_SIDE


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (Upload("big.jpg", b"\xff\xd8" + b"0" * (2 * 1024 * 1024)), "limit is 1 MB"),
        (Upload("fake.jpg", b"%PDF-1.4 not a photo"), "not a readable photo"),
        (Upload("empty.jpg", b""), "empty"),
    ],
)
def test_photo_limits(upload, message):
    with pytest.raises(ValidationError, match=message) as refused:
        attachments.prepare_photo(upload, Settings(photo_max_mb=1))
    assert refused.value.field == "photos"


def test_a_gif_is_refused_by_its_content_whatever_its_name():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(ValidationError, match="GIF"):
        attachments.prepare_photo(Upload("photo.jpg", out.getvalue()), SETTINGS)


def test_too_many_photos_at_once_are_refused():
    uploads = [Upload(f"{i}.jpg", jpeg(20, 20)) for i in range(3)]
    with pytest.raises(ValidationError, match="at most 2"):
        attachments.prepare_photos(uploads, Settings(photos_per_upload=2))


def open_rect(factory, actor, target_id, **extra) -> int:
    with db.transaction(factory) as session:
        inspection = inspect(session, actor, target_id, findings="一处问题", **extra)
        return session.scalar(
            select(Rectification.id).where(Rectification.inspection_id == inspection.id)
        )


def version(factory, rect_id) -> int:
    with factory() as session:
        return session.get(Rectification, rect_id).version


def step(factory, actor, rect_id, action, **kwargs):
    functions = {
        "start": rectifications.start,
        "submit": rectifications.submit_for_recheck,
        "close": rectifications.close,
        "send_back": rectifications.send_back,
        "sign_off": rectifications.sign_off,
        "extend": rectifications.extend_deadline,
        "plan": rectifications.update_plan,
    }
    defaults = {
        "start": {"note": "已落实措施"},
        "submit": {"note": "已完成", "evidence": "已清理雨水口"},
        "close": {"note": "复查合格", "today": TODAY},
        "send_back": {"note": "仍有积水"},
        "sign_off": {"note": "同意方案"},
        "extend": {"note": "工程量大", "deadline": TODAY + timedelta(days=60)},
        "plan": {"plan_text": "治理方案", "responsible_person": "李责任"},
    }
    with db.transaction(factory) as session:
        return functions[action](
            session, actor, rect_id, version(factory, rect_id), **{**defaults[action], **kwargs}
        ).status


def test_the_whole_loop_with_a_send_back(factory, actors, site):
    town = actors["town"]
    rect_id = open_rect(factory, town, site["general"])
    assert step(factory, town, rect_id, "start") is S.RECTIFYING
    assert step(factory, town, rect_id, "submit") is S.AWAITING_RECHECK
    assert step(factory, town, rect_id, "send_back") is S.RECTIFYING
    photos = attachments.prepare_photos([Upload("after.jpg", jpeg())], SETTINGS)
    assert step(factory, town, rect_id, "submit", evidence=None, photos=photos) is (
        S.AWAITING_RECHECK
    )
    assert step(factory, town, rect_id, "close") is S.CLOSED
    with factory() as session:
        detail = field_queries.rectification_detail(session, town, rect_id, today=TODAY)
        assert [s["action"] for s in detail["steps"]] == [
            "register", "start", "submit", "send_back", "submit", "close"
        ]  # fmt: skip
        assert [len(s["photos"]) for s in detail["steps"]][4] == 1
        assert all(s["actor"] == "town" for s in detail["steps"])
        assert detail["closed_on"] == TODAY
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "rectification")
        ).all()
        assert actions.count("rectification-send-back") == 1
        assert "rectification-close" in actions


INVALID = {  # status reached by these steps → steps that must be refused there
    (): ("submit", "close", "send_back"),
    ("start",): ("start", "close", "send_back"),
    ("start", "submit"): ("start", "submit"),
    ("start", "submit", "close"): ("start", "submit", "close", "send_back", "plan", "extend"),
}


@pytest.mark.parametrize(("path", "refused"), INVALID.items())
def test_steps_that_do_not_follow_the_status_are_refused(factory, actors, site, path, refused):
    office = actors["office"]
    rect_id = open_rect(factory, office, site["general"])
    for action in path:
        step(factory, office, rect_id, action)
    steps_before = count(factory, RectificationStep)
    for action in refused:
        with pytest.raises(ValidationError) as error:
            step(factory, office, rect_id, action)
        assert error.value.field in ("status", "deadline")
    assert count(factory, RectificationStep) == steps_before


def test_submitting_needs_evidence(factory, actors, site):
    rect_id = open_rect(factory, actors["town"], site["general"])
    step(factory, actors["town"], rect_id, "start")
    with pytest.raises(ValidationError) as refused:
        step(factory, actors["town"], rect_id, "submit", evidence="  ")
    assert refused.value.field == "evidence"


def test_notes_are_required_where_a_reason_matters(factory, actors, site):
    rect_id = open_rect(factory, actors["town"], site["general"])
    step(factory, actors["town"], rect_id, "start")
    step(factory, actors["town"], rect_id, "submit")
    with pytest.raises(ValidationError) as refused:
        step(factory, actors["town"], rect_id, "send_back", note="")
    assert refused.value.field == "note"


def test_a_major_hazard_needs_a_plan_and_the_office_sign_off(factory, actors, site):
    town, office = actors["town"], actors["office"]
    rect_id = open_rect(factory, town, site["major"])
    with factory() as session:
        assert session.get(Rectification, rect_id).deadline == TODAY + timedelta(days=30)
    with pytest.raises(ValidationError) as refused:
        step(factory, town, rect_id, "start")
    assert refused.value.field == "plan_text"
    assert step(factory, town, rect_id, "start", plan_text="五落实治理方案") is S.RECTIFYING
    step(factory, town, rect_id, "submit")
    with pytest.raises(PermissionDenied):
        step(factory, town, rect_id, "close")  # a town official cannot close a major hazard
    with pytest.raises(ValidationError) as refused:
        step(factory, office, rect_id, "close")
    assert refused.value.field == "signed_off_by"
    with pytest.raises(PermissionDenied):
        step(factory, town, rect_id, "sign_off")
    step(factory, office, rect_id, "sign_off")
    assert step(factory, office, rect_id, "close") is S.CLOSED
    with factory() as session:
        rect = session.get(Rectification, rect_id)
        assert rect.signed_off_by == office.user_id and rect.signed_off_at is not None


def test_changing_a_signed_off_plan_withdraws_the_sign_off(factory, actors, site):
    town, office = actors["town"], actors["office"]
    rect_id = open_rect(factory, town, site["major"])
    step(factory, town, rect_id, "start", plan_text="方案一")
    step(factory, office, rect_id, "sign_off")
    step(factory, town, rect_id, "plan", plan_text="方案一（不变）")
    with factory() as session:
        assert session.get(Rectification, rect_id).signed_off_by is None
    with pytest.raises(ValidationError) as refused:
        step(factory, town, rect_id, "plan", plan_text="")
    assert refused.value.field == "plan_text"


def test_sign_off_is_only_for_major_hazards_with_a_plan(factory, actors, site):
    rect_id = open_rect(factory, actors["town"], site["general"])
    with pytest.raises(ValidationError) as refused:
        step(factory, actors["office"], rect_id, "sign_off")
    assert refused.value.field == "risk_level"


def test_only_the_office_extends_a_deadline_and_only_later(factory, actors, site):
    rect_id = open_rect(factory, actors["town"], site["general"])
    with pytest.raises(PermissionDenied):
        step(factory, actors["town"], rect_id, "extend")
    with pytest.raises(ValidationError) as refused:
        step(factory, actors["office"], rect_id, "extend", deadline=TODAY)
    assert refused.value.field == "deadline"
    step(factory, actors["office"], rect_id, "extend")
    with factory() as session:
        assert session.get(Rectification, rect_id).deadline == TODAY + timedelta(days=60)


def test_other_localities_and_leaders_cannot_act(factory, actors, site):
    rect_id = open_rect(factory, actors["office"], site["banpu"])
    for actor in (actors["town"], actors["leader"]):
        with pytest.raises(PermissionDenied):
            step(factory, actor, rect_id, "start")
    with factory() as session:
        rect = session.get(Rectification, rect_id)
        assert rectifications.allowed_actions(session, actors["town"], rect) == []
        assert rectifications.allowed_actions(session, actors["leader"], rect) == []
        assert rectifications.allowed_actions(session, actors["office"], rect) == [
            "start", "plan", "extend"
        ]  # fmt: skip


def test_a_stale_step_is_refused(factory, actors, site):
    rect_id = open_rect(factory, actors["town"], site["general"])
    old = version(factory, rect_id)
    step(factory, actors["office"], rect_id, "extend")
    with pytest.raises(StaleRecord), db.transaction(factory) as session:
        rectifications.start(session, actors["town"], rect_id, old, note="开始")


def test_overdue_lists_put_the_most_overdue_first(factory, actors, site):
    late = open_rect(factory, actors["office"], site["general"])
    later = open_rect(factory, actors["office"], site["banpu"])
    with db.transaction(factory) as session:
        for rect_id, days in ((late, 3), (later, 10)):
            session.get(Rectification, rect_id).deadline = TODAY - timedelta(days=days)
    with factory() as session:
        overdue = field_queries.list_rectifications(
            session,
            actors["office"],
            field_queries.RectificationFilter(overdue_only=True),
            today=TODAY,
        )
        assert [(r["id"], r["days_overdue"]) for r in overdue] == [(later, 10), (late, 3)]
        due_today = field_queries.list_rectifications(
            session,
            actors["office"],
            field_queries.RectificationFilter(),
            today=TODAY - timedelta(days=10),
        )
        assert not any(r["overdue"] for r in due_today if r["id"] == later)


def test_inspection_targets_are_those_the_actor_may_inspect(factory, actors, site):
    with factory() as session:
        town = field_queries.inspection_targets(
            session, actors["town"], InspectionTarget.CHECKPOINT, None
        )
        office = field_queries.inspection_targets(
            session, actors["office"], InspectionTarget.CHECKPOINT, None
        )
    assert {t["id"] for t in town} == {site["general"], site["major"]}
    assert {t["id"] for t in office} == set(site.values())


def test_photos_survive_backup_and_restore(sqlite_url, tmp_path):
    """The SQLite online backup carries the photos (PostgreSQL: pg_dump, see the README)."""
    from registry.kernel.clock import utcnow
    from registry.kernel.permissions import SYSTEM
    from registry.operations import backup
    from tests.conftest import open_reference_db

    factory = open_reference_db(sqlite_url)
    photo = attachments.prepare_photos([Upload("p.jpg", jpeg())], SETTINGS)
    with db.transaction(factory) as session:
        target = checkpoint(session, SYSTEM).id
        inspect(session, SYSTEM, target, photos=photo)
    copy = backup.backup(sqlite_url, tmp_path / "copy.db")
    with db.transaction(factory) as session:
        session.execute(Attachment.__table__.delete())
    backup.restore(sqlite_url, copy, now=utcnow())
    factory.kw["bind"].dispose()
    restored = db.make_engine(sqlite_url)
    with restored.connect() as connection:
        data = connection.execute(select(Attachment.data)).scalar_one()
    restored.dispose()
    assert data == photo[0].data

"""Plan use-cases on both backends: the status flow, refusals that name the field or the
status, permissions by locality, version checks, documents, filing, drills and the register."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from prepare.support import throwaway_database
from registry.accounts.users import create_user
from registry.kernel import attachments, db
from registry.kernel.attachments import Upload
from registry.kernel.enums import AttachmentOwner, PlanStatus, RevisionTrigger, Role
from registry.kernel.errors import PermissionDenied, StaleRecord, ValidationError
from registry.kernel.models import Attachment, AuditEvent, Drill, Plan, PlanRevision
from registry.kernel.permissions import SYSTEM, Actor
from registry.plans import commands as plans
from registry.plans.queries import DISTRICT, overdue_counts, plan_detail, plan_register
from tests.conftest import POSTGRES_URL, TODAY, open_reference_db
from tests.helpers import locality

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ISSUED = date(2024, 3, 1)


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><w:body>预案</w:body></w:document>")
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


def plan_data(session, place: str | None = "新浦街道", **changes) -> dict:
    data = {
        "title": f"{place or '海州区'}突发事件应急预案",
        "locality_id": locality(session, place).id if place else None,
        "department": None if place else "海州区应急管理局",
        "plan_class": "grassroots" if place else "overall",
        "hazards": "洪涝、台风",
        "owner_person": "王明",
        "version_label": "2024年版",
        "issued_on": ISSUED,
    }
    return data | changes


def new_plan(factory, actor, place: str | None = "新浦街道", **changes) -> Plan:
    with db.transaction(factory) as session:
        return plans.create_plan(session, actor, plan_data(session, place, **changes), today=TODAY)


def load(factory, plan_id: int) -> Plan:
    with factory() as session:
        return session.get(Plan, plan_id)


def run(factory, call, *args, **kwargs):
    """One use-case in its own transaction, as a page runs it."""
    with db.transaction(factory) as session:
        return call(session, *args, **kwargs)


def count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def actions_of(factory, plan_id: int) -> list[str]:
    with factory() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity == "plan", AuditEvent.entity_id == plan_id)
                .order_by(AuditEvent.id)
            )
        )


def _open_shared(url: str):
    factory = open_reference_db(url)
    roles = {"admin": Role.ADMIN, "office": Role.OFFICE, "leader": Role.LEADER, "town": Role.TOWN}
    with db.transaction(factory) as session:
        xinpu = [locality(session, "新浦街道").id]
        actors = {
            name: Actor.from_user(
                create_user(
                    session,
                    SYSTEM,
                    username=f"test-{name}",
                    display_name=name,
                    role=role,
                    password="correct-horse-1",
                    locality_ids=xinpu if role is Role.TOWN else [],
                )
            )
            for name, role in roles.items()
        }
    yield factory, actors
    factory.kw["bind"].dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def shared(request, tmp_path_factory):
    """One database (and the same four actors as ``actors``) for the many small parametrised
    cases, each working on a plan of its own and comparing counts before and after: a fresh
    database per case would cost a second or two each."""
    if request.param == "sqlite":
        yield from _open_shared(f"sqlite:///{tmp_path_factory.mktemp('plans') / 'registry.db'}")
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL suite off: set REGISTRY_TEST_POSTGRES_URL (CI does)")
    with throwaway_database(POSTGRES_URL) as url:
        yield from _open_shared(url)


def counts(factory) -> tuple[int, ...]:
    return tuple(count(factory, model) for model in (Plan, PlanRevision, Attachment, Drill))


# --- every action from every status ---------------------------------------------------------


def perform(factory, actor, action: str, plan: Plan, **extra):
    """Run ``action`` on ``plan`` with valid inputs."""
    pid, version = plan.id, plan.version
    calls = {
        "start_evaluation": (plans.start_evaluation, {"note": "已满三年"}),
        "conclude_evaluation": (
            plans.conclude_evaluation,
            {"outcome": "keep", "evaluated_on": TODAY, "note": "继续有效", "today": TODAY},
        ),
        "start_revision": (plans.start_revision, {"trigger": "law_change"}),
        "submit_draft": (
            plans.submit_draft,
            {"version_label": "2026年版", "document": Upload("修订稿.pdf", PDF)},
        ),
        "return_draft": (plans.return_draft, {"note": "需补充职责分工"}),
        "issue": (plans.issue_plan, {"issued_on": TODAY, "today": TODAY}),
        "repeal": (plans.repeal, {"reason": "被新版预案取代"}),
    }
    call, kwargs = calls[action]
    return run(factory, call, actor, pid, version, **(kwargs | extra))


PATH = {  # how to bring a plan in force to each status
    PlanStatus.CURRENT: [],
    PlanStatus.EVALUATING: ["start_evaluation"],
    PlanStatus.REVISING: ["start_revision"],
    PlanStatus.AWAITING_ISSUE: ["start_revision", "submit_draft"],
    PlanStatus.REPEALED: ["repeal"],
}
RESULT = {
    "start_evaluation": PlanStatus.EVALUATING,
    "conclude_evaluation": PlanStatus.CURRENT,
    "start_revision": PlanStatus.REVISING,
    "submit_draft": PlanStatus.AWAITING_ISSUE,
    "return_draft": PlanStatus.REVISING,
    "issue": PlanStatus.CURRENT,
    "repeal": PlanStatus.REPEALED,
}


def plan_in(factory, actor, status: PlanStatus) -> Plan:
    plan = new_plan(factory, actor, title=f"测试预案（{status.value}）")
    for step in PATH[status]:
        perform(factory, actor, step, load(factory, plan.id))
    plan = load(factory, plan.id)
    assert plan.status is status
    return plan


@pytest.mark.parametrize("action", list(plans.TRANSITIONS))
def test_every_action_from_every_status(shared, action):
    factory, actors = shared
    office = actors["office"]
    for status in PlanStatus:
        plan = plan_in(factory, office, status)
        allowed = status in plans.TRANSITIONS[action]
        assert (action in plans.allowed_actions(office, plan)) is allowed, (action, status)
        if allowed:
            perform(factory, office, action, plan)
            after = load(factory, plan.id)
            assert after.status is RESULT[action], (action, status)
            assert after.version == plan.version + 1
            continue
        with pytest.raises(plans.TransitionRefused) as refused:
            perform(factory, office, action, plan)
        message = str(refused.value)
        assert f"plan {plan.id} is" in message and status.value in message, message
        assert action in message
        assert load(factory, plan.id).version == plan.version  # nothing written


def test_repealed_is_final_and_offers_nothing(factory, actors):
    plan = plan_in(factory, actors["office"], PlanStatus.REPEALED)
    assert plans.allowed_actions(actors["office"], plan) == []
    with pytest.raises(plans.TransitionRefused, match="final") as refused:
        run(
            factory,
            plans.update_plan_details,
            actors["office"],
            plan.id,
            plan.version,
            {"title": "新标题"},
        )
    assert (
        refused.value.message("zh")
        == f"预案 {plan.id} 当前为“已废止”，不能修改基本信息：该状态是最终状态"
    )


def test_a_full_revision_cycle(factory, actors):
    office = actors["office"]
    plan = new_plan(factory, office, last_evaluated_on=date(2025, 1, 10))
    perform(factory, office, "start_evaluation", plan)
    perform(
        factory,
        office,
        "conclude_evaluation",
        load(factory, plan.id),
        outcome="revise",
        evaluated_on=date(2026, 11, 20),
        note="风险发生变化，需修订",
    )
    revising = load(factory, plan.id)
    assert revising.status is PlanStatus.REVISING
    assert revising.revision_trigger is RevisionTrigger.EVALUATION
    assert revising.last_evaluated_on == date(2026, 11, 20)
    assert revising.next_evaluation_due == date(2029, 11, 20)
    perform(
        factory,
        office,
        "submit_draft",
        revising,
        version_label="2026年修订版",
        document=Upload("修订稿.docx", docx_bytes()),
    )
    perform(factory, office, "issue", load(factory, plan.id), issued_on=date(2026, 9, 25))
    issued = load(factory, plan.id)
    assert issued.status is PlanStatus.CURRENT
    assert (issued.version_label, issued.issued_on) == ("2026年修订版", date(2026, 9, 25))
    assert issued.filing_due == date(2026, 10, 29)  # 20 working days across the holidays
    assert (issued.filed_on, issued.filing_ref, issued.revision_trigger) == (None, None, None)
    assert issued.last_evaluated_on == date(2026, 11, 20)  # kept
    assert issued.next_evaluation_due == date(2029, 11, 20)
    with factory() as session:
        revisions = list(
            session.scalars(
                select(PlanRevision)
                .where(PlanRevision.plan_id == plan.id)
                .order_by(PlanRevision.id)
            )
        )
        detail = plan_detail(session, actors["leader"], plan.id, today=TODAY)
    assert [(r.version_label, r.issued_on) for r in revisions] == [
        ("2024年版", ISSUED),
        ("2026年修订版", date(2026, 9, 25)),
    ]
    assert revisions[1].trigger is RevisionTrigger.EVALUATION
    assert detail["revisions"][1]["attachments"][0]["filename"] == "修订稿.docx"
    assert detail["revisions"][1]["in_force"] and not detail["revisions"][0]["in_force"]
    assert [h["action"] for h in detail["history"]] == [
        "plan-created",
        "plan-evaluation-started",
        "plan-evaluation-revise",
        "plan-draft-submitted",
        "plan-issued",
    ]
    assert detail["history"][2]["note"] == "风险发生变化，需修订"
    assert detail["history"][2]["actor_name"] == "test-office"
    assert (detail["history"][4]["status_from"], detail["history"][4]["status_to"]) == (
        "awaiting_issue",
        "current",
    )
    assert detail["actions"] == []  # the leader reads only


def test_keeping_a_plan_restarts_its_evaluation_clock(factory, actors):
    office = actors["office"]
    plan = new_plan(factory, office)
    perform(factory, office, "start_evaluation", plan)
    perform(factory, office, "conclude_evaluation", load(factory, plan.id))
    kept = load(factory, plan.id)
    assert (kept.status, kept.last_evaluated_on) == (PlanStatus.CURRENT, TODAY)
    assert kept.next_evaluation_due == date(2029, 11, 25)
    assert kept.status_note == "继续有效"


def test_a_draft_returned_and_resubmitted_needs_a_new_label(factory, actors):
    office = actors["office"]
    plan = plan_in(factory, office, PlanStatus.AWAITING_ISSUE)
    perform(factory, office, "return_draft", plan)
    with pytest.raises(ValidationError) as error:
        perform(factory, office, "submit_draft", load(factory, plan.id))
    assert error.value.field == "version_label"
    perform(factory, office, "submit_draft", load(factory, plan.id), version_label="2026年版二稿")
    assert load(factory, plan.id).status is PlanStatus.AWAITING_ISSUE


def test_a_plan_created_as_a_draft(factory, actors):
    town = actors["town"]
    plan = new_plan(
        factory,
        town,
        status="awaiting_issue",
        version_label="征求意见稿",
        issued_on=None,
        document=Upload("草案.pdf", PDF),
    )
    assert (plan.status, plan.issued_on, plan.filing_due) == (PlanStatus.AWAITING_ISSUE, None, None)
    assert plans.allowed_actions(town, plan) == [
        "return_draft",
        "issue",
        "repeal",
        "add_document",
        "edit",
    ]
    perform(factory, town, "issue", plan, issued_on=date(2026, 11, 2))
    issued = load(factory, plan.id)
    assert (issued.version_label, issued.status) == ("征求意见稿", PlanStatus.CURRENT)
    assert issued.filing_due == date(2026, 11, 30)  # 20 working days, no holiday


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"plan_class": "provincial"}, "plan_class"),
        ({"locality_id": 9999}, "locality_id"),
        ({"locality_id": None, "department": ""}, "department"),
        ({"version_label": ""}, "version_label"),
        ({"issued_on": None}, "issued_on"),
        ({"issued_on": TODAY + timedelta(days=1)}, "issued_on"),
        ({"issued_on": "yesterday"}, "issued_on"),
        ({"filed_on": date(2024, 2, 1), "filing_ref": "苏应急备〔2024〕1号"}, "filed_on"),
        ({"filed_on": date(2024, 3, 20)}, "filing_ref"),
        ({"filing_ref": "苏应急备〔2024〕1号"}, "filed_on"),
        ({"last_evaluated_on": date(2023, 1, 1)}, "last_evaluated_on"),
        ({"crowded_venue": "yes"}, "crowded_venue"),
        ({"status": "repealed"}, "status"),
        ({"status": "awaiting_issue"}, "document"),
        ({"document": Upload("预案.pdf", png_bytes())}, "document"),
        ({"document": Upload("预案.pdf", b"")}, "document"),
    ],
)
def test_invalid_plan_fields_are_named_and_nothing_is_written(shared, changes, field):
    factory, actors = shared
    before = counts(factory)
    with pytest.raises(ValidationError) as error:
        new_plan(factory, actors["office"], **changes)
    assert error.value.field == field
    assert counts(factory) == before


@pytest.mark.parametrize(
    ("status", "action", "changes", "field"),
    [
        (PlanStatus.EVALUATING, "conclude_evaluation", {"note": ""}, "note"),
        (PlanStatus.EVALUATING, "conclude_evaluation", {"outcome": "maybe"}, "outcome"),
        (PlanStatus.EVALUATING, "conclude_evaluation", {"evaluated_on": None}, "evaluated_on"),
        (
            PlanStatus.EVALUATING,
            "conclude_evaluation",
            {"evaluated_on": TODAY + timedelta(days=1)},
            "evaluated_on",
        ),
        (
            PlanStatus.EVALUATING,
            "conclude_evaluation",
            {"evaluated_on": ISSUED - timedelta(days=1)},
            "evaluated_on",
        ),
        (
            PlanStatus.EVALUATING,
            "conclude_evaluation",
            {"outcome": "revise", "trigger": "whim"},
            "trigger",
        ),
        (PlanStatus.CURRENT, "start_revision", {"trigger": None}, "trigger"),
        (PlanStatus.REVISING, "submit_draft", {"document": None}, "document"),
        (PlanStatus.REVISING, "submit_draft", {"version_label": "2024年版"}, "version_label"),
        (
            PlanStatus.REVISING,
            "submit_draft",
            {"document": Upload("稿.pdf", png_bytes())},
            "document",
        ),
        (PlanStatus.AWAITING_ISSUE, "return_draft", {"note": " "}, "note"),
        (
            PlanStatus.AWAITING_ISSUE,
            "issue",
            {"issued_on": ISSUED - timedelta(days=1)},
            "issued_on",
        ),
        (PlanStatus.AWAITING_ISSUE, "issue", {"issued_on": TODAY + timedelta(1)}, "issued_on"),
        (PlanStatus.CURRENT, "repeal", {"reason": None}, "reason"),
    ],
)
def test_transition_inputs_are_checked(shared, status, action, changes, field):
    factory, actors = shared
    plan = plan_in(factory, actors["office"], status)
    before = counts(factory)
    with pytest.raises(ValidationError) as error:
        perform(factory, actors["office"], action, plan, **changes)
    assert error.value.field == field
    after = load(factory, plan.id)
    assert (after.status, after.version) == (status, plan.version)
    assert counts(factory) == before


def test_details_edit_only_descriptive_fields(factory, actors):
    plan = new_plan(factory, actors["office"])
    with pytest.raises(ValidationError) as error:
        run(
            factory,
            plans.update_plan_details,
            actors["office"],
            plan.id,
            plan.version,
            {"status": "repealed"},
        )
    assert error.value.field == "status"
    run(
        factory,
        plans.update_plan_details,
        actors["office"],
        plan.id,
        plan.version,
        {"hazards": "洪涝、台风、地震", "crowded_venue": True},
    )
    edited = load(factory, plan.id)
    assert (edited.hazards, edited.crowded_venue, edited.title) == (
        "洪涝、台风、地震",
        True,
        plan.title,
    )


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "place", "allowed"),
    [
        ("town", "新浦街道", True),
        ("town", "板浦镇", False),
        ("town", None, False),
        ("leader", "新浦街道", False),
        ("leader", None, False),
        ("office", "板浦镇", True),
        ("office", None, True),
        ("admin", None, True),
    ],
)
def test_who_may_register_and_move_a_plan(shared, who, place, allowed):
    factory, actors = shared
    actor = actors[who]
    if not allowed:
        before = counts(factory)
        with pytest.raises(PermissionDenied):
            new_plan(factory, actor, place)
        assert counts(factory) == before
    else:
        new_plan(factory, actor, place)
    plan = new_plan(factory, actors["admin"], place, title="既有预案")
    assert (plans.allowed_actions(actor, plan) != []) is allowed
    if allowed:
        perform(factory, actor, "start_evaluation", plan)
        return
    with pytest.raises(PermissionDenied):
        perform(factory, actor, "start_evaluation", plan)
    with pytest.raises(PermissionDenied):
        run(
            factory,
            plans.record_plan_drill,
            actor,
            plan.id,
            {"held_on": TODAY, "form": "live", "participants": 10, "evaluation": "好"},
            today=TODAY,
        )
    assert load(factory, plan.id).version == plan.version


@pytest.mark.parametrize(
    "changes",
    [
        {"locality_id": "板浦镇"},
        {"locality_id": None, "department": "海州区应急管理局"},
    ],
)
def test_a_town_official_cannot_move_a_plan_out_of_their_locality(factory, actors, changes):
    plan = new_plan(factory, actors["town"])
    with factory() as session:
        if changes["locality_id"]:
            changes = {"locality_id": locality(session, changes["locality_id"]).id}
    with pytest.raises(PermissionDenied):
        run(
            factory,
            plans.update_plan_details,
            actors["town"],
            plan.id,
            plan.version,
            changes,
        )
    assert load(factory, plan.id).locality_id == plan.locality_id


def test_a_stale_version_is_refused(factory, actors):
    plan = new_plan(factory, actors["office"])
    run(
        factory,
        plans.update_plan_details,
        actors["town"],
        plan.id,
        plan.version,
        {"owner_person": "李华"},
    )
    with pytest.raises(StaleRecord) as stale:
        run(
            factory,
            plans.update_plan_details,
            actors["office"],
            plan.id,
            plan.version,
            {"owner_person": "张强"},
        )
    assert stale.value.changes["owner_person"] == ("王明", "李华")
    with pytest.raises(StaleRecord):
        perform(factory, actors["office"], "start_evaluation", plan)  # read before the edit
    assert load(factory, plan.id).status is PlanStatus.CURRENT


# --- documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "stored_as"),
    [
        ("预案.pdf", PDF, ("预案.pdf", "application/pdf")),
        (
            "预案.docx",
            docx_bytes(),
            (
                "预案.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        ),
        ("预案正文", PDF, ("预案正文.pdf", "application/pdf")),  # named by content
    ],
)
def test_documents_are_checked_by_content_and_kept(shared, name, data, stored_as):
    factory, actors = shared
    plan = new_plan(factory, actors["town"], document=Upload(name, data))
    with factory() as session:
        revision = session.scalars(
            select(PlanRevision).where(PlanRevision.plan_id == plan.id)
        ).one()
        [listed] = attachments.listing(session, AttachmentOwner.PLAN_REVISION, [revision.id])[
            revision.id
        ]
        stored = attachments.content(session, listed["id"])
    assert (stored.filename, stored.content_type) == stored_as
    assert stored.data == data
    assert revision.document_name == stored_as[0]


def test_a_document_added_later_goes_to_the_version_in_force_or_the_draft(factory, actors):
    office = actors["office"]
    plan = new_plan(factory, office)
    run(factory, plans.add_revision_document, office, plan.id, Upload("正式文本.pdf", PDF))
    with pytest.raises(ValidationError) as error:
        run(factory, plans.add_revision_document, office, plan.id, Upload("图.pdf", png_bytes()))
    assert error.value.field == "document"
    perform(factory, office, "start_revision", plan)
    perform(factory, office, "submit_draft", load(factory, plan.id))
    run(
        factory, plans.add_revision_document, office, plan.id, Upload("编制说明.docx", docx_bytes())
    )
    with factory() as session:
        detail = plan_detail(session, office, plan.id, today=TODAY)
    files = [[a["filename"] for a in r["attachments"]] for r in detail["revisions"]]
    assert files == [["正式文本.pdf"], ["修订稿.pdf", "编制说明.docx"]]
    assert detail["revisions"][1]["pending"]


# --- filing ---------------------------------------------------------------------------------


def test_filing_is_recorded_once_with_its_reference(factory, actors):
    town = actors["town"]
    plan = new_plan(factory, town)
    assert "record_filing" in plans.allowed_actions(town, plan)
    file_it = {"filed_on": date(2024, 3, 20), "filing_ref": "海应急备〔2024〕3号", "today": TODAY}
    run(factory, plans.record_filing, town, plan.id, plan.version, **file_it)
    filed = load(factory, plan.id)
    assert (filed.filed_on, filed.filing_ref) == (date(2024, 3, 20), "海应急备〔2024〕3号")
    assert "record_filing" not in plans.allowed_actions(town, filed)
    with pytest.raises(ValidationError, match="was filed on 2024-03-20") as error:
        run(factory, plans.record_filing, town, plan.id, filed.version, **file_it)
    assert error.value.field == "filed_on"
    assert actions_of(factory, plan.id)[-1] == "plan-filed"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"filed_on": ISSUED - timedelta(days=1)}, "filed_on"),
        ({"filed_on": TODAY + timedelta(days=1)}, "filed_on"),
        ({"filed_on": None}, "filed_on"),
        ({"filing_ref": ""}, "filing_ref"),
    ],
)
def test_filing_inputs_are_checked(shared, changes, field):
    factory, actors = shared
    plan = new_plan(factory, actors["town"])
    values = {"filed_on": date(2024, 3, 20), "filing_ref": "海应急备〔2024〕3号", "today": TODAY}
    with pytest.raises(ValidationError) as error:
        run(factory, plans.record_filing, actors["town"], plan.id, plan.version, **values | changes)
    assert error.value.field == field
    assert load(factory, plan.id).filed_on is None


def test_no_filing_for_an_unissued_or_repealed_plan(factory, actors):
    office = actors["office"]
    draft = new_plan(
        factory,
        office,
        status="awaiting_issue",
        issued_on=None,
        document=Upload("稿.pdf", PDF),
    )
    values = {"filed_on": TODAY, "filing_ref": "备〔2026〕1号", "today": TODAY}
    with pytest.raises(ValidationError):
        run(factory, plans.record_filing, office, draft.id, draft.version, **values)
    repealed = plan_in(factory, office, PlanStatus.REPEALED)
    with pytest.raises(plans.TransitionRefused):
        run(factory, plans.record_filing, office, repealed.id, repealed.version, **values)


# --- drills ---------------------------------------------------------------------------------


def drill_data(**changes) -> dict:
    data = {
        "held_on": date(2026, 6, 1),
        "form": "tabletop",
        "participants": 35,
        "evaluation": "指挥协调顺畅",
        "problems_found": False,
    }
    return data | changes


def test_a_drill_with_problems_found_moves_the_plan_to_revision(factory, actors):
    town = actors["town"]
    plan = new_plan(factory, town)
    run(factory, plans.record_plan_drill, town, plan.id, drill_data(), today=TODAY)
    assert load(factory, plan.id).status is PlanStatus.CURRENT
    data = drill_data(held_on=date(2026, 11, 1), problems_found=True, evaluation="通讯中断")
    drill = run(factory, plans.record_plan_drill, town, plan.id, data, today=TODAY)
    moved = load(factory, plan.id)
    assert moved.status is PlanStatus.REVISING
    assert moved.revision_trigger is RevisionTrigger.RESPONSE_OR_DRILL
    assert "通讯中断" in moved.status_note
    with factory() as session:
        stored = session.get(Drill, drill.id)
        assert (stored.plan_id, stored.locality_id, stored.team_id) == (
            plan.id,
            plan.locality_id,
            None,
        )
        [row] = [r for r in plan_register(session, town, today=TODAY) if r["id"] == plan.id]
    assert row["last_drill_on"] == date(2026, 11, 1)
    assert actions_of(factory, plan.id)[-1] == "plan-revision-started"
    # in revision already: recorded, no second move
    run(factory, plans.record_plan_drill, town, plan.id, data, today=TODAY)
    assert load(factory, plan.id).version == moved.version


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": None}, "held_on"),
        ({"held_on": TODAY + timedelta(days=1)}, "held_on"),
        ({"held_on": ISSUED - timedelta(days=1)}, "held_on"),
        ({"form": "imaginary"}, "form"),
        ({"participants": 0}, "participants"),
        ({"evaluation": ""}, "evaluation"),
        ({"problems_found": "yes"}, "problems_found"),
    ],
)
def test_drill_inputs_are_checked(shared, changes, field):
    factory, actors = shared
    plan = new_plan(factory, actors["town"])
    before = counts(factory)
    with pytest.raises(ValidationError) as error:
        run(
            factory,
            plans.record_plan_drill,
            actors["town"],
            plan.id,
            drill_data(**changes),
            today=TODAY,
        )
    assert error.value.field == field
    assert counts(factory) == before


# --- the register ---------------------------------------------------------------------------


def test_register_flags_and_filters_with_a_frozen_today(factory, actors):
    office, town = actors["office"], actors["town"]
    fresh = new_plan(factory, office, issued_on=date(2026, 9, 25))  # filing due 10-29
    old = new_plan(factory, office, "板浦镇", issued_on=date(2023, 6, 1))
    crowded = new_plan(
        factory,
        office,
        None,
        title="花果山风景区突发事件应急预案",
        plan_class="unit",
        department="花果山风景区管理处",
        crowded_venue=True,
        issued_on=date(2025, 1, 10),
        filed_on=date(2025, 1, 20),
        filing_ref="海应急备〔2025〕2号",
    )
    for held in (date(2025, 6, 1), date(2025, 12, 1)):
        run(
            factory,
            plans.record_plan_drill,
            office,
            crowded.id,
            drill_data(held_on=held),
            today=TODAY,
        )

    def register(today, **filters):
        with factory() as session:
            return {r["id"]: r for r in plan_register(session, town, today=today, filters=filters)}

    on_the_day = register(date(2026, 10, 29))
    assert not on_the_day[fresh.id]["filing_overdue"]
    assert on_the_day[fresh.id]["filing_due"] == date(2026, 10, 29)
    rows = register(date(2026, 10, 30))
    assert rows[fresh.id]["filing_overdue"] and not rows[fresh.id]["evaluation_overdue"]
    assert rows[old.id]["evaluation_overdue"] and rows[old.id]["drill_overdue"]
    assert rows[old.id]["evaluation_due"] == date(2026, 6, 1)
    assert rows[crowded.id]["last_drill_on"] == date(2025, 12, 1)
    assert rows[crowded.id]["drill_due"] == date(2026, 6, 1)
    assert rows[crowded.id]["drill_overdue"] and not rows[crowded.id]["filing_overdue"]
    assert overdue_counts(list(rows.values())) == {"filing": 2, "evaluation": 1, "drill": 2}
    assert rows[fresh.id]["writable"] and rows[fresh.id]["locality"] == "新浦街道"
    assert not rows[old.id]["writable"] and rows[old.id]["actions"] == []
    assert not rows[crowded.id]["writable"] and rows[crowded.id]["locality"] is None
    assert list(register(TODAY, locality_id=DISTRICT)) == [crowded.id]
    assert list(register(TODAY, locality_id=old.locality_id)) == [old.id]
    assert list(register(TODAY, plan_class="unit")) == [crowded.id]
    assert set(register(date(2026, 10, 29), overdue_only=True)) == {old.id, crowded.id}
    perform(factory, office, "repeal", old)
    assert list(register(TODAY, status="repealed")) == [old.id]
    assert not register(date(2030, 1, 1))[old.id]["any_overdue"]  # repealed owes nothing


def test_every_write_is_audited(factory, actors):
    town = actors["town"]
    plan = new_plan(factory, town, document=Upload("预案.pdf", PDF))
    run(factory, plans.record_plan_drill, town, plan.id, drill_data(), today=TODAY)
    perform(factory, town, "start_revision", load(factory, plan.id), note="机构调整")
    with factory() as session:
        events = session.execute(
            select(AuditEvent.action, AuditEvent.entity, AuditEvent.actor_name).order_by(
                AuditEvent.id
            )
        ).all()
    plan_events = [(a, e) for a, e, who in events if who == "test-town"]
    assert plan_events == [
        ("plan-created", "plan"),
        ("plan_revision-created", "plan_revision"),
        ("attachment-added", "attachment"),
        ("drill-created", "drill"),
        ("plan-revision-started", "plan"),
    ]
    with factory() as session:
        started = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "plan-revision-started")
        ).one()
    assert json.loads(started.before)["status"] == "current"
    assert json.loads(started.after)["revision_trigger"] == "law_change"
    assert json.loads(started.after)["status_note"] == "机构调整"


def test_the_plan_form_offers_exactly_the_owners_the_use_case_accepts():
    """District office: the district (department plans) and every locality; a town official:
    their own localities only; a leader or an official without a locality: none, so the
    page offers no new plan."""
    places = [11, 12, 13]
    office = Actor(user_id=1, username="office", role=Role.OFFICE)
    town = Actor(user_id=2, username="town", role=Role.TOWN, locality_ids=frozenset({12}))
    leader = Actor(user_id=3, username="leader", role=Role.LEADER, locality_ids=frozenset({12}))
    homeless = Actor(user_id=4, username="nowhere", role=Role.TOWN)
    assert plans.owner_choices(office, places) == [None, 11, 12, 13]
    assert plans.owner_choices(town, places) == [12]
    assert plans.owner_choices(leader, places) == []
    assert plans.owner_choices(homeless, places) == []
    for actor in (office, town, leader, homeless):
        for owner in [None, *places]:
            offered = owner in plans.owner_choices(actor, places)
            if offered:
                plans.require_plan_write(actor, owner)
            else:
                with pytest.raises(PermissionDenied):
                    plans.require_plan_write(actor, owner)

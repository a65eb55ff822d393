"""应急预案 use-cases: register a plan, move it through its status flow, file it, drill it.

The flow is 现行 → 评估中 → 现行 or 修订中; 现行 → 修订中 → 待印发 → 现行 (印发) or back to
修订中; anything but 已废止 → 已废止, which is final. Every use-case checks the role and the
plan's locality, validates, writes and audits in the caller's transaction; every date rule
comes from ``registry.deadlines``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal, overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import attachments, deadlines, editing, validation
from registry.kernel.attachments import PreparedFile, Upload
from registry.kernel.enums import (
    AttachmentOwner,
    AuditAction,
    AuditEntity,
    DrillForm,
    PlanClass,
    PlanStatus,
    RevisionTrigger,
)
from registry.kernel.errors import PermissionDenied, RegistryError, Term, ValidationError
from registry.kernel.models import Attachment, Drill, Locality, Plan, PlanRevision
from registry.kernel.permissions import Action, Actor, require
from registry.kernel.settings import Settings

ENTITY = AuditEntity.PLAN
P = PlanStatus
KEEP, REVISE = "keep", "revise"  # the two conclusions of an evaluation
# Which statuses each status action may follow; anything else is refused.
TRANSITIONS: dict[str, tuple[PlanStatus, ...]] = {
    "start_evaluation": (P.CURRENT,),
    "conclude_evaluation": (P.EVALUATING,),
    "start_revision": (P.CURRENT,),
    "submit_draft": (P.REVISING,),
    "return_draft": (P.AWAITING_ISSUE,),
    "issue": (P.AWAITING_ISSUE,),
    "repeal": (P.CURRENT, P.EVALUATING, P.REVISING, P.AWAITING_ISSUE),
}
DETAIL_FIELDS = (
    "title",
    "locality_id",
    "department",
    "plan_class",
    "hazards",
    "owner_person",
    "crowded_venue",
)
NOTE_LENGTH = 2000
# what a date may not precede, named in the refusal
AFTER_ISSUE = Term("plan.after.issue", "issue")
AFTER_PREVIOUS_ISSUE = Term("plan.after.previous_issue", "the previous issue")


class TransitionRefused(RegistryError):
    """The plan's current status does not allow this action."""


# --- permission -----------------------------------------------------------------------------


def require_plan_write(actor: Actor, locality_id: int | None) -> None:
    """A locality's plans belong to that locality; district and department plans (no
    locality) to the district office."""
    if locality_id is None:
        require(actor, Action.EDIT_DISTRICT_PLANS)
    else:
        require(actor, Action.EDIT_LOCAL_RECORDS, locality_id)


def may_write(actor: Actor, locality_id: int | None) -> bool:
    try:
        require_plan_write(actor, locality_id)
    except PermissionDenied:
        return False
    return True


def owner_choices(actor: Actor, locality_ids: Iterable[int]) -> list[int | None]:
    """The owners this actor may give a new or edited plan, the district (``None``, district
    and department plans) first; empty when the actor may create no plan at all. The form
    offers exactly these, and every use-case checks the same ``require_plan_write``."""
    return [owner for owner in (None, *locality_ids) if may_write(actor, owner)]


def _field(plan: Plan | Mapping[str, Any], name: str) -> Any:
    return plan[name] if isinstance(plan, dict) else getattr(plan, name)


def allowed_actions(actor: Actor, plan: Plan | Mapping[str, Any]) -> list[str]:
    """The actions the page may offer for ``plan`` (an ORM row or a register row); each
    use-case checks again."""
    if not may_write(actor, _field(plan, "locality_id")):
        return []
    status = PlanStatus(_field(plan, "status"))
    if status is P.REPEALED:
        return []
    actions = [name for name, sources in TRANSITIONS.items() if status in sources]
    issued = _field(plan, "issued_on") is not None
    if issued and _field(plan, "filed_on") is None:
        actions.append("record_filing")
    if issued:
        actions.append("record_drill")
    return [*actions, "add_document", "edit"]


def _refuse(plan: Plan, action: str) -> None:
    status = PlanStatus(plan.status)
    following = [name for name, sources in TRANSITIONS.items() if status in sources]
    raise TransitionRefused(
        "error.plan_transition" if following else "error.plan_final",
        id=plan.id,
        status=status,
        action=_action_term(action),
        following=[_action_term(name) for name in following],
    )


def _action_term(action: str) -> Term:
    return Term(f"plan.do.{action}", action)


def _open(
    session: Session, actor: Actor, plan_id: int, expected_version: int | None, action: str
) -> Plan:
    """Lock the plan, check permission, the version (a stale read first: it explains more)
    and that ``action`` may follow the current status."""
    plan = editing.load(session, Plan, plan_id, ENTITY)
    require_plan_write(actor, plan.locality_id)
    if expected_version is not None:
        editing.check_version(session, plan, ENTITY, expected_version)
    if action in TRANSITIONS and plan.status not in TRANSITIONS[action]:
        _refuse(plan, action)
    if plan.status is P.REPEALED:
        _refuse(plan, action)
    return plan


# --- validation helpers ---------------------------------------------------------------------


def _day(value: Any, field: str, *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            raise ValidationError("error.required", field=field)
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError("error.not_a_date", field=field, value=value) from None
    if not isinstance(value, date):
        raise ValidationError("error.not_a_date", field=field, value=value)
    return value


@overload
def _dated(
    value: Any,
    field: str,
    today: date,
    *,
    after: date | None,
    what: Term | None,
    required: Literal[True] = True,
) -> date: ...
@overload
def _dated(
    value: Any, field: str, today: date, *, after: date | None, what: Term | None, required: bool
) -> date | None: ...
def _dated(
    value: Any,
    field: str,
    today: date,
    *,
    after: date | None,
    what: Term | None,
    required: bool = True,
) -> date | None:
    """A date that is not in the future and not before ``after``."""
    day = validation.not_future(_day(value, field, required=required), field, today)
    if day is not None and after is not None and day < after:
        raise ValidationError("error.date_before", field=field, day=day, what=what, after=after)
    return day


def _note(value: Any, field: str = "note", *, required: bool = False) -> str | None:
    return validation.text(value, field, max_len=NOTE_LENGTH, required=required)


def _locality_id(session: Session, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        locality = session.get(Locality, int(value))
    except (TypeError, ValueError):
        locality = None
    if locality is None:
        raise ValidationError(
            "error.unknown_record", field="locality_id", entity=AuditEntity.LOCALITY, value=value
        )
    return locality.id


def _details(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    locality_id = _locality_id(session, data.get("locality_id"))
    crowded = data.get("crowded_venue", False)
    if not isinstance(crowded, bool):
        raise ValidationError("error.not_yes_no", field="crowded_venue")
    return {
        "title": validation.text(data.get("title"), "title", max_len=255),
        "locality_id": locality_id,
        # a district or department plan is known by the department that owns it
        "department": validation.text(
            data.get("department"), "department", required=locality_id is None
        ),
        "plan_class": validation.choice(data.get("plan_class"), PlanClass, "plan_class"),
        "hazards": validation.text(data.get("hazards"), "hazards", max_len=255, required=False),
        "owner_person": validation.text(
            data.get("owner_person"), "owner_person", max_len=64, required=False
        ),
        "crowded_venue": crowded,
    }


def _document(document: Any, settings: Settings | None, *, required: bool) -> PreparedFile | None:
    if document is None:
        if required:
            raise ValidationError("error.plan_text_required", field="document")
        return None
    if isinstance(document, PreparedFile):
        return document
    if not isinstance(document, Upload):
        raise ValidationError("error.not_an_upload", field="document")
    return attachments.prepare_document(document, settings or Settings())


def _new_label(session: Session, plan_id: int | None, value: Any) -> str:
    """A version label no earlier revision of the plan has used."""
    label = validation.text(value, "version_label", max_len=32)
    if plan_id is not None:
        used = set(
            session.scalars(
                select(PlanRevision.version_label).where(PlanRevision.plan_id == plan_id)
            )
        )
        if label in used:
            raise ValidationError("error.version_label_used", field="version_label", label=label)
    return label


def _add_revision(
    session: Session, actor: Actor, plan: Plan, document: PreparedFile | None, **values: Any
) -> PlanRevision:
    revision = editing.create(
        session,
        actor,
        PlanRevision(plan_id=plan.id, **values),
        AuditEntity.PLAN_REVISION,
        plan.locality_id,
    )
    if document is not None:
        _attach(session, actor, plan, revision, document)
    return revision


def _attach(
    session: Session, actor: Actor, plan: Plan, revision: PlanRevision, document: PreparedFile
) -> list[Attachment]:
    stored = attachments.attach(
        session,
        actor,
        AttachmentOwner.PLAN_REVISION,
        revision.id,
        [document],
        locality_id=plan.locality_id,
        is_demo=plan.is_demo,
    )
    revision.document_name = document.filename
    return stored


# --- register and describe ------------------------------------------------------------------


def create_plan(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    *,
    today: date,
    settings: Settings | None = None,
) -> Plan:
    """Register a plan already in force (现行, with its issue date and filing if any) or start
    one as a draft awaiting issue (待印发, with its text); either way its first version."""
    values = _details(session, data)
    require_plan_write(actor, values["locality_id"])
    status = validation.choice(data.get("status") or P.CURRENT, PlanStatus, "status")
    if status not in (P.CURRENT, P.AWAITING_ISSUE):
        raise ValidationError("error.new_plan_status", field="status")
    label = _new_label(session, None, data.get("version_label"))
    document = _document(data.get("document"), settings, required=status is P.AWAITING_ISSUE)
    dates: dict[str, Any] = {}
    if status is P.CURRENT:
        issued = _dated(data.get("issued_on"), "issued_on", today, after=None, what=None)
        filed = _dated(
            data.get("filed_on"), "filed_on", today, after=issued, what=AFTER_ISSUE, required=False
        )
        filing_ref = validation.text(
            data.get("filing_ref"), "filing_ref", required=filed is not None
        )
        if filing_ref and filed is None:
            raise ValidationError("error.filed_on_with_ref", field="filed_on")
        evaluated = _dated(
            data.get("last_evaluated_on"),
            "last_evaluated_on",
            today,
            after=issued,
            what=AFTER_ISSUE,
            required=False,
        )
        dates = {
            "issued_on": issued,
            "filing_due": deadlines.filing_due(issued),
            "filed_on": filed,
            "filing_ref": filing_ref,
            "last_evaluated_on": evaluated,
            "next_evaluation_due": deadlines.next_evaluation_due(issued, evaluated),
        }
    note = _note(data.get("note"))
    plan = Plan(**values, **dates, version_label=label, status=status, status_note=note)
    editing.create(session, actor, plan, ENTITY, plan.locality_id)
    _add_revision(
        session, actor, plan, document, version_label=label, issued_on=plan.issued_on, note=note
    )
    return plan


def update_plan_details(
    session: Session, actor: Actor, plan_id: int, expected_version: int, data: dict[str, Any]
) -> Plan:
    """Correct the descriptive fields; dates and status change only through their actions.
    Permission is checked on the plan as it is and as it will be."""
    unknown = sorted(set(data) - set(DETAIL_FIELDS))
    if unknown:
        raise ValidationError("error.not_a_detail", field=unknown[0])
    plan = _open(session, actor, plan_id, expected_version, "edit")
    values = _details(session, {**{k: getattr(plan, k) for k in DETAIL_FIELDS}, **data})
    require_plan_write(actor, values["locality_id"])
    editing.apply(
        session,
        actor,
        plan,
        ENTITY,
        values,
        expected_version=expected_version,
        locality_id=plan.locality_id,
    )
    return plan


# --- the status flow ------------------------------------------------------------------------


def _move(
    session: Session,
    actor: Actor,
    plan: Plan,
    expected_version: int,
    audit_action: AuditAction,
    values: dict[str, Any],
) -> Plan:
    editing.apply(
        session,
        actor,
        plan,
        ENTITY,
        values,
        expected_version=expected_version,
        locality_id=plan.locality_id,
        action=audit_action,
    )
    return plan


def start_evaluation(
    session: Session, actor: Actor, plan_id: int, expected_version: int, *, note: Any = None
) -> Plan:
    """研判评估 begins: is the plan still right for the hazards it covers?"""
    plan = _open(session, actor, plan_id, expected_version, "start_evaluation")
    values = {"status": P.EVALUATING, "status_note": _note(note)}
    return _move(
        session, actor, plan, expected_version, AuditAction.PLAN_EVALUATION_STARTED, values
    )


def conclude_evaluation(
    session: Session,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    *,
    outcome: str,
    evaluated_on: Any,
    note: Any,
    today: date,
    trigger: Any = None,
) -> Plan:
    """The evaluation's conclusion: the plan stays in force (the three-year clock restarts)
    or it must be revised (修订中, by default because the evaluation says so)."""
    plan = _open(session, actor, plan_id, expected_version, "conclude_evaluation")
    if outcome not in (KEEP, REVISE):
        raise ValidationError("error.bad_outcome", field="outcome", value=outcome)
    evaluated = _dated(evaluated_on, "evaluated_on", today, after=plan.issued_on, what=AFTER_ISSUE)
    values = {
        "status_note": _note(note, required=True),
        "last_evaluated_on": evaluated,
        "next_evaluation_due": deadlines.next_evaluation_due(plan.issued_on, evaluated),
    }
    if outcome == KEEP:
        values |= {"status": P.CURRENT, "revision_trigger": None}
        return _move(
            session, actor, plan, expected_version, AuditAction.PLAN_EVALUATION_KEPT, values
        )
    chosen = validation.choice(trigger or RevisionTrigger.EVALUATION, RevisionTrigger, "trigger")
    values |= {"status": P.REVISING, "revision_trigger": chosen}
    return _move(session, actor, plan, expected_version, AuditAction.PLAN_EVALUATION_REVISE, values)


def start_revision(
    session: Session,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    *,
    trigger: Any,
    note: Any = None,
) -> Plan:
    """修订 begins for one of the statutory reasons (the trigger)."""
    plan = _open(session, actor, plan_id, expected_version, "start_revision")
    if trigger in (None, ""):
        raise ValidationError("error.required", field="trigger")
    values = {
        "status": P.REVISING,
        "revision_trigger": validation.choice(trigger, RevisionTrigger, "trigger"),
        "status_note": _note(note),
    }
    return _move(session, actor, plan, expected_version, AuditAction.PLAN_REVISION_STARTED, values)


def submit_draft(
    session: Session,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    *,
    version_label: Any,
    document: Any,
    note: Any = None,
    settings: Settings | None = None,
) -> Plan:
    """The revised text is ready for issue: a new version with its document."""
    plan = _open(session, actor, plan_id, expected_version, "submit_draft")
    label = _new_label(session, plan.id, version_label)
    prepared = _document(document, settings, required=True)
    note = _note(note)
    _add_revision(
        session,
        actor,
        plan,
        prepared,
        version_label=label,
        note=note,
        trigger=plan.revision_trigger,
    )
    values = {"status": P.AWAITING_ISSUE, "status_note": note}
    if plan.issued_on is None:  # never issued: the draft is the only version there is
        values["version_label"] = label
    return _move(session, actor, plan, expected_version, AuditAction.PLAN_DRAFT_SUBMITTED, values)


def return_draft(
    session: Session, actor: Actor, plan_id: int, expected_version: int, *, note: Any
) -> Plan:
    """The draft goes back for more revision; the reason is required."""
    plan = _open(session, actor, plan_id, expected_version, "return_draft")
    values = {"status": P.REVISING, "status_note": _note(note, required=True)}
    return _move(session, actor, plan, expected_version, AuditAction.PLAN_DRAFT_RETURNED, values)


def _draft(session: Session, plan: Plan) -> PlanRevision | None:
    return session.scalars(
        select(PlanRevision)
        .where(PlanRevision.plan_id == plan.id, PlanRevision.issued_on.is_(None))
        .order_by(PlanRevision.id.desc())
        .limit(1)
    ).first()


def issue_plan(
    session: Session,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    *,
    issued_on: Any,
    today: date,
    note: Any = None,
) -> Plan:
    """印发: the draft becomes the version in force. Filing is owed again (20 working days)
    and the evaluation clock restarts from the new issue."""
    plan = _open(session, actor, plan_id, expected_version, "issue")
    draft = _draft(session, plan)
    if draft is None:
        raise ValidationError("error.no_draft", field="version_label")
    issued = _dated(issued_on, "issued_on", today, after=plan.issued_on, what=AFTER_PREVIOUS_ISSUE)
    draft.issued_on = issued
    values = {
        "status": P.CURRENT,
        "status_note": _note(note),
        "version_label": draft.version_label,
        "issued_on": issued,
        "filing_due": deadlines.filing_due(issued),
        "filed_on": None,
        "filing_ref": None,
        "next_evaluation_due": deadlines.next_evaluation_due(issued, plan.last_evaluated_on),
        "revision_trigger": None,
    }
    return _move(session, actor, plan, expected_version, AuditAction.PLAN_ISSUED, values)


def repeal(
    session: Session, actor: Actor, plan_id: int, expected_version: int, *, reason: Any
) -> Plan:
    """废止, final: the plan stays in the register with its history and owes nothing."""
    plan = _open(session, actor, plan_id, expected_version, "repeal")
    values = {"status": P.REPEALED, "status_note": _note(reason, "reason", required=True)}
    return _move(session, actor, plan, expected_version, AuditAction.PLAN_REPEALED, values)


# --- filing, drills, documents --------------------------------------------------------------


def record_filing(
    session: Session,
    actor: Actor,
    plan_id: int,
    expected_version: int,
    *,
    filed_on: Any,
    filing_ref: Any,
    today: date,
) -> Plan:
    """备案 of the version in force, with the receiving authority and its reference."""
    plan = _open(session, actor, plan_id, expected_version, "record_filing")
    if plan.issued_on is None:
        raise ValidationError("error.not_issued", field="filed_on")
    if plan.filed_on is not None:
        raise ValidationError(
            "error.already_filed", field="filed_on", label=plan.version_label, day=plan.filed_on
        )
    values = {
        "filed_on": _dated(filed_on, "filed_on", today, after=plan.issued_on, what=AFTER_ISSUE),
        "filing_ref": validation.text(filing_ref, "filing_ref"),
    }
    return _move(session, actor, plan, expected_version, AuditAction.PLAN_FILED, values)


def record_plan_drill(
    session: Session, actor: Actor, plan_id: int, data: dict[str, Any], *, today: date
) -> Drill:
    """演练 under a plan, with its 演练评估. Problems found in a drill are a statutory reason
    to revise: a plan in force moves to 修订中 in the same transaction."""
    plan = _open(session, actor, plan_id, None, "record_drill")
    if plan.issued_on is None:
        raise ValidationError("error.not_issued", field="held_on")
    held = _dated(data.get("held_on"), "held_on", today, after=plan.issued_on, what=AFTER_ISSUE)
    problems = data.get("problems_found", False)
    if not isinstance(problems, bool):
        raise ValidationError("error.not_yes_no", field="problems_found")
    drill = Drill(
        plan_id=plan.id,
        locality_id=plan.locality_id,
        held_on=held,
        form=validation.choice(data.get("form"), DrillForm, "form"),
        participants=validation.quantity(data.get("participants"), "participants"),
        evaluation=_note(data.get("evaluation"), "evaluation", required=True),
    )
    editing.create(session, actor, drill, AuditEntity.DRILL, plan.locality_id)
    if problems and plan.status is P.CURRENT:
        values = {
            "status": P.REVISING,
            "revision_trigger": RevisionTrigger.RESPONSE_OR_DRILL,
            "status_note": f"{held.isoformat()} 演练发现问题：{drill.evaluation}",
        }
        _move(session, actor, plan, plan.version, AuditAction.PLAN_REVISION_STARTED, values)
    return drill


def add_revision_document(
    session: Session,
    actor: Actor,
    plan_id: int,
    document: Any,
    *,
    settings: Settings | None = None,
) -> list[Attachment]:
    """Attach a text to the draft awaiting issue, or else to the version in force (a plan
    registered without its text, or a scanned 正式文本 added later)."""
    plan = _open(session, actor, plan_id, None, "add_document")
    prepared = _document(document, settings, required=True)
    assert prepared is not None  # required: _document refused a missing one
    revision = _draft(session, plan) if plan.status is P.AWAITING_ISSUE else None
    revision = (
        revision
        or session.scalars(
            select(PlanRevision)
            .where(
                PlanRevision.plan_id == plan.id, PlanRevision.version_label == plan.version_label
            )
            .order_by(PlanRevision.id.desc())
            .limit(1)
        ).first()
    )
    if revision is None:
        raise ValidationError("error.no_version_to_attach", field="document")
    return _attach(session, actor, plan, revision, prepared)

"""The rectification loop (整改闭环): 发现登记 → 整改中 → 待复查 → 已销号, or 退回 to 整改中.

Every step is a use-case that checks who may take it, refuses a step that does not follow
from the current status, records a ``RectificationStep`` (actor, time, note, evidence and
photos) and audits, all in the caller's transaction. A 重大 (major) hazard needs a written
治理方案 before work starts and the district office's sign-off on it before it can close;
changing a signed-off plan withdraws the sign-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from registry.kernel import attachments, audit, deadlines, editing, validation
from registry.kernel.attachments import PreparedFile
from registry.kernel.clock import utcnow
from registry.kernel.enums import AttachmentOwner, AuditAction, AuditEntity, DepotLevel, RiskLevel
from registry.kernel.enums import RectificationStatus as S
from registry.kernel.errors import PermissionDenied, Term, ValidationError
from registry.kernel.models import Checkpoint, Depot, Rectification, RectificationStep
from registry.kernel.permissions import Action, Actor, require, require_depot_write
from registry.kernel.settings import Settings

# action: (status it starts from, status it leads to)
TRANSITIONS: dict[str, tuple[S, S]] = {
    "start": (S.REGISTERED, S.RECTIFYING),
    "submit": (S.RECTIFYING, S.AWAITING_RECHECK),
    "close": (S.AWAITING_RECHECK, S.CLOSED),
    "send_back": (S.AWAITING_RECHECK, S.RECTIFYING),
}
# every recorded step's audit action
STEP_AUDIT: dict[str, AuditAction] = {
    "start": AuditAction.RECTIFICATION_START,
    "submit": AuditAction.RECTIFICATION_SUBMIT,
    "close": AuditAction.RECTIFICATION_CLOSE,
    "send_back": AuditAction.RECTIFICATION_SEND_BACK,
    "plan": AuditAction.RECTIFICATION_PLAN,
    "sign_off": AuditAction.RECTIFICATION_SIGN_OFF,
    "extend": AuditAction.RECTIFICATION_EXTEND,
}
OPEN = (S.REGISTERED, S.RECTIFYING, S.AWAITING_RECHECK)
NOTE_MAX = 2000


class InvalidTransition(ValidationError):
    """The step does not follow from the rectification's current status."""


def _is_district_depot(session: Session, rect: Rectification) -> bool:
    if rect.depot_id is None:
        return False
    return session.get_one(Depot, rect.depot_id).level is DepotLevel.DISTRICT


def require_write(session: Session, actor: Actor, rect: Rectification) -> None:
    """Town officials work on their own locality's findings; a district depot's belong to
    the district office."""
    if _is_district_depot(session, rect):
        require_depot_write(actor, DepotLevel.DISTRICT, rect.locality_id)
    else:
        require(actor, Action.EDIT_LOCAL_RECORDS, rect.locality_id)


def may_write(session: Session, actor: Actor, rect: Rectification) -> bool:
    try:
        require_write(session, actor, rect)
    except PermissionDenied:
        return False
    return True


def allowed_actions(session: Session, actor: Actor, rect: Rectification) -> list[str]:
    """The steps this actor may take now; each use-case checks again."""
    if not may_write(session, actor, rect):
        return []
    status = S(rect.status)
    signs_off = actor.can(Action.SIGN_OFF_RECTIFICATION)
    actions = [a for a, (start, _) in TRANSITIONS.items() if start is status]
    if rect.risk_level is RiskLevel.MAJOR and not signs_off:
        actions = [a for a in actions if a not in ("close", "send_back")]
    if status in OPEN:
        actions.append("plan")
        if signs_off:
            actions.append("extend")
            if rect.risk_level is RiskLevel.MAJOR and rect.plan_text and not rect.signed_off_by:
                actions.append("sign_off")
    return actions


def _note(value: Any, *, required: bool = True) -> str | None:
    return validation.text(value, "note", max_len=NOTE_MAX, required=required)


def _step(
    session: Session,
    actor: Actor,
    rect: Rectification,
    action: str,
    from_status: S | None,
    *,
    note: str | None,
    evidence: str | None = None,
    photos: Sequence[PreparedFile] = (),
) -> RectificationStep:
    step = RectificationStep(
        rectification_id=rect.id,
        action=action,
        from_status=from_status.value if from_status else None,
        to_status=S(rect.status).value,
        actor_id=actor.user_id,
        note=note,
        evidence=evidence,
    )
    session.add(step)
    session.flush()
    attachments.attach(
        session,
        actor,
        AttachmentOwner.RECTIFICATION_STEP,
        step.id,
        photos,
        locality_id=rect.locality_id,
    )
    return step


def _finding_risk(
    session: Session, actor: Actor, target: dict[str, Any], requested: RiskLevel | str | None
) -> RiskLevel:
    """A finding on a checkpoint is at least as grave as the checkpoint itself: anyone may
    raise it, only the district office may rate it lower (a 重大 hazard stays the office's
    business until the office decides otherwise)."""
    checkpoint_id = target.get("checkpoint_id")
    floor = session.get_one(Checkpoint, checkpoint_id).risk_level if checkpoint_id else None
    risk = validation.choice(requested or floor, RiskLevel, "risk_level")
    graver_first = list(RiskLevel)
    lowered = floor is not None and graver_first.index(risk) > graver_first.index(floor)
    if lowered and not actor.can(Action.SIGN_OFF_RECTIFICATION):
        raise PermissionDenied("error.risk_below_checkpoint", risk=risk, floor=floor)
    return risk


def _finding_deadline(
    actor: Actor, found: date, risk: RiskLevel, requested: date | None, settings: Settings
) -> date:
    """The deadline follows ``registry.deadlines``; an earlier one is stricter and allowed, a
    later one is an extension, which only the district office grants."""
    rule = deadlines.rectification_deadline(found, risk, settings)
    due = requested or rule
    if due < found:
        raise ValidationError(
            "error.deadline_before_finding", field="deadline", due=due, found=found
        )
    if due > rule and not actor.can(Action.SIGN_OFF_RECTIFICATION):
        raise PermissionDenied(
            "error.deadline_beyond_rule",
            due=due,
            rule=rule,
            days=deadlines.rectification_days(risk, settings),
            risk=risk,
        )
    return due


def register(
    session: Session,
    actor: Actor,
    *,
    target: dict[str, Any],
    description: str,
    risk_level: RiskLevel | str | None,
    found_on: date,
    settings: Settings,
    today: date,
    deadline: date | None = None,
    responsible_person: str | None = None,
    inspection_id: int | None = None,
    note: str | None = None,
) -> Rectification:
    """发现登记: a finding becomes a rectification with a deadline (by default the settings'
    days for its risk level; later only for the office) and a risk level (a checkpoint's own
    at least, lower only for the office). ``target`` names one of checkpoint_id, depot_id,
    team_id and its locality_id; the caller has checked the actor may write there."""
    risk = _finding_risk(session, actor, target, risk_level)
    found = validation.not_future(found_on, "found_on", today)
    due = _finding_deadline(actor, found, risk, deadline, settings)
    rect = Rectification(
        **target,
        inspection_id=inspection_id,
        description=validation.text(description, "description", max_len=NOTE_MAX),
        risk_level=risk,
        status=S.REGISTERED,
        found_on=found,
        deadline=due,
        responsible_person=validation.text(
            responsible_person, "responsible_person", max_len=64, required=False
        ),
    )
    require_write(session, actor, rect)
    editing.create(session, actor, rect, AuditEntity.RECTIFICATION, rect.locality_id)
    _step(session, actor, rect, "register", None, note=_note(note, required=False))
    return rect


def _transition(
    session: Session, actor: Actor, rect_id: int, expected_version: int, action: str
) -> tuple[Rectification, dict[str, Any]]:
    """Load, check permission, version and the status, and return the record and its
    snapshot before the change."""
    rect = editing.load(session, Rectification, rect_id, AuditEntity.RECTIFICATION)
    require_write(session, actor, rect)
    editing.check_version(session, rect, AuditEntity.RECTIFICATION, expected_version)
    start, _ = TRANSITIONS[action]
    if S(rect.status) is not start:
        raise InvalidTransition(
            "error.rectification_step",
            field="status",
            id=rect.id,
            status=S(rect.status),
            step=Term(f"rect.action.{action}", action),
            start=start,
        )
    return rect, audit.snapshot(rect)


def _recorded(
    session: Session,
    actor: Actor,
    rect: Rectification,
    action: str,
    before: dict[str, Any],
    **step: Any,
) -> Rectification:
    """The step in the history and the change in the audit trail, for any action."""
    from_status = S(before["status"])
    session.flush()
    _step(session, actor, rect, action, from_status, **step)
    audit.record(
        session,
        actor,
        STEP_AUDIT[action],
        AuditEntity.RECTIFICATION,
        rect.id,
        locality_id=rect.locality_id,
        before=before,
        after=audit.snapshot(rect),
    )
    return rect


def _finish(
    session: Session,
    actor: Actor,
    rect: Rectification,
    action: str,
    before: dict[str, Any],
    **step: Any,
) -> Rectification:
    rect.status = TRANSITIONS[action][1]
    return _recorded(session, actor, rect, action, before, **step)


def start(
    session: Session,
    actor: Actor,
    rect_id: int,
    expected_version: int,
    *,
    note: str,
    responsible_person: str | None = None,
    plan_text: str | None = None,
) -> Rectification:
    """整改中: responsibility and measures are in place; a major hazard needs its plan."""
    rect, before = _transition(session, actor, rect_id, expected_version, "start")
    if responsible_person:
        rect.responsible_person = validation.text(
            responsible_person, "responsible_person", max_len=64
        )
    if plan_text:
        rect.plan_text = validation.text(plan_text, "plan_text", max_len=NOTE_MAX * 2)
    if rect.risk_level is RiskLevel.MAJOR and not rect.plan_text:
        raise ValidationError("error.major_needs_plan", field="plan_text")
    if not rect.responsible_person:
        raise ValidationError("error.required", field="responsible_person")
    return _finish(session, actor, rect, "start", before, note=_note(note))


def submit_for_recheck(
    session: Session,
    actor: Actor,
    rect_id: int,
    expected_version: int,
    *,
    note: str,
    evidence: str | None,
    photos: Sequence[PreparedFile] = (),
) -> Rectification:
    """待复查: the work is done; evidence (a description, photos or both) is required."""
    rect, before = _transition(session, actor, rect_id, expected_version, "submit")
    evidence = validation.text(evidence, "evidence", max_len=NOTE_MAX, required=False)
    if not evidence and not photos:
        raise ValidationError("error.evidence_required", field="evidence")
    return _finish(
        session, actor, rect, "submit", before, note=_note(note), evidence=evidence, photos=photos
    )


def _require_recheck_rights(actor: Actor, rect: Rectification) -> None:
    if rect.risk_level is RiskLevel.MAJOR:
        require(actor, Action.SIGN_OFF_RECTIFICATION)


def close(
    session: Session,
    actor: Actor,
    rect_id: int,
    expected_version: int,
    *,
    note: str,
    today: date,
    photos: Sequence[PreparedFile] = (),
) -> Rectification:
    """已销号 after re-check and acceptance. A major hazard closes only with the district
    office's sign-off on its plan, and only by the office."""
    rect, before = _transition(session, actor, rect_id, expected_version, "close")
    _require_recheck_rights(actor, rect)
    if rect.risk_level is RiskLevel.MAJOR and not rect.signed_off_by:
        raise ValidationError("error.major_needs_sign_off", field="signed_off_by")
    rect.closed_on = today
    return _finish(session, actor, rect, "close", before, note=_note(note), photos=photos)


def send_back(
    session: Session, actor: Actor, rect_id: int, expected_version: int, *, note: str
) -> Rectification:
    """退回: the re-check failed; the note says why, and work resumes."""
    rect, before = _transition(session, actor, rect_id, expected_version, "send_back")
    _require_recheck_rights(actor, rect)
    return _finish(session, actor, rect, "send_back", before, note=_note(note))


def _open_for_edit(
    session: Session, actor: Actor, rect_id: int, expected_version: int
) -> tuple[Rectification, dict[str, Any]]:
    rect = editing.load(session, Rectification, rect_id, AuditEntity.RECTIFICATION)
    require_write(session, actor, rect)
    editing.check_version(session, rect, AuditEntity.RECTIFICATION, expected_version)
    if S(rect.status) not in OPEN:
        raise InvalidTransition("error.rectification_closed", field="status", id=rect.id)
    return rect, audit.snapshot(rect)


def update_plan(
    session: Session,
    actor: Actor,
    rect_id: int,
    expected_version: int,
    *,
    plan_text: str | None,
    responsible_person: str | None,
) -> Rectification:
    """Write or change the 治理方案 and the responsible person. Changing a signed-off plan
    withdraws the sign-off: the office signs what will actually be done."""
    rect, before = _open_for_edit(session, actor, rect_id, expected_version)
    new_plan = validation.text(plan_text, "plan_text", max_len=NOTE_MAX * 2, required=False)
    if rect.risk_level is RiskLevel.MAJOR and not new_plan:
        raise ValidationError("error.major_plan_required", field="plan_text")
    if new_plan != rect.plan_text and rect.signed_off_by:
        rect.signed_off_by, rect.signed_off_at = None, None
    rect.plan_text = new_plan
    rect.responsible_person = validation.text(
        responsible_person, "responsible_person", max_len=64, required=False
    )
    _recorded(session, actor, rect, "plan", before, note="治理方案/责任人已更新")
    return rect


def sign_off(
    session: Session, actor: Actor, rect_id: int, expected_version: int, *, note: str
) -> Rectification:
    """The district office signs off a major hazard's rectification plan."""
    require(actor, Action.SIGN_OFF_RECTIFICATION)
    rect, before = _open_for_edit(session, actor, rect_id, expected_version)
    if rect.risk_level is not RiskLevel.MAJOR:
        raise ValidationError("error.sign_off_only_major", field="risk_level")
    if not rect.plan_text:
        raise ValidationError("error.no_plan_to_sign", field="plan_text")
    if rect.signed_off_by:
        raise InvalidTransition("error.already_signed_off", field="signed_off_by")
    rect.signed_off_by, rect.signed_off_at = actor.user_id, utcnow()
    _recorded(session, actor, rect, "sign_off", before, note=_note(note))
    return rect


def extend_deadline(
    session: Session,
    actor: Actor,
    rect_id: int,
    expected_version: int,
    *,
    deadline: date,
    note: str,
) -> Rectification:
    """延期: only the district office moves a deadline, later and with a reason."""
    require(actor, Action.SIGN_OFF_RECTIFICATION)
    rect, before = _open_for_edit(session, actor, rect_id, expected_version)
    if deadline <= rect.deadline:
        raise ValidationError(
            "error.deadline_not_later", field="deadline", day=deadline, current=rect.deadline
        )
    rect.deadline = deadline
    _recorded(session, actor, rect, "extend", before, note=_note(note))
    return rect

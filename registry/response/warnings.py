"""Warnings (预警): registered from a GB/T 35965.1 message or by hand, by the district office.

A message that is malformed, a test, already registered, expired, or about an area that
does not touch the district is refused with the reason and nothing is written. An Update
replaces the warning it references, a Cancel ends it; both must name a registered warning.
The localities a warning touches are found from its polygon (against each locality's
outline) or its GB/T 2260 region codes (the district's own code, a township's, or a city or
province code that contains the district).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.kernel import audit, validation
from registry.kernel.enums import AuditAction, AuditEntity, WarningLevel, WarningState, WarningType
from registry.kernel.errors import ValidationError
from registry.kernel.models import EarlyWarning, Locality
from registry.kernel.permissions import Action, Actor, require
from registry.response import cap
from registry.response.area import locality_outline


def _code_covers(code: str, locality: Locality, mca_codes: set[str]) -> bool:
    """A region code names this locality or an area containing it: six digits (GB/T 2260:
    320706 the district, 320700 the city, 320000 the province; trailing zeros mark the
    level), a township's nine-digit civil-affairs code, or the statistics bureau's code (or
    its first nine digits) when no civil-affairs code reads the same."""
    digits = code.strip()
    if not digits.isdigit() or len(digits.rstrip("0")) < 2:
        return False
    if len(digits) <= 6:
        return locality.nbs_code.startswith(digits.rstrip("0"))
    if digits in mca_codes:
        return locality.mca_code == digits
    return locality.nbs_code.startswith(digits)


def localities_touched(
    session: Session, area: BaseGeometry | None, codes: Sequence[str]
) -> list[Locality]:
    """The district's localities inside a warning's area, in their usual order."""
    localities = session.scalars(select(Locality).order_by(Locality.id)).all()
    mca_codes = {loc.mca_code for loc in localities if loc.mca_code}
    touched = []
    for locality in localities:
        outline = locality_outline(locality) if area is not None else None
        by_shape = area is not None and outline is not None and outline.intersects(area)
        if by_shape or any(_code_covers(code, locality, mca_codes) for code in codes):
            touched.append(locality)
    return touched


def _snapshot(warning: EarlyWarning) -> dict[str, Any]:
    return {
        **{k: v for k, v in audit.snapshot(warning).items() if k != "message"},
        "locality_ids": [loc.id for loc in warning.localities],
    }


def _check_new(session: Session, identifier: str, expires_at: datetime, now: datetime) -> None:
    known = session.scalar(select(func.count()).where(EarlyWarning.identifier == identifier))
    if known:
        raise ValidationError("error.warning_known", field="cap.identifier", identifier=identifier)
    if expires_at <= now:
        raise ValidationError("error.warning_expired", field="cap.expires")


def _referenced(session: Session, message: cap.Message) -> list[EarlyWarning]:
    found = []
    for reference in message.references:
        warning = session.scalar(
            select(EarlyWarning).where(EarlyWarning.identifier == reference.identifier)
        )
        if warning is None:
            raise ValidationError(
                "error.warning_unknown_reference",
                field="cap.references",
                identifier=reference.identifier,
            )
        found.append(warning)
    return found


def _cancel(session: Session, actor: Actor, message: cap.Message, now: datetime) -> EarlyWarning:
    cancelled = _referenced(session, message)
    for warning in cancelled:
        before = _snapshot(warning)
        warning.state = WarningState.CANCELLED
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.WARNING_CANCELLED,
            AuditEntity.WARNING,
            warning.id,
            before=before,
            after={**_snapshot(warning), "by_message": message.identifier},
        )
    return cancelled[0]


def import_message(
    session: Session, actor: Actor, data: bytes, now: datetime, *, is_demo: bool = False
) -> EarlyWarning:
    """Register the warning in a CAP message, or apply its Update or Cancel; returns the
    warning registered (for a Cancel: the warning cancelled)."""
    require(actor, Action.MANAGE_RESPONSE)
    message = cap.parse(data)
    if message.status not in cap.REGISTERED_STATUSES:
        raise ValidationError("error.cap_status", field="cap.status", status=message.status)
    if message.msg_type == "Cancel":
        return _cancel(session, actor, message, now)
    if message.warning_type is None:
        raise ValidationError("error.cap_type", field="cap.event", headline=message.headline)
    if message.level is None:
        raise ValidationError("error.cap_level", field="cap.severity")
    if message.expires_at is None:
        raise ValidationError("error.cap_missing", field="cap.expires")
    _check_new(session, message.identifier, message.expires_at, now)
    if message.area is None and not message.area_codes:
        raise ValidationError("error.cap_no_area", field="cap.area")
    localities = localities_touched(session, message.area, message.area_codes)
    if not localities:
        raise ValidationError(
            "error.warning_foreign_area",
            field="cap.area",
            area=message.area_description or "、".join(message.area_codes) or "—",
        )
    replaced = _referenced(session, message) if message.msg_type == "Update" else []
    warning = EarlyWarning(
        identifier=message.identifier,
        sender=message.sender,
        sender_name=message.sender_name,
        sent_at=message.sent_at,
        is_exercise=message.status == "Exercise",
        msg_type=message.msg_type,
        references=" ".join(r.identifier for r in message.references) or None,
        warning_type=message.warning_type,
        level=message.level,
        headline=message.headline[:256],
        description=message.description,
        instruction=message.instruction,
        effective_at=message.effective_at or message.sent_at,
        expires_at=message.expires_at,
        area_description=message.area_description,
        area_geojson=message.area_geojson,
        area_codes=",".join(message.area_codes) or None,
        source="cap",
        message=data.decode("utf-8", errors="replace"),
        registered_by=actor.user_id,
        registered_at=now,
        is_demo=is_demo,
        localities=localities,
    )
    return _add(session, actor, warning, replaced)


def _add(
    session: Session, actor: Actor, warning: EarlyWarning, replaced: Iterable[EarlyWarning]
) -> EarlyWarning:
    session.add(warning)
    session.flush()
    action = AuditAction.WARNING_REGISTERED
    for old in replaced:
        before = _snapshot(old)
        old.state, old.replaced_by_id = WarningState.UPDATED, warning.id
        action = AuditAction.WARNING_UPDATED
        audit.record(
            session, actor, action, AuditEntity.WARNING, old.id, before=before,
            after=_snapshot(old),
        )  # fmt: skip
    audit.record(
        session, actor, AuditAction.WARNING_REGISTERED, AuditEntity.WARNING, warning.id,
        after=_snapshot(warning),
    )  # fmt: skip
    return warning


def register_warning(
    session: Session,
    actor: Actor,
    *,
    warning_type: str,
    level: str,
    headline: str,
    effective_at: datetime,
    expires_at: datetime,
    locality_ids: Sequence[int],
    now: datetime,
    sender_name: str | None = None,
    description: str | None = None,
    instruction: str | None = None,
) -> EarlyWarning:
    """A warning entered by hand (a phone call, a fax, a WeChat notice from the 气象台)."""
    require(actor, Action.MANAGE_RESPONSE)
    kind = validation.choice(warning_type, WarningType, "warning_type")
    colour = validation.choice(level, WarningLevel, "warning_level")
    title = validation.text(headline, "headline", max_len=256)
    if expires_at <= effective_at:
        raise ValidationError("error.warning_expires_first", field="expires_at")
    if expires_at <= now:
        raise ValidationError("error.warning_expired", field="expires_at")
    localities = [session.get(Locality, i) for i in dict.fromkeys(locality_ids)]
    if not localities or None in localities:
        raise ValidationError("error.warning_localities", field="warning_localities")
    sequence = session.scalar(select(func.count()).select_from(EarlyWarning)) or 0
    warning = EarlyWarning(
        identifier=f"manual_{now:%Y%m%d%H%M%S}_{sequence + 1}",
        sender="registry",
        sender_name=validation.text(sender_name, "sender_name", max_len=128, required=False),
        sent_at=now,
        is_exercise=False,
        msg_type="Alert",
        warning_type=kind,
        level=colour,
        headline=title,
        description=validation.text(description, "description", max_len=4000, required=False),
        instruction=validation.text(instruction, "instruction", max_len=4000, required=False),
        effective_at=effective_at,
        expires_at=expires_at,
        source="manual",
        registered_by=actor.user_id,
        registered_at=now,
        localities=[loc for loc in localities if loc is not None],
    )
    return _add(session, actor, warning, ())

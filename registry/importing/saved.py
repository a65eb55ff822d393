"""What an office confirms once and the importer remembers: the mapping of its own
workbook's columns (per locality and sheet shape) and the names it writes for catalogue
items (aliases). Both are use-cases: the importer's permission, checks and the audit trail."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.importing.choices import normalise
from registry.importing.mapping import check, shape
from registry.kernel import audit, validation
from registry.kernel.enums import AuditAction, AuditEntity
from registry.kernel.errors import Term, ValidationError
from registry.kernel.models import ImportMapping, Item, ItemAlias
from registry.kernel.permissions import Action, Actor, require


@dataclass(frozen=True)
class SavedMapping:
    id: int
    name: str
    kind: str
    shape: str
    locality_id: int | None
    columns: dict[str, str | None]  # header → field, in the sheet's order
    version: int


def may_import(actor: Actor) -> None:
    """The importer's own rule: whoever may change local records or district depots."""
    if not actor.can(Action.EDIT_DISTRICT_DEPOTS):
        require(actor, Action.EDIT_LOCAL_RECORDS)


def home_locality(actor: Actor) -> int | None:
    """Where a mapping is kept: the official's (first) locality, None for the office."""
    return None if actor.district_wide or not actor.locality_ids else min(actor.locality_ids)


def _saved(record: ImportMapping) -> SavedMapping:
    columns = {header: field for header, field in json.loads(record.columns)}
    return SavedMapping(record.id, record.name, record.kind, record.shape, record.locality_id,
                        columns, record.version)  # fmt: skip


def saved_for(
    session: Session, actor: Actor, kind: str, headers: Sequence[str]
) -> SavedMapping | None:
    """The mapping saved for a sheet of this shape: the actor's locality's first, then the
    office's; the office also finds any locality's."""
    found = session.scalars(
        select(ImportMapping)
        .where(ImportMapping.kind == kind, ImportMapping.shape == shape(kind, headers))
        .order_by(ImportMapping.id)
    ).all()
    home = home_locality(actor)
    ranked = sorted(found, key=lambda m: (m.locality_id != home, m.locality_id is not None))
    usable = [m for m in ranked if actor.district_wide or m.locality_id in {home, None}]
    return _saved(usable[0]) if usable else None


def by_name(session: Session, actor: Actor, kind: str, name: str) -> SavedMapping | None:
    """A saved mapping named ``name`` the actor may use (for ``prepare import --mapping``)."""
    found = session.scalars(
        select(ImportMapping).where(ImportMapping.kind == kind, ImportMapping.name == name)
    ).all()
    home = home_locality(actor)
    usable = [m for m in found if actor.district_wide or m.locality_id in {home, None}]
    return _saved(usable[0]) if usable else None


def save_mapping(
    session: Session,
    actor: Actor,
    kind: str,
    headers: Sequence[str],
    columns: Mapping[str, str | None],
    name: str,
) -> SavedMapping:
    """Save (or replace) the mapping of this sheet shape for the actor's locality."""
    may_import(actor)
    name = validation.text(name, "mapping_name", max_len=64)
    problems = check(kind, [h for h in headers if h], columns)
    if problems:
        first = problems[0]
        reason = Term(f"import.reason.{first.reason}", first.reason)
        raise ValidationError("import.mapping.refused", field=first.column, reason=reason)
    ordered = [[header, columns.get(header)] for header in headers if header]
    home, sheet_shape = home_locality(actor), shape(kind, headers)
    record = session.scalar(
        select(ImportMapping).where(
            ImportMapping.kind == kind,
            ImportMapping.shape == sheet_shape,
            ImportMapping.locality_id.is_(None)
            if home is None
            else ImportMapping.locality_id == home,
        )
    )
    before = audit.snapshot(record) if record else None
    if record is None:
        record = ImportMapping(
            kind=kind, shape=sheet_shape, locality_id=home, created_by=actor.user_id
        )
        session.add(record)
    record.name, record.columns = name, json.dumps(ordered, ensure_ascii=False)
    session.flush()
    audit.record(
        session, actor, AuditAction.IMPORT_MAPPING_SAVED, AuditEntity.IMPORT_MAPPING, record.id,
        locality_id=home, before=before, after=audit.snapshot(record),
    )  # fmt: skip
    return _saved(record)


def aliases(session: Session) -> dict[str, int]:
    """Every confirmed alias (normalised) → item id."""
    return {
        alias: item for alias, item in session.execute(select(ItemAlias.alias, ItemAlias.item_id))
    }


def confirm_alias(session: Session, actor: Actor, written: str, item_id: int) -> None:
    """Remember that ``written`` means the catalogue item ``item_id`` from now on. An alias
    serves every locality, so only the office re-points one that means another item."""
    may_import(actor)
    written = validation.text(written, "item_name", max_len=128)
    item = session.get(Item, item_id)
    if item is None:
        raise ValidationError("error.unknown_record", field="item", entity=AuditEntity.ITEM,
                              value=item_id)  # fmt: skip
    alias = normalise(written)
    record = session.scalar(select(ItemAlias).where(ItemAlias.alias == alias))
    before = None
    if record is None:
        record = ItemAlias(alias=alias, written=written, item_id=item.id, created_by=actor.user_id)
        session.add(record)
    elif record.item_id != item.id:
        meant = session.get(Item, record.item_id)
        if not actor.district_wide:
            raise ValidationError("import.alias_taken", field="item_name", written=written,
                                  item=meant.name if meant else record.item_id)  # fmt: skip
        before = {"written": record.written, "item": meant.name if meant else record.item_id}
        record.item_id = item.id
    session.flush()
    after = {"written": written, "item": item.name}
    audit.record(session, actor, AuditAction.ITEM_ALIAS_CONFIRMED, AuditEntity.ITEM_ALIAS,
                 record.id, before=before, after=after)  # fmt: skip

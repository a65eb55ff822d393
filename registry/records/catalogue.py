"""The item catalogue (GB/T 38565 codes) and quotas, loaded from the CSV files in ``data/``.

Only the three 大类 are official; the sub-categories are local (``source = local``) until the
standard's full code table is loaded, which needs no schema change.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import audit
from registry.kernel.enums import AuditAction, AuditEntity, DepotLevel
from registry.kernel.errors import ValidationError
from registry.kernel.models import Item, ItemCategory, Quota
from registry.kernel.permissions import Action, Actor, require
from registry.kernel.settings import DATA_DIR


def _rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _assign(record: object, values: dict[str, Any]) -> int:
    """Set values on a record; 1 when anything differed (so reloading is silent)."""
    differs = any(getattr(record, key) != value for key, value in values.items())
    for key, value in values.items():
        setattr(record, key, value)
    return int(differs)


def load_catalogue(session: Session, actor: Actor, data_dir: Path = DATA_DIR) -> int:
    """Insert or update categories, items and level quotas; returns the number of items."""
    require(actor, Action.MANAGE_CATALOGUE)
    for row in _rows(data_dir / "item_categories.csv"):
        session.merge(
            ItemCategory(
                code=row["code"],
                level=int(row["level"]),
                parent_code=row["parent_code"] or None,
                name=row["name"],
                name_en=row["name_en"],
                source=row["source"],
            )
        )
    session.flush()
    items = {item.code: item for item in session.scalars(select(Item))}
    changed = 0
    for row in _rows(data_dir / "items.csv"):
        if len(row["code"]) != 7 or not row["code"].isdigit() or row["code"][0] not in "123":
            raise ValidationError("error.bad_item_code", field="code", value=row["code"])
        item = items.get(row["code"]) or Item(code=row["code"])
        values = {
            "category_code": row["category_code"],
            "name": row["name"],
            "name_en": row["name_en"],
            "unit": row["unit"],
            "spec": row["spec"] or None,
            "shelf_life_days": int(row["shelf_life_days"]) if row["shelf_life_days"] else None,
        }
        changed += _assign(item, values)
        session.add(item)
        items[item.code] = item
    session.flush()
    for row in _rows(data_dir / "quotas.csv"):
        item = items[row["item_code"]]
        level = DepotLevel(row["depot_level"])
        quota = session.scalar(
            select(Quota).where(
                Quota.depot_level == level, Quota.depot_id.is_(None), Quota.item_id == item.id
            )
        ) or Quota(depot_level=level, item_id=item.id)
        changed += _assign(
            quota,
            {"minimum": int(row["minimum"]), "maximum": int(row["maximum"]), "basis": row["basis"]},
        )
        session.add(quota)
    session.flush()
    if changed:
        audit.record(
            session,
            actor,
            AuditAction.CATALOGUE_LOADED,
            AuditEntity.ITEM,
            None,
            after={"items": len(items), "changed": changed},
        )
    return len(items)


def set_quota(
    session: Session,
    actor: Actor,
    *,
    item_id: int,
    minimum: int,
    maximum: int,
    depot_level: DepotLevel | None = None,
    depot_id: int | None = None,
    basis: str = "",
) -> Quota:
    """Set a standing minimum and maximum for a depot level or for one depot."""
    require(actor, Action.MANAGE_CATALOGUE)
    if (depot_level is None) == (depot_id is None):
        raise ValidationError("error.quota_level_or_depot", field="depot")
    if minimum < 0 or maximum < minimum:
        raise ValidationError(
            "error.quota_range", field="minimum", minimum=minimum, maximum=maximum
        )
    quota = session.scalar(
        select(Quota).where(
            Quota.item_id == item_id, Quota.depot_level == depot_level, Quota.depot_id == depot_id
        )
    ) or Quota(item_id=item_id, depot_level=depot_level, depot_id=depot_id)
    before = audit.snapshot(quota) if quota.id else None
    quota.minimum, quota.maximum, quota.basis = minimum, maximum, basis
    session.add(quota)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.QUOTA_SET,
        AuditEntity.QUOTA,
        quota.id,
        before=before,
        after=audit.snapshot(quota),
    )
    return quota

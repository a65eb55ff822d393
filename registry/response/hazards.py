"""What a hazard threatens and calls for: which checkpoint types it exposes (and the task each
gets) and which materials an affected locality needs. Both are tables the office may change;
the defaults are committed in ``data/hazard_exposure.csv`` and ``data/hazard_materials.csv``
and loaded into an empty table."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.kernel.enums import CheckpointType, TaskKind, WarningType
from registry.kernel.models import HazardExposure, HazardMaterial, Item
from registry.kernel.settings import DATA_DIR


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_defaults(session: Session, data_dir: Path = DATA_DIR) -> int:
    """Fill the hazard tables from the committed defaults when they are empty (a table the
    office has edited is left as it is); returns the rows added."""
    added = 0
    if not session.scalar(select(func.count()).select_from(HazardExposure)):
        for row in _rows(data_dir / "hazard_exposure.csv"):
            session.add(
                HazardExposure(
                    hazard=WarningType(row["hazard"]),
                    checkpoint_type=CheckpointType(row["checkpoint_type"]),
                    task_kind=TaskKind(row["task_kind"]),
                )
            )
            added += 1
    if not session.scalar(select(func.count()).select_from(HazardMaterial)):
        items = {code: item_id for code, item_id in session.execute(select(Item.code, Item.id))}
        for row in _rows(data_dir / "hazard_materials.csv"):
            if row["item_code"] in items:
                session.add(
                    HazardMaterial(
                        hazard=WarningType(row["hazard"]),
                        item_id=items[row["item_code"]],
                        quantity_per_locality=int(row["quantity_per_locality"]),
                    )
                )
                added += 1
    session.flush()
    return added


def exposure(session: Session, hazard: WarningType) -> dict[CheckpointType, TaskKind]:
    """The checkpoint types ``hazard`` threatens, each with the task it gets."""
    rows = session.execute(
        select(HazardExposure.checkpoint_type, HazardExposure.task_kind).where(
            HazardExposure.hazard == hazard
        )
    )
    return {checkpoint_type: kind for checkpoint_type, kind in rows}


def materials(session: Session, hazard: WarningType) -> dict[int, int]:
    """Item id → quantity an affected locality needs against ``hazard``."""
    rows = session.execute(
        select(HazardMaterial.item_id, HazardMaterial.quantity_per_locality).where(
            HazardMaterial.hazard == hazard
        )
    )
    return {item_id: quantity for item_id, quantity in rows}

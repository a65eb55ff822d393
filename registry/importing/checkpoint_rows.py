"""Checkpoint rows: hazard points (隐患点), each written by ``records.create_checkpoint``
after their coordinates are converted to WGS-84."""

from __future__ import annotations

from registry.importing.cells import RowCells
from registry.importing.choices import normalise
from registry.importing.lookups import Lookups
from registry.importing.planned import Planned
from registry.kernel.enums import CheckpointType, RiskLevel
from registry.records import commands as records

KEY_COLUMN = "checkpoint_name"
# Use-case field → column, for a refusal raised while writing; None: a permission refusal.
FIELD_COLUMNS = {
    None: "locality",
    "name": "checkpoint_name",
    "type": "type",
    "risk_level": "risk_level",
    "locality": "locality",
    "location": "lon",
    "address": "address",
    "responsible_person": "responsible_person",
    "responsible_phone": "responsible_phone",
    "monitor": "monitor",
    "monitor_phone": "monitor_phone",
}


def check(cells: RowCells, look: Lookups) -> Planned | None:
    name = cells.text("checkpoint_name", required=True)
    data = {
        "name": name,
        "type": cells.choice("type", CheckpointType, required=True),
        "risk_level": cells.choice("risk_level", RiskLevel, required=True),
    }
    locality = look.locality(cells, "locality")
    point = cells.point("lon", "lat", "crs", required=True)
    data |= {
        "address": cells.text("address", max_len=255),
        "responsible_person": cells.text("responsible_person", max_len=64, personal=True),
        "responsible_phone": cells.phone("responsible_phone"),
        "monitor": cells.text("monitor", max_len=64, personal=True),
        "monitor_phone": cells.phone("monitor_phone"),
    }
    if not cells.ok:
        return None
    # cells.ok: the required cells were read
    assert name is not None and locality is not None and point is not None
    key = (normalise(name), locality.id)
    if key in look.checkpoint_keys:
        cells.problem("checkpoint_name", "already_exists", place=locality.name)
        return None
    data["locality_id"] = locality.id
    data["lon"], data["lat"] = point
    return Planned(
        key,
        ("checkpoints",),
        lambda session, actor, _today: records.create_checkpoint(session, actor, data),
    )

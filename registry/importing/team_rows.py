"""Team rows: new teams, each written by ``records.create_team``."""

from __future__ import annotations

from registry.importing.cells import RowCells
from registry.importing.choices import normalise
from registry.importing.lookups import Lookups
from registry.importing.planned import Planned
from registry.kernel.enums import Specialty, TeamKind, TeamStaffing
from registry.records import commands as records

MAX_HEADCOUNT = 1000  # the use-case refuses more as implausible
KEY_COLUMN = "team"
# Use-case field → column, for a refusal raised while writing; None: a permission refusal.
FIELD_COLUMNS = {
    None: "locality",
    "name": "team",
    "kind": "kind",
    "staffing": "staffing",
    "specialties": "specialties",
    "locality": "locality",
    "base location": "base_lon",
    "target_headcount": "target_headcount",
    "leader": "leader",
    "leader_phone": "leader_phone",
    "equipment": "equipment",
}


def check(cells: RowCells, look: Lookups) -> Planned | None:
    name = cells.text("team", required=True)
    locality = look.locality(cells, "locality")
    data = {
        "name": name,
        "kind": cells.choice("kind", TeamKind, required=True),
        "staffing": cells.choice("staffing", TeamStaffing, required=True),
        "specialties": [s.value for s in cells.choice_list("specialties", Specialty) if s],
        "target_headcount": cells.integer("target_headcount", minimum=0, maximum=MAX_HEADCOUNT)
        or 0,
        "leader": cells.text("leader", max_len=64, personal=True),
        "leader_phone": cells.phone("leader_phone"),
        "equipment": cells.text("equipment", max_len=2000),
    }
    point = cells.point("base_lon", "base_lat", "crs")
    if not cells.ok:
        return None
    assert name is not None and locality is not None  # cells.ok: the required cells were read
    if look.team_exists(name, locality.id):
        cells.problem("team", "already_exists", place=locality.name)
        return None
    data["locality_id"] = locality.id
    data["base_lon"], data["base_lat"] = point or (None, None)
    return Planned(
        (normalise(name), locality.id),
        ("teams",),
        lambda session, actor, _today: records.create_team(session, actor, data),
    )

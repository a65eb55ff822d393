"""Member rows: the personnel census (人员摸底) of existing teams, each written by
``records.add_member``. Nothing resembling an ID-card number gets through."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from registry.importing.cells import RowCells
from registry.importing.choices import normalise
from registry.importing.lookups import Lookups
from registry.importing.planned import Planned
from registry.kernel.permissions import Actor
from registry.records import commands as records

KEY_COLUMN = "member_name"
# Use-case field → column, for a refusal raised while writing; None: a permission refusal.
FIELD_COLUMNS = {
    None: "team",
    "id": "team",
    "name": "member_name",
    "age_band": "age_band",
    "skills": "skills",
    "phone": "phone",
    "last_training_on": "last_training_on",
}


def check(cells: RowCells, look: Lookups) -> Planned | None:
    team = look.team(cells, "team")
    name = cells.text("member_name", required=True, max_len=64, personal=True)
    data = {
        "name": name,
        "age_band": cells.choice("age_band", records.AGE_BANDS),
        "skills": cells.text("skills", max_len=255, personal=True),
        "phone": cells.phone("phone"),
        "last_training_on": cells.date("last_training_on", latest=look.today),
    }
    if not cells.ok:
        return None
    assert team is not None and name is not None  # cells.ok: the required cells were read
    key = (team.id, normalise(name))
    if key in look.member_keys:
        cells.problem("member_name", "already_exists", place=team.name)
        return None

    def write(session: Session, actor: Actor, today: date) -> object:
        return records.add_member(session, actor, team.id, data, today=today)

    return Planned(key, ("team_members",), write)

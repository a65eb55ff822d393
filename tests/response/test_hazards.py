"""The hazard tables: committed defaults loaded into empty tables only, read per hazard."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from registry.kernel import db
from registry.kernel.enums import CheckpointType, TaskKind, WarningType
from registry.kernel.models import HazardExposure, HazardMaterial, Item
from registry.response import hazards


def test_defaults_say_what_a_rainstorm_threatens_and_needs(factory):
    with factory() as session:
        exposed = hazards.exposure(session, WarningType.RAINSTORM)
        assert exposed[CheckpointType.WATERLOGGING] is TaskKind.EVACUATE
        assert CheckpointType.BILLBOARD not in exposed  # a typhoon's, not a rainstorm's
        needed = hazards.materials(session, WarningType.RAINSTORM)
        sandbags = session.scalar(select(Item.id).where(Item.name == "编织袋"))
        assert needed[sandbags] == 2000


def test_an_edited_table_is_not_overwritten_by_the_defaults(factory):
    with db.transaction(factory) as session:
        session.execute(delete(HazardExposure).where(HazardExposure.hazard != WarningType.HEAT))
        kept = session.scalar(select(func.count()).select_from(HazardExposure))
        assert kept > 0
        assert hazards.load_defaults(session) == 0  # both tables hold rows: nothing added
        assert session.scalar(select(func.count()).select_from(HazardExposure)) == kept
        assert session.scalar(select(func.count()).select_from(HazardMaterial)) > 0

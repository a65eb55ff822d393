"""The real Haizhou localities: loaded from the committed cells, replaceable by official
boundaries (``python -m prepare localities FILE``)."""

from __future__ import annotations

import json
from typing import Any

from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import audit
from registry.kernel.district import CELLS_FILE, load_geojson
from registry.kernel.enums import AuditAction, AuditEntity, BoundarySource, LocalityKind
from registry.kernel.models import Locality
from registry.kernel.permissions import Action, Actor, require

KIND_BY_LABEL = {"街道": LocalityKind.SUBDISTRICT, "镇": LocalityKind.TOWN}


def load_reference_localities(session: Session, actor: Actor) -> int:
    """Insert the 19 township-level units with their approximate cells (idempotent)."""
    require(actor, Action.MANAGE_LOCALITIES)
    existing = {loc.mca_code: loc for loc in session.scalars(select(Locality))}
    added = 0
    for feature in load_geojson(CELLS_FILE)["features"]:
        props = feature["properties"]
        if props["mca_code"] in existing:
            continue
        session.add(
            Locality(
                nbs_code=props["nbs_code"],
                mca_code=props["mca_code"],
                name=props["name"],
                kind=KIND_BY_LABEL[props["kind"]],
                village_committees=props["village_committees"],
                seat_lon=props["seat_lon"],
                seat_lat=props["seat_lat"],
                seat_status=props["seat_status"],
                boundary_geojson=json.dumps(feature["geometry"]),
                boundary_source=BoundarySource.APPROXIMATE,
                boundary_note=props["boundary_note"],
            )
        )
        added += 1
    session.flush()
    if added:
        audit.record(
            session,
            actor,
            AuditAction.LOCALITIES_LOADED,
            AuditEntity.LOCALITY,
            None,
            after={"added": added, "source": CELLS_FILE.name},
        )
    return added


def replace_boundaries(
    session: Session, actor: Actor, polygons: dict[str, Any], *, source_note: str
) -> list[str]:
    """Store official polygons (keyed by 9-digit MCA code); returns the names updated."""
    require(actor, Action.MANAGE_LOCALITIES)
    updated = []
    by_code = {loc.mca_code: loc for loc in session.scalars(select(Locality))}
    for code, geometry in sorted(polygons.items()):
        locality = by_code[code]
        before = {
            "boundary_source": locality.boundary_source.value,
            "boundary_note": locality.boundary_note,
        }
        locality.boundary_geojson = json.dumps(mapping(geometry))
        locality.boundary_source = BoundarySource.OFFICIAL
        locality.boundary_note = source_note
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.LOCALITY_BOUNDARY_REPLACED,
            AuditEntity.LOCALITY,
            locality.id,
            locality_id=locality.id,
            before=before,
            after={"boundary_source": "official", "boundary_note": source_note},
        )
        updated.append(locality.name)
    return updated

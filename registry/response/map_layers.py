"""What the office map (一张图) shows of the response: the warnings in force as areas and
the broadcast terminals as points (plain dicts, like ``registry.mapdata``'s rows)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from shapely.geometry import mapping, shape
from shapely.ops import unary_union
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.kernel.audit import WHOLE_DATABASE
from registry.kernel.enums import AuditEntity, WarningState
from registry.kernel.models import BroadcastTerminal, EarlyWarning, Locality
from registry.response.area import locality_outline


class TerminalPoint(TypedDict):
    key: str
    id: int
    name: str
    locality: str
    village: str | None
    level: str
    terminal_type: str
    status: str
    lon: float
    lat: float
    is_demo: bool


TERMINAL_READS = WHOLE_DATABASE | {AuditEntity.BROADCAST_TERMINAL}
WARNING_READS = WHOLE_DATABASE | {AuditEntity.WARNING, AuditEntity.EVENT}


def terminal_rows(session: Session, locality_ids: Sequence[int] = ()) -> list[TerminalPoint]:
    """Every broadcast terminal (of ``locality_ids`` when given)."""
    query = select(BroadcastTerminal, Locality.name).join(
        Locality, Locality.id == BroadcastTerminal.locality_id
    )
    if locality_ids:
        query = query.where(BroadcastTerminal.locality_id.in_(locality_ids))
    return [
        {
            "key": f"b{terminal.id}",
            "id": terminal.id,
            "name": terminal.name,
            "locality": locality,
            "village": terminal.village,
            "level": terminal.level.value,
            "terminal_type": terminal.terminal_type.value,
            "status": terminal.status.value,
            "lon": terminal.lon,
            "lat": terminal.lat,
            "is_demo": terminal.is_demo,
        }
        for terminal, locality in session.execute(query.order_by(BroadcastTerminal.id))
    ]


def warning_areas(session: Session, now: datetime) -> dict[str, Any]:
    """The warnings in force as a FeatureCollection, most severe drawn last (on top): the
    issued polygon, or the outlines of the localities a code-only warning touches."""
    warnings = session.scalars(
        select(EarlyWarning)
        .options(selectinload(EarlyWarning.localities))
        .where(
            EarlyWarning.state == WarningState.IN_FORCE,
            EarlyWarning.effective_at <= now,
            EarlyWarning.expires_at > now,
        )
    ).all()
    order = ["blue", "yellow", "orange", "red"]
    features = []
    for warning in sorted(warnings, key=lambda w: order.index(w.level.value)):
        if warning.area_geojson:
            data = json.loads(warning.area_geojson)
            geometry = shape(data.get("geometry", data))
        else:
            outlines = [o for o in map(locality_outline, warning.localities) if o is not None]
            if not outlines:
                continue
            geometry = unary_union(outlines)
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(geometry.simplify(0.0005)),
                "properties": {
                    "id": warning.id,
                    "headline": warning.headline,
                    "level": warning.level.value,
                    "warning_type": warning.warning_type.value,
                    "expires_at": warning.expires_at.isoformat(),
                    "is_demo": warning.is_demo,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}

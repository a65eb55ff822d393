"""Reading a national early-warning message (GB/T 35965.1-2018, a profile of OASIS CAP 1.2).

lxml reads the XML without entities, DTDs or network; everything the registry keeps is
checked here and a refusal names the element (``cap.<element>``) in the user's language.
Colours come from the profile's severity (Red/Orange/Yellow/Blue, or CAP's Extreme/Severe/
Moderate/Minor) or else from the headline's 红色/橙色/黄色/蓝色; the type from the event's
name among the 14 meteorological signals and the hydrological and geological warnings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from shapely.geometry import Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from registry.kernel.enums import WarningLevel, WarningType
from registry.kernel.errors import ValidationError

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_BYTES = 1_000_000

# Longest names first, so 雷雨大风 is a gale and 沙尘暴 is not 暴 anything.
TYPE_NAMES: tuple[tuple[str, WarningType], ...] = (
    ("道路结冰", WarningType.ROAD_ICING),
    ("地质灾害", WarningType.GEOLOGICAL),
    ("沙尘暴", WarningType.SANDSTORM),
    ("台风", WarningType.TYPHOON),
    ("暴雨", WarningType.RAINSTORM),
    ("暴雪", WarningType.SNOWSTORM),
    ("寒潮", WarningType.COLD_WAVE),
    ("大风", WarningType.GALE),
    ("高温", WarningType.HEAT),
    ("干旱", WarningType.DROUGHT),
    ("雷电", WarningType.LIGHTNING),
    ("冰雹", WarningType.HAIL),
    ("霜冻", WarningType.FROST),
    ("大雾", WarningType.FOG),
    ("霾", WarningType.HAZE),
    ("山洪", WarningType.FLOOD),
    ("洪水", WarningType.FLOOD),
    ("水文", WarningType.FLOOD),
    ("滑坡", WarningType.GEOLOGICAL),
    ("崩塌", WarningType.GEOLOGICAL),
)
SEVERITIES = {
    "red": WarningLevel.RED,
    "extreme": WarningLevel.RED,
    "orange": WarningLevel.ORANGE,
    "severe": WarningLevel.ORANGE,
    "yellow": WarningLevel.YELLOW,
    "moderate": WarningLevel.YELLOW,
    "blue": WarningLevel.BLUE,
    "minor": WarningLevel.BLUE,
}
COLOUR_WORDS = (
    ("红色", WarningLevel.RED),
    ("橙色", WarningLevel.ORANGE),
    ("黄色", WarningLevel.YELLOW),
    ("蓝色", WarningLevel.BLUE),
)
REGISTERED_STATUSES = {"Actual", "Exercise"}
MESSAGE_TYPES = {"Alert", "Update", "Cancel"}


@dataclass(frozen=True)
class Reference:
    """One message an Update or Cancel names: ``sender,identifier,sent``."""

    sender: str
    identifier: str


@dataclass(frozen=True)
class Message:
    """What the registry keeps of a CAP message (times as naive UTC)."""

    identifier: str
    sender: str
    sent_at: datetime
    status: str
    msg_type: str
    references: tuple[Reference, ...]
    warning_type: WarningType | None = None
    level: WarningLevel | None = None
    headline: str = ""
    sender_name: str | None = None
    description: str | None = None
    instruction: str | None = None
    effective_at: datetime | None = None
    expires_at: datetime | None = None
    area_description: str | None = None
    area: BaseGeometry | None = None  # WGS-84 lon/lat
    area_codes: tuple[str, ...] = field(default=())

    @property
    def area_geojson(self) -> str | None:
        return None if self.area is None else json.dumps(mapping(self.area))


def _refuse(key: str, element: str, **params: Any) -> ValidationError:
    return ValidationError(key, field=f"cap.{element}", **params)


def _child(node: etree._Element, name: str) -> etree._Element | None:
    return node.find(f"{{{NAMESPACE}}}{name}")


def _text(node: etree._Element, name: str, *, required: bool = False) -> str | None:
    found = _child(node, name)
    value = (found.text or "").strip() if found is not None else ""
    if not value and required:
        raise _refuse("error.cap_missing", name)
    return value or None


def _time(node: etree._Element, name: str, *, required: bool = False) -> datetime | None:
    value = _text(node, name, required=required)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _refuse("error.cap_time", name, value=value[:40]) from None
    if moment.tzinfo is None:  # CAP requires an offset; Beijing time is what China sends
        raise _refuse("error.cap_time", name, value=value[:40])
    return moment.astimezone(UTC).replace(tzinfo=None)


def _polygon(text: str) -> Polygon:
    """CAP's ``lat,lon lat,lon …`` ring (closed, at least four pairs) as a lon/lat polygon."""
    try:
        pairs = [tuple(float(v) for v in pair.split(",")) for pair in text.split()]
        ring = [(lon, lat) for lat, lon in pairs]
    except ValueError:
        raise _refuse("error.cap_polygon", "polygon") from None
    if len(ring) < 4 or ring[0] != ring[-1] or any(len(p) != 2 for p in pairs):
        raise _refuse("error.cap_polygon", "polygon")
    if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring):
        raise _refuse("error.cap_polygon", "polygon")
    polygon = Polygon(ring)
    return polygon if polygon.is_valid else polygon.buffer(0)


def _area(info: etree._Element) -> tuple[str | None, BaseGeometry | None, tuple[str, ...]]:
    descriptions, shapes, codes = [], [], []
    for area in info.iterfind(f"{{{NAMESPACE}}}area"):
        if (text := _text(area, "areaDesc")) is not None:
            descriptions.append(text)
        shapes += [_polygon(p.text or "") for p in area.iterfind(f"{{{NAMESPACE}}}polygon")]
        for geocode in area.iterfind(f"{{{NAMESPACE}}}geocode"):
            value = _text(geocode, "value")
            if value:
                codes.append(value)
    geometry = unary_union(shapes) if shapes else None
    return "、".join(descriptions) or None, geometry, tuple(dict.fromkeys(codes))


def warning_type(*texts: str | None) -> WarningType | None:
    """The type named in the event or headline, if any."""
    for text in texts:
        for name, kind in TYPE_NAMES:
            if text and name in text:
                return kind
    return None


def _level(severity: str | None, *texts: str | None) -> WarningLevel | None:
    found = SEVERITIES.get((severity or "").strip().lower())
    if found is not None:
        return found
    for text in texts:
        for word, level in COLOUR_WORDS:
            if text and word in text:
                return level
    return None


def _references(text: str | None) -> tuple[Reference, ...]:
    if not text:
        return ()
    found = []
    for item in text.split():
        parts = item.split(",")
        if len(parts) != 3 or not parts[1]:
            raise _refuse("error.cap_references", "references", value=item[:80])
        found.append(Reference(parts[0], parts[1]))
    return tuple(found)


def _root(data: bytes) -> etree._Element:
    if len(data) > MAX_BYTES:
        raise _refuse("error.cap_too_large", "alert", limit=MAX_BYTES // 1000)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise _refuse("error.cap_malformed", "alert", detail=str(error)[:120]) from None
    if root.tag != f"{{{NAMESPACE}}}alert":
        raise _refuse("error.cap_not_cap", "alert")
    return root


def parse(data: bytes) -> Message:
    """The message in ``data``, or a ValidationError naming the element that is wrong."""
    root = _root(data)
    status = _text(root, "status", required=True) or ""
    msg_type = _text(root, "msgType", required=True) or ""
    if msg_type not in MESSAGE_TYPES:
        raise _refuse("error.cap_value", "msgType", value=msg_type[:20])
    references = _references(_text(root, "references"))
    if msg_type != "Alert" and not references:
        raise _refuse("error.cap_missing", "references")
    info = _child(root, "info")
    if info is None and msg_type != "Cancel":
        raise _refuse("error.cap_missing", "info")
    identifier = _text(root, "identifier", required=True) or ""
    sender = _text(root, "sender", required=True) or ""
    sent_at = _time(root, "sent", required=True)
    assert sent_at is not None  # required
    header = (identifier, sender, sent_at, status, msg_type, references)
    if info is None:  # a Cancel may say no more than which message it cancels
        return Message(*header)
    event, headline = _text(info, "event", required=True), _text(info, "headline")
    description, area = _text(info, "description"), _area(info)
    return Message(
        *header,
        warning_type=warning_type(event, headline),
        level=_level(_text(info, "severity"), headline, event, description),
        headline=headline or event or "",
        sender_name=_text(info, "senderName"),
        description=description,
        instruction=_text(info, "instruction"),
        effective_at=_time(info, "effective") or _time(info, "onset"),
        expires_at=_time(info, "expires"),
        area_description=area[0],
        area=area[1],
        area_codes=area[2],
    )

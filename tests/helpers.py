"""Small builders shared by the tests: depots and items through the real use-cases."""

from __future__ import annotations

from sqlalchemy import select

from registry.kernel.models import Item, Locality
from registry.records.commands import create_depot

# A point inside 新浦街道's approximate cell and inside 板浦镇's.
XINPU_POINT = (119.19, 34.606)
BANPU_POINT = (119.241482, 34.488027)


def locality(session, name: str) -> Locality:
    return session.scalar(select(Locality).where(Locality.name == name))


def item(session, name: str) -> Item:
    return session.scalar(select(Item).where(Item.name == name))


def depot(session, actor, name="测试镇街库", *, level="town", place="新浦街道", point=XINPU_POINT):
    return create_depot(
        session,
        actor,
        {
            "name": name,
            "level": level,
            "locality_id": locality(session, place).id,
            "lon": point[0],
            "lat": point[1],
            "manager": "王明",
            "manager_phone": "138-0000-0000",
        },
    )

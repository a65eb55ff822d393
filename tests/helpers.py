"""Small builders shared by the tests: depots and items through the real use-cases."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from registry.accounts import tokens
from registry.kernel.clock import utcnow
from registry.kernel.db import transaction
from registry.kernel.models import Item, Locality
from registry.kernel.permissions import SYSTEM
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


_token_names = itertools.count()


def api_token(scope: str, localities: tuple[str, ...] = ()) -> tuple[str, str]:
    """A new API token (its name and the token) on the database the app server uses."""
    from web import state

    name = f"api-{scope}-{next(_token_names)}"
    with transaction(state.factory()) as session:
        ids = [locality(session, place).id for place in localities]
        _, plain = tokens.create_token(
            session, SYSTEM, name=name, scope=scope, locality_ids=ids,
            district=not localities, now=utcnow(),
        )  # fmt: skip
    return name, plain


def bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}

"""Who may do what, decided in one place and checked by every use-case.

Hiding a menu in the UI is a convenience; this module is the protection.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from registry.kernel.enums import DepotLevel, Role
from registry.kernel.errors import PermissionDenied

if TYPE_CHECKING:
    from registry.kernel.models import User


class Action(StrEnum):
    EDIT_LOCAL_RECORDS = "edit_local_records"  # town depots, teams, checkpoints, stock
    EDIT_DISTRICT_DEPOTS = "edit_district_depots"  # 区级库 and their stock
    MANAGE_LOCALITIES = "manage_localities"
    MANAGE_CATALOGUE = "manage_catalogue"  # items and quotas
    MANAGE_USERS = "manage_users"
    MANAGE_CAMPAIGNS = "manage_campaigns"  # 专项检查 are organised by the district office
    SIGN_OFF_RECTIFICATION = "sign_off_rectification"  # 重大隐患 close-out needs the office
    EDIT_DISTRICT_PLANS = "edit_district_plans"  # district and department plans
    PUBLISH_READINESS = "publish_readiness"  # snapshots of the scorecard and weekly circulars
    MANAGE_RESPONSE = "manage_response"  # warnings and events: the district office's duty
    REPORT_DISASTER = "report_disaster"  # 灾情报送 and its registers: a town for itself
    VIEW = "view"


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.OFFICE: frozenset(Action) - {Action.MANAGE_USERS},
    Role.TOWN: frozenset({Action.EDIT_LOCAL_RECORDS, Action.REPORT_DISASTER, Action.VIEW}),
    Role.LEADER: frozenset({Action.VIEW}),
}

# Actions a town official may take for their own localities only.
LOCALITY_SCOPED = frozenset({Action.EDIT_LOCAL_RECORDS, Action.REPORT_DISASTER})

# Roles that see records of every locality when writing; town officials are scoped.
DISTRICT_WIDE = frozenset({Role.ADMIN, Role.OFFICE})


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the core sees it: never an ORM object, so it is safe to keep."""

    user_id: int | None
    username: str
    role: Role
    locality_ids: frozenset[int] = frozenset()
    display_name: str = ""

    @classmethod
    def from_user(cls, user: User) -> Actor:
        return cls(
            user_id=user.id,
            username=user.username,
            role=Role(user.role),
            locality_ids=frozenset(loc.id for loc in user.localities),
            display_name=user.display_name,
        )

    @property
    def district_wide(self) -> bool:
        return self.role in DISTRICT_WIDE

    def can(self, action: Action) -> bool:
        return action in ROLE_ACTIONS[self.role]

    def covers(self, locality_id: int | None) -> bool:
        """True when the actor may write records of this locality."""
        return self.district_wide or (locality_id is not None and locality_id in self.locality_ids)

    def keeps_records_of(self, locality_id: int | None) -> bool:
        """True when the actor may change the local records (town depots, teams, members,
        checkpoints, stock) of this locality: what a page offers as writable."""
        return self.can(Action.EDIT_LOCAL_RECORDS) and self.covers(locality_id)

    @property
    def sees_every_locality(self) -> bool:
        """Office and admin act district-wide; leaders read everything. Town officials read
        the detail of their own localities only."""
        return self.district_wide or self.role is Role.LEADER

    @property
    def sees_phone_numbers(self) -> bool:
        """Leaders read summaries; phone numbers are for the people who act on them."""
        return self.role is not Role.LEADER


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, display_name="system")


def require(actor: Actor, action: Action, locality_id: int | None = None) -> None:
    """Refuse unless the actor's role allows ``action`` in ``locality_id``."""
    if not actor.can(action):
        raise PermissionDenied("error.denied", user=actor.username, role=actor.role, action=action)
    if action in LOCALITY_SCOPED and locality_id is not None and not actor.covers(locality_id):
        raise PermissionDenied("error.denied_locality", user=actor.username, locality=locality_id)


def require_depot_write(actor: Actor, level: DepotLevel, locality_id: int) -> None:
    """District depots belong to the district office; town depots to their locality."""
    if level is DepotLevel.DISTRICT:
        require(actor, Action.EDIT_DISTRICT_DEPOTS)
    else:
        require(actor, Action.EDIT_LOCAL_RECORDS, locality_id)

"""The demo accounts: one per role and four town offices, all with the published password."""

from __future__ import annotations

from registry.accounts.users import create_user
from registry.demo._context import _Seed
from registry.demo.people import _phone
from registry.kernel.enums import Role
from registry.kernel.models import User

DEMO_PASSWORD = "Haizhou-demo-2026"
DEMO_USERS: list[tuple[str, Role, str | None]] = [
    ("admin", Role.ADMIN, None),
    ("office", Role.OFFICE, None),
    ("leader", Role.LEADER, None),
    ("xinpu", Role.TOWN, "新浦街道"),
    ("banpu", Role.TOWN, "板浦镇"),
    ("huaguoshan", Role.TOWN, "花果山街道"),
    ("jinping", Role.TOWN, "锦屏镇"),
]
_DISPLAY_NAMES = {
    "admin": "系统管理员（演示）",
    "office": "区应急管理局值班员（演示）",
    "leader": "区领导（演示）",
    "xinpu": "新浦街道应急办（演示）",
    "banpu": "板浦镇应急办（演示）",
    "huaguoshan": "花果山街道应急办（演示）",
    "jinping": "锦屏镇应急办（演示）",
}


def _create_users(seed: _Seed) -> dict[str, User]:
    users = {}
    for username, role, locality in DEMO_USERS:
        users[username] = create_user(
            seed.session,
            seed.actor,
            username=username,
            display_name=_DISPLAY_NAMES[username],
            role=role,
            password=DEMO_PASSWORD,
            locality_ids=[seed.localities[locality].id] if locality else [],
            phone=_phone(seed.rng),
            is_demo=True,
        )
    return users

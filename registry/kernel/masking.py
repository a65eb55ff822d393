"""Phone numbers are shown whole only to roles that act on them; the names of people in the
disaster registers whole only to the district office and admin."""

import re

from registry.kernel.permissions import Actor

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str | None) -> str | None:
    """Keep the first three and last four digits: 138-1234-5678 → 138****5678."""
    if not phone:
        return phone
    digits = "".join(_DIGITS.findall(phone))
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def phone_for(actor: Actor, phone: str | None) -> str | None:
    return phone if actor.sees_phone_numbers else mask_phone(phone)


def mask_name(name: str) -> str:
    """Keep the first and last characters: 张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]

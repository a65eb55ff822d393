"""Phone numbers are shown whole only to roles that act on them."""

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

"""The rules a town's 快报 figures obey before a report is filed (应急〔2020〕19号): each value
a non-negative whole number or a decimal of two places in its unit, parts within their
wholes, a sharp change on the previous report explained in writing, and the named registers
agreeing with the figures they stand behind. Pure: the use-case passes what it has read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from registry.disasters.indicators import BY_KEY, INDICATORS, Figures, Indicator
from registry.kernel.errors import Term, ValidationError

MAXIMUM = Decimal(10_000_000)
"""No figure of one town reaches this (Haizhou has about a million people and 70,000
hectares); a larger one is a typing error. Also keeps hundredths within a 32-bit column."""
CENT = Decimal("0.01")

REGISTER_KEYS = {
    "casualties": ("deaths", "missing"),
    "houses": ("collapsed_households", "collapsed_rooms", "severe_rooms", "moderate_rooms"),
}
"""The figures each named register stands behind: they must equal the register's tallies."""


@dataclass(frozen=True)
class PartRule:
    """``parts`` summed may not exceed ``whole``; ``only_if_whole`` skips the rule while the
    whole is still nought (倒塌户 before its rooms are counted)."""

    parts: tuple[str, ...]
    whole: str
    term: str  # label key of the parts as one phrase
    only_if_whole: bool = False


PART_RULES = (
    PartRule(("deaths", "missing"), "affected_people", "disaster.part.deaths_missing"),
    PartRule(("relocated",), "affected_people", "disaster.indicator.relocated"),
    PartRule(("needing_aid",), "affected_people", "disaster.indicator.needing_aid"),
    PartRule(("crop_failed_ha",), "crop_affected_ha", "disaster.indicator.crop_failed_ha"),
    PartRule(
        ("collapsed_households",),
        "collapsed_rooms",
        "disaster.indicator.collapsed_households",
        only_if_whole=True,
    ),
)


def label(key: str) -> Term:
    """An indicator named in a refusal by its label."""
    return Term(f"disaster.indicator.{key}", key)


def _unit(indicator: Indicator) -> Term:
    return Term(f"disaster.unit.{indicator.unit}", indicator.unit)


def _number(indicator: Indicator, raw: object) -> Decimal:
    key = indicator.key
    if isinstance(raw, bool):
        raise ValidationError("error.disaster_not_a_number", field=key, value=raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Decimal(0)
    try:
        value = Decimal(raw.strip()) if isinstance(raw, str) else Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationError("error.disaster_not_a_number", field=key, value=raw) from None
    if not value.is_finite():
        raise ValidationError("error.disaster_not_a_number", field=key, value=raw)
    if value < 0:
        raise ValidationError("error.disaster_negative", field=key, value=raw)
    if value > MAXIMUM:
        raise ValidationError("error.disaster_too_large", field=key, value=raw, limit=MAXIMUM)
    return value


def parse(raw: Mapping[str, object]) -> Figures:
    """Every indicator from the form's values (a blank or missing one is nought): counts as
    ``int``, areas and money as ``Decimal`` of two places."""
    unknown = sorted(set(raw) - set(BY_KEY))
    if unknown:
        raise ValidationError("error.disaster_unknown_indicator", field=unknown[0])
    figures: Figures = {}
    for indicator in INDICATORS:
        value = _number(indicator, raw.get(indicator.key))
        if indicator.kind == "count":
            if value != value.to_integral_value():
                raise ValidationError(
                    "error.disaster_not_whole", field=indicator.key, value=raw.get(indicator.key),
                    unit=_unit(indicator),
                )  # fmt: skip
            figures[indicator.key] = int(value)
        else:
            if value != value.quantize(CENT):
                raise ValidationError(
                    "error.disaster_places", field=indicator.key, value=raw.get(indicator.key),
                    unit=_unit(indicator),
                )  # fmt: skip
            figures[indicator.key] = value.quantize(CENT)
    return figures


def check_parts(figures: Figures) -> None:
    """Parts within their wholes: 死亡+失踪, 紧急转移安置 and 需紧急生活救助 ≤ 受灾人口;
    绝收 ≤ 受灾面积; 倒塌户 ≤ 倒塌间 once rooms are counted."""
    for rule in PART_RULES:
        part = sum(figures[key] for key in rule.parts)
        whole = figures[rule.whole]
        if rule.only_if_whole and not whole:
            continue
        if part > whole:
            raise ValidationError(
                "error.disaster_part_exceeds", field=rule.parts[0], part=Term(rule.term, "+".join(
                    rule.parts)), value=part, whole=label(rule.whole), total=whole,
            )  # fmt: skip


def sharp_changes(figures: Figures, previous: Figures, factor: float) -> list[str]:
    """Indicators that fell, or rose to more than ``factor`` times the previous figure (from
    nought there is no ratio: a first figure is never a sharp change)."""
    limit = Decimal(str(factor))
    return [
        key
        for key in BY_KEY
        if figures[key] < previous[key]
        or (previous[key] > 0 and figures[key] > limit * previous[key])
    ]


def check_change(
    figures: Figures, previous: Figures | None, factor: float, explanation: str | None
) -> None:
    """A sharp change on the town's previous report needs a written explanation (书面说明)."""
    if previous is None or explanation:
        return
    changed = sharp_changes(figures, previous, factor)
    if changed:
        key = changed[0]
        raise ValidationError(
            "error.disaster_explanation", field="explanation", indicator=label(key),
            before=previous[key], after=figures[key], factor=factor, count=len(changed),
        )  # fmt: skip


def check_registers(figures: Figures, registered: Mapping[str, int]) -> None:
    """死亡/失踪 equal the casualty register's dead/missing; 倒塌户 and the rooms by damage equal
    the household register's collapsed entries and room sums."""
    for register, keys in REGISTER_KEYS.items():
        for key in keys:
            if figures[key] != registered[key]:
                raise ValidationError(
                    "error.disaster_register_mismatch", field=key, value=figures[key],
                    register=Term(f"disaster.register.{register}", register),
                    count=registered[key],
                )  # fmt: skip

"""The 快报 indicators a disaster report carries (自然灾害情况统计调查制度 快报表 and
救灾工作情况统计快报表): their columns on ``DisasterReport``, units and whether they are whole
numbers. Pages, checks, the roll-up and the district workbook all read this one list, so a
new indicator is added here and in the model only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Kind = Literal["count", "decimal"]


@dataclass(frozen=True)
class Indicator:
    """One figure: ``key`` is the ``DisasterReport`` column and the label key
    (``disaster.indicator.<key>``); ``unit`` that of its unit (``disaster.unit.<unit>``)."""

    key: str
    unit: str
    kind: Kind = "count"
    relief: bool = False  # 救灾工作 (relief work) rather than 灾情 (losses)


INDICATORS: tuple[Indicator, ...] = (
    Indicator("affected_people", "person"),  # 受灾人口
    Indicator("deaths", "person"),  # 因灾死亡人口
    Indicator("missing", "person"),  # 因灾失踪人口
    Indicator("relocated", "person"),  # 紧急转移安置人口
    Indicator("needing_aid", "person"),  # 需紧急生活救助人口
    Indicator("collapsed_households", "household"),  # 倒塌房屋 户
    Indicator("collapsed_rooms", "room"),  # 倒塌房屋 间
    Indicator("severe_rooms", "room"),  # 严重损坏房屋 间
    Indicator("moderate_rooms", "room"),  # 一般损坏房屋 间
    Indicator("crop_affected_ha", "hectare", "decimal"),  # 农作物受灾面积
    Indicator("crop_failed_ha", "hectare", "decimal"),  # 绝收面积
    Indicator("direct_loss", "ten_thousand_yuan", "decimal"),  # 直接经济损失
    Indicator("relief_forces", "person_time", relief=True),  # 投入应急力量 人次
    Indicator("relief_materials", "piece", relief=True),  # 调拨/发放物资 件(套)
    Indicator("relief_funds", "ten_thousand_yuan", "decimal", relief=True),  # 救助资金
)
KEYS: tuple[str, ...] = tuple(indicator.key for indicator in INDICATORS)
BY_KEY: dict[str, Indicator] = {indicator.key: indicator for indicator in INDICATORS}

Figures = dict[str, int | Decimal]
"""Indicator key → value (``int`` for counts, ``Decimal`` with two places otherwise)."""


def zero() -> Figures:
    """Every indicator at nought."""
    return {i.key: (0 if i.kind == "count" else Decimal("0.00")) for i in INDICATORS}


def of(report: object) -> Figures:
    """The figures a report (or any object with the indicator attributes) carries."""
    return {key: getattr(report, key) for key in KEYS}


def add(total: Figures, more: Figures) -> Figures:
    """Two sets of figures summed indicator by indicator."""
    return {key: total[key] + more[key] for key in KEYS}

"""The columns of each import, in template order: what the template offers, what the
reader accepts as a header and what the instructions sheet explains.

Headers and help texts live in the catalogues (``import.col.<key>``,
``import.help.<kind>.<key>``); a header is recognised in Chinese or English, as its key, or
as one of the synonyms offices use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from registry.importing.choices import Choices, normalise
from registry.kernel import i18n
from registry.kernel.enums import CheckpointType, RiskLevel, Specialty, TeamKind, TeamStaffing
from registry.kernel.geo import CoordinateSystem
from registry.records.commands import AGE_BANDS

# Cell types; each has a label ``import.type.<type>`` in the instructions sheet.
TEXT, INT, COORD, DATE, CHOICE, LIST, PHONE = (
    "text", "int", "coord", "date", "choice", "list", "phone",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str
    type: str = TEXT
    required: bool = False
    choices: Choices | None = None
    example: object = None
    synonyms: tuple[str, ...] = ()

    def header(self, language: str) -> str:
        return i18n.translate(f"import.col.{self.key}", language)


def _crs() -> Column:
    return Column("crs", CHOICE, choices=CoordinateSystem, example=CoordinateSystem.WGS84,
                  synonyms=("坐标系统", "坐标类型"))  # fmt: skip


def _locality() -> Column:
    return Column("locality", required=True, example="新浦街道", synonyms=("所属镇街", "镇街"))


COLUMNS: dict[str, tuple[Column, ...]] = {
    "stock": (
        Column("depot", required=True, example="新浦街道应急物资储备点",
               synonyms=("储备库", "储备点", "储备点名称")),
        Column("item_code", example="1020101", synonyms=("物资代码", "编码")),
        Column("item_name", example="棉被", synonyms=("物资",)),
        Column("unit", required=True, example="床", synonyms=("计量单位",)),
        Column("batch", required=True, example="2025-XP-001", synonyms=("批次",)),
        Column("quantity", INT, required=True, example=200, synonyms=("入库数量",)),
        Column("expiry_date", DATE, example="2030-12-31", synonyms=("有效期", "失效日期")),
        Column("received_on", DATE, example="2025-05-20", synonyms=("入库时间",)),
        Column("reason", example="2025 年度采购入库", synonyms=("备注", "备注/事由", "事由/备注")),
    ),
    "teams": (
        Column("team", required=True, example="新浦街道防汛抢险队", synonyms=("队伍",)),
        _locality(),
        Column("kind", CHOICE, required=True, choices=TeamKind, example=TeamKind.PROFESSIONAL),
        Column("staffing", CHOICE, required=True, choices=TeamStaffing,
               example=TeamStaffing.PART_TIME, synonyms=("队伍性质",)),
        Column("specialties", LIST, choices=Specialty,
               example=(Specialty.FLOOD, Specialty.RESCUE), synonyms=("专业特长",)),
        Column("target_headcount", INT, example=40, synonyms=("编制人数", "人数")),
        Column("leader", example="张建国", synonyms=("负责人",)),
        Column("leader_phone", PHONE, example="13905180001", synonyms=("负责人电话", "联系电话")),
        Column("base_lon", COORD, example=119.19, synonyms=("经度",)),
        Column("base_lat", COORD, example=34.606, synonyms=("纬度",)),
        _crs(),
        Column("equipment", example="冲锋舟 2 艘、救生衣 40 件", synonyms=("主要装备",)),
    ),
    "members": (
        Column("team", required=True, example="新浦街道综合应急救援队", synonyms=("所属队伍",)),
        Column("member_name", required=True, example="李华", synonyms=("队员姓名",)),
        Column("age_band", CHOICE, choices=AGE_BANDS, example="30-39", synonyms=("年龄",)),
        Column("skills", example="冲锋舟驾驶", synonyms=("专长技能", "特长")),
        Column("phone", PHONE, example="13805180002", synonyms=("电话", "手机", "手机号")),
        Column("last_training_on", DATE, example="2025-04-18", synonyms=("最近培训", "培训日期")),
    ),
    "checkpoints": (
        Column("checkpoint_name", required=True, example="解放路下穿通道",
               synonyms=("隐患点名称", "风险点名称")),
        Column("type", CHOICE, required=True, choices=CheckpointType,
               example=CheckpointType.WATERLOGGING, synonyms=("隐患类型",)),
        Column("risk_level", CHOICE, required=True, choices=RiskLevel,
               example=RiskLevel.SIGNIFICANT, synonyms=("风险级别",)),
        _locality(),
        Column("lon", COORD, required=True, example=119.1873),
        Column("lat", COORD, required=True, example=34.6021),
        _crs(),
        Column("address", example="海州区解放东路 88 号", synonyms=("位置",)),
        Column("responsible_person", example="王立新"),
        Column("responsible_phone", PHONE, example="13705180003"),
        Column("monitor", example="赵海"),
        Column("monitor_phone", PHONE, example="13605180004"),
    ),
}  # fmt: skip
KINDS = tuple(COLUMNS)
ITEM_COLUMNS = ("item_code", "item_name")  # a stock row names its item by either, or both


@cache
def header_index(kind: str) -> dict[str, str]:
    """Every accepted spelling of a header (normalised) → column key."""
    index: dict[str, str] = {}
    for column in COLUMNS[kind]:
        names = {column.key, *column.synonyms}
        names |= {column.header(language) for language in i18n.LANGUAGES}
        for name in names:
            index[normalise(name)] = column.key
    return index

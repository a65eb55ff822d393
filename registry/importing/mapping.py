"""Mapping an office's own columns to ours: proposed from the header words offices use (and
headers close to them), then from the values themselves (a column of dates, of phone
numbers, of catalogue item names, of a closed list's labels); confirmed or corrected by the
user and saved per locality and sheet shape (``saved``). A column that maps to nothing is
listed as such, never silently dropped."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process

from registry.importing.cells import looks_like_date, looks_like_phone
from registry.importing.choices import lookup, normalise
from registry.importing.columns import CHOICE, COLUMNS, COORD, DATE, INT, Column, header_index
from registry.importing.layout import Layout
from registry.importing.report import Problem

SIMILAR_SCORE = 85  # rapidfuzz ratio (0–100) for a header close to a known one
VALUE_SHARE = 0.6  # of a column's filled cells that must look alike to be mapped by values
SAMPLE = 50  # cells of a column looked at
PARENTHESISED = re.compile(r"[(（].*?[)）]")

# Columns only an office's own ledger has: the expiry derives from them when it is missing.
LEDGER_COLUMNS: dict[str, tuple[Column, ...]] = {
    "stock": (
        Column("production_date", DATE, synonyms=("生产日期", "出厂日期", "生产时间")),
        Column("shelf_life_months", INT,
               synonyms=("保质期(月)", "保质期月", "保质期(月数)", "保质月数", "保质期限(月)")),
    ),
}  # fmt: skip

# The words offices write in their own ledgers, beyond the template's headers and synonyms.
LEDGER_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "stock": {
        "depot": ("存放地点", "存放位置", "储存地点", "存放库点", "仓库", "库点", "所在仓库",
                  "存放仓库", "储备库", "储备点"),
        "item_code": ("物资编号", "代码"),
        "item_name": ("名称", "品名", "物品名称", "物资品名", "品种"),
        "batch": ("批号", "批次"),
        "quantity": ("数量", "库存数量", "实有数量", "实存", "实存数量", "现有数量", "库存",
                     "储备数量", "结存", "结存数量", "在库数量"),
        "expiry_date": ("保质期至", "有效期", "到期日期", "到期时间", "过期日期", "有效日期"),
        "received_on": ("入库时间", "购置日期", "采购日期", "购入日期"),
        "reason": ("备注", "来源"),
    },
    "teams": {
        "team": ("应急队伍名称", "队伍", "名称"),
        "locality": ("所属镇街", "镇街", "所在镇街", "所属街道"),
        "kind": ("队伍类别", "类别", "类型"),
        "staffing": ("队伍性质", "性质"),
        "target_headcount": ("人数", "队员人数", "总人数", "编制人数"),
        "leader": ("负责人", "带队人"),
        "leader_phone": ("手机", "联系电话", "联系方式", "负责人电话", "手机号码", "电话"),
        "specialties": ("专业特长", "特长", "救援专业", "专业方向", "专业"),
        "base_lon": ("经度", "东经"),
        "base_lat": ("纬度", "北纬"),
        "equipment": ("装备", "装备情况"),
    },
    "members": {
        "team": ("所在队伍", "队伍", "队伍名称"),
        "member_name": ("姓名",),
        "age_band": ("年龄",),
        "skills": ("专长", "特长"),
        "phone": ("手机号码", "手机", "电话", "联系方式"),
        "last_training_on": ("培训日期", "最近培训时间", "培训时间"),
    },
    "checkpoints": {
        "checkpoint_name": ("隐患点名称", "风险点名称", "隐患名称", "点位名称", "隐患点",
                            "风险点"),
        "lon": ("东经",),
        "lat": ("北纬",),
        "type": ("隐患类别", "隐患类型", "类别"),
        "risk_level": ("风险级别", "等级"),
        "locality": ("所在镇街", "镇街", "所属镇街"),
        "address": ("具体位置", "位置", "详细地址"),
        "responsible_person": ("负责人", "包保责任人", "包保人"),
        "responsible_phone": ("联系方式", "联系电话", "负责人电话"),
        "monitor": ("监测人", "巡查人", "巡查员", "监测员", "网格员"),
        "monitor_phone": ("监测人电话", "巡查人电话", "巡查员电话", "网格员电话"),
    },
}  # fmt: skip

# Headers offices keep that no import uses: known (they help find the header row), mapped
# to nothing.
UNUSED = ("序号", "编号", "规格型号", "规格", "型号", "责任人", "联系电话", "保管人", "管理人",
          "性别", "出生年月", "身份证号", "序")  # fmt: skip


@dataclass(frozen=True)
class Proposal:
    """Source header → our field (None: not imported), and why each was proposed:
    ``name`` (a known header), ``similar`` (close to one), ``values`` (the cells look like
    that field's), ``unused`` (a column the import does not take) or ``unknown``."""

    columns: dict[str, str | None]
    how: dict[str, str]

    @property
    def unmapped(self) -> list[str]:
        return [header for header, field in self.columns.items() if field is None]


def fields(kind: str) -> tuple[Column, ...]:
    """Every field a column can map to: the template's, then the ledger-only ones."""
    return (*COLUMNS[kind], *LEDGER_COLUMNS.get(kind, ()))


@cache
def _names(kind: str) -> dict[str, str | None]:
    """Every known header (normalised) → field, None for the unused ones; the template's
    spellings win over the ledger words."""
    found: dict[str, str | None] = {normalise(word): None for word in UNUSED}
    for column in LEDGER_COLUMNS.get(kind, ()):
        found.update({normalise(word): column.key for word in column.synonyms})
    for key, words in LEDGER_WORDS[kind].items():
        found.update({normalise(word): key for word in words})
    found.update(header_index(kind))
    return found


def known_headers(kind: str) -> frozenset[str]:
    """What the header row of a ``kind`` sheet may say (normalised): to find that row."""
    return frozenset(_names(kind))


def shape(kind: str, headers: Iterable[str]) -> str:
    """The sheet shape a saved mapping is offered for: the kind and its headers in order."""
    text = "|".join([kind, *(normalise(header) for header in headers if header)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _by_name(kind: str, header: str) -> tuple[str | None, str] | None:
    names = _names(kind)
    plain = normalise(header).strip("*")
    for candidate in (plain, normalise(PARENTHESISED.sub("", header))):
        if candidate in names:
            return names[candidate], "name" if names[candidate] else "unused"
    match = process.extractOne(plain, list(names), scorer=fuzz.ratio, score_cutoff=SIMILAR_SCORE)
    if match is not None and names[match[0]] is not None:
        return names[match[0]], "similar"
    return None


def _share(values: Sequence[Any], test: Any) -> bool:
    filled = [value for value in values[:SAMPLE] if value not in (None, "")]
    return bool(filled) and sum(bool(test(value)) for value in filled) >= VALUE_SHARE * len(filled)


def _date_field(kind: str, header: str, free: set[str]) -> str | None:
    if kind == "stock":
        for words, key in ((("生产", "出厂"), "production_date"), (("入库", "购"), "received_on")):
            if any(word in header for word in words) and key in free:
                return key
        return "expiry_date" if "expiry_date" in free else None
    return next((c.key for c in fields(kind) if c.type == DATE and c.key in free), None)


def _in(low: float, high: float) -> Any:
    """A test: the cell is a number between ``low`` and ``high`` (a longitude, a latitude)."""

    def test(value: Any) -> bool:
        try:
            return low <= float(value) <= high
        except (TypeError, ValueError):
            return False

    return test


COORDINATE_RANGES = {"lon": _in(116.0, 122.5), "lat": _in(30.5, 35.5)}  # about Jiangsu


def _by_values(
    kind: str, header: str, values: Sequence[Any], free: set[str], item_names: frozenset[str]
) -> str | None:
    """The free field whose values these cells look like, if any."""
    if _share(values, looks_like_date):
        return _date_field(kind, header, free)
    if _share(values, looks_like_phone):
        return next((c.key for c in fields(kind) if c.type == "phone" and c.key in free), None)
    for axis, test in COORDINATE_RANGES.items():
        if _share(values, test):
            coordinates = [c.key for c in fields(kind) if c.type == COORD and c.key.endswith(axis)]
            return next((key for key in coordinates if key in free), None)
    if (
        kind == "stock"
        and "item_name" in free
        and _share(values, lambda v: normalise(str(v)) in item_names)
    ):
        return "item_name"
    for column in fields(kind):
        if column.type == CHOICE and column.choices and column.key in free:
            options = column.choices
            if _share(values, lambda v, o=options: lookup(o, str(v)) is not None):
                return column.key
    return None


def propose(kind: str, layout: Layout, item_names: frozenset[str] = frozenset()) -> Proposal:
    """A mapping for ``layout``'s columns: known header words first (the first column of a
    field wins), then the values of the columns still unmapped."""
    columns: dict[str, str | None] = {}
    how: dict[str, str] = {}
    taken: set[str] = set()
    for header in (h for h in layout.headers if h):
        found = _by_name(kind, header)
        field = found[0] if found else None
        if field in taken:
            found, field = None, None
        columns[header], how[header] = field, found[1] if found else "unknown"
        taken |= {field} if field else set()
    free = {column.key for column in fields(kind)} - taken
    for position, header in enumerate(layout.headers):
        if not header or how[header] != "unknown":
            continue
        values = [cells[position] for _, cells in layout.rows if position < len(cells)]
        field = _by_values(kind, header, values, free, item_names)
        if field:
            columns[header], how[header] = field, "values"
            free.discard(field)
    return Proposal(columns, how)


def check(kind: str, headers: Sequence[str], columns: Mapping[str, str | None]) -> list[Problem]:
    """What is wrong with a mapping a user gave: a header not in the sheet, a field that
    does not exist or is named twice, a required field left out (a ledger's batch and unit
    may be: they are derived)."""
    known = {column.key for column in fields(kind)}
    chosen = [field for field in columns.values() if field]
    problems = [Problem(None, h, "", "mapping_not_in_sheet") for h in columns if h not in headers]
    problems += [Problem(None, f, "", "mapping_unknown_field") for f in chosen if f not in known]
    problems += [Problem(None, f, "", "mapping_twice") for f in sorted(set(chosen))
                 if chosen.count(f) > 1]  # fmt: skip
    derived = {"batch", "unit"} if kind == "stock" else set()
    required = [c.key for c in COLUMNS[kind] if c.required and c.key not in derived]
    problems += [Problem(None, key, "", "mapping_missing") for key in required if key not in chosen]
    if kind == "stock" and not {"item_code", "item_name"} & set(chosen):
        problems.append(Problem(None, "item_name", "", "mapping_missing"))
    return problems

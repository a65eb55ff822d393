"""Make the import corpus: small good and bad workbooks as a 新浦街道 office would fill them.

Run ``python tests/import_corpus/make_corpus.py`` after changing it; the output is
byte-for-byte deterministic (fixed zip timestamps and document dates), and a test checks the
committed files match. Headers are written out here rather than taken from the code, so a
renamed header in the code shows up as a failing import instead of a silently updated file.
The files refer to the depot and team the tests create first (DEPOT, TEAM).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
DEPOT = "新浦街道应急物资储备点"
TEAM = "新浦街道综合应急救援队"
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = b"2026-01-01T00:00:00Z"

STOCK = ["储备库名称", "物资编码", "物资名称", "单位", "批次号", "数量", "有效期至", "入库日期",
         "事由"]  # fmt: skip
TEAMS = ["队伍名称", "属地", "队伍类型", "人员性质", "专长", "目标人数", "队长", "队长电话",
         "驻地经度", "驻地纬度", "坐标系", "装备"]  # fmt: skip
MEMBERS = ["队伍名称", "姓名", "年龄段", "技能", "联系电话", "最近培训日期"]
CHECKPOINTS = ["名称", "类型", "风险等级", "属地", "经度", "纬度", "坐标系", "地址", "责任人",
               "责任人电话", "监测员", "监测员电话"]  # fmt: skip

STOCK_ROWS = [
    [DEPOT, "1020101", "棉被", "床", "2025-XP-001", 200, date(2030, 12, 31), date(2025, 5, 20),
     "2025 年度采购入库"],
    [DEPOT, None, "折叠床", "张", "2025-XP-002", 80, None, "2025/05/20", None],
    [DEPOT, 2020101, None, "件", "2025-XP-003", 150, date(2030, 6, 30), date(2025, 6, 3),
     "防汛物资补充"],
    [DEPOT, "1030103", "瓶装饮用水", "箱", "2025-XP-004", 120, "2027年3月31日", None, "汛前储备"],
    [DEPOT, "3010101", "编织袋", "条", "2025-XP-005", 5000, None, None, "汛前储备"],
]  # fmt: skip
TEAM_ROWS = [
    ["新浦街道防汛抢险队", "新浦街道", "专业", "兼职", "防汛抢险、搜救", 40, "张建国",
     "13905180001", 119.19, 34.606, "WGS-84", "冲锋舟 2 艘、救生衣 40 件"],
    ["新浦街道应急志愿服务队", "新浦街道", "社会", "志愿者", "医疗救护,搜救", 30, "刘芳",
     "0518-85201234", None, None, None, "急救箱 10 个"],
    ["新浦街道电力抢修分队", "新浦街道", "专业", "专职", "电力抢修", 20, "陈伟",
     13805180011, 119.1952, 34.6045, "GCJ-02", "发电机组 2 台"],
]  # fmt: skip
MEMBER_ROWS = [
    [TEAM, "李华", "30-39", "冲锋舟驾驶", "13805180002", date(2025, 4, 18)],
    [TEAM, "王强", "40-49", "绳索救援", "13805180003", "2025-03-15"],
    [TEAM, "赵敏", "18-29", "急救（红十字救护员）", 13805180004, None],
    [TEAM, "孙磊", "50-59", None, None, date(2024, 11, 2)],
]
CHECKPOINT_ROWS = [
    ["解放路下穿通道", "易涝点", "较大（橙）", "新浦街道", 119.1873, 34.6021, "WGS-84",
     "海州区解放东路 88 号", "王立新", "13705180003", "赵海", "13605180004"],
    ["民主路老旧小区 3 号楼", "危旧房屋", "重大", "新浦街道", 119.1952, 34.6045, "GCJ-02",
     "海州区民主路 12 号", "周红", "13705180005", None, None],
    ["通灌路广告牌", "广告牌/市政设施", "一般", "新浦街道", 119.193, 34.611, None,
     "海州区通灌北路", "吴刚", "0518-85205678", "钱进", "13605180006"],
]  # fmt: skip


def _changed(rows: list[list], row: int, column: int, value) -> list[list]:
    """A copy of the rows with one cell changed (``row`` counts data rows from 0)."""
    copy = [list(r) for r in rows]
    copy[row][column] = value
    return copy


def _without(headers: list, rows: list[list], column: int) -> tuple[list, list[list]]:
    return headers[:column] + headers[column + 1 :], [r[:column] + r[column + 1 :] for r in rows]


GOOD = {
    "good_stock": ("stock", STOCK, STOCK_ROWS),
    "good_teams": ("teams", TEAMS, TEAM_ROWS),
    "good_members": ("members", MEMBERS, MEMBER_ROWS),
    "good_checkpoints": ("checkpoints", CHECKPOINTS, CHECKPOINT_ROWS),
}
BAD = {
    "wrong_headers": ("stock", [*STOCK[:5], "数目", *STOCK[6:]], STOCK_ROWS),
    "missing_required_header": ("teams", *_without(TEAMS, TEAM_ROWS, 1)),
    "text_in_number": ("stock", STOCK, _changed(STOCK_ROWS, 1, 5, "一百")),
    "negative_quantity": ("stock", STOCK, _changed(STOCK_ROWS, 0, 5, -5)),
    "absurd_quantity": ("stock", STOCK, _changed(STOCK_ROWS, 0, 5, 99_999_999)),
    "unknown_item": ("stock", STOCK, _changed(_changed(STOCK_ROWS, 0, 1, None), 0, 2, "金坷垃")),
    "wrong_unit": ("stock", STOCK, _changed(STOCK_ROWS, 0, 3, "件")),
    "unknown_unit": ("stock", STOCK, _changed(STOCK_ROWS, 0, 3, "包")),
    "expired_stock": ("stock", STOCK, _changed(STOCK_ROWS, 0, 6, date(2024, 12, 31))),
    "unknown_depot": ("stock", STOCK, _changed(STOCK_ROWS, 0, 0, "新浦街道第九储备点")),
    "formula_cell": ("stock", STOCK, _changed(STOCK_ROWS, 0, 5, "=10*12")),
    "unknown_locality": ("checkpoints", CHECKPOINTS, _changed(CHECKPOINT_ROWS, 0, 3, "新浦镇")),
    "outside_district": (
        "checkpoints",
        CHECKPOINTS,
        _changed(_changed(CHECKPOINT_ROWS, 0, 4, 118.7969), 0, 5, 32.0603),  # Nanjing
    ),
    "swapped_coordinates": (
        "checkpoints",
        CHECKPOINTS,
        _changed(_changed(CHECKPOINT_ROWS, 0, 4, 34.6021), 0, 5, 119.1873),
    ),
    "duplicate_rows": ("members", MEMBERS, [*MEMBER_ROWS, MEMBER_ROWS[1]]),
    "future_date": ("members", MEMBERS, _changed(MEMBER_ROWS, 0, 5, date(2030, 6, 1))),
    "malformed_date": ("members", MEMBERS, _changed(MEMBER_ROWS, 0, 5, "2025-13-45")),
    "id_number_column": (
        "members",
        [*MEMBERS, "身份证号"],
        [[*row, f"32070619900101{i:03d}X"] for i, row in enumerate(MEMBER_ROWS)],
    ),
    "id_number_value": ("members", MEMBERS, _changed(MEMBER_ROWS, 1, 3, "320706199001011234")),
    "other_locality": ("teams", TEAMS, _changed(TEAM_ROWS, 0, 1, "板浦镇")),
    "empty_file": ("teams", TEAMS, []),
}
NOT_XLSX = "not_really_xlsx"  # a CSV export renamed to .xlsx
NOT_XLSX_KIND = "stock"


def workbook_bytes(headers: list, rows: list[list]) -> bytes:
    """An xlsx with one sheet; deterministic, so the committed corpus only changes on purpose."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_times(buffer.getvalue())


def _fixed_times(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in sorted(source.namelist()):
            content = source.read(name)
            if name == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", FIXED_DOC_TIME, content)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


def not_xlsx_bytes() -> bytes:
    lines = [",".join(STOCK), *(",".join(str(v or "") for v in row) for row in STOCK_ROWS)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def corpus() -> dict[str, bytes]:
    """File name → content, for every file of the corpus."""
    files = {f"{name}.xlsx": workbook_bytes(h, r) for name, (_k, h, r) in (GOOD | BAD).items()}
    files[f"{NOT_XLSX}.xlsx"] = not_xlsx_bytes()
    return files


def main(target: Path = HERE) -> int:
    for name, content in corpus().items():
        (target / name).write_bytes(content)
    print(f"wrote {len(GOOD) + len(BAD) + 1} files to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

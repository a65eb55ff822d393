"""Make the own-format corpus: workbooks laid out as town offices really keep them (issue 18).

Run ``python tests/import_corpus/make_own_format.py`` after changing it; it writes the
workbooks and ``expected.json`` into ``tests/import_corpus/own_format/``, byte-for-byte
deterministic (the saving of ``make_corpus.py``: fixed zip timestamps and document dates).

Unlike the template corpus, these files have title rows, merged cells, blank lines, 合计 and
小计 rows, notes under the table, their own headers, and values as people type them
("1,200", "300床", 三百, 2026.3.21, 2026年3月21日, an Excel serial number, an item name a
little off the catalogue's, a depot named by its address). They refer to the records the
tests create first in 新浦街道: the depots DEPOT and DEPOT_2 (with their addresses) and the
team TEAM. Only the files named in BAD_CELLS hold deliberately unreadable cells.

``expected.json`` is written out by hand below (EXPECTED), not derived from the tables, so a
slip in either shows up as a failing test. For each file: the kind, the sheet holding the
data, the Excel row of the header, the non-blank rows not imported and why (title / total /
note), every header → the field it maps to (null: listed but not imported), the number of
rows imported, the parsed value of every unusual cell (dates as ISO strings; depots and
items by their registered or catalogue name; choices by their stored value, e.g.
"professional", "GCJ02", a list of values for specialties; coordinates as written, before
any conversion), the item names that need a fuzzy match, and the deliberately bad cells.
Expiry derived from 生产日期 + 保质期(月) is the production date that many months later.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

try:
    from tests.import_corpus.make_corpus import DEPOT, TEAM, _fixed_times
except ModuleNotFoundError:  # run as a script: tests/import_corpus is on the path, not the root
    from make_corpus import DEPOT, TEAM, _fixed_times  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
TARGET = HERE / "own_format"
ADDRESS = "新浦街道海连东路18号"  # DEPOT's address
DEPOT_2 = "新浦街道第二储备点"
ADDRESS_2 = "新浦街道朝阳中路6号"
TOWN = "新浦街道"


@dataclass(frozen=True)
class Serial:
    """A date typed as its Excel serial number, in a cell formatted as a plain number."""

    number: int


# --- stock ledgers ---------------------------------------------------------------------------

LEDGER_HEADERS = ["序号", "物资名称", "规格型号", "单位", "数量", "存放地点", "生产日期",
                  "保质期至", "责任人", "联系电话", "备注"]  # fmt: skip
LEDGER_NOTE = "填表人：王芳    审核人：李强    填报日期：{}"
# 物资名称, 规格型号, 单位, 数量, 存放地点, 生产日期, 保质期至, 责任人, 联系电话, 备注
NOVEMBER = [
    ["棉被", "2m×1.8m 真空包装", "床", "300床", DEPOT, date(2026, 3, 21), date(2031, 3, 20),
     "王芳", "13905180101", "汛前储备"],
    ["折叠床 ", "单人", "张", 200, ADDRESS, None, None, "王芳", "13905180101", None],
    ["救生衣（成人）", "成人款", "件", "1,200", DEPOT, "2026.4.8", "2031.4.7", "李强",
     "13905180102", "防汛物资补充"],
    ["防汛编织袋", "50cm×80cm", "条", "2,000", DEPOT_2, None, None, "李强", "13905180102",
     "汛前储备"],
    ["手电筒", "LED 强光", "个", "三百", ADDRESS_2, "2026年5月6日", "2029年5月5日", "陈静",
     13905180103, None],
    ["雨衣", "分体式", "件", 150, DEPOT, Serial(46102), None, "王芳", "13905180101", None],
    ["毛毯", "2m×1.5m", "条", "五十", DEPOT_2, "2026/6/18", "2031/6/17", "陈静",
     "13905180103", "区应急管理局调拨"],
    ["雨靴", "高筒", "双", 100, DEPOT_2, None, None, "陈静", "13905180103", None],
    ["铁锹", "尖头", "把", 80, ADDRESS, None, None, "王芳", "13905180101", None],
    ["单帐篷", "12m²", "顶", 30, DEPOT, date(2025, 9, 1), None, "王芳", "13905180101",
     "区应急管理局调拨"],
]  # fmt: skip
NOVEMBER_TOTAL = 4410
DECEMBER = [
    ["棉被", "2m×1.8m 真空包装", "床", 500, DEPOT_2, date(2026, 10, 12), date(2031, 10, 11),
     "陈静", "13905180103", "冬季储备"],
    ["救生衣（成人）", "成人款", "件", 200, DEPOT_2, "2026.9.15", "2031.9.14", "陈静",
     "13905180103", None],
    ["折叠行军床", "单人", "张", "150张", ADDRESS_2, None, None, "陈静", "13905180103", None],
    ["棉大衣", "军绿色", "件", "二百", DEPOT, "2026年10月20日", "2031年10月19日", "王芳",
     "13905180101", "冬季储备"],
    ["应急灯", "充电式", "盏", 60, DEPOT, Serial(46301), None, "王芳", "13905180101", None],
    ["排水泵", "QW 50-15", "台", 4, DEPOT, None, None, "李强", "13905180102", "防汛物资补充"],
    ["麻袋", None, "条", "3,000", ADDRESS, None, None, "李强", "13905180102", None],
    ["家庭生活应急包", "17 类物品", "个", 120, DEPOT, "2026/11/2", "2029/11/1", "王芳",
     "13905180101", "区应急管理局调拨"],
]  # fmt: skip
DECEMBER_TOTAL = 4234
OCTOBER_WITH_BAD_CELLS = [
    ["棉被", "2m×1.8m 真空包装", "床", 100, DEPOT, date(2026, 8, 1), date(2031, 7, 31), "王芳",
     "13905180101", None],
    ["编织袋", "50cm×80cm", "条", "若干", DEPOT_2, None, None, "李强", "13905180102", None],
    ["救生衣", "成人款", "件", 80, DEPOT, "2026.13.45", "2031.9.30", "李强", "13905180102",
     None],
    ["雨衣", "连体式", "件", 60, DEPOT, None, None, "王芳", "13905180101", None],
    ["铁锹", "方头", "把", 40, DEPOT_2, None, None, "陈静", "13905180103", None],
]  # fmt: skip

# 海州区新浦街道办事处's own statistics sheet: blocks per depot, 小计 after each.
SUMMARY_HEADERS = ["品名", "计量单位", "实有数量", "储备库", "生产日期", "保质期(月)"]
SUMMARY_BLOCKS = [
    (DEPOT, [
        ["棉被", "床", 150, DEPOT, date(2026, 4, 15), 60],
        ["棉大衣", "件", 60, DEPOT, date(2025, 11, 20), 60],
        ["折叠床", "张", 100, DEPOT, None, None],
        ["毛巾被", "条", 80, DEPOT, date(2026, 7, 1), 60],
    ]),
    (DEPOT_2, [
        ["睡袋", "条", 40, DEPOT_2, date(2026, 2, 10), 60],
        ["家庭生活应急包", "个", 50, DEPOT_2, date(2026, 8, 10), 36],
        ["麻袋", "条", 1000, DEPOT_2, None, None],
        ["安全头盔", "顶", 50, DEPOT_2, None, None],
    ]),
]  # fmt: skip

# An export of a warehouse program: codes, batches, English names, ISO text dates.
EXPORT_NOTES = [
    "库存导出说明",
    "本表由仓储管理软件导出，数量单位见“单位”列。",
    "失效日期为空表示该物资无保质期要求。",
    "导出时间：2026-11-30 16:20",
]
EXPORT_HEADERS = ["物资代码", "品名", "单位", "库存数量", "失效日期", "储备点", "入库时间", "批次"]
EXPORT_ROWS = [
    ["1020101", "棉被", "床", "1,500", "2031-01-31", DEPOT, "2026-11-20 09:30", "XP-2026-11-01"],
    [2020101, "Life jacket", "件", "2,400", "2031-01-31", DEPOT, datetime(2026, 11, 20, 10, 15),
     "XP-2026-11-02"],
    ["3010101", "编织袋", "条", "10,000", None, DEPOT_2, "2026-11-21 14:00", "XP-2026-11-03"],
    ["2010103", "手电筒", "个", 500, "2029-11-30", DEPOT_2, datetime(2026, 11, 21, 14, 30),
     "XP-2026-11-04"],
    ["2030101", "Drainage pump", "台", 6, None, DEPOT, "2026-11-25", "XP-2026-11-05"],
    ["1010102", "棉帐篷", "顶", 40, None, DEPOT_2, "2026-11-25", "XP-2026-11-06"],
]  # fmt: skip

# --- teams -----------------------------------------------------------------------------------

ROSTER_A_HEADERS = ["队伍名称", "所属镇街", "队伍类别", "队伍性质", "人数", "队长", "手机",
                    "专业特长", "驻地经度", "驻地纬度", "主要装备"]  # fmt: skip
ROSTER_A = [
    ["新浦街道防汛抢险突击队", TOWN, "专业", "兼职", 40, "张建国", "13905180201",
     "防汛抢险、搜救", 119.1921, 34.6043, "冲锋舟2艘、排水泵4台、救生衣60件"],
    ["新浦街道社区应急志愿服务队", TOWN, "社会", "志愿者", 60, "刘芳", "0518-85201234",
     "医疗救护，搜救", None, None, "急救箱10个"],
    ["新浦街道电力抢修应急分队", TOWN, "专业", "专职", 20, "陈伟", 13905180203, "电力抢修",
     119.1987, 34.6012, "发电机组2台、应急灯20盏"],
    ["新浦街道民兵应急连", TOWN, "综合", "预备役", 50, "周强", "139 0518 0204",
     "防汛抢险,消防,搜救", 119.1835, 34.6078, "铁锹100把、编织袋5000条"],
]  # fmt: skip
ROSTER_B_HEADERS = ["序号", "应急队伍名称", "镇街", "类型", "性质", "编制人数", "负责人",
                    "联系方式", "专业方向", "经度", "纬度", "坐标系", "装备情况",
                    "备注"]  # fmt: skip
ROSTER_B = [
    ["新浦街道危化品应急处置队", TOWN, "专业", "专职", "15人", "吴刚", "13905180211",
     "危化品处置", 119.2013, 34.5987, "GCJ-02", "防化服15套、堵漏工具2套", None],
    ["新浦街道通信保障志愿队", TOWN, "社会", "志愿者", 25, "孙丽", "13905180212", "通信保障",
     119.1902, 34.6105, "GCJ-02", "卫星电话2部、对讲机20部", "依托区无线电协会"],
    ["新浦街道地质灾害群测群防队", TOWN, "综合", "兼职", 30, "钱进", "0518-85205678",
     "地质灾害、搜救", None, None, None, "铁锹30把", None],
]  # fmt: skip

# --- members ---------------------------------------------------------------------------------

CENSUS_A_HEADERS = ["序号", "姓名", "所在队伍", "年龄段", "手机号码", "专长", "培训日期"]
CENSUS_A = [
    ["马骏", TEAM, "30-39", "13905180301", "冲锋舟驾驶", "2026年3月21日"],
    ["胡斌", TEAM, "40-49", 13905180302, "绳索救援", date(2026, 5, 8)],
    ["朱婷", TEAM, "18-29", "13905180303", "急救（红十字救护员）", "2026.6.12"],
    ["高峰", TEAM, "50-59", None, None, "2026/9/3"],
    ["郑涛", TEAM, "30～39", "13905180305", "破拆", None],
    ["黄丽", TEAM, "60+", "13905180306", "心理疏导", "2025年11月20日"],
]
CENSUS_B_HEADERS = ["队伍", "队员姓名", "性别", "年龄段", "联系电话", "特长", "最近一次培训时间"]
CENSUS_B = [
    [TEAM, "林涛", "男", "40-49", "13905180311", "潜水", datetime(2026, 7, 15, 9, 0)],
    [TEAM, "何静", "女", "30-39", "1390518O312", "医疗救护", "2026-08-20"],  # O for 0
    [TEAM, "罗刚", "男", "50-59", "0518-85209876", None, "2026年10月9日"],
    [TEAM, "谢军", "男", "18-29", "13905180314", "无人机操作", None],
]

# --- checkpoints -----------------------------------------------------------------------------

HAZARDS_A_HEADERS = ["序号", "隐患点名称", "隐患类别", "风险等级", "所在镇街", "经度", "纬度",
                     "具体位置", "责任人", "联系方式", "监测人", "监测人电话"]  # fmt: skip
HAZARDS_A = [
    ["解放东路下穿通道", "易涝点", "较大（橙）", TOWN, 119.1873, 34.6021,
     "解放东路与通灌北路交叉口", "王立新", "13905180401", "赵海", "13905180402"],
    ["海连东路老旧小区5号楼", "危旧房屋", "重大（红）", TOWN, 119.1952, 34.6045,
     "海连东路58号院内", "周红", "13905180403", "赵海", "13905180402"],
    ["朝阳中路商业综合体工地", "在建工地", "一般（黄）", TOWN, 119.1978, 34.6092,
     "朝阳中路与人民路交叉口东北角", "吴刚", "0518-85205678", "钱进", "13905180404"],
    ["通灌北路户外广告牌", "广告牌/市政设施", "一般（黄）", TOWN, 119.193, 34.611,
     "通灌北路120号楼顶", "孙丽", "13905180405", None, None],
    ["蔷薇河新浦段堤防", "河道堤防", "较大（橙）", TOWN, 119.1765, 34.5968,
     "蔷薇河东岸新浦段", "刘洋", "13905180406", "徐明", "13905180407"],
    ["新浦公园", "人员密集场所/景区", "低（蓝）", TOWN, 119.2031, 34.6002, "新浦公园南门",
     "何平", "13905180408", "徐明", "13905180407"],
]  # fmt: skip
HAZARDS_B_HEADERS = ["隐患点", "类型", "等级", "镇街", "东经", "北纬", "坐标系", "详细地址",
                     "包保责任人", "责任人电话", "巡查员", "巡查员电话"]  # fmt: skip
HAZARDS_B = [
    ["民主路排涝泵站", "泵站闸门", "较大（橙）", TOWN, "119.1915", "34.6068", "GCJ-02",
     "民主中路北侧", "刘洋", "13905180411", "徐明", "13905180412"],
    ["新浦化工物流仓库", "危化企业", "重大（红）", TOWN, 119.2088, 34.5941, "WGS-84",
     "海连东路以南物流园内", "王立新", "13905180413", "赵海", "13905180414"],
    ["人民路低洼地段", "易涝点", "一般（黄）", TOWN, "119.1856", "34.6109", None,
     "人民路与解放中路交叉口", "周红", "13905180415", "赵海", "13905180414"],
    ["朝阳路危旧平房片区", "危旧房屋", "较大（橙）", TOWN, 119.1994, 34.6036, "GCJ-02",
     "朝阳中路南侧平房区", "何平", "13905180416", None, None],
]  # fmt: skip

BAD_CELLS = ("xinpu_stock_bad_cells.xlsx", "members_census_b.xlsx")

# --- the expected results, written by hand -------------------------------------------------------

# fmt: off
LEDGER_MAPPING = {"序号": None, "物资名称": "item_name", "规格型号": None, "单位": "unit",
                  "数量": "quantity", "存放地点": "depot", "生产日期": "production_date",
                  "保质期至": "expiry_date", "责任人": None, "联系电话": None,
                  "备注": "reason"}
EXPECTED = {
    "xinpu_stock_2026_11.xlsx": {
        "kind": "stock",
        "sheet": "Sheet1",
        "header_row": 3,
        "skipped": {"1": "title", "14": "total", "15": "note"},
        "mapping": LEDGER_MAPPING,
        "data_rows": 10,
        "values": [
            {"row": 4, "field": "quantity", "value": 300},
            {"row": 4, "field": "production_date", "value": "2026-03-21"},
            {"row": 4, "field": "expiry_date", "value": "2031-03-20"},
            {"row": 4, "field": "depot", "value": DEPOT},
            {"row": 5, "field": "item_name", "value": "折叠床"},
            {"row": 5, "field": "depot", "value": DEPOT},
            {"row": 5, "field": "quantity", "value": 200},
            {"row": 6, "field": "item_name", "value": "救生衣"},
            {"row": 6, "field": "quantity", "value": 1200},
            {"row": 6, "field": "production_date", "value": "2026-04-08"},
            {"row": 6, "field": "expiry_date", "value": "2031-04-07"},
            {"row": 6, "field": "reason", "value": "防汛物资补充"},
            {"row": 7, "field": "item_name", "value": "编织袋"},
            {"row": 7, "field": "quantity", "value": 2000},
            {"row": 7, "field": "depot", "value": DEPOT_2},
            {"row": 7, "field": "expiry_date", "value": None},
            {"row": 8, "field": "quantity", "value": 300},
            {"row": 8, "field": "depot", "value": DEPOT_2},
            {"row": 8, "field": "production_date", "value": "2026-05-06"},
            {"row": 8, "field": "expiry_date", "value": "2029-05-05"},
            {"row": 9, "field": "production_date", "value": "2026-03-21"},
            {"row": 9, "field": "expiry_date", "value": None},
            {"row": 10, "field": "quantity", "value": 50},
            {"row": 10, "field": "production_date", "value": "2026-06-18"},
            {"row": 10, "field": "expiry_date", "value": "2031-06-17"},
            {"row": 12, "field": "depot", "value": DEPOT},
            {"row": 13, "field": "production_date", "value": "2025-09-01"},
            {"row": 13, "field": "unit", "value": "顶"},
        ],
        "suggestions": {"救生衣（成人）": "救生衣", "防汛编织袋": "编织袋"},
        "bad": [],
    },
    "xinpu_stock_2026_12.xlsx": {
        "kind": "stock",
        "sheet": "Sheet1",
        "header_row": 3,
        "skipped": {"1": "title", "13": "total", "14": "note"},
        "mapping": LEDGER_MAPPING,
        "data_rows": 8,
        "values": [
            {"row": 4, "field": "quantity", "value": 500},
            {"row": 4, "field": "depot", "value": DEPOT_2},
            {"row": 4, "field": "production_date", "value": "2026-10-12"},
            {"row": 4, "field": "expiry_date", "value": "2031-10-11"},
            {"row": 5, "field": "item_name", "value": "救生衣"},
            {"row": 5, "field": "production_date", "value": "2026-09-15"},
            {"row": 5, "field": "expiry_date", "value": "2031-09-14"},
            {"row": 6, "field": "item_name", "value": "折叠床"},
            {"row": 6, "field": "quantity", "value": 150},
            {"row": 6, "field": "depot", "value": DEPOT_2},
            {"row": 7, "field": "quantity", "value": 200},
            {"row": 7, "field": "production_date", "value": "2026-10-20"},
            {"row": 7, "field": "expiry_date", "value": "2031-10-19"},
            {"row": 8, "field": "production_date", "value": "2026-10-06"},
            {"row": 10, "field": "quantity", "value": 3000},
            {"row": 10, "field": "depot", "value": DEPOT},
            {"row": 11, "field": "production_date", "value": "2026-11-02"},
            {"row": 11, "field": "expiry_date", "value": "2029-11-01"},
        ],
        "suggestions": {"救生衣（成人）": "救生衣", "折叠行军床": "折叠床"},
        "bad": [],
    },
    "xinpu_stock_bad_cells.xlsx": {
        "kind": "stock",
        "sheet": "Sheet1",
        "header_row": 3,
        "skipped": {"1": "title", "9": "total", "10": "note"},
        "mapping": LEDGER_MAPPING,
        "data_rows": 5,
        "values": [
            {"row": 4, "field": "production_date", "value": "2026-08-01"},
            {"row": 4, "field": "expiry_date", "value": "2031-07-31"},
            {"row": 6, "field": "expiry_date", "value": "2031-09-30"},
        ],
        "suggestions": {},
        "bad": [
            {"row": 5, "column": "数量", "reason": "not_number"},
            {"row": 6, "column": "生产日期", "reason": "not_date"},
        ],
    },
    "other_layout_stock.xlsx": {
        "kind": "stock",
        "sheet": "库存统计",
        "header_row": 3,
        "skipped": {"1": "title", "2": "title", "8": "total", "13": "total", "14": "total",
                    "15": "note"},
        "mapping": {"品名": "item_name", "计量单位": "unit", "实有数量": "quantity",
                    "储备库": "depot", "生产日期": "production_date",
                    "保质期(月)": "shelf_life_months"},
        "data_rows": 8,
        "values": [
            {"row": 4, "field": "production_date", "value": "2026-04-15"},
            {"row": 4, "field": "shelf_life_months", "value": 60},
            {"row": 4, "field": "expiry_date", "value": "2031-04-15"},
            {"row": 5, "field": "expiry_date", "value": "2030-11-20"},
            {"row": 6, "field": "expiry_date", "value": None},
            {"row": 7, "field": "expiry_date", "value": "2031-07-01"},
            {"row": 9, "field": "depot", "value": DEPOT_2},
            {"row": 9, "field": "expiry_date", "value": "2031-02-10"},
            {"row": 10, "field": "shelf_life_months", "value": 36},
            {"row": 10, "field": "expiry_date", "value": "2029-08-10"},
            {"row": 11, "field": "quantity", "value": 1000},
            {"row": 12, "field": "unit", "value": "顶"},
        ],
        "suggestions": {},
        "bad": [],
    },
    "english_mixed_stock.xlsx": {
        "kind": "stock",
        "sheet": "库存",
        "header_row": 1,
        "skipped": {},
        "mapping": {"物资代码": "item_code", "品名": "item_name", "单位": "unit",
                    "库存数量": "quantity", "失效日期": "expiry_date", "储备点": "depot",
                    "入库时间": "received_on", "批次": "batch"},
        "data_rows": 6,
        "values": [
            {"row": 2, "field": "item_code", "value": "1020101"},
            {"row": 2, "field": "quantity", "value": 1500},
            {"row": 2, "field": "expiry_date", "value": "2031-01-31"},
            {"row": 2, "field": "received_on", "value": "2026-11-20"},
            {"row": 2, "field": "batch", "value": "XP-2026-11-01"},
            {"row": 3, "field": "item_code", "value": "2020101"},
            {"row": 3, "field": "item_name", "value": "救生衣"},
            {"row": 3, "field": "quantity", "value": 2400},
            {"row": 3, "field": "received_on", "value": "2026-11-20"},
            {"row": 4, "field": "quantity", "value": 10000},
            {"row": 4, "field": "expiry_date", "value": None},
            {"row": 4, "field": "received_on", "value": "2026-11-21"},
            {"row": 5, "field": "expiry_date", "value": "2029-11-30"},
            {"row": 6, "field": "item_name", "value": "排水泵"},
            {"row": 6, "field": "received_on", "value": "2026-11-25"},
        ],
        "suggestions": {},
        "bad": [],
    },
    "teams_roster_a.xlsx": {
        "kind": "teams",
        "sheet": "Sheet1",
        "header_row": 2,
        "skipped": {"1": "title", "7": "note"},
        "mapping": {"队伍名称": "team", "所属镇街": "locality", "队伍类别": "kind",
                    "队伍性质": "staffing", "人数": "target_headcount", "队长": "leader",
                    "手机": "leader_phone", "专业特长": "specialties", "驻地经度": "base_lon",
                    "驻地纬度": "base_lat", "主要装备": "equipment"},
        "data_rows": 4,
        "values": [
            {"row": 3, "field": "kind", "value": "professional"},
            {"row": 3, "field": "staffing", "value": "part_time"},
            {"row": 3, "field": "specialties", "value": ["flood", "rescue"]},
            {"row": 3, "field": "base_lon", "value": 119.1921},
            {"row": 3, "field": "base_lat", "value": 34.6043},
            {"row": 4, "field": "kind", "value": "social"},
            {"row": 4, "field": "staffing", "value": "volunteer"},
            {"row": 4, "field": "leader_phone", "value": "0518-85201234"},
            {"row": 4, "field": "specialties", "value": ["medical", "rescue"]},
            {"row": 4, "field": "base_lon", "value": None},
            {"row": 5, "field": "staffing", "value": "full_time"},
            {"row": 5, "field": "leader_phone", "value": "13905180203"},
            {"row": 5, "field": "target_headcount", "value": 20},
            {"row": 6, "field": "kind", "value": "comprehensive"},
            {"row": 6, "field": "staffing", "value": "reserve"},
            {"row": 6, "field": "leader_phone", "value": "139 0518 0204"},
            {"row": 6, "field": "specialties", "value": ["flood", "fire", "rescue"]},
        ],
        "suggestions": {},
        "bad": [],
    },
    "teams_roster_b.xlsx": {
        "kind": "teams",
        "sheet": "应急队伍",
        "header_row": 1,
        "skipped": {},
        "mapping": {"序号": None, "应急队伍名称": "team", "镇街": "locality", "类型": "kind",
                    "性质": "staffing", "编制人数": "target_headcount", "负责人": "leader",
                    "联系方式": "leader_phone", "专业方向": "specialties", "经度": "base_lon",
                    "纬度": "base_lat", "坐标系": "crs", "装备情况": "equipment",
                    "备注": None},
        "data_rows": 3,
        "values": [
            {"row": 2, "field": "target_headcount", "value": 15},
            {"row": 2, "field": "specialties", "value": ["hazchem"]},
            {"row": 2, "field": "crs", "value": "GCJ02"},
            {"row": 2, "field": "base_lon", "value": 119.2013},
            {"row": 3, "field": "specialties", "value": ["communications"]},
            {"row": 4, "field": "kind", "value": "comprehensive"},
            {"row": 4, "field": "staffing", "value": "part_time"},
            {"row": 4, "field": "specialties", "value": ["geological", "rescue"]},
            {"row": 4, "field": "crs", "value": None},
        ],
        "suggestions": {},
        "bad": [],
    },
    "members_census_a.xlsx": {
        "kind": "members",
        "sheet": "Sheet1",
        "header_row": 2,
        "skipped": {"1": "title", "9": "note"},
        "mapping": {"序号": None, "姓名": "member_name", "所在队伍": "team",
                    "年龄段": "age_band", "手机号码": "phone", "专长": "skills",
                    "培训日期": "last_training_on"},
        "data_rows": 6,
        "values": [
            {"row": 3, "field": "last_training_on", "value": "2026-03-21"},
            {"row": 3, "field": "age_band", "value": "30-39"},
            {"row": 4, "field": "phone", "value": "13905180302"},
            {"row": 4, "field": "last_training_on", "value": "2026-05-08"},
            {"row": 5, "field": "last_training_on", "value": "2026-06-12"},
            {"row": 6, "field": "phone", "value": None},
            {"row": 6, "field": "last_training_on", "value": "2026-09-03"},
            {"row": 7, "field": "age_band", "value": "30-39"},
            {"row": 7, "field": "last_training_on", "value": None},
            {"row": 8, "field": "age_band", "value": "60+"},
            {"row": 8, "field": "last_training_on", "value": "2025-11-20"},
        ],
        "suggestions": {},
        "bad": [],
    },
    "members_census_b.xlsx": {
        "kind": "members",
        "sheet": "队员",
        "header_row": 1,
        "skipped": {},
        "mapping": {"队伍": "team", "队员姓名": "member_name", "性别": None,
                    "年龄段": "age_band", "联系电话": "phone", "特长": "skills",
                    "最近一次培训时间": "last_training_on"},
        "data_rows": 4,
        "values": [
            {"row": 2, "field": "last_training_on", "value": "2026-07-15"},
            {"row": 4, "field": "phone", "value": "0518-85209876"},
            {"row": 4, "field": "last_training_on", "value": "2026-10-09"},
            {"row": 5, "field": "skills", "value": "无人机操作"},
        ],
        "suggestions": {},
        "bad": [{"row": 3, "column": "联系电话", "reason": "not_phone"}],
    },
    "checkpoints_list_a.xlsx": {
        "kind": "checkpoints",
        "sheet": "Sheet1",
        "header_row": 2,
        "skipped": {"1": "title", "9": "total", "11": "note"},
        "mapping": {"序号": None, "隐患点名称": "checkpoint_name", "隐患类别": "type",
                    "风险等级": "risk_level", "所在镇街": "locality", "经度": "lon",
                    "纬度": "lat", "具体位置": "address", "责任人": "responsible_person",
                    "联系方式": "responsible_phone", "监测人": "monitor",
                    "监测人电话": "monitor_phone"},
        "data_rows": 6,
        "values": [
            {"row": 3, "field": "type", "value": "waterlogging"},
            {"row": 3, "field": "risk_level", "value": "significant"},
            {"row": 3, "field": "lon", "value": 119.1873},
            {"row": 3, "field": "lat", "value": 34.6021},
            {"row": 4, "field": "type", "value": "dilapidated_housing"},
            {"row": 4, "field": "risk_level", "value": "major"},
            {"row": 5, "field": "type", "value": "construction_site"},
            {"row": 5, "field": "responsible_phone", "value": "0518-85205678"},
            {"row": 6, "field": "type", "value": "billboard"},
            {"row": 6, "field": "monitor", "value": None},
            {"row": 7, "field": "type", "value": "dike"},
            {"row": 8, "field": "type", "value": "crowded_venue"},
            {"row": 8, "field": "risk_level", "value": "low"},
        ],
        "suggestions": {},
        "bad": [],
    },
    "checkpoints_list_b.xlsx": {
        "kind": "checkpoints",
        "sheet": "隐患点",
        "header_row": 1,
        "skipped": {},
        "mapping": {"隐患点": "checkpoint_name", "类型": "type", "等级": "risk_level",
                    "镇街": "locality", "东经": "lon", "北纬": "lat", "坐标系": "crs",
                    "详细地址": "address", "包保责任人": "responsible_person",
                    "责任人电话": "responsible_phone", "巡查员": "monitor",
                    "巡查员电话": "monitor_phone"},
        "data_rows": 4,
        "values": [
            {"row": 2, "field": "type", "value": "pump_gate"},
            {"row": 2, "field": "crs", "value": "GCJ02"},
            {"row": 3, "field": "type", "value": "hazchem"},
            {"row": 3, "field": "crs", "value": "WGS84"},
            {"row": 4, "field": "lon", "value": 119.1856},
            {"row": 4, "field": "lat", "value": 34.6109},
            {"row": 4, "field": "crs", "value": None},
            {"row": 5, "field": "type", "value": "dilapidated_housing"},
        ],
        "suggestions": {},
        "bad": [],
    },
}
# fmt: on


# --- writing ---------------------------------------------------------------------------------

TITLE_FONT = Font(name="宋体", size=16, bold=True)
HEADER_FONT = Font(name="宋体", size=11, bold=True)
CENTRED = Alignment(horizontal="center", vertical="center")
DATE_FORMAT = "yyyy/m/d"
TIME_FORMAT = "yyyy-mm-dd hh:mm"


def _put(sheet: Worksheet, row: int, values: list, *, font: Font | None = None) -> None:
    """One row from column A; dates get a date format, Serial a plain number format."""
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, Serial):
            cell.value = value.number
            cell.number_format = "0"
        else:
            cell.value = value
            if isinstance(value, datetime):
                cell.number_format = TIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
        if font is not None:
            cell.font = font


def _merged(sheet: Worksheet, row: int, text: str, width: int, *, title: bool = True) -> None:
    """A line across the table in one merged cell: a title (centred, large) or a note."""
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    cell = sheet.cell(row=row, column=1, value=text)
    if title:
        cell.font, cell.alignment = TITLE_FONT, CENTRED


def _widths(sheet: Worksheet, width: int, size: int = 14) -> None:
    for column in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = size


def _new(sheet_name: str) -> tuple[Workbook, Worksheet]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    return workbook, sheet


def ledger(month: str, rows: list[list], total: int | None, filled: str, *, spaced=False):
    """The monthly ledger of issue 18: a merged title, a blank line, the headers, numbered
    rows, a 合计 row (after a blank line and written 合 计 when ``spaced``), the signatures."""
    workbook, sheet = _new("Sheet1")
    width = len(LEDGER_HEADERS)
    _merged(sheet, 1, f"新浦街道应急物资储备台账（{month}）", width)
    _put(sheet, 3, LEDGER_HEADERS, font=HEADER_FONT)
    for number, row in enumerate(rows, start=1):
        _put(sheet, 3 + number, [number, *row])
    end = 4 + len(rows) + (1 if spaced else 0)
    _put(sheet, end, ["合 计" if spaced else "合计", None, None, None, total])
    _merged(sheet, end + 1, LEDGER_NOTE.format(filled), width, title=False)
    _widths(sheet, width)
    return workbook


def summary_stock():
    """Two title rows, a block per depot closed by 小计, a 总计 and a note."""
    workbook, sheet = _new("库存统计")
    width = len(SUMMARY_HEADERS)
    _merged(sheet, 1, "海州区新浦街道办事处", width)
    _merged(sheet, 2, "应急物资库存统计表  单位：件/床/张  日期：2026-11-30", width, title=False)
    _put(sheet, 3, SUMMARY_HEADERS, font=HEADER_FONT)
    row, grand = 4, 0
    for _depot, rows in SUMMARY_BLOCKS:
        for values in rows:
            _put(sheet, row, values)
            row += 1
        subtotal = sum(values[2] for values in rows)
        _put(sheet, row, ["小计", None, subtotal])
        row, grand = row + 1, grand + subtotal
    _put(sheet, row, ["总计", None, grand])
    _merged(sheet, row + 1, "注：无保质期要求的物资不填生产日期和保质期。", width, title=False)
    _widths(sheet, width)
    return workbook


def exported_stock():
    """A program's export: a first sheet of explanations only, the data on 库存 from row 1."""
    workbook, notes = _new("说明")
    for row, text in enumerate(EXPORT_NOTES, start=1):
        notes.cell(row=row, column=1, value=text)
    sheet = workbook.create_sheet("库存")
    _put(sheet, 1, EXPORT_HEADERS, font=HEADER_FONT)
    for row, values in enumerate(EXPORT_ROWS, start=2):
        _put(sheet, row, values)
    _widths(sheet, len(EXPORT_HEADERS))
    return workbook


def titled(title: str, headers: list, rows: list[list], *, numbered: bool, after: list[str]):
    """A title row, the headers on row 2, the rows (numbered 1..n in 序号 when
    ``numbered``), then each line of ``after`` (a 合计 row starts with 合计, others are
    notes in one merged cell; None leaves a blank line)."""
    workbook, sheet = _new("Sheet1")
    width = len(headers)
    _merged(sheet, 1, title, width)
    _put(sheet, 2, headers, font=HEADER_FONT)
    for number, values in enumerate(rows, start=1):
        _put(sheet, 2 + number, [number, *values] if numbered else values)
    for row, line in enumerate(after, start=3 + len(rows)):
        if line is not None and line.startswith("合计"):
            _put(sheet, row, line.split("|"))
        elif line is not None:
            _merged(sheet, row, line, width, title=False)
    _widths(sheet, width)
    return workbook


def plain(sheet_name: str, headers: list, rows: list[list], *, numbered: bool = False):
    """Headers on row 1 of a named sheet, no title."""
    workbook, sheet = _new(sheet_name)
    _put(sheet, 1, headers, font=HEADER_FONT)
    for number, values in enumerate(rows, start=1):
        _put(sheet, 1 + number, [number, *values] if numbered else values)
    _widths(sheet, len(headers))
    return workbook


def workbooks() -> dict[str, Workbook]:
    return {
        "xinpu_stock_2026_11.xlsx": ledger("2026年11月", NOVEMBER, NOVEMBER_TOTAL,
                                           "2026年11月30日"),
        "xinpu_stock_2026_12.xlsx": ledger("2026年12月", DECEMBER, DECEMBER_TOTAL,
                                           "2026年12月31日", spaced=True),
        "xinpu_stock_bad_cells.xlsx": ledger("2026年10月", OCTOBER_WITH_BAD_CELLS, None,
                                             "2026年10月31日"),
        "other_layout_stock.xlsx": summary_stock(),
        "english_mixed_stock.xlsx": exported_stock(),
        "teams_roster_a.xlsx": titled(
            "新浦街道应急救援队伍花名册（2026年）", ROSTER_A_HEADERS, ROSTER_A, numbered=False,
            after=["注：驻地坐标为 GPS（WGS-84）坐标。"],
        ),
        "teams_roster_b.xlsx": plain("应急队伍", ROSTER_B_HEADERS, ROSTER_B, numbered=True),
        "members_census_a.xlsx": titled(
            "新浦街道综合应急救援队队员花名册", CENSUS_A_HEADERS, CENSUS_A, numbered=True,
            after=["填表人：李强    填表日期：2026年11月30日"],
        ),
        "members_census_b.xlsx": plain("队员", CENSUS_B_HEADERS, CENSUS_B),
        "checkpoints_list_a.xlsx": titled(
            "新浦街道2026年汛期安全隐患点排查清单", HAZARDS_A_HEADERS, HAZARDS_A,
            numbered=True,
            after=["合计|共 6 处", None, "填表人：赵海    审核人：李强    日期：2026年11月28日"],
        ),
        "checkpoints_list_b.xlsx": plain("隐患点", HAZARDS_B_HEADERS, HAZARDS_B),
    }  # fmt: skip


def saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_times(buffer.getvalue())


def expected_json() -> bytes:
    text = json.dumps(EXPECTED, ensure_ascii=False, indent=1, sort_keys=True)
    return (text + "\n").encode("utf-8")


def corpus() -> dict[str, bytes]:
    """File name → content, for every file of the own-format corpus and expected.json."""
    files = {name: saved(workbook) for name, workbook in workbooks().items()}
    files["expected.json"] = expected_json()
    return files


def main(target: Path = TARGET) -> int:
    target.mkdir(exist_ok=True)
    files = corpus()
    for name, content in files.items():
        (target / name).write_bytes(content)
    print(f"wrote {len(files)} files to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

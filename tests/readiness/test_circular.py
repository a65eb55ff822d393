"""The weekly circular: its Word and Excel files opened and read back, built from hand-made
payloads and from real snapshots, byte-identical on rebuild, a past week reproduced after
the data changed, formula text neutralised, English on request, and the command line."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import UTC, date, datetime, timedelta

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from sqlalchemy import func, select

from prepare.cli import main
from registry.kernel import db
from registry.kernel.enums import RectificationStatus as S
from registry.kernel.enums import RiskLevel
from registry.kernel.models import ReadinessSnapshot, Rectification
from registry.kernel.settings import Settings
from registry.readiness import circular, snapshots
from registry.readiness import scorecard as readiness
from tests.helpers import depot, locality

WEEK = "2026-W47"  # 16–22 November 2026
AS_OF = "2026-11-20"
EVIL = '=HYPERLINK("http://evil.example","点我")'
SETTINGS = Settings()


def component(score, **figures):
    return {"score": score, "figures": figures, "who": ["王明"] if score and score < 1 else []}


def locality_payload(id_, name, score, colour, worst, responsible="张三（分管副主任）"):
    return {
        "id": id_,
        "name": name,
        "responsible": responsible,
        "score": score,
        "colour": colour,
        "worst": worst,
        "components": {
            "stock": component(0.5 if "stock" in worst else 1.0, met=3, lines=6),
            "teams": component(1.0, members=20, target=20, trained=20, on_roll=20),
            "campaign": component(None),
            "rectifications": component(
                0.2 if "rectifications" in worst else 1.0,
                overdue=2 if "rectifications" in worst else 0,
                major=1 if "rectifications" in worst else 0,
                points=4,
            ),
            "plans": component(1 / 3 if "plans" in worst else 1.0, met=1, obligations=3, plans=1),
            "depot_inspections": component(1.0, inspected=1, depots=1),
            "freshness": component(1.0, fresh=2, records=2),
        },
    }


def make_payload(as_of=AS_OF, scores=(55.0, 85.0, 70.0), district=70.0) -> dict:
    xinpu, banpu, evil = scores
    return {
        "version": 1,
        "as_of": as_of,
        "district": {"score": district, "colour": "amber"},
        "campaign": {
            "name": "冬季专项检查",
            "starts_on": "2026-11-01",
            "ends_on": "2026-12-31",
            "share": 0.4,
        },
        "weights": {"stock": 20.0, "teams": 15.0, "campaign": 15.0, "rectifications": 20.0,
                    "plans": 15.0, "depot_inspections": 5.0, "freshness": 10.0},
        "thresholds": {"green": 80, "amber": 60},
        "localities": [
            locality_payload(1, "新浦街道", xinpu, readiness.colour(xinpu, SETTINGS),
                             ["rectifications", "plans"]),
            locality_payload(2, "板浦镇", banpu, readiness.colour(banpu, SETTINGS), []),
            locality_payload(3, EVIL, evil, readiness.colour(evil, SETTINGS), ["stock"],
                             responsible=None),
        ],
        "overdue_rectifications": [
            {"id": 11, "locality_id": 1, "target": EVIL, "description": "井盖缺失",
             "risk_level": "major", "status": "rectifying", "deadline": "2026-10-21",
             "days_overdue": 30, "responsible": "李四"},
            {"id": 12, "locality_id": 1, "target": "新浦公园", "description": "护栏损坏",
             "risk_level": "general", "status": "registered", "deadline": "2026-11-10",
             "days_overdue": 10, "responsible": "王五"},
        ],
        "overdue_plans": [
            {"id": 5, "locality_id": 1, "title": "新浦街道突发事件应急预案", "owner": "赵六",
             "overdue": ["filing", "drill"]},
            {"id": 6, "locality_id": None, "title": "海州区防汛抗旱应急预案", "owner": "区应急局",
             "overdue": ["evaluation"]},
        ],
    }  # fmt: skip


def previous_payload() -> dict:
    return make_payload("2026-11-13", scores=(60.0, 80.0, 50.0), district=65.5)


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def open_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def values(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def built():
    return circular.build(make_payload(), previous_payload(), iso_week=WEEK)


def test_the_word_document_has_the_official_layout_and_reads_back(built):
    document = open_docx(built.docx)
    paragraphs = texts(document)
    assert paragraphs[:3] == [
        "海州区备灾工作周通报",
        "2026年第47周（11月16日—11月22日）",
        "数据截至2026年11月20日",
    ]
    title = document.paragraphs[0].runs[0]
    assert title.bold and title._r.rPr.rFonts.get(qn("w:eastAsia")) == circular.TITLE_FONT
    headings = ["一、总体情况", "二、镇街排名", "三、逾期事项", "四、工作要求"]
    assert [p for p in paragraphs if p in headings] == headings
    summary = paragraphs[paragraphs.index("一、总体情况") + 1]
    assert summary == built.summary
    for part in (
        "截至2026年11月20日，全区备灾工作综合得分70.0分，总体为黄色。",
        "较上周（2026年11月13日）上升4.5分。",
        "全区3个镇街中，红色1个、黄色1个、绿色1个。",
        "逾期未整改隐患2项，其中重大隐患1项；逾期未备案、评估或演练的应急预案2件。",
        "专项检查“冬季专项检查”（2026年11月1日—2026年12月31日）已完成检查对象的40.0%。",
    ):
        assert part in summary

    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.top_margin.cm, 1) == 3.7 and round(section.left_margin.cm, 1) == 2.8

    ranking, rects, xinpu_plans, district_plans = document.tables
    assert rows(ranking) == [
        ["排名", "镇街", "得分", "等级", "较上周", "主要问题"],
        ["1", "板浦镇", "85.0", "绿色", "+5.0（名次不变）", "无"],
        ["2", EVIL, "70.0", "黄色", "+20.0（升1位）", "物资储备"],
        ["3", "新浦街道", "55.0", "红色", "-5.0（降1位）", "隐患整改、应急预案"],
    ]
    assert rows(rects) == [
        ["检查对象", "存在问题", "风险等级", "整改期限", "逾期天数", "责任人"],
        [EVIL, "井盖缺失", "重大（红）", "2026-10-21", "30", "李四"],
        ["新浦公园", "护栏损坏", "一般（黄）", "2026-11-10", "10", "王五"],
    ]
    assert rows(xinpu_plans) == [
        ["预案名称", "责任人", "逾期事项"],
        ["新浦街道突发事件应急预案", "赵六", "备案、演练"],
    ]
    assert rows(district_plans)[1] == ["海州区防汛抗旱应急预案", "区应急局", "评估"]
    assert "（一）新浦街道：逾期整改2项，逾期预案1件" in paragraphs
    assert "（二）区级及部门预案：逾期整改0项，逾期预案1件" in paragraphs

    actions = paragraphs[paragraphs.index("四、工作要求") :]
    assert actions[1] == "对红色、黄色镇街提出以下要求："
    assert actions[2] == (
        "（一）新浦街道（红色，55.0分）：请张三（分管副主任）牵头，"
        "督促逾期隐患限期整改销号（逾期2项，其中重大1项）；"
        "完成应急预案备案、评估和演练（完成义务1/3项）。"
    )
    assert actions[3] == (
        f"（二）{EVIL}（黄色，70.0分）：请属地负责同志牵头，按定额补足储备物资（达标3/6条）。"
    )
    assert paragraphs[-2:] == ["海州区应急管理局（区减灾办）", "2026年11月20日"]

    props = document.core_properties
    stamp = datetime(2026, 11, 20, tzinfo=UTC)
    assert props.created == props.modified == props.last_printed == stamp
    assert props.author == props.last_modified_by == "海州区应急管理局（区减灾办）"
    assert props.revision == 1
    assert built.filename_stem == "海州区备灾工作周通报-2026-W47"


def test_the_workbook_has_the_detail_sheets_with_chinese_headers(built):
    book = open_xlsx(built.xlsx)
    assert book.sheetnames == ["排名", "构成", "逾期整改", "逾期预案", "说明"]
    ranking = values(book["排名"])
    assert ranking[0] == (
        "排名", "镇街", "得分", "等级", "上周得分", "得分变化", "上周排名", "名次变化",
        "主要问题", "责任人",
    )  # fmt: skip
    assert ranking[1] == (1, "板浦镇", 85, "绿色", 80, 5, 1, 0, "无", "张三（分管副主任）")
    assert ranking[3] == (3, "新浦街道", 55, "红色", 60, -5, 2, -1, "隐患整改、应急预案",
                          "张三（分管副主任）")  # fmt: skip

    parts = values(book["构成"])
    assert parts[0] == ("镇街", "构成项", "权重", "得分（%）", "数据", "需落实")
    assert len(parts) == 1 + 3 * len(readiness.COMPONENTS)
    assert [row[1] for row in parts[1:8]] == [
        "物资储备", "队伍建设", "专项检查", "隐患整改", "应急预案", "储备库检查", "数据更新",
    ]  # fmt: skip
    assert parts[1] == ("新浦街道", "物资储备", 20, 100, "定额达标3/6条", "—")
    assert parts[3][3] == "不适用"
    assert parts[4] == ("新浦街道", "隐患整改", 20, 20, "逾期2项（重大1项）", "王明")

    rects = values(book["逾期整改"])
    assert rects[0] == (
        "镇街", "编号", "检查对象", "存在问题", "风险等级", "整改状态", "整改期限", "逾期天数",
        "责任人",
    )  # fmt: skip
    assert rects[2] == (
        "新浦街道", 12, "新浦公园", "护栏损坏", "一般（黄）", "发现登记", datetime(2026, 11, 10),
        10, "王五",
    )  # fmt: skip
    plans = values(book["逾期预案"])
    assert plans[0] == ("镇街", "编号", "预案名称", "责任人", "逾期事项")
    assert plans[1:] == [
        ("新浦街道", 5, "新浦街道突发事件应急预案", "赵六", "备案、演练"),
        ("区级及部门预案", 6, "海州区防汛抗旱应急预案", "区应急局", "评估"),
    ]
    notes = dict(values(book["说明"])[1:])
    assert notes["周次"] == WEEK
    assert notes["数据截至"] == datetime(2026, 11, 20)
    assert notes["数据来源"] == "2026年11月20日备灾工作快照（数据格式第1版）"
    assert notes["对比快照"] == "2026年11月13日备灾工作快照（数据格式第1版）"
    assert (notes["绿色线（分）"], notes["黄色线（分）"]) == (80, 60)
    assert notes["权重：物资储备"] == 20
    assert book.properties.created == book.properties.modified == datetime(2026, 11, 20)


def test_formula_text_is_neutralised_in_every_sheet(built):
    book = open_xlsx(built.xlsx)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if isinstance(c.value, str) and c.value[:1] == "="]
    assert book["排名"]["B3"].value == "'" + EVIL
    assert book["排名"]["B3"].data_type == "s"
    assert book["逾期整改"]["C2"].value == "'" + EVIL
    assert EVIL in [cell.text for row in open_docx(built.docx).tables[0].rows for cell in row.cells]


def test_rebuilding_gives_identical_bytes_whatever_the_clock(built, monkeypatch):
    later = time.time() + 3 * 365 * 86400  # zip writers stamp entries with the clock
    monkeypatch.setattr(time, "time", lambda: later)
    again = circular.build(make_payload(), previous_payload(), iso_week=WEEK)
    monkeypatch.undo()
    assert again.docx == built.docx and again.xlsx == built.xlsx
    for archive in (built.docx, built.xlsx):
        entries = zipfile.ZipFile(io.BytesIO(archive)).infolist()
        assert {entry.date_time for entry in entries} == {(2026, 11, 20, 0, 0, 0)}


def test_english_on_request():
    built = circular.build(make_payload(), None, iso_week="2026-w47", language="en")
    assert built.filename_stem == "haizhou-readiness-circular-2026-W47"
    document = open_docx(built.docx)
    assert texts(document)[:3] == [
        "Haizhou District Weekly Readiness Circular",
        "Week 47, 2026 (16 November – 22 November)",
        "Data as of 20 November 2026",
    ]
    assert "There is no snapshot from last week to compare with." in built.summary
    assert rows(document.tables[0])[0] == [
        "Rank", "Town or subdistrict", "Score", "Level", "Change on last week", "Main problems",
    ]  # fmt: skip
    assert rows(document.tables[0])[3][3:] == ["red", "—", "Hazard rectification, Emergency plans"]
    book = open_xlsx(built.xlsx)
    assert book.sheetnames == ["Ranking", "Components", "Overdue rectifications",
                               "Overdue plans", "Notes"]  # fmt: skip
    assert values(book["Overdue plans"])[0] == ("Town or subdistrict", "ID", "Plan", "Responsible",
                                                "Overdue for")  # fmt: skip
    assert values(book["Overdue plans"])[2][0] == "District and department plans"
    assert document.paragraphs[-1].text == "20 November 2026"


def test_all_green_and_nothing_overdue_says_so():
    payload = make_payload(scores=(90.0, 85.0, 95.0))
    for loc in payload["localities"]:
        loc["worst"] = []
    payload["overdue_rectifications"] = payload["overdue_plans"] = []
    payload["campaign"] = None
    built = circular.build(payload, None, iso_week=WEEK)
    paragraphs = texts(open_docx(built.docx))
    assert "本周无逾期事项。" in paragraphs
    assert "本周各镇街均为绿色，请继续保持。" in paragraphs
    assert "本周无专项检查。" in built.summary
    assert len(open_docx(built.docx).tables) == 1
    assert values(open_xlsx(built.xlsx)["逾期整改"])[1:] == []


def test_malformed_week_or_a_snapshot_from_another_week_is_refused():
    with pytest.raises(ValueError, match="ISO week"):
        circular.build(make_payload(), None, iso_week="2026-47")
    with pytest.raises(ValueError, match="not in 2026-W48"):
        circular.build(make_payload(), None, iso_week="2026-W48")


# --- from real snapshots --------------------------------------------------------------------


def overdue_rectification(session, place: str, who: str, deadline: date, risk=RiskLevel.MAJOR):
    session.add(
        Rectification(
            locality_id=locality(session, place).id, description="消防通道堵塞",
            risk_level=risk, status=S.RECTIFYING, found_on=deadline - timedelta(days=7),
            deadline=deadline, responsible_person=who,
        )
    )  # fmt: skip


def test_a_past_week_is_reproduced_exactly_after_the_data_changed(factory, actors):
    office = actors["office"]
    with db.transaction(factory) as session:
        overdue_rectification(session, "新浦街道", "周整改", date(2026, 11, 1))
        snapshots.take(session, office, today=date(2026, 11, 11), settings=SETTINGS)
        snapshots.take(session, office, today=date(2026, 11, 18), settings=SETTINGS)
    with factory() as session:
        assert circular.weeks_with_snapshots(session) == ["2026-W47", "2026-W46"]
        assert not circular.week_is_demo(session, WEEK)
        payload, previous = circular.load(session, WEEK)
    assert (payload["as_of"], previous["as_of"]) == ("2026-11-18", "2026-11-11")
    first = circular.build(payload, previous, iso_week=WEEK)

    document = open_docx(first.docx)
    ranking = rows(document.tables[0])
    assert len(ranking) == 1 + 19
    assert [int(row[0]) for row in ranking[1:]] == sorted(int(row[0]) for row in ranking[1:])
    assert "与上周（2026年11月11日）持平。" in first.summary
    assert "（一）新浦街道：逾期整改1项，逾期预案0件" in texts(document)
    assert rows(document.tables[1])[1] == ["—", "消防通道堵塞", "重大（红）", "2026-11-01", "17",
                                           "周整改"]  # fmt: skip
    assert values(open_xlsx(first.xlsx)["逾期整改"])[1][-2:] == (17, "周整改")

    with db.transaction(factory) as session:  # the live data moves on
        depot(session, office, name="新浦街道第二储备点")
        overdue_rectification(session, "板浦镇", "新问题", date(2026, 11, 20))
        snapshots.take(session, office, today=date(2026, 11, 25), settings=SETTINGS)
    with factory() as session:
        assert circular.weeks_with_snapshots(session)[0] == "2026-W48"
        again = circular.build(*circular.load(session, WEEK), iso_week=WEEK)
        later = circular.build(*circular.load(session, "2026-W48"), iso_week="2026-W48")
    assert again.docx == first.docx and again.xlsx == first.xlsx
    assert "新问题" in [c.value for row in open_xlsx(later.xlsx)["逾期整改"] for c in row]


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli_db(sqlite_url, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", sqlite_url)
    assert main(["setup", "--no-demo"]) == 0
    return sqlite_url


def snapshot_count(url: str) -> int:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(ReadinessSnapshot)).scalar()
    engine.dispose()
    return count


def test_command_line_writes_both_files(cli_db, tmp_path, capsys):
    assert main(["snapshot", "--date", "2026-11-18"]) == 0
    assert snapshot_count(cli_db) == 1
    out = tmp_path / "circulars" / "w47"
    capsys.readouterr()
    assert main(["circular", "--week", "2026-W47", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    docx_path = out / "海州区备灾工作周通报-2026-W47.docx"
    xlsx_path = out / "海州区备灾工作周通报-2026-W47.xlsx"
    assert str(docx_path) in printed and str(xlsx_path) in printed
    assert texts(docx.Document(docx_path))[1] == "2026年第47周（11月16日—11月22日）"
    assert openpyxl.load_workbook(xlsx_path).sheetnames[0] == "排名"

    assert main(["circular", "--week", "2026-W47", "--out", str(out), "--lang", "en"]) == 0
    assert (out / "haizhou-readiness-circular-2026-W47.docx").exists()
    first = docx_path.read_bytes()
    assert main(["circular", "--week", "2026-w47", "--out", str(out)]) == 0
    assert docx_path.read_bytes() == first


def test_command_line_refuses_a_week_without_snapshot_or_a_bad_label(cli_db, tmp_path, capsys):
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["circular", "--week", "2026-W47", "--out", str(out)]) == 2
    assert "python -m prepare snapshot" in capsys.readouterr().err
    assert main(["circular", "--week", "2026-47", "--out", str(out)]) == 2
    assert "2026-W47" in capsys.readouterr().err
    assert not out.exists()


def test_a_circular_built_from_demo_data_says_so():
    payload = {**make_payload(), "is_demo": True}
    document = open_docx(circular.build(payload, None, iso_week=WEEK).docx)
    assert "（本通报基于演示数据，仅供演示）" in texts(document)
    sheet = open_xlsx(circular.build(payload, None, iso_week=WEEK).xlsx)["说明"]
    assert ("数据性质", "（本通报基于演示数据，仅供演示）") in values(sheet)
    plain = open_docx(circular.build(make_payload(), None, iso_week=WEEK).docx)
    assert "（本通报基于演示数据，仅供演示）" not in texts(plain)

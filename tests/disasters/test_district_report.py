"""The district's report of a stage (issue 16, item 3): the 快报表 workbook (losses and relief
work, one row per township and 合计, units in the headers, formula-escaped text) and the
Word 灾情报告 with the totals in words; taken as of a time, both stay the same when later
reports are accepted."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import docx
import openpyxl

from registry.disasters import checking, district_report, word, workbook
from registry.kernel import db
from registry.kernel.enums import ReportStage, ReportState
from tests.disasters.rollup_data import OPENED, open_event, report

HOUR = timedelta(hours=1)


def build(factory, event_id, stage, at):
    with factory() as session:
        return district_report.build(session, event_id, stage, at)


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_workbook_has_a_row_per_town_a_total_and_the_relief_sheet(factory, actors):
    event_id = open_event(factory, actors["office"])
    report(
        factory, event_id, "新浦街道", state=ReportState.ACCEPTED, affected_people=100,
        relocated=20, crop_affected_ha=Decimal("12.50"), direct_loss=Decimal("3.25"),
        relief_forces=60, relief_funds=Decimal("5.00"),
    )  # fmt: skip
    report(
        factory, event_id, "板浦镇", state=ReportState.ACCEPTED, affected_people=40,
        crop_affected_ha=Decimal("0.75"), relief_forces=12,
    )  # fmt: skip
    result = build(factory, event_id, ReportStage.INITIAL, OPENED + 5 * HOUR)
    assert result.not_reported == ("浦南镇",)
    book = openpyxl.load_workbook(io.BytesIO(workbook.workbook(result)))
    assert book.sheetnames == ["灾情", "救灾工作"]
    losses = rows_of(book["灾情"])
    assert losses[0][0] == "海州区自然灾害情况统计快报表（初报）"
    assert losses[1][0] == "填报单位：海州区应急管理局"
    assert "灾害过程：7·8 暴雨" in losses[1]
    assert losses[1][-1] == "统计截止时间：2026年7月8日13时"
    header = losses[2]
    assert header[:3] == ["乡镇（街道）", "报送阶段", "统计截止时间"]
    assert "受灾人口（人）" in header and "农作物受灾面积（公顷）" in header
    assert "直接经济损失（万元）" in header
    body = {row[0]: row for row in losses[3:6]}
    people = header.index("受灾人口（人）")
    crops = header.index("农作物受灾面积（公顷）")
    assert body["新浦街道"][people] == 100 and body["板浦镇"][people] == 40
    assert body["新浦街道"][1] == "初报"
    assert body["浦南镇"][1] == "未报送" and body["浦南镇"][people] is None
    total = losses[6]
    assert total[0] == "合计" and total[people] == 140
    assert Decimal(str(total[crops])) == Decimal("13.25")
    assert any("浦南镇" in str(row[0]) for row in losses[7:])  # who has not reported
    relief = rows_of(book["救灾工作"])
    assert relief[0][0] == "海州区救灾工作情况统计快报表（初报）"
    forces = relief[2].index("投入应急力量（人次）")
    assert relief[6][0] == "合计" and relief[6][forces] == 72


def test_the_word_report_states_the_totals_and_each_town(factory, actors):
    event_id = open_event(factory, actors["office"])
    report(
        factory, event_id, "新浦街道", state=ReportState.ACCEPTED, affected_people=1200,
        deaths=1, missing=2, relocated=300, collapsed_households=3, collapsed_rooms=7,
        direct_loss=Decimal("86.50"), situation="7日夜强降雨，低洼处积水", relief="转移群众300人",
    )  # fmt: skip
    result = build(factory, event_id, ReportStage.UPDATE, OPENED + 5 * HOUR)
    document = docx.Document(io.BytesIO(word.document(result)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "海州区“7·8 暴雨”灾情报告" in text and "（续报）" in text
    assert "统计截止时间：2026年7月8日13时" in text
    assert "一、灾情概况" in text and "二、各镇（街道）灾情" in text
    assert "三、救灾工作开展情况" in text and "四、下一步工作" in text
    assert "受灾人口1200人，因灾死亡1人、失踪2人，紧急转移安置300人" in text
    assert "倒塌房屋3户7间" in text and "直接经济损失86.5万元" in text
    assert "（一）新浦街道。初报" in text
    assert "7日夜强降雨，低洼处积水" in text and "新浦街道：转移群众300人" in text
    assert "尚未报送续报" in text and "板浦镇" in text
    table = document.tables[0]
    assert table.rows[0].cells[1].text == "受灾人口（人）"
    assert [c.text for c in table.rows[-1].cells][:2] == ["合计", "1200"]
    english = docx.Document(io.BytesIO(word.document(result, "en")))
    assert "1200 people affected" in "\n".join(p.text for p in english.paragraphs)


def test_a_report_as_of_a_time_does_not_change_when_later_reports_are_accepted(factory, actors):
    office = actors["office"]
    event_id = open_event(factory, office)
    first = report(factory, event_id, "新浦街道", affected_people=100)
    with db.transaction(factory) as session:
        checking.accept_report(session, office, first, 1, OPENED + 2 * HOUR)
    at = OPENED + 3 * HOUR

    def files():
        result = build(factory, event_id, ReportStage.UPDATE, at)
        return workbook.workbook(result), word.document(result)

    before = files()
    later = report(
        factory, event_id, "新浦街道", stage=ReportStage.UPDATE,
        submitted_at=OPENED + 20 * HOUR, affected_people=500,
    )  # fmt: skip
    other = report(factory, event_id, "板浦镇", affected_people=40)
    with db.transaction(factory) as session:
        checking.accept_report(session, office, later, 1, OPENED + 21 * HOUR)
        checking.accept_report(session, office, other, 1, OPENED + 21 * HOUR)
    assert files() == before  # byte for byte
    after = build(factory, event_id, ReportStage.UPDATE, OPENED + 22 * HOUR)
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.workbook(after)))["灾情"]
    assert rows_of(sheet)[6][3] == 540  # the later time sees the later reports


def test_stages_parse_in_both_languages():
    assert district_report.parse_stage("续报") is ReportStage.UPDATE
    assert district_report.parse_stage(" Final ") is ReportStage.FINAL
    assert district_report.parse_stage("快报") is None

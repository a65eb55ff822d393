"""``python -m prepare disaster-report EVENT_ID --stage 初报|续报|核报 [--at TIME] --out DIR``:
both files written from the reports accepted by then; exit 2 with a message for an unknown
event, stage or time, and nothing written."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import docx
import openpyxl
import pytest

from prepare.cli import main
from registry.disasters import district_report
from registry.kernel.enums import ReportState
from tests.disasters.rollup_data import OPENED, open_event, report


@pytest.fixture
def event_id(factory, actors, database_url, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    monkeypatch.setenv("REGISTRY_LANGUAGE", "zh")
    event = open_event(factory, actors["office"])
    report(
        factory, event, "新浦街道", state=ReportState.ACCEPTED,
        reviewed_at=OPENED + timedelta(hours=1), affected_people=88,
    )  # fmt: skip
    report(
        factory, event, "板浦镇", state=ReportState.ACCEPTED,
        reviewed_at=OPENED + timedelta(hours=3), affected_people=12,
    )  # fmt: skip
    return event


def test_both_files_are_written_as_of_the_time_given(event_id, tmp_path, capsys):
    # 2026-07-08 10:00 China time = 02:00 UTC: 新浦 accepted at 01:00 counts, 板浦 (03:00) not
    code = main(
        ["disaster-report", str(event_id), "--stage", "初报", "--at", "2026-07-08 10:00",
         "--out", str(tmp_path / "out")]
    )  # fmt: skip
    assert code == 0
    written = sorted((tmp_path / "out").iterdir())
    assert [p.suffix for p in written] == [".docx", ".xlsx"]
    assert written[0].stem == "灾情报告-7·8_暴雨-初报-20260708-1000"
    assert "已写出" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(io.BytesIO(written[1].read_bytes()))["灾情"]
    rows = list(sheet.iter_rows(values_only=True))
    total = next(row for row in rows if row[0] == "合计")
    assert total[rows[2].index("受灾人口（人）")] == 88
    text = "\n".join(p.text for p in docx.Document(str(written[0])).paragraphs)
    assert "受灾人口88人" in text and "尚未报送初报" in text


def test_as_at_is_the_end_of_the_china_time_minute():
    end = OPENED + timedelta(minutes=1, microseconds=-1)  # 08:00 China time = 00:00 UTC
    assert district_report.as_at(datetime(2026, 7, 8, 8, 0)) == end
    assert district_report.as_at(datetime(2026, 7, 8, 8, 0, 59)) == end


def test_at_reads_to_the_end_of_that_minute_as_the_page_does(factory, event_id, tmp_path):
    # 浦南 accepted at 10:00:30 China time: counted as of 10:00, as the page counts it
    report(
        factory, event_id, "浦南镇", state=ReportState.ACCEPTED,
        reviewed_at=OPENED + timedelta(hours=2, seconds=30), affected_people=5,
    )  # fmt: skip
    out = tmp_path / "minute"
    code = main(
        ["disaster-report", str(event_id), "--stage", "初报", "--at", "2026-07-08 10:00",
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    (written,) = out.glob("*.xlsx")
    rows = list(openpyxl.load_workbook(written)["灾情"].iter_rows(values_only=True))
    total = next(row for row in rows if row[0] == "合计")
    assert total[rows[2].index("受灾人口（人）")] == 93


def test_english_stage_names_are_understood(event_id, tmp_path):
    out = tmp_path / "en"
    assert main(["disaster-report", str(event_id), "--stage", "final", "--out", str(out)]) == 0
    (workbook,) = out.glob("*.xlsx")
    title = openpyxl.load_workbook(workbook)["灾情"]["A1"].value
    assert title == "海州区自然灾害情况统计快报表（核报）"
    total = next(
        r
        for r in openpyxl.load_workbook(workbook)["灾情"].iter_rows(values_only=True)
        if r[0] == "合计"
    )
    assert 100 in total  # now: both accepted reports count


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["999", "--stage", "初报"], "没有编号为 999 的事件"),
        (["{event}", "--stage", "快报"], "无法识别的报送阶段“快报”"),
        (["{event}", "--stage", "续报", "--at", "明天九点"], "无法识别的时间“明天九点”"),
    ],
)
def test_an_unknown_event_stage_or_time_is_refused(event_id, tmp_path, capsys, arguments, message):
    given = [a.format(event=event_id) for a in arguments]
    assert main(["disaster-report", *given, "--out", str(tmp_path / "no")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "no").exists()

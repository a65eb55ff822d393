"""The district's own report of a stage (区级初报 / 续报 / 核报) as of a time: the towns'
accepted reports of that stage or an earlier one, per township and summed, their texts,
and the towns that have not reported the stage. The 快报表 workbook (``workbook``) and the
Word text (``word``) are both drawn from this one value, so they cannot disagree; taken
again later "as of" the same time they are the same (``rollup`` says why).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from registry.disasters import rollup
from registry.disasters.indicators import BY_KEY, KEYS
from registry.kernel import i18n
from registry.kernel.clock import from_local, local
from registry.kernel.enums import ReportStage, WarningType
from registry.kernel.models import Event

STAGE_WORDS = {"初报": ReportStage.INITIAL, "续报": ReportStage.UPDATE, "核报": ReportStage.FINAL}
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


@dataclass(frozen=True)
class DistrictReport:
    event_id: int
    title: str
    hazard: WarningType
    is_demo: bool
    stage: ReportStage
    at: datetime
    total: rollup.Total
    not_reported: tuple[str, ...]  # towns without an accepted report of this very stage

    @property
    def towns(self) -> tuple[rollup.Counted, ...]:
        return self.total.towns


def parse_stage(text: str) -> ReportStage | None:
    """初报 / 续报 / 核报, or initial / update / final; None for anything else."""
    word = text.strip()
    if word in STAGE_WORDS:
        return STAGE_WORDS[word]
    try:
        return ReportStage(word.lower())
    except ValueError:
        return None


def as_at(local_minute: datetime) -> datetime:
    """The stored instant a report "as of" a China time is taken at: the end of that minute
    (as of 09:00 counts what was accepted at 09:00:40, as the duty report does), seconds
    typed or not. The one rule of the page and of ``prepare disaster-report --at``."""
    minute = from_local(local_minute.replace(second=0, microsecond=0))
    return minute + timedelta(minutes=1, microseconds=-1)


def build(
    session: Session, event_id: int, stage: ReportStage, at: datetime
) -> DistrictReport | None:
    """The district report of ``stage`` as of ``at`` (naive UTC); None for an unknown event."""
    event = session.get(Event, event_id)
    total = rollup.district_total(session, event_id, at, stage)
    if event is None or total is None:
        return None
    missing = tuple(
        town.locality
        for town in total.towns
        if town.report is None or town.report.stage is not stage
    )
    return DistrictReport(
        event.id, event.title, event.hazard, event.is_demo, stage, at, total, missing
    )


# --- words shared by the workbook and the Word text -----------------------------------------


def number(value: int | Decimal) -> str:
    """A figure as a report writes it: 12, 3.5, 0 (no trailing zeros after the point)."""
    if isinstance(value, Decimal):
        shown = f"{value.quantize(Decimal('0.01')):f}"
        return shown.rstrip("0").rstrip(".") if "." in shown else shown
    return str(value)


def time_text(moment: datetime, language: str) -> str:
    """A stored time as the report writes it, in China time: 2026年7月8日9时 / 09:00 8 Jul 2026."""
    shown = local(moment)
    if language == "zh":
        minutes = f"{shown.minute}分" if shown.minute else ""
        return f"{shown.year}年{shown.month}月{shown.day}日{shown.hour}时{minutes}"
    return f"{shown:%H:%M} {shown.day} {shown:%b %Y}"


def stage_text(stage: ReportStage, sequence: int, language: str) -> str:
    """初报, 续报（第2次）, 核报."""
    word = i18n.label(stage, language)
    if stage is ReportStage.UPDATE:
        return i18n.translate("rollup.stage_sequence", language, stage=word, n=sequence)
    return word


def header(key: str, language: str) -> str:
    """An indicator's column heading with its unit: 受灾人口（人）."""
    unit = i18n.translate(f"disaster.unit.{BY_KEY[key].unit}", language)
    name = i18n.translate(f"disaster.indicator.{key}", language)
    return i18n.translate("rollup.with_unit", language, name=name, unit=unit)


def figures_text(figures: Mapping[str, int | Decimal], language: str) -> str:
    """The losses in words: 受灾人口N人，因灾死亡N人、失踪N人，…直接经济损失N万元."""
    return i18n.translate(
        "rollup.doc.figures", language, **{key: number(figures[key]) for key in KEYS}
    )


def relief_text(figures: Mapping[str, int | Decimal], language: str) -> str:
    return i18n.translate(
        "rollup.doc.relief_figures", language, **{key: number(figures[key]) for key in KEYS}
    )


def summary(report: DistrictReport, language: str) -> str:
    """灾情概况: the district totals in words, or that nothing is accepted yet."""
    when = time_text(report.at, language)
    if not report.total.reported:
        return i18n.translate("rollup.doc.summary_none", language, time=when)
    return i18n.translate(
        "rollup.doc.summary",
        language,
        time=when,
        reported=report.total.reported,
        towns=len(report.towns),
        figures=figures_text(report.total.figures, language),
    )


def missing_text(report: DistrictReport, language: str) -> str | None:
    if not report.not_reported:
        return None
    names = ("、" if language == "zh" else ", ").join(report.not_reported)
    stage = i18n.label(report.stage, language)
    return i18n.translate("rollup.doc.not_reported", language, stage=stage, towns=names)


def filename_stem(report: DistrictReport, language: str) -> str:
    """灾情报告-7·8暴雨-初报-20260708-0900: safe on every file system."""
    word = i18n.translate("rollup.file", language)
    stamp = local(report.at).strftime("%Y%m%d-%H%M")
    stem = f"{word}-{report.title}-{i18n.label(report.stage, language)}-{stamp}"
    return _UNSAFE.sub("_", stem)[:120]


def fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """An Office file (a zip) rewritten with every member dated ``stamp``: the libraries
    date members with the clock, and a report taken again as of the same time must be the
    same file, byte for byte."""
    moment = local(stamp)
    when = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=when)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, source.read(info.filename))
    return buffer.getvalue()

"""灾情汇总: the district office's desk for an event's town reports. Every town's latest
report side by side (the accepted figure before it in brackets), every submitted report
(oldest first, so a town's earlier report is checked before its later one) to accept or
return with a reason, the district total from accepted reports, the declaration
that the disaster is stable (the 核报 falls due), and the district's 快报表 and 灾情报告 of a
stage as of a chosen time (now by default)."""

from datetime import datetime, time

import pandas as pd
import streamlit as st

from page_helpers import disaster_figures, editing, ui
from registry.disasters import checking, district_report, rollup, word, workbook
from registry.disasters.district_report import number, stage_text
from registry.disasters.indicators import INDICATORS, KEYS
from registry.kernel.clock import local, utcnow
from registry.kernel.enums import ReportStage

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

actor = ui.require_actor()
st.title(ui.t("nav.disaster_rollup"))
st.caption(ui.t("rollup.page.caption"))
editing.flash()
language = ui.language()


def when(moment: datetime | None) -> str:
    return local(moment).strftime("%m-%d %H:%M") if moment else "—"


def header(key: str) -> str:
    return district_report.header(key, language)


def event_name(line: rollup.EventLine) -> str:
    stable = f" · {ui.t('rollup.page.stable')}" if line.stable_at else ""
    return f"{line.title} · {when(line.opened_at)} · {ui.label(line.state)}{stable}"


def stable_button(line: rollup.EventLine) -> None:
    if line.stable_at is not None:
        st.caption(ui.t("rollup.page.stable_at", time=when(line.stable_at)))
        return
    form = f"rollup.stable.{line.id}"
    opened = editing.opened_version(form, line.id, line.version)
    if st.button(
        ui.t("rollup.page.declare_stable"), key=f"rollup.stable_run.{line.id}",
        help=ui.t("rollup.page.declare_stable_help"), icon=":material/verified:",
    ):  # fmt: skip
        editing.run(
            lambda session: checking.declare_stable(session, actor, line.id, opened, utcnow()),
            ui.t("rollup.page.stable_done"),
            form=form,
        )


def state_of(row: rollup.TownRow) -> str:
    return ui.label(row.latest.state) if row.latest else ui.t("rollup.book.none")


def stage_of(row: rollup.TownRow) -> str:
    if row.latest is None:
        return "—"
    zero = ui.t("rollup.book.zero") if row.latest.is_zero else ""
    return stage_text(row.latest.stage, row.latest.sequence, language) + zero


def side_by_side(rows: list[rollup.TownRow]) -> None:
    def cell(row: rollup.TownRow, key: str) -> str:
        if row.latest is None:
            return ""
        value = number(row.latest.figures[key])
        if row.previous is not None and row.previous.figures[key] != row.latest.figures[key]:
            value += f"（{number(row.previous.figures[key])}）"
        return value

    table = pd.DataFrame(
        [
            {
                ui.t("rollup.book.town"): row.locality,
                ui.t("rollup.page.state"): state_of(row),
                ui.t("rollup.book.stage"): stage_of(row),
                ui.t("rollup.page.submitted_at"): when(row.latest and row.latest.submitted_at),
                ui.t("rollup.book.figures_to"): when(row.latest and row.latest.figures_to),
                **{header(key): cell(row, key) for key in KEYS},
            }
            for row in rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(ui.t("rollup.page.previous_help"))


def check_card(line: rollup.ReportLine, photos: tuple[tuple[int, str], ...]) -> None:
    form = f"rollup.check.{line.id}"
    opened = editing.opened_version(form, line.id, line.version)
    with st.container(border=True):
        title = stage_text(line.stage, line.sequence, language)
        if line.is_zero:
            title += ui.t("rollup.book.zero")
        st.markdown(
            f"**{ui.plain(line.locality)}** · {ui.plain(title)} · "
            + ui.t("rollup.page.filed", time=when(line.submitted_at), to=when(line.figures_to))
        )
        for label_key, text in (
            ("rollup.page.situation", line.situation),
            ("rollup.page.relief", line.relief),
            ("rollup.page.explanation", line.explanation),
        ):
            if text:
                st.markdown(f"**{ui.t(label_key)}**")
                st.text(text)
        if photos:
            st.markdown(ui.file_links(list(photos)))
        left, right = st.columns([1, 2])
        if left.button(
            ui.t("rollup.page.accept"), key=f"rollup.accept.{line.id}", type="primary",
            icon=":material/check:",
        ):  # fmt: skip
            editing.run(
                lambda session: checking.accept_report(session, actor, line.id, opened, utcnow()),
                ui.t("rollup.page.accepted", town=line.locality),
                form=form,
            )
        with right.form(f"rollup.return.{line.id}.{opened}", border=False):
            reason = st.text_input(ui.field("rollup_reason"), key=f"rollup.reason.{line.id}")
            if st.form_submit_button(
                ui.t("rollup.page.return"), key=f"rollup.return_run.{line.id}"
            ):
                editing.run(
                    lambda session: checking.return_report(
                        session, actor, line.id, opened, reason, utcnow()
                    ),
                    ui.t("rollup.page.returned", town=line.locality),
                    form=form,
                )


def totals(event_id: int) -> None:
    total = ui.read(rollup.district_total, event_id, utcnow())  # read once, shown twice
    disaster_figures.show(total)
    if total is None or not total.reported:
        return
    with st.expander(ui.t("rollup.page.all_figures")):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        ui.t("rollup.page.indicator"): header(i.key),
                        ui.t("rollup.book.total"): number(total.figures[i.key]),
                    }
                    for i in INDICATORS
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def downloads(line: rollup.EventLine) -> None:
    columns = st.columns(3)
    stage = columns[0].selectbox(
        ui.t("rollup.book.stage"), list(ReportStage), format_func=ui.label, key="rollup.stage"
    )
    at = utcnow()  # as it stands now, unless an earlier time is asked for
    if columns[0].toggle(ui.t("rollup.page.as_of"), key="rollup.as_of"):
        default = local(at)
        day = columns[1].date_input(
            ui.t("rollup.page.date"), value=default.date(), key="rollup.date"
        )
        moment = columns[2].time_input(
            ui.t("rollup.page.time"), value=time(default.hour, default.minute), key="rollup.time"
        )
        at = district_report.as_at(datetime.combine(day, moment))  # to the minute's end
    result = ui.read(district_report.build, line.id, stage, at)
    if result is None:
        return
    if result.not_reported:
        st.caption(ui.plain(district_report.missing_text(result, language) or ""))
    stem = district_report.filename_stem(result, language)
    buttons = st.columns(2)
    buttons[0].download_button(
        ui.t("rollup.page.download_xlsx"), lambda: workbook.workbook(result, language),
        f"{stem}.xlsx", XLSX_MIME, key="rollup.download.xlsx", type="primary",
    )  # fmt: skip
    buttons[1].download_button(
        ui.t("rollup.page.download_docx"), lambda: word.document(result, language),
        f"{stem}.docx", DOCX_MIME, key="rollup.download.docx",
    )  # fmt: skip


lines = ui.read(rollup.event_lines)
if not lines:
    st.info(ui.t("rollup.page.no_events"))
    st.stop()
by_id = {line.id: line for line in lines}
chosen = by_id[
    st.selectbox(
        ui.t("rollup.page.event"), list(by_id), format_func=lambda i: event_name(by_id[i]),
        key="rollup.event",
    )
]  # fmt: skip
if chosen.is_demo:
    st.caption(ui.t("rollup.book.demo"))
stable_button(chosen)

st.subheader(ui.t("rollup.page.towns"))
rows = ui.read(rollup.town_rows, chosen.id)
side_by_side(rows)

waiting = ui.read(rollup.waiting, chosen.id)  # every one, oldest first: checked in order
st.subheader(ui.t("rollup.page.to_check", count=len(waiting)))
if not waiting:
    st.caption(ui.t("rollup.page.nothing_to_check"))
photos = ui.read(rollup.report_photos, [line.id for line in waiting])
for line in waiting:
    check_card(line, photos.get(line.id, ()))

st.subheader(ui.t("rollup.page.total"))
totals(chosen.id)

st.subheader(ui.t("rollup.page.downloads"))
downloads(chosen)

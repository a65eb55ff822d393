"""值班快报: the duty report of an event as of a chosen time, with its situation map; the
Word report and the A3 map (PNG for the screen, PDF for the 会商 meeting's printer)."""

from datetime import datetime, time, timedelta

import streamlit as st

from page_helpers import ui
from registry.kernel.clock import from_local, local, utcnow
from registry.kernel.enums import EventState
from registry.response import report

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

actor = ui.require_actor()
st.title(ui.t("nav.duty_report"))
st.caption(ui.t("report.page.caption"))


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def built(version: int, event_id: int, at: datetime, language: str) -> report.Report:
    """Drawing the map takes a second or two: once per event, time, language and data."""
    return ui.read(report.report, event_id, at, language)


events = ui.read(report.event_choices)
if not events:
    st.info(ui.t("report.page.no_events"))
    st.stop()
by_id = {e.id: e for e in events}


def event_name(event_id: int) -> str:
    event = by_id[event_id]
    state = "open" if event.state is EventState.OPEN else "closed"
    opened = local(event.opened_at).strftime("%Y-%m-%d %H:%M")
    return f"{event.title} · {opened} · {ui.t(f'report.page.{state}')}"


chosen = by_id[st.selectbox(ui.t("report.page.event"), list(by_id), format_func=event_name)]
default = local(chosen.closed_at or utcnow())
cols = st.columns([2, 2, 2])
day = cols[0].date_input(ui.t("report.page.date"), value=default.date(), key="report.date")
moment = cols[1].time_input(
    ui.t("report.page.time"), value=time(default.hour, default.minute), key="report.time"
)
language = cols[2].radio(
    ui.t("report.page.language"),
    list(LANGUAGE_NAMES),
    index=list(LANGUAGE_NAMES).index(ui.language()),
    format_func=LANGUAGE_NAMES.get,
    horizontal=True,
    key="report.language",
)
# 截至 16:30 reads to the end of that minute: a step saved seconds ago (or the closing, for a
# closed event's default) is in the report, not left out by the minute the inputs show.
at = from_local(datetime.combine(day, moment)) + timedelta(minutes=1, microseconds=-1)
if at < chosen.opened_at:
    st.warning(ui.t("report.page.before_open"))

with st.spinner():
    result = built(ui.data_version(), chosen.id, at, language)
ui.demo_banner(result.is_demo)

downloads = st.columns(3)
for column, (suffix, data, mime) in zip(
    downloads,
    (("docx", result.docx, DOCX_MIME), ("png", result.png, "image/png"),
     ("pdf", result.pdf, "application/pdf")),
    strict=True,
):  # fmt: skip
    column.download_button(
        ui.t(f"report.page.download_{suffix}"),
        data,
        f"{result.filename_stem}.{suffix}",
        mime,
        key=f"report.download.{suffix}",
        type="primary" if suffix == "docx" else "secondary",
    )

st.subheader(ui.t("report.page.summary"))
st.markdown(ui.plain(result.summary))
st.subheader(ui.t("report.page.map"))
st.image(result.png, width="stretch")

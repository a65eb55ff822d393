"""周通报: the weekly circular for leaders, one click for the Word document and one for the
Excel details, for any week that has a readiness snapshot.

Both files come from the week's snapshot (and last week's, for the ranking's change), never
from today's data, so a past week downloads exactly as it was circulated. Office staff and
administrators can freeze today's scorecard here when this week has no snapshot yet.
"""

from datetime import date

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.kernel.clock import today
from registry.kernel.permissions import Action
from registry.readiness import circular, snapshots
from registry.records import queries

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

actor = ui.require_actor()
day = today()


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def listing(version: int) -> tuple[list[str], bool]:
    """Weeks with snapshots, newest first, and whether the database holds demo records."""
    return ui.read(circular.weeks_with_snapshots), ui.read(queries.has_demo_records)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def built(version: int, week: str, language: str):
    """The week's circular, the as-of dates it compares and whether its snapshot is a demo."""
    payload, previous = ui.read(circular.load, week)
    demo = ui.read(circular.week_is_demo, week)
    if payload is None:
        return None, None, None, demo
    result = circular.build(payload, previous, iso_week=week, language=language)
    return result, payload["as_of"], previous and previous["as_of"], demo


def shown_date(value: str) -> str:
    return circular.date_text(date.fromisoformat(value), ui.language())


def take_snapshot(session) -> None:
    snapshots.take(session, actor, today=day, settings=ui.settings())


st.title(ui.t("nav.circular"))
editing.flash()
st.caption(ui.t("circ.intro"))

if actor.can(Action.PUBLISH_READINESS) and st.button(
    ui.t("circ.snapshot"), key="circ.snapshot", help=ui.t("circ.snapshot_help")
):
    editing.run(take_snapshot, ui.t("circ.snapshot_done", date=shown_date(day.isoformat())))

version = ui.data_version()
weeks, has_demo = listing(version)
if not weeks:
    st.info(ui.t("circ.no_snapshots"))
    st.caption(ui.t("circ.no_snapshots_hint"))
    st.stop()

cols = st.columns([3, 2])
week = cols[0].selectbox(
    ui.t("circ.week"),
    weeks,
    format_func=lambda w: f"{w} · {circular.period_text(w, ui.language())}",
    key="circ.week",
)
language = cols[1].radio(
    ui.t("circ.language"),
    list(LANGUAGE_NAMES),
    index=list(LANGUAGE_NAMES).index(ui.language()),
    format_func=LANGUAGE_NAMES.get,
    horizontal=True,
    key="circ.language",
)
result, as_of, previous_as_of, demo_week = built(version, week, language)
ui.demo_banner(demo_week or has_demo)
if result is None:  # the week's snapshots vanished since the list was read
    st.info(ui.t("circ.no_snapshots"))
    st.stop()

downloads = st.columns(2)
downloads[0].download_button(
    ui.t("circ.download_docx"),
    result.docx,
    f"{result.filename_stem}.docx",
    DOCX_MIME,
    key="circ.download.docx",
    type="primary",
)
downloads[1].download_button(
    ui.t("circ.download_xlsx"),
    result.xlsx,
    f"{result.filename_stem}.xlsx",
    XLSX_MIME,
    key="circ.download.xlsx",
)

st.subheader(ui.t("circ.preview"))
if previous_as_of is None:
    st.caption(ui.t("circ.based_on_alone", date=shown_date(as_of)))
else:
    st.caption(ui.t("circ.based_on", date=shown_date(as_of), previous=shown_date(previous_as_of)))
st.markdown(ui.plain(result.summary))
st.dataframe(pd.DataFrame(result.ranking), hide_index=True, width="stretch")

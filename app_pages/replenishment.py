"""补库: the replenishment lists (补库清单) made when events close with their review: per depot
and item what went out for the event, the quantity suggested to bring the depot back to its
minimum quota, what has arrived since and what is still to come; the workbook for
procurement; the office waives what is left of a line, with a reason. Town officials see
their own depots' lines; the office, admins and leaders every line. Below, the checkpoints a
review found failed that are still owed a re-inspection."""

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.kernel.clock import utcnow
from registry.kernel.permissions import Action
from registry.recovery import queries, replenishment, workbook

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECORD_PAGE = "app_pages/record.py"

actor = ui.require_actor()
office = actor.can(Action.MANAGE_RESPONSE)
st.title(ui.t("nav.replenishment"))
st.caption(ui.t("recovery.caption"))
editing.flash()
if not actor.sees_every_locality:
    st.caption(ui.t("recovery.scope_own", names=ui.locality_names(actor)))


def line_table(rows: list[replenishment.LineRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                ui.t("recovery.col.state"): ui.t(f"recovery.state.{r.state}"),
                ui.t("recovery.col.depot"): r.depot,
                ui.t("recovery.col.locality"): r.locality,
                ui.t("recovery.col.item"): r.item,
                ui.t("recovery.col.unit"): r.unit,
                ui.t("recovery.col.consumed"): r.consumed,
                ui.t("recovery.col.stock"): r.stock_at_listing,
                ui.t("recovery.col.minimum"): "—" if r.quota_minimum is None else r.quota_minimum,
                ui.t("recovery.col.suggested"): r.suggested,
                ui.t("recovery.col.received"): r.received,
                ui.t("recovery.col.outstanding"): r.outstanding,
                ui.t("recovery.col.reason"): r.waive_reason or "",
            }
            for r in rows
        ]
    )


def waive_form(rows: list[replenishment.LineRow]) -> None:
    """The office waives what is left of one open line (核销), with the reason."""
    open_lines = {r.id: r for r in rows if r.is_open}
    if not office or not open_lines:
        return
    with st.expander(ui.t("recovery.waive"), icon=":material/playlist_remove:"):
        line_id = st.selectbox(
            ui.t("recovery.waive_line"), list(open_lines), key="rep.waive_line",
            format_func=lambda i: f"{open_lines[i].depot} · {open_lines[i].item} "
            f"（{open_lines[i].outstanding} {open_lines[i].unit}）",
        )  # fmt: skip
        line = open_lines[line_id]
        opened = editing.opened_version("rep.waive", line.id, line.version)
        reason = st.text_input(ui.t("recovery.waive_reason"), key=f"rep.reason.{line.id}.{opened}")
        if st.button(ui.t("recovery.waive"), key="rep.waive_run"):
            editing.run(
                lambda session: replenishment.waive_line(
                    session, actor, line.id, opened, reason=reason, now=utcnow()
                ),
                ui.t("recovery.waived"),
                form="rep.waive",
            )


def reinspection_list() -> None:
    rows = ui.read(queries.reinspections, actor)
    if not rows:
        return
    st.subheader(ui.t("recovery.reinspect"), anchor=False)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    ui.t("recovery.col.locality"): r.locality,
                    ui.t("recovery.col.checkpoint"): r.name,
                    ui.t("recovery.event"): r.event_title,
                    ui.t("recovery.col.reviewed_on"): r.reviewed_on.isoformat(),
                    ui.t("recovery.col.note"): r.note or "",
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    for r in rows:
        st.page_link(
            RECORD_PAGE, label=ui.plain(f"{r.locality} · {r.name}"), icon="📄",
            query_params={"key": f"c{r.checkpoint_id}"},
        )  # fmt: skip


events = ui.read(replenishment.events_with_lines, actor)
if not events:
    st.info(ui.t("recovery.none"))
    reinspection_list()
    st.stop()
asked = st.query_params.get("event")
ids = list(events)
start = ids.index(int(asked)) if asked and asked.isdigit() and int(asked) in events else 0
event_id = st.selectbox(
    ui.t("recovery.event"), ids, index=start, format_func=events.get, key="rep.event"
)
rows = ui.read(replenishment.lines, actor, event_id)
figures = replenishment.totals(rows)
st.markdown(ui.t("recovery.totals", **figures))
only_open = st.toggle(ui.t("recovery.open_only"), key="rep.open_only")
shown = [r for r in rows if r.is_open] if only_open else rows
st.dataframe(line_table(shown), hide_index=True, width="stretch")
st.download_button(
    ui.t("recovery.download"),
    lambda: workbook.build(rows, ui.language()),  # built on the click, not on every rerun
    f"replenishment-{event_id}.xlsx",
    XLSX_MIME,
    key="rep.download",
)
waive_form(rows)
reinspection_list()

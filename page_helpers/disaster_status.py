"""The event page's reporting status (灾情报送情况): per affected town, its last report (stage,
state) and what the reporting clock says it owes now, overdue in red — the same clock as the
alerts inbox and the 灾情报送 page (``registry/kernel/deadlines.py`` ``reports_due``)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from page_helpers import ui
from registry.disasters import queries
from registry.kernel.clock import local, utcnow
from registry.kernel.deadlines import ReportDue
from registry.kernel.enums import ReportStage

OVERDUE_STYLE = "color: #c62828; font-weight: 600"


def _when(moment: datetime) -> str:
    return local(moment).strftime("%m-%d %H:%M")


def _owed(item: ReportDue) -> str:
    text = ui.t("disaster.status.owed", stage=ui.label(item.stage), time=_when(item.due_at))
    if item.returned:
        text += ui.t("disaster.status.returned")
    return ("🔴 " if item.overdue else "") + text


def _last(row: queries.TownStatus) -> str:
    if row.last is None:
        return "—"
    stage = ui.label(row.last.stage)
    if row.last.stage is ReportStage.UPDATE:
        stage = ui.t("disaster.update_no", n=row.last.sequence)
    zero = ui.t("disaster.status.zero") if row.last.is_zero else ""
    return f"{stage}{zero}（{ui.label(row.last.state)}，{_when(row.last.submitted_at)}）"


def section(event_id: int) -> None:
    """A compact table, one row per affected town, overdue rows in red."""
    rows = ui.read(queries.reporting_status, event_id, utcnow(), ui.settings())
    if not rows:
        return
    st.markdown(f"#### {ui.t('disaster.status.title')}")
    table = pd.DataFrame(
        {
            ui.field("locality"): [r.locality for r in rows],
            ui.t("disaster.status.last"): [_last(r) for r in rows],
            ui.t("disaster.status.due"): [
                "；".join(_owed(d) for d in r.due) or ui.t("disaster.status.none") for r in rows
            ],
        }
    )
    late = [r.overdue for r in rows]
    styled = table.style.apply(
        lambda column: [OVERDUE_STYLE if flag else "" for flag in late], axis=0
    )
    st.dataframe(styled, hide_index=True, width="stretch")
    overdue = sum(late)
    if overdue:
        st.caption(ui.t("disaster.status.overdue_count", count=overdue))

"""An event's disaster figures as the office has accepted them (受灾人口, 死亡/失踪, 紧急转移安置,
直接经济损失): the event page and the leaders' overview show the same four, read from the
district total of accepted reports (registry/disasters/rollup.py), so both move as reports
are accepted and neither counts a report the office has not checked."""

from __future__ import annotations

import streamlit as st

from page_helpers import ui
from registry.disasters import rollup
from registry.disasters.district_report import number
from registry.kernel.clock import utcnow


def section(event_id: int) -> None:
    """The event's figures as they stand now, under a heading (the event page)."""
    show(ui.read(rollup.district_total, event_id, utcnow()))


def show(total: rollup.Total | None, *, quiet: bool = False) -> None:
    """Four metrics and how many towns they come from, from a total already read; ``quiet``
    shows nothing until a report is accepted and has no heading (the overview, which reads
    every open event's total at once: ``rollup.open_event_figures``); else, under its
    heading, says that none is accepted yet."""
    if total is None or (quiet and not total.reported):
        return
    if not quiet:
        st.markdown(f"#### {ui.t('rollup.fig.title')}")
    if not total.reported:
        st.caption(ui.t("rollup.fig.none"))
        return
    figures = total.figures
    cells = st.columns(4)
    cells[0].metric(ui.t("rollup.fig.affected"), number(figures["affected_people"]))
    cells[1].metric(
        ui.t("rollup.fig.dead_missing"),
        f"{number(figures['deaths'])} / {number(figures['missing'])}",
    )
    cells[2].metric(ui.t("rollup.fig.relocated"), number(figures["relocated"]))
    cells[3].metric(ui.t("rollup.fig.loss"), number(figures["direct_loss"]))
    st.caption(ui.t("rollup.fig.caption", reported=total.reported, towns=len(total.towns)))

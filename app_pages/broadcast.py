"""应急广播: the broadcast terminals by locality with their status; the office composes a
message for an open event (drafted from its warning, the terminals in its area preselected)
or a routine one and sends it; the log keeps 日常 and 应急 apart, with each terminal's
delivery.

Sending runs the core's three steps apart (see registry/response/broadcast.py): the check in
a short read, the delivery with no transaction open, then the record in one transaction.
"""

from collections import Counter

import pandas as pd
import streamlit as st

from page_helpers import editing, ui, widgets
from registry.kernel.clock import local, utcnow
from registry.kernel.enums import (
    BroadcastKind,
    BroadcastLevel,
    DeliveryStatus,
    TerminalStatus,
    TerminalType,
)
from registry.kernel.errors import RegistryError
from registry.kernel.permissions import Action
from registry.records import queries
from registry.response import broadcast, broadcast_queries
from registry.response.broadcast_adapters import adapter_for
from registry.response.broadcast_queries import BroadcastRow, TerminalRow

actor = ui.require_actor()
office = actor.can(Action.MANAGE_RESPONSE)
st.title(ui.t("nav.broadcast"))
st.caption(ui.t("bc.caption"))
editing.flash()
terminals = ui.read(broadcast_queries.terminal_list)
by_id = {row.id: row for row in terminals}
MARK = {TerminalStatus.ONLINE: "🟢", TerminalStatus.OFFLINE: "⚪", TerminalStatus.FAULT: "🔴"}


def describe(terminal_id: int) -> str:
    row = by_id[terminal_id]
    return f"{MARK[row.status]} {row.name} · {row.locality} · {ui.label(row.status)}"


def send(event_id: int | None, kind, text: str, chosen: list[int], department: str) -> None:
    """Check (a short read), deliver (no transaction open), record (one transaction)."""
    try:
        message = ui.read(
            broadcast.prepare, actor, text=text, kind=kind, terminal_ids=chosen,
            event_id=event_id, source_department=department, now=utcnow(),
        )  # fmt: skip
    except RegistryError as error:
        st.error(ui.t("bc.refused", detail=ui.refusal(error)))
        return
    adapter = adapter_for(ui.settings())
    with st.spinner(ui.t("bc.sending")):
        results = adapter.deliver(message)
    tally = Counter(r.status for r in results)
    editing.run(
        lambda session: broadcast.record(session, actor, message, adapter.name, results, utcnow()),
        ui.t("bc.sent", summary=summary(tally)),
    )


def summary(tally: Counter[DeliveryStatus] | dict[DeliveryStatus, int]) -> str:
    return " · ".join(f"{ui.label(s)} {tally[s]}" for s in DeliveryStatus if tally.get(s))


def compose() -> None:
    events = ui.read(broadcast_queries.open_events)
    event_id = st.selectbox(
        ui.field("broadcast_event"), [None, *events], key="bc.event",
        format_func=lambda e: ui.t("bc.no_event") if e is None else events[e],
    )  # fmt: skip
    kinds = list(BroadcastKind)
    kind = st.radio(
        ui.field("broadcast_kind"), kinds, format_func=ui.label, horizontal=True,
        index=kinds.index(BroadcastKind.ROUTINE if event_id is None else BroadcastKind.EMERGENCY),
        key=f"bc.kind.{event_id}",
    )  # fmt: skip
    draft = "" if event_id is None else ui.read(broadcast.compose_draft, event_id, ui.language())
    text = st.text_area(
        ui.field("broadcast_text"), value=draft, height=180, key=f"bc.text.{event_id}",
        max_chars=broadcast.MAX_TEXT, help=ui.t("bc.text_help"),
    )  # fmt: skip
    department = st.text_input(ui.field("source_department"), key="bc.department", max_chars=64)
    in_area = [] if event_id is None else ui.read(broadcast_queries.event_terminal_ids, event_id)
    preselected = [i for i in in_area if by_id[i].status is TerminalStatus.ONLINE]
    if event_id is not None:
        st.caption(ui.t("bc.in_area", total=len(in_area), online=len(preselected)))
    chosen = st.multiselect(
        ui.field("broadcast_terminals"), list(by_id), default=preselected,
        format_func=describe, key=f"bc.terminals.{event_id}",
    )  # fmt: skip
    if st.button(ui.t("bc.send"), type="primary", key="bc.send", icon=":material/campaign:"):
        send(event_id, kind, text, chosen, department)


def log_row(row: BroadcastRow) -> None:
    with st.container(border=True):
        facts = [local(row.created_at).strftime("%Y-%m-%d %H:%M"), ui.plain(row.created_by)]
        if row.event_title:
            facts.append(ui.plain(row.event_title))
        if row.source_department:
            facts.append(ui.plain(row.source_department))
        facts.append(
            ui.t(f"bc.adapter.{row.adapter}")
            if row.adapter in ("outbox", "http")
            else ui.plain(row.adapter)
        )
        st.markdown(" · ".join(facts))
        st.text(row.text)
        st.caption(
            ui.t("bc.delivery_summary", total=row.terminals, summary=summary(row.deliveries))
        )
        with st.expander(ui.t("bc.per_terminal")):
            rows = ui.read(broadcast_queries.deliveries, row.id)
            st.dataframe(
                pd.DataFrame(
                    {
                        ui.t("bc.col.terminal"): [r.terminal for r in rows],
                        ui.field("locality"): [r.locality for r in rows],
                        ui.field("terminal_village"): [r.village or "" for r in rows],
                        ui.field("status"): [ui.label(r.status) for r in rows],
                        ui.t("bc.col.detail"): [r.detail or "" for r in rows],
                        ui.t("bc.col.at"): [local(r.at).strftime("%H:%M:%S") for r in rows],
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def show_log() -> None:
    log = ui.read(broadcast_queries.broadcast_log, limit=30)
    kinds = [BroadcastKind.EMERGENCY, BroadcastKind.ROUTINE]
    for kind, tab in zip(
        kinds,
        st.tabs([ui.t("bc.tab.kind", kind=ui.label(k), count=log.counts[k]) for k in kinds]),
        strict=True,
    ):
        with tab:
            if not log.rows[kind]:
                st.info(ui.t("bc.log_empty"))
            for row in log.rows[kind]:
                log_row(row)


def terminal_table(rows: list[TerminalRow]) -> None:
    places = Counter(r.locality for r in rows)
    cols = st.columns(len(TerminalStatus))
    for col, status in zip(cols, TerminalStatus, strict=True):
        col.metric(ui.label(status), sum(1 for r in rows if r.status is status))
    summary_rows = [
        {
            ui.field("locality"): place,
            ui.t("bc.col.total"): total,
            **{
                ui.label(s): sum(1 for r in rows if r.locality == place and r.status is s)
                for s in TerminalStatus
            },
        }
        for place, total in places.items()
    ]
    st.dataframe(pd.DataFrame(summary_rows), hide_index=True, width="stretch")
    st.dataframe(
        pd.DataFrame(
            {
                ui.field("locality"): [r.locality for r in rows],
                ui.field("terminal_village"): [r.village or "" for r in rows],
                ui.field("name"): [r.name for r in rows],
                ui.field("level"): [ui.label(r.level) for r in rows],
                ui.field("terminal_type"): [ui.label(r.terminal_type) for r in rows],
                ui.field("status"): [f"{MARK[r.status]} {ui.label(r.status)}" for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def terminal_form(form: str, current: TerminalRow | None) -> dict:
    """The fields of a terminal, filled with ``current``'s values when editing."""
    localities = ui.read(queries.locality_choices)
    ids = list(localities)
    name = st.text_input(ui.field("name"), value=current.name if current else "", max_chars=128)
    locality = st.selectbox(
        ui.field("locality"), ids, format_func=localities.get,
        index=ids.index(current.locality_id) if current else 0,
    )  # fmt: skip
    village = st.text_input(
        ui.field("terminal_village"), value=(current.village or "") if current else "", max_chars=64
    )
    cols = st.columns(3)
    level = cols[0].selectbox(
        ui.field("level"), list(BroadcastLevel), format_func=ui.label,
        index=list(BroadcastLevel).index(current.level) if current else 2,
    )  # fmt: skip
    kind = cols[1].selectbox(
        ui.field("terminal_type"), list(TerminalType), format_func=ui.label,
        index=list(TerminalType).index(current.terminal_type) if current else 0,
    )  # fmt: skip
    status = cols[2].selectbox(
        ui.field("status"), list(TerminalStatus), format_func=ui.label,
        index=list(TerminalStatus).index(current.status) if current else 0,
    )  # fmt: skip
    lon, lat = widgets.location_inputs(
        form, current.lon if current else 119.19, current.lat if current else 34.606
    )
    return {
        "name": name, "locality_id": locality, "village": village, "level": level,
        "terminal_type": kind, "status": status, "lon": lon, "lat": lat,
    }  # fmt: skip


def manage_terminals() -> None:
    with st.expander(ui.t("bc.add_terminal"), icon=":material/add:"), st.form("bc.add"):
        data = terminal_form("bc.add", None)
        if st.form_submit_button(ui.t("bc.add_terminal"), type="primary"):
            editing.run(
                lambda session: broadcast.add_terminal(session, actor, data),
                ui.t("bc.terminal_added"),
            )
    if not terminals:
        return
    with st.expander(ui.t("bc.edit_terminal"), icon=":material/edit:"):
        terminal_id = st.selectbox(
            ui.t("bc.col.terminal"), list(by_id), format_func=describe, key="bc.edit.pick"
        )
        current = by_id[terminal_id]
        version = editing.opened_version("bc.edit", terminal_id, current.version)
        with st.form(f"bc.edit.{terminal_id}.{version}"):
            data = terminal_form(f"bc.edit.{terminal_id}.{version}", current)
            if st.form_submit_button(ui.t("bc.save_terminal"), type="primary"):
                editing.run(
                    lambda session: broadcast.update_terminal(
                        session, actor, terminal_id, version, data
                    ),
                    ui.t("bc.terminal_saved"),
                    form="bc.edit",
                )


sections = ["compose", "log", "terminals"] if office else ["log", "terminals"]
tabs = dict(zip(sections, st.tabs([ui.t(f"bc.tab.{s}") for s in sections]), strict=True))
if office:
    with tabs["compose"]:
        compose()
with tabs["log"]:
    show_log()
with tabs["terminals"]:
    if office:
        manage_terminals()
    if terminals:
        terminal_table(terminals)
    else:
        st.info(ui.t("bc.no_terminals"))

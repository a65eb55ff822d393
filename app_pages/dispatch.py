"""调度: for an open event, the materials the area needs against what its town depots hold, the
suggested pre-positioning from the district depots (edited, then issued as transfers with a
printable 调拨单), and the teams: nearest free ones, deployment and status. The office acts;
leaders and town officials read."""

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.kernel.clock import local, today, utcnow
from registry.kernel.enums import DeploymentStatus, DispatchState, Specialty
from registry.kernel.permissions import Action
from registry.records import queries
from registry.response import deployments, dispatch, dispatch_order, dispatch_queries

SPECIALTIES = {s.value for s in Specialty}
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

actor = ui.require_actor()
day = today()
manages = actor.can(Action.MANAGE_RESPONSE)
st.title(ui.t("nav.dispatch"))
st.caption(ui.t("disp.caption"))
editing.flash()
events = ui.read(dispatch_queries.open_events)
if not events:
    st.info(ui.t("disp.no_events"))
    st.stop()
titles = {e.id: e.title + (f" · {ui.t('disp.demo')}" if e.is_demo else "") for e in events}
event_id = st.selectbox(ui.t("disp.event"), list(titles), format_func=titles.get, key="disp.event")
if not manages:
    st.caption(ui.t("disp.read_only"))


def when(moment) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def needs_table() -> None:
    rows = ui.read(dispatch.needs, event_id, day)
    if not rows:
        st.info(ui.t("disp.needs_none"))
        return
    table = pd.DataFrame(
        [
            {
                ui.t("disp.col.item"): n.item,
                ui.t("disp.col.unit"): n.unit,
                ui.t("disp.col.needed"): n.needed,
                ui.t("disp.col.held"): n.held,
                ui.t("disp.col.shortfall"): n.shortfall,
                ui.t("disp.col.planned"): n.planned,
            }
            for n in rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")


def lines_table(order: dispatch_queries.DispatchView) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    ui.t("disp.col.item"): x.item,
                    ui.t("disp.col.from"): x.from_depot,
                    ui.t("disp.col.to"): x.to_depot,
                    ui.t("disp.col.quantity"): x.quantity,
                    ui.t("disp.col.unit"): x.unit,
                }
                for x in order.lines
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def suggest_button() -> None:
    if st.button(ui.t("disp.suggest"), key="disp.suggest", type="primary"):
        editing.run(
            lambda session: dispatch.suggest(session, actor, event_id, day, utcnow()),
            ui.t("disp.suggested"),
        )


def edit_line(line: dispatch_queries.LineView) -> None:
    cells = st.columns([4, 2, 1, 1], vertical_alignment="bottom")
    cells[0].markdown(
        f"{ui.plain(line.item)}  \n{ui.plain(line.from_depot)} → {ui.plain(line.to_depot)}"
    )
    quantity = cells[1].number_input(
        ui.t("disp.col.quantity") + f" ({line.unit})",
        min_value=1,
        value=line.quantity,
        step=1,
        key=f"disp.qty.{line.id}.{line.quantity}",
    )
    if cells[2].button(ui.t("disp.save_line"), key=f"disp.save.{line.id}"):
        editing.run(
            lambda session: dispatch.set_line(session, actor, line.id, quantity, today=day),
            ui.t("disp.line_saved"),
        )
    if cells[3].button(ui.t("disp.remove_line"), key=f"disp.remove.{line.id}"):
        editing.run(
            lambda session: dispatch.remove_line(session, actor, line.id),
            ui.t("disp.line_removed"),
        )


def add_line_form(order: dispatch_queries.DispatchView) -> None:
    items = ui.read(queries.item_choices)
    sources = {d.id: d.name for d in ui.read(dispatch_queries.source_choices, event_id)}
    targets = {d.id: d.name for d in ui.read(dispatch_queries.target_choices, event_id)}
    with st.expander(ui.t("disp.add_line")), st.form("disp.add_line"):
        item = st.selectbox(ui.field("item"), list(items), format_func=items.get)
        source = st.selectbox(ui.field("from_depot"), list(sources), format_func=sources.get)
        target = st.selectbox(ui.field("to_depot"), list(targets), format_func=targets.get)
        quantity = st.number_input(ui.field("quantity"), min_value=1, value=1, step=1)
        if st.form_submit_button(ui.t("disp.add_line")):
            editing.run(
                lambda session: dispatch.add_line(
                    session, actor, order.id, item_id=item, from_depot_id=source,
                    to_depot_id=target, quantity=quantity, today=day,
                ),
                ui.t("disp.line_added"),
            )  # fmt: skip


def draft_section(order: dispatch_queries.DispatchView) -> None:
    st.markdown(f"**{ui.t('disp.draft')}** · {when(order.created_at)}")
    if not order.lines:
        st.info(ui.t("disp.draft_empty"))
    for line in order.lines:
        if manages:
            edit_line(line)
    if not manages:
        lines_table(order)
        return
    add_line_form(order)
    if st.button(ui.t("disp.issue"), key="disp.issue", type="primary", disabled=not order.lines):
        editing.run(
            lambda session: dispatch.issue(session, actor, order.id, day, utcnow()),
            ui.t("disp.issued"),
        )


def issued_section(order: dispatch_queries.DispatchView) -> None:
    with st.expander(f"{ui.plain(order.number)} · {when(order.issued_at)}"):
        lines_table(order)
        st.download_button(
            ui.t("disp.download"),
            dispatch_order.document(order, ui.language()),
            dispatch_order.filename(order),
            DOCX_MIME,
            key=f"disp.download.{order.id}",
        )


def materials() -> None:
    st.subheader(ui.t("disp.materials"))
    needs_table()
    if manages:
        suggest_button()
    orders = ui.read(dispatch_queries.dispatches, event_id)
    for order in orders:
        if order.state is DispatchState.DRAFT:
            draft_section(order)
    issued = [o for o in orders if o.state is DispatchState.ISSUED]
    st.markdown(f"**{ui.t('disp.orders')}**")
    if not issued:
        st.caption(ui.t("disp.orders_none"))
    for order in issued:
        issued_section(order)


def team_suggestions() -> None:
    options = [None, *Specialty]
    specialty = st.selectbox(
        ui.t("disp.specialty"),
        options,
        format_func=lambda s: ui.t("disp.any_specialty") if s is None else ui.label(s),
        key="disp.specialty",
    )
    wanted = None if specialty is None else specialty.value
    offers = ui.read(deployments.suggest_teams, event_id, wanted)
    if not offers:
        st.info(ui.t("disp.no_teams"))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    ui.t("disp.col.team"): o.name,
                    ui.t("disp.col.locality"): o.locality,
                    ui.t("disp.col.specialties"): "、".join(
                        ui.label(Specialty(s)) for s in o.specialties if s in SPECIALTIES
                    ),
                    ui.t("disp.col.distance"): round(o.distance_m / 1000, 1),
                    ui.t("disp.col.strength"): o.strength,
                }
                for o in offers
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if manages:
        deploy_form(offers)


def deploy_form(offers: list[deployments.TeamSuggestion]) -> None:
    teams = {o.team_id: f"{o.name} · {o.strength}" for o in offers}
    places = ui.read(dispatch_queries.area_localities, event_id)
    with st.form("disp.deploy"):
        team = st.selectbox(ui.t("disp.col.team"), list(teams), format_func=teams.get)
        place = st.selectbox(ui.field("locality"), list(places), format_func=places.get)
        heads = st.number_input(ui.field("head_count"), min_value=1, value=1, step=1)
        if st.form_submit_button(ui.t("disp.deploy"), type="primary"):
            editing.run(
                lambda session: deployments.deploy(
                    session, actor, event_id, team, place, heads, now=utcnow()
                ),
                ui.t("disp.deployed"),
            )


def deployment_list() -> None:
    st.markdown(f"**{ui.t('disp.deployments')}**")
    rows = ui.read(deployments.deployments, event_id)
    if not rows:
        st.caption(ui.t("disp.deployments_none"))
    for row in rows:
        with st.container(border=True):
            st.markdown(
                f"**{ui.plain(row.team)}** · {ui.plain(row.locality)} · "
                f"{ui.t('disp.heads', n=row.head_count)} · {ui.label(row.status)}"
            )
            st.caption(
                ui.t(
                    "disp.times",
                    created=when(row.created_at),
                    dispatched=when(row.dispatched_at),
                    arrived=when(row.arrived_at),
                    withdrawn=when(row.withdrawn_at),
                )
            )
            if manages:
                steps = sorted(deployments.NEXT[row.status], key=list(DeploymentStatus).index)
                cells = st.columns(max(len(steps), 1))
                for cell, step in zip(cells, steps, strict=False):
                    if cell.button(ui.label(step), key=f"disp.step.{row.id}.{step.value}"):
                        editing.run(
                            lambda session, step=step, row=row: deployments.advance(
                                session, actor, row.id, row.version, step, now=utcnow()
                            ),
                            ui.t("disp.advanced"),
                        )


materials()
st.subheader(ui.t("disp.teams"))
team_suggestions()
deployment_list()

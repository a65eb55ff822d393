"""储备库库存: the stock-take screen of one depot, its operations and its ledger.

Every operation is a registry use-case; the grid's own checks run only in the browser, so
the counts are validated again on the server before anything is written.
"""

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.kernel.clock import local, today
from registry.kernel.enums import DepotLevel, MovementKind, ReserveMode
from registry.kernel.exports import to_csv_bytes, to_excel_bytes
from registry.records import commands as records
from registry.records import queries, stock
from registry.records.details import depot_detail
from registry.records.stockview import ledger, lot_rows
from registry.recovery import replenishment

actor = ui.require_actor()
day = today()
warning_days = ui.settings().expiry_warning_days


depots = ui.read(queries.depots_for, actor)
items = ui.read(queries.item_choices)
if not depots:
    st.info(ui.t("inv.no_depots"))
    st.stop()

st.title(ui.t("inv.title"))
chosen = editing.pick_record(
    ui.t("inv.depot"),
    depots,
    "inv.depot",
    lambda d: f"{d['name']} · {d['locality']} · {ui.label(DepotLevel(d['level']))}",
)
depot_id, writable = chosen["id"], chosen["writable"]
editing.flash()

detail = ui.read(depot_detail, actor, depot_id, today=day, warning_days=warning_days)
lots = ui.read(lot_rows, depot_id, day, warning_days)
movements = ui.read(ledger, depot_id)
targets = [d for d in depots if d["writable"] and d["id"] != depot_id]
if detail["is_demo"]:
    st.caption(ui.t("map.demo"))

columns = st.columns(4)
columns[0].metric(
    ui.t("details.below_quota"), sum(1 for line in detail["lines"] if line["below_quota"])
)
columns[1].metric(ui.t("inv.expiring_lots"), sum(row["expiring"] for row in lots))
columns[2].metric(ui.t("inv.expired_lots"), sum(row["expired"] for row in lots))
confirmed = detail["last_confirmed_at"]
columns[3].metric(
    ui.t("details.last_confirmed"), confirmed.date().isoformat() if confirmed else "—"
)


def flags(row: dict) -> str:
    parts = [ui.t("details.below_quota")] if row["below_quota"] else []
    parts += [ui.t("details.expiring")] if row["expiring"] else []
    parts += [ui.t("details.expired")] if row["expired"] else []
    return "、".join(parts)


def opened_grid(lots: list[dict]) -> tuple[int, dict[int, int]]:
    """The stock-take grid as it was opened: its version (the sum of its lots' versions,
    which grows with every movement in the depot) and each lot's book quantity then.

    Kept until the count is submitted or reloaded, so each counted line reaches the core
    with the book quantity the counter saw, and a lot moved meanwhile is refused instead of
    the difference silently undoing that movement."""
    opened = (sum(r["version"] for r in lots), {r["lot_id"]: r["quantity"] for r in lots})
    return editing.opened_version("inv.take", depot_id, opened)


lot_by_id = {r["lot_id"]: r for r in lots}
grid_version, books = opened_grid(lots)
shown = [lot_by_id[lot_id] for lot_id in books]  # the lots as opened: a row keeps its lot
grid = pd.DataFrame(
    {
        "lot_id": [r["lot_id"] for r in shown],
        "item": [r["item"] for r in shown],
        "unit": [r["unit"] for r in shown],
        "batch": [r["batch"] for r in shown],
        "expiry": pd.to_datetime([r["expiry_date"] for r in shown]),
        "quantity": [books[r["lot_id"]] for r in shown],
        "counted": [books[r["lot_id"]] for r in shown],
        "minimum": pd.array([r["minimum"] for r in shown], dtype="Int64"),
        "maximum": pd.array([r["maximum"] for r in shown], dtype="Int64"),
        "flags": [flags(r) for r in shown],
    }
)
st.subheader(ui.t("inv.grid"), anchor=False)
st.caption(ui.t("inv.grid_help"))
edited = st.data_editor(
    grid,
    hide_index=True,
    width="stretch",
    key=f"inv.grid.{depot_id}.{grid_version}",  # a reload starts a fresh count
    placeholder="—",
    disabled=not writable
    or ["lot_id", "item", "unit", "batch", "expiry", "quantity", "minimum", "maximum", "flags"],
    column_config={
        "lot_id": None,
        "item": ui.t("details.item"),
        "unit": ui.t("details.unit"),
        "batch": ui.t("inv.batch"),
        "expiry": st.column_config.DateColumn(ui.t("inv.expiry")),
        "quantity": st.column_config.NumberColumn(ui.t("inv.book_quantity")),
        "counted": st.column_config.NumberColumn(ui.t("inv.counted"), min_value=0, step=1),
        "minimum": ui.t("details.minimum"),
        "maximum": ui.t("details.maximum"),
        "flags": ui.t("details.flag"),
    },
)
if writable:
    changed = [
        (index + 1, int(row.lot_id), books[int(row.lot_id)], row.counted)
        for index, row in enumerate(edited.itertuples())
        if row.counted != books[int(row.lot_id)]
    ]
    reason = st.text_input(
        ui.t("inv.stock_take_reason"), value=ui.t("inv.stock_take_default"), key="inv.take_reason"
    )
    if st.button(
        ui.t("inv.submit_stock_take", n=len(changed)), disabled=not changed, key="inv.submit_take"
    ):
        editing.run(
            lambda s: stock.stock_take_grid(s, actor, depot_id, changed, reason=reason),
            ui.t("inv.done_stock_take", n=len(changed)),
            form="inv.take",
        )
export = grid.drop(columns=["lot_id", "counted"])
st.download_button(
    ui.t("map.export.excel"),
    to_excel_bytes(export, "stock"),
    f"stock-{depot_id}.xlsx",
    key="inv.export",
)

tabs = st.tabs([ui.t(f"inv.tab.{k}") for k in ("receive", "issue", "transfer", "ledger", "depot")])


def lot_label(lot_id: int) -> str:
    row = lot_by_id[lot_id]
    expiry = row["expiry_date"].isoformat() if row["expiry_date"] else "—"
    return f"{row['item']} · {row['batch']} · {row['quantity']} {row['unit']} · {expiry}"


with tabs[0], st.form("inv.receive", clear_on_submit=True):
    item_id = st.selectbox(ui.t("details.item"), list(items), format_func=items.get)
    cols = st.columns(3)
    batch = cols[0].text_input(ui.t("inv.batch"), value=f"{day:%Y%m%d}")
    quantity = cols[1].number_input(
        ui.t("inv.quantity"), min_value=1, value=1, step=1, key="inv.receive.quantity"
    )
    expiry = cols[2].date_input(ui.t("inv.expiry_optional"), value=None, min_value=day)
    reason = st.text_input(ui.t("inv.reason"), value=ui.t("inv.receive_default"))
    if st.form_submit_button(
        ui.t("inv.receive"), disabled=not writable, type="primary", key="inv.receive.submit"
    ):
        editing.run(
            lambda s: stock.receive(
                s,
                actor,
                depot_id,
                item_id,
                quantity,
                batch=batch,
                reason=reason,
                today=day,
                expiry_date=expiry,
            ),
            ui.t("inv.done_receive"),
            form="inv.take",  # the grid reopens showing this movement
        )

issuable = [r["lot_id"] for r in lots if r["quantity"] > 0 and not r["expired"]]
with tabs[1]:
    item_id = st.selectbox(
        ui.t("details.item"),
        sorted({lot_by_id[i]["item_id"] for i in issuable}),
        format_func=items.get,
        key="inv.issue_item",
    )
    need = st.number_input(ui.t("inv.quantity"), min_value=1, value=1, step=1, key="inv.issue_need")
    if item_id is not None:
        plan, short = ui.read(stock.suggest_issue, depot_id, item_id, need, day)
        st.caption(
            ui.t("inv.suggestion")
            + "："
            + "；".join(f"{ui.plain(lot.batch)} × {take}" for lot, take in plan)
            + (f"（{ui.t('inv.short', n=short)}）" if short else "")
        )
        with st.form("inv.issue"):
            choices = [i for i in issuable if lot_by_id[i]["item_id"] == item_id]
            default = choices.index(plan[0][0].id) if plan and plan[0][0].id in choices else 0
            lot_id = st.selectbox(ui.t("inv.lot"), choices, index=default, format_func=lot_label)
            quantity = st.number_input(
                ui.t("inv.quantity"),
                min_value=1,
                value=min(need, lot_by_id[lot_id]["quantity"]) if lot_id else 1,
                step=1,
            )
            reason = st.text_input(ui.t("inv.reason"), value=ui.t("inv.issue_default"))
            open_events = ui.read(replenishment.open_events)
            for_event = st.selectbox(
                ui.t("recovery.for_event"), [None, *open_events], key="inv.issue_event",
                format_func=lambda e: ui.t("recovery.no_event") if e is None else open_events[e],
            )  # fmt: skip
            if st.form_submit_button(ui.t("inv.issue"), disabled=not writable, type="primary"):
                editing.run(
                    lambda s: stock.issue(
                        s, actor, lot_id, quantity, reason=reason, today=day, event_id=for_event
                    ),
                    ui.t("inv.done_issue"),
                    form="inv.take",  # the grid reopens showing this movement
                )

with tabs[2], st.form("inv.transfer"):
    lot_id = st.selectbox(ui.t("inv.lot"), issuable, format_func=lot_label)
    target_names = {d["id"]: f"{d['name']} · {d['locality']}" for d in targets}
    target = st.selectbox(ui.t("inv.to_depot"), list(target_names), format_func=target_names.get)
    quantity = st.number_input(ui.t("inv.quantity"), min_value=1, value=1, step=1)
    reason = st.text_input(ui.t("inv.reason"), value=ui.t("inv.transfer_default"))
    if st.form_submit_button(
        ui.t("inv.transfer"), disabled=not writable or not targets, type="primary"
    ):
        editing.run(
            lambda s: stock.transfer(s, actor, lot_id, target, quantity, reason=reason, today=day),
            ui.t("inv.done_transfer"),
            form="inv.take",  # the grid reopens showing this movement
        )

with tabs[3]:
    table = pd.DataFrame(
        {
            ui.t("inv.at"): [local(m["at"]) for m in movements],
            ui.t("details.item"): [m["item"] for m in movements],
            ui.t("inv.batch"): [m["batch"] for m in movements],
            ui.t("inv.kind"): [ui.label(MovementKind(m["kind"])) for m in movements],
            ui.t("inv.change"): [m["quantity"] for m in movements],
            ui.t("inv.counted"): [m["counted"] for m in movements],
            ui.t("inv.book_quantity"): [m["expected"] for m in movements],
            ui.t("inv.reason"): [m["reason"] for m in movements],
            ui.t("inv.actor"): [m["actor"] for m in movements],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(
        ui.t("map.export.csv"),
        to_csv_bytes(table),
        f"ledger-{depot_id}.csv",
        "text/csv",
        key="inv.ledger_export",
    )

with tabs[4]:
    # every write of this tab is checked against the version the depot was opened at
    version = editing.opened_version("inv.depot", depot_id, detail["version"])
    prefix = f"inv.depot.{depot_id}.{version}"
    st.caption(ui.t("inv.zero_report_help"))
    if st.button(ui.t("inv.zero_report"), disabled=not writable, key="inv.zero"):
        editing.run(
            lambda s: records.confirm_depot_unchanged(s, actor, depot_id, version),
            ui.t("inv.done_zero_report"),
            form="inv.depot",
        )
    with st.form("inv.depot_edit"):
        name = st.text_input(ui.t("col.name"), value=detail["name"], key=f"{prefix}.name")
        manager = st.text_input(
            ui.t("details.manager"), value=detail["manager"] or "", key=f"{prefix}.manager"
        )
        phone = st.text_input(
            ui.t("details.phone"),
            value=detail["manager_phone"] or "",
            disabled=not actor.sees_phone_numbers,
            key=f"{prefix}.phone",
        )
        address = st.text_input(
            ui.t("details.address"), value=detail["address"] or "", key=f"{prefix}.address"
        )
        area = st.number_input(
            ui.t("details.floor_area"),
            min_value=0,
            value=int(detail["floor_area_m2"] or 0),
            step=10,
            key=f"{prefix}.area",
        )
        modes = list(ReserveMode)
        mode = st.selectbox(
            ui.t("inv.reserve_mode"),
            modes,
            format_func=ui.label,
            index=modes.index(ReserveMode(detail["reserve_mode"])),
            key=f"{prefix}.mode",
        )
        save = st.form_submit_button(
            ui.t("inv.save_depot"), disabled=not writable, key="inv.depot.save"
        )
    if save:  # outside the form: a stale refusal offers a reload button
        changes = {
            "name": name,
            "manager": manager,
            "address": address,
            "floor_area_m2": area or None,
            "reserve_mode": mode.value,
        }
        if actor.sees_phone_numbers:
            changes["manager_phone"] = phone
        editing.run(
            lambda s: records.update_depot(s, actor, depot_id, version, changes),
            ui.t("inv.done_save"),
            form="inv.depot",
        )
    with st.expander(ui.t("inv.retire")):
        st.caption(ui.t("inv.retire_help"))
        if st.button(ui.t("inv.retire"), disabled=not writable, key="inv.retire"):
            editing.run(
                lambda s: records.retire_depot(s, actor, depot_id, version),
                ui.t("inv.done_retire"),
                form="inv.depot",
            )

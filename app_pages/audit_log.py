"""审计日志: who changed what and when, filtered, exportable, with one event's before/after.

The events come from ``registry.audit_log``, which limits a town official to their own
localities and masks phone numbers for leaders; this page only builds the filters.
"""

import json
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from page_helpers import ui
from registry.accounts import audit_log
from registry.kernel.clock import local, today, utc_start_of
from registry.kernel.exports import to_csv_bytes, to_excel_bytes
from registry.records import queries

PAGE_SIZE = 500
DEFAULT_DAYS = 30


def _named(kind: str, code: str | None) -> str:
    """A translated label for an entity or action code, or the code itself when unknown."""
    if code is None:
        return ui.t("audit.any")
    key = f"audit.{kind}.{code}"
    text = ui.t(key)
    return code if text == key else text


def _window(dates) -> tuple[datetime | None, datetime | None]:
    """The chosen dates (China Standard Time) as UTC ``since <= at < until``; a half-chosen
    range is one day."""
    if not dates:
        return None, None
    first, last = dates[0], dates[-1]
    return utc_start_of(first), utc_start_of(last + timedelta(days=1))


def _summary(event: dict) -> str:
    return ", ".join(event["changes"])


def _frame(events: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            ui.t("audit.col.at"): [f"{local(e['at']):%Y-%m-%d %H:%M:%S}" for e in events],
            ui.t("audit.col.user"): [e["actor_name"] for e in events],
            ui.t("audit.col.action"): [_named("action", e["action"]) for e in events],
            ui.t("audit.col.entity"): [_named("entity", e["entity"]) for e in events],
            ui.t("audit.col.entity_id"): pd.array([e["entity_id"] for e in events], "Int64"),
            ui.t("audit.col.locality"): [e["locality"] or "" for e in events],
            ui.t("audit.col.changes"): [_summary(e) for e in events],
        }
    )


def _exports(table: pd.DataFrame, events: list[dict]) -> None:
    """The table as shown plus the full before/after JSON, for auditors' own tools."""
    export = table.assign(
        **{
            ui.t("audit.col.before"): [_json(e["before"]) for e in events],
            ui.t("audit.col.after"): [_json(e["after"]) for e in events],
        }
    )
    columns = st.columns(2)
    columns[0].download_button(
        ui.t("audit.export.excel"),
        to_excel_bytes(export, "audit"),
        "haizhou-audit.xlsx",
        key="audit.export.xlsx",
    )
    columns[1].download_button(
        ui.t("audit.export.csv"),
        to_csv_bytes(export),
        "haizhou-audit.csv",
        "text/csv",
        key="audit.export.csv",
    )


def _json(values) -> str:
    return "" if values is None else json.dumps(values, ensure_ascii=False, default=str)


def _details(event: dict) -> None:
    st.subheader(ui.t("audit.event", id=event["id"]))
    if event["changes"]:
        st.table(
            pd.DataFrame(
                {
                    ui.t("audit.col.field"): list(event["changes"]),
                    ui.t("audit.col.before"): [str(v[0]) for v in event["changes"].values()],
                    ui.t("audit.col.after"): [str(v[1]) for v in event["changes"].values()],
                }
            )
        )
    columns = st.columns(2)
    columns[0].markdown(f"**{ui.t('audit.col.before')}**")
    columns[0].json(event["before"] or {})
    columns[1].markdown(f"**{ui.t('audit.col.after')}**")
    columns[1].json(event["after"] or {})


actor = ui.require_actor()
st.title(ui.t("nav.audit_log"))
places = ui.read(queries.locality_choices)
users = ui.read(audit_log.distinct_actors)
entities = ui.read(audit_log.distinct_entities)
actions = ui.read(audit_log.distinct_actions)
scope = audit_log.visible_localities(actor)
if scope is not None:
    places = {i: name for i, name in places.items() if i in scope}
    st.info(ui.t("audit.scope", names=ui.plain("、".join(places.values()) or "—")))

filters = st.columns(5)
user_id = filters[0].selectbox(
    ui.t("audit.user"),
    [None, *users],
    format_func=lambda i: ui.t("audit.any") if i is None else users[i],
    key="audit.user",
)
locality_id = filters[1].selectbox(
    ui.t("audit.locality"),
    [None, *places],
    format_func=lambda i: ui.t("audit.any") if i is None else places[i],
    key="audit.locality",
)
entity = filters[2].selectbox(
    ui.t("audit.entity"),
    [None, *entities],
    format_func=lambda code: _named("entity", code),
    key="audit.entity",
)
action = filters[3].selectbox(
    ui.t("audit.action"),
    [None, *actions],
    format_func=lambda code: _named("action", code),
    key="audit.action",
)
dates = filters[4].date_input(
    ui.t("audit.dates"),
    (today() - timedelta(days=DEFAULT_DAYS), today()),
    key="audit.dates",
)
page = st.number_input(ui.t("audit.page"), min_value=1, value=1, step=1, key="audit.page")
since, until = _window(dates)
events = ui.read(
    audit_log.search_events,
    actor,
    user_id=user_id,
    locality_id=locality_id,
    entity=entity,
    action=action,
    since=since,
    until=until,
    limit=PAGE_SIZE,
    offset=(int(page) - 1) * PAGE_SIZE,
)

if not events:
    st.info(ui.t("audit.empty"))
    st.stop()
st.caption(ui.t("audit.count", count=len(events), size=PAGE_SIZE))
table = _frame(events)
chosen = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    height=420,
    on_select="rerun",
    selection_mode="single-row",
    key="audit.table",
)
_exports(table, events)
rows = [row for row in (chosen.selection.rows if chosen else []) if row < len(events)]
if rows:
    _details(events[rows[0]])
else:
    st.caption(ui.t("audit.select_hint"))

"""提醒: the inbox of what needs doing, most urgent first, each with a link to where it is done.

Town officials see their own localities; office staff, admins and leaders the whole district,
with a locality filter. The alerts come from ``registry.alerts``, which shares its rules with
the readiness scorecard and the register pages, so the inbox never contradicts them.
"""

from datetime import date, datetime

import pandas as pd
import streamlit as st

from page_helpers import ui
from registry.kernel.clock import today, utcnow
from registry.kernel.enums import RiskLevel
from registry.kernel.exports import to_excel_bytes
from registry.kernel.permissions import Action
from registry.readiness import alerts
from registry.records import queries

ICONS = {alerts.OVERDUE: "🔴", alerts.DUE: "🟠", alerts.WARNING: "🟡"}
RECORD_PAGE = "app_pages/record.py"
DISTRICT = "district"  # locality filter: district and department plans (no locality)
DESCRIPTION_SHOWN = 40  # characters of a rectification's description in its one-line message
INVENTORY = ("app_pages/inventory.py", Action.EDIT_LOCAL_RECORDS, "nav.inventory")
TEAMS = ("app_pages/teams.py", Action.EDIT_LOCAL_RECORDS, "nav.teams")
INSPECT = ("app_pages/inspections.py", Action.EDIT_LOCAL_RECORDS, "nav.inspections")
REPORT = ("app_pages/disaster_reports.py", Action.REPORT_DISASTER, "nav.disaster_reports")
WORK_PAGES = {  # kind → pages where the work is done, for those allowed to open them
    "stock_below_quota": [INVENTORY],
    "lot_expired": [INVENTORY],
    "lot_expiring": [INVENTORY],
    "inspection_due": [INSPECT],
    "record_unconfirmed": [INVENTORY, TEAMS],
    "disaster_report_overdue": [REPORT],
    "disaster_report_returned": [REPORT],
    "disaster_report_due": [REPORT],
}

actor = ui.require_actor()
day = today()
sees_all = actor.sees_every_locality


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def inbox(version: int, day: date, scope: tuple, _actor, minute: datetime) -> list[alerts.Alert]:
    """The actor's alerts; keyed by the data version (edits show at once), the scope — the
    role and the localities: what an alert links to depends on the role (an office and a
    leader both see every locality) — and the minute (the reporting clock's deadlines pass
    without any write)."""
    return ui.read(alerts.alerts_for, _actor, today=day, settings=ui.settings(), now=minute)


def message(alert: alerts.Alert, markdown: bool = True) -> str:
    """The one-line message from the kind's template and the alert's values."""
    values = {k: v for k, v in alert.detail.items() if k not in ("variant", "provisional")}
    if "risk" in values:
        values["risk"] = ui.label(RiskLevel(values["risk"]))
    if "description" in values and len(values["description"]) > DESCRIPTION_SHOWN:
        values["description"] = values["description"][:DESCRIPTION_SHOWN] + "…"
    values.update(subject=alert.subject, due=alert.due)
    if markdown:
        values = {k: ui.plain(v) if isinstance(v, str) else v for k, v in values.items()}
    text = ui.t(alert.template, **values)
    return text + ui.t("alert.provisional") if alert.detail.get("provisional") else text


def place(alert: alerts.Alert) -> str:
    return alert.locality or ui.t("alert.district")


def kind_label(kind: str) -> str:
    return ui.t(f"alert.kind.{kind}")


def severity_label(severity: str) -> str:
    return f"{ICONS[severity]} {ui.t(f'alert.severity.{severity}')}"


def link(column, alert: alerts.Alert) -> None:
    """The page to act on: the record page for a depot or team, else the work page."""
    if alert.link.startswith("app_pages/"):
        column.page_link(alert.link, label=ui.t("alert.open"), icon="➡️")
    else:
        column.page_link(
            RECORD_PAGE,
            label=ui.t("alert.open_record"),
            icon="📄",
            query_params={"key": alert.link},
        )


st.title(ui.t("nav.alerts"))
ui.demo_banner(ui.read(queries.has_demo_records))
localities = ui.read(queries.locality_choices) if sees_all else {}
scope = (actor.role.value, *(("all",) if sees_all else sorted(actor.locality_ids)))
found = inbox(ui.data_version(), day, scope, actor, utcnow().replace(second=0, microsecond=0))
if sees_all:
    st.caption(ui.t("alert.scope_all"))
else:
    st.caption(ui.t("alert.scope_own", names=ui.locality_names(actor)))

cols = st.columns(3 if sees_all else 2)
kinds = cols[0].multiselect(
    ui.t("alert.f.kinds"), list(alerts.KINDS), format_func=kind_label, key="alert.kinds",
    placeholder=ui.t("alert.f.all_kinds"),
)  # fmt: skip
severities = cols[1].multiselect(
    ui.t("alert.f.severities"), list(alerts.SEVERITIES), format_func=severity_label,
    key="alert.severities", placeholder=ui.t("alert.f.all_severities"),
)  # fmt: skip
places: list = []
if sees_all:
    names = {**localities, DISTRICT: ui.t("alert.district")}
    places = cols[2].multiselect(
        ui.t("alert.f.localities"), list(names), format_func=names.get, key="alert.localities",
        placeholder=ui.t("alert.f.all_localities"),
    )  # fmt: skip
shown = [
    a
    for a in found
    if (not kinds or a.kind in kinds)
    and (not severities or a.severity in severities)
    and (not places or (a.locality_id if a.locality_id is not None else DISTRICT) in places)
]

tally = alerts.counts(shown)
metrics = st.columns(4)
metrics[0].metric(ui.t("alert.m.total"), len(shown))
for column, severity in zip(metrics[1:], alerts.SEVERITIES, strict=True):
    column.metric(severity_label(severity), tally[severity])
st.caption(ui.t("alert.caption"))

if not shown:
    st.info(ui.t("alert.none_filtered" if found else "alert.none"))
    st.stop()

table = pd.DataFrame(
    {
        ui.t("alert.col.severity"): [ui.t(f"alert.severity.{a.severity}") for a in shown],
        ui.t("alert.col.kind"): [kind_label(a.kind) for a in shown],
        ui.t("col.locality"): [place(a) for a in shown],
        ui.t("alert.col.subject"): [a.subject for a in shown],
        ui.t("alert.col.message"): [message(a, markdown=False) for a in shown],
        ui.t("alert.col.due"): [a.due for a in shown],
    }
)
st.download_button(
    ui.t("map.export.excel"), to_excel_bytes(table, "alerts"), "alerts.xlsx", key="alert.export"
)

groups: dict[str, list[alerts.Alert]] = {}
for alert in shown:  # already most urgent first: groups follow their most urgent alert
    groups.setdefault(alert.kind, []).append(alert)
for kind, members in groups.items():
    st.subheader(f"{kind_label(kind)}（{len(members)}）", anchor=False)
    pages = [(p, key) for p, needs, key in WORK_PAGES.get(kind, []) if actor.can(needs)]
    if pages:
        row = st.columns(len(pages) + 2)
        for column, (page, key) in zip(row, pages, strict=False):
            column.page_link(page, label=ui.t("alert.go", page=ui.t(key)), icon="🛠️")
    for alert in members:
        text, action = st.columns([6, 1], vertical_alignment="center")
        text.markdown(f"{ICONS[alert.severity]} **{ui.plain(place(alert))}** · {message(alert)}")
        link(action, alert)

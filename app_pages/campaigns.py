"""专项检查: each campaign's coverage for the district and per locality, its progress over the
window and the targets not yet inspected (不留死角), so nobody has to count by hand.

Everyone sees every campaign; office staff open and edit them; town officials start with
their own locality filtered and jump from a blind spot straight to the inspection form.
"""

from datetime import date

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.fieldwork import campaigns
from registry.kernel.clock import today
from registry.kernel.enums import CampaignTargetStatus, CheckpointType, InspectionTarget, Role
from registry.kernel.exports import to_excel_bytes
from registry.kernel.permissions import Action
from registry.records import queries

INSPECT_KEY = "inspect.target"  # read by the inspection page
INSPECT_PAGE = "app_pages/inspections.py"
CHOSEN_KEY = "camp.campaign"
CREATED_KEY = "camp.created"  # set by a successful create, applied on the next run
NEW_PREFIX = "camp.new"
PERCENT = st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%")

actor = ui.require_actor()
day = today()
manage = actor.can(Action.MANAGE_CAMPAIGNS)


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def overview(version: int, day: date) -> tuple[list[dict], dict[int, str]]:
    """All campaigns with their coverage; keyed by the data version so edits show at once."""
    return ui.read(campaigns.list_campaigns, day), ui.read(queries.locality_choices)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def detail(version: int, campaign_id: int, day: date) -> tuple[list[dict], dict, list[dict]]:
    return (
        ui.read(campaigns.campaign_targets, campaign_id),
        ui.read(campaigns.coverage, campaign_id),
        ui.read(campaigns.progress, campaign_id, day),
    )


def phase_label(phase: str) -> str:
    return ui.t(f"camp.phase.{phase}")


def percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def scope_text(campaign: dict) -> str:
    kinds = "、".join(ui.label(k) for k in campaign["target_kinds"])
    types = campaign["checkpoint_types"]
    places = campaign["locality_ids"]
    return ui.t(
        "camp.scope",
        kinds=kinds,
        types=ui.t("camp.all_types") if types is None else "、".join(ui.label(t) for t in types),
        places=ui.t("camp.all_localities")
        if places is None
        else "、".join(localities.get(i, str(i)) for i in places),
    )


def campaign_fields(prefix: str, current: dict) -> dict:
    """The fields of a campaign, pre-filled from ``current``; empty lists mean 'all'."""
    data = {
        "name": st.text_input(
            ui.t("camp.field.name"), current.get("name", ""), key=f"{prefix}.name"
        )
    }
    cols = st.columns(2)
    data["starts_on"] = cols[0].date_input(
        ui.t("camp.field.starts_on"), current.get("starts_on", day), key=f"{prefix}.starts_on"
    )
    data["ends_on"] = cols[1].date_input(
        ui.t("camp.field.ends_on"), current.get("ends_on", day), key=f"{prefix}.ends_on"
    )
    data["target_kinds"] = st.multiselect(
        ui.t("camp.field.target_kinds"),
        list(InspectionTarget),
        default=current.get("target_kinds", list(InspectionTarget)),
        format_func=ui.label,
        key=f"{prefix}.kinds",
    )
    data["checkpoint_types"] = st.multiselect(
        ui.t("camp.field.checkpoint_types"),
        list(CheckpointType),
        default=current.get("checkpoint_types") or [],
        format_func=ui.label,
        placeholder=ui.t("camp.all_types"),
        key=f"{prefix}.types",
    )
    data["locality_ids"] = st.multiselect(
        ui.t("camp.field.localities"),
        list(localities),
        default=current.get("locality_ids") or [],
        format_func=localities.get,
        placeholder=ui.t("camp.all_localities"),
        key=f"{prefix}.localities",
    )
    data["description"] = st.text_area(
        ui.t("camp.field.description"),
        current.get("description") or "",
        key=f"{prefix}.description",
    )
    return data


def create(session, data: dict) -> None:
    created = campaigns.create_campaign(session, actor, data)
    st.session_state[CREATED_KEY] = created.id


st.title(ui.t("nav.campaigns"))
editing.flash()
listed, localities = overview(ui.data_version(), day)
by_id = {c["id"]: c for c in listed}

if (created := st.session_state.pop(CREATED_KEY, None)) in by_id:
    st.session_state[CHOSEN_KEY] = created  # show the new campaign, empty the form
    for field in ("name", "starts_on", "ends_on", "kinds", "types", "localities", "description"):
        st.session_state.pop(f"{NEW_PREFIX}.{field}", None)

if manage:
    with st.expander(ui.t("camp.new"), expanded=not listed), st.form(NEW_PREFIX):
        new_data = campaign_fields(NEW_PREFIX, {})
        if st.form_submit_button(ui.t("camp.create"), type="primary", key=f"{NEW_PREFIX}.submit"):
            editing.run(lambda s: create(s, new_data), ui.t("camp.done_create"))

if not listed:
    st.info(ui.t("camp.none"))
    st.stop()

st.subheader(ui.t("camp.list"), anchor=False)
st.dataframe(
    pd.DataFrame(
        {
            ui.t("col.name"): [c["name"] for c in listed],
            ui.t("camp.col.window"): [f"{c['starts_on']} – {c['ends_on']}" for c in listed],
            ui.t("camp.col.phase"): [phase_label(c["phase"]) for c in listed],
            ui.t("camp.col.targets"): [c["targets"] for c in listed],
            ui.t("camp.col.inspected"): [c["inspected"] for c in listed],
            ui.t("camp.col.coverage"): [percent(c["share"]) for c in listed],
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={ui.t("camp.col.coverage"): PERCENT},
)

if st.session_state.get(CHOSEN_KEY) not in by_id:
    running = [c["id"] for c in listed if c["phase"] == campaigns.RUNNING]
    st.session_state[CHOSEN_KEY] = (running or list(by_id))[0]
campaign_id = st.selectbox(
    ui.t("camp.choose"),
    list(by_id),
    key=CHOSEN_KEY,
    format_func=lambda i: f"{by_id[i]['name']} · {phase_label(by_id[i]['phase'])}",
)
campaign = by_id[campaign_id]
targets, cover, pace = detail(ui.data_version(), campaign_id, day)

st.caption(scope_text(campaign))
if campaign["description"]:
    st.caption(ui.plain(campaign["description"]))
if campaign["is_demo"]:
    st.caption(ui.t("map.demo"))
if manage:
    version = editing.opened_version("camp.edit", campaign_id, campaign["version"])
    prefix = f"camp.edit.{campaign_id}.{version}"  # a reload shows the current values
    with st.expander(ui.t("camp.edit")), st.form(prefix):
        edit_data = campaign_fields(prefix, campaign)
        saved = st.form_submit_button(ui.t("camp.save"), key="camp.edit.submit")
    if saved:  # outside the form: a stale refusal offers a reload button
        editing.run(
            lambda s: campaigns.update_campaign(s, actor, campaign_id, version, edit_data),
            ui.t("camp.done_save"),
            form="camp.edit",
        )

district = cover["district"]
share = district["share"] or 0.0
cols = st.columns(4)
cols[0].metric(ui.t("camp.metric.coverage"), f"{share:.0%}" if district["targets"] else "—")
cols[1].metric(ui.t("camp.metric.inspected"), f"{district['inspected']} / {district['targets']}")
cols[2].metric(ui.t("camp.metric.not_inspected"), district["not_inspected"])
cols[3].metric(ui.t("camp.metric.open_findings"), district["open_findings"])
if campaign["phase"] == campaigns.RUNNING:
    days_left = (campaign["ends_on"] - day).days
    st.progress(share, text=ui.t("camp.days_left", days=days_left))
else:
    st.progress(share, text=phase_label(campaign["phase"]))

st.subheader(ui.t("camp.progress"), anchor=False)
if pace:
    st.line_chart(
        pd.DataFrame(
            {
                ui.t("camp.chart.inspected"): [p["inspected"] for p in pace],
                ui.t("camp.chart.even_pace"): [round(p["even_pace"], 1) for p in pace],
            },
            index=pd.to_datetime([p["day"] for p in pace]),
        ),
        height=260,
    )
else:
    st.info(ui.t("camp.not_started", day=campaign["starts_on"].isoformat()))

st.subheader(ui.t("camp.by_locality"), anchor=False)
st.dataframe(
    pd.DataFrame(
        {
            ui.t("col.locality"): [r["locality"] for r in cover["localities"]],
            ui.t("camp.col.targets"): [r["targets"] for r in cover["localities"]],
            ui.t("camp.col.inspected"): [r["inspected"] for r in cover["localities"]],
            ui.t("camp.col.not_inspected"): [r["not_inspected"] for r in cover["localities"]],
            ui.t("camp.col.coverage"): [percent(r["share"]) for r in cover["localities"]],
            ui.t("camp.col.open_findings"): [r["open_findings"] for r in cover["localities"]],
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={ui.t("camp.col.coverage"): PERCENT},
)

# Filters shared by the blind-spot list and the full table; a town official starts with
# their own locality.
if "camp.filter.localities" not in st.session_state:
    own = sorted(actor.locality_ids & set(localities)) if actor.role is Role.TOWN else []
    st.session_state["camp.filter.localities"] = own
kinds_key = f"camp.filter.kinds.{campaign_id}"
cols = st.columns(2)
chosen_places = cols[0].multiselect(
    ui.t("camp.filter.localities"),
    list(localities),
    format_func=localities.get,
    placeholder=ui.t("camp.all_localities"),
    key="camp.filter.localities",
)
chosen_kinds = cols[1].multiselect(
    ui.t("camp.filter.kinds"),
    campaign["target_kinds"],
    format_func=ui.label,
    placeholder=ui.t("camp.all_kinds"),
    key=kinds_key,
)
shown = [
    t
    for t in targets
    if (not chosen_places or t["locality_id"] in chosen_places)
    and (not chosen_kinds or t["kind"] in chosen_kinds)
]


def target_table(rows: list[dict], *, full: bool) -> pd.DataFrame:
    columns = {
        ui.t("col.locality"): [r["locality"] for r in rows],
        ui.t("camp.col.kind"): [ui.label(r["kind"]) for r in rows],
        ui.t("col.name"): [
            f"{r['name']}（{ui.t('recovery.campaign_reinspect')}）" if r["reinspect"] else r["name"]
            for r in rows
        ],
        ui.t("camp.col.checkpoint_type"): [
            ui.label(r["checkpoint_type"]) if r["checkpoint_type"] else "" for r in rows
        ],
        ui.t("col.risk"): [ui.label(r["risk_level"]) if r["risk_level"] else "" for r in rows],
    }
    if full:
        columns |= {
            ui.t("camp.col.status"): [ui.label(r["status"]) for r in rows],
            ui.t("camp.col.last_inspected"): [
                r["last_inspected_on"].isoformat() if r["last_inspected_on"] else "" for r in rows
            ],
            ui.t("details.inspector"): [r["inspector"] or "" for r in rows],
            ui.t("camp.col.retired"): [ui.t("camp.yes") if r["retired"] else "" for r in rows],
        }
    return pd.DataFrame(columns)


pending = [t for t in shown if t["status"] is CampaignTargetStatus.NOT_INSPECTED]
st.subheader(ui.t("camp.pending"), anchor=False)
if not pending:
    st.success(ui.t("camp.pending_none"))
else:
    st.caption(ui.t("camp.pending_count", n=len(pending)))
    pending_table = target_table(pending, full=False)
    st.dataframe(pending_table, hide_index=True, width="stretch", height=300)
    st.download_button(
        ui.t("map.export.excel"),
        to_excel_bytes(pending_table, ui.t("camp.pending")),
        f"campaign-{campaign_id}-not-inspected.xlsx",
        key="camp.export.pending",
    )
    reachable = [t for t in pending if actor.keeps_records_of(t["locality_id"])]
    if reachable and campaign["phase"] != campaigns.RUNNING:
        st.caption(ui.t("camp.inspect.not_running"))
    elif reachable:
        options = {f"{t['kind'].value}:{t['id']}": t for t in reachable}
        cols = st.columns([3, 1], vertical_alignment="bottom")
        choice = cols[0].selectbox(
            ui.t("camp.inspect.choose"),
            list(options),
            key="camp.inspect.choice",
            format_func=lambda k: (
                f"{options[k]['locality']} · {ui.label(options[k]['kind'])} · {options[k]['name']}"
            ),
        )
        if cols[1].button(ui.t("camp.inspect.go"), key="camp.inspect.go", type="primary"):
            target = options[choice]
            st.session_state[INSPECT_KEY] = {
                "kind": target["kind"].value,
                "id": target["id"],
                "campaign_id": campaign_id,
            }
            st.switch_page(INSPECT_PAGE)

st.subheader(ui.t("camp.targets"), anchor=False)
chosen_status = st.multiselect(
    ui.t("camp.filter.status"),
    list(CampaignTargetStatus),
    format_func=ui.label,
    placeholder=ui.t("camp.all_statuses"),
    key="camp.filter.status",
)
listed_targets = [t for t in shown if not chosen_status or t["status"] in chosen_status]
full_table = target_table(listed_targets, full=True)
st.dataframe(full_table, hide_index=True, width="stretch", height=360)
st.download_button(
    ui.t("map.export.excel"),
    to_excel_bytes(full_table, ui.t("camp.targets")),
    f"campaign-{campaign_id}-targets.xlsx",
    key="camp.export.targets",
)

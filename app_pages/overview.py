"""备灾总览: the leaders' one screen.

How ready the district is, which locality is behind, why, and who must act: KPI tiles, the
readiness map next to the 镇街排名 with the change since last week, the most overdue items,
one locality's components with the records behind them, and the trends. Every figure comes
from the core's readiness board (registry/readiness/board.py), built live from the payload a
snapshot would freeze (cached on the data version) and compared with last week's snapshot, so
the screen and the weekly circular agree. Leaders only read; the office may freeze a snapshot.
"""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from maps.readiness_map import (
    READINESS_COLOURS,
    build_readiness_map,
    parse_locality_key,
    selection_layer,
)
from page_helpers import disaster_figures, editing, ui
from registry.disasters import rollup
from registry.kernel.clock import today, utcnow
from registry.kernel.district import BOUNDARY_FILE, load_geojson
from registry.kernel.enums import RectificationStatus, RiskLevel
from registry.kernel.permissions import Action
from registry.mapdata.layers import MapFilter, checkpoint_rows, depot_rows, team_rows
from registry.readiness import board as readiness_board
from registry.readiness import scorecard as readiness
from registry.readiness import snapshots
from registry.readiness.board import OverdueItem
from registry.records import queries
from registry.response import event_queries

LOCALITY_KEY = "ov.locality"
LAST_CLICK_KEY = "ov.last_click"
LAST_ROW_KEY = "ov.last_row"
DOT = "●"  # in every CJK font, unlike colour emoji: projectors and intranet PCs lack them
TREND_DAYS = 183
TOP_OVERDUE = 10
RECORD_LINKS = 8
ROW_HEIGHT = 35  # st.dataframe's row height: the ranking shows every locality unscrolled


# --- data (cached per data version and day; language-free) ----------------------------------


@st.cache_data(max_entries=8, ttl=600, show_spinner=False)
def screen(version: int, day: date) -> dict:
    """The live board compared with last week's snapshot, the trend rows and the polygons.

    ``version`` is only part of the cache key (no leading underscore, or it would drop out)."""
    latest = ui.read(snapshots.latest_on_or_before, day)
    return {
        "board": ui.read(readiness_board.live, day, ui.settings()),
        "latest_as_of": latest and latest["as_of"],
        "series": ui.read(snapshots.series, day - timedelta(days=TREND_DAYS)),
        "localities": ui.read(queries.locality_features),
        "has_demo": ui.read(queries.has_demo_records),
    }


@st.cache_data(max_entries=32, show_spinner=False)
def locality_records(version: int, day: date, locality_id: int, warning_days: int) -> dict:
    """One locality's depots, teams and checkpoints that explain a low component."""
    where = MapFilter(locality_ids=(locality_id,))
    overdue = MapFilter(locality_ids=(locality_id,), rectification="overdue")
    return {
        "depots": ui.read(depot_rows, where, day, warning_days),
        "teams": ui.read(team_rows, where, day),
        "checkpoints": ui.read(checkpoint_rows, overdue, day),
    }


def percent(value) -> str:
    return "—" if value is None else f"{value:.0%}"


# --- text ---------------------------------------------------------------------------------


def colour_text(colour: str | None) -> str:
    """A dot and the colour's word (never colour alone: colour-blind readers, grey prints)."""
    return f"{DOT} {ui.t(f'ov.colour.{colour}')}" if colour else ui.t("ov.not_applicable")


def painted(table: pd.DataFrame, column: str):
    """The table with ``column``'s dots and words drawn in their readiness colour."""
    css = {
        colour_text(c): f"color:{READINESS_COLOURS[c]};font-weight:600" for c in READINESS_COLOURS
    }
    return table.style.map(lambda value: css.get(value, ""), subset=[column])


def component_names(keys) -> str:
    return "、".join(ui.t(f"ov.component.{k}") for k in keys) or "—"


def explain(key: str, component: readiness.Component, config) -> str:
    """A component's figure in words, e.g. 22 项储备定额中 15 项达标."""
    f = component.figures
    empty = {
        "stock": not f.get("lines"),
        "teams": not f.get("target"),
        "campaign": component.score is None,
        "rectifications": not f.get("overdue"),
        "plans": not f.get("obligations"),
        "depot_inspections": not f.get("depots"),
        "freshness": not f.get("records"),
    }[key]
    if empty:
        return ui.t(f"ov.explain.{key}.none")
    days = {"depot_inspections": config.depot_inspection_days, "freshness": config.freshness_days}
    return ui.t(f"ov.explain.{key}", **f, days=days.get(key, 0))


def overdue_table(items: list[OverdueItem]) -> pd.DataFrame:
    """Overdue items as the leaders read them, in the board's order."""
    return pd.DataFrame(
        [
            {
                ui.t("ov.col.kind"): ui.t("ov.kind.plan")
                if item.kind == readiness_board.PLAN
                else ui.t("ov.kind.rectification"),
                ui.t("col.locality"): names.get(item.locality_id) or ui.t("ov.district_plan"),
                ui.t("ov.col.item"): f"{item.title}：{item.description}"
                if item.kind == readiness_board.RECTIFICATION
                else item.title,
                ui.t("ov.col.what"): what_is_late(item),
                ui.t("ov.col.days"): item.days_overdue,
                ui.t("col.responsible"): item.responsible or "—",
            }
            for item in items
        ]
    )


def what_is_late(item: OverdueItem) -> str:
    if item.kind == readiness_board.PLAN:
        clocks = "、".join(ui.t(f"ov.clock.{k}") for k in item.clocks)
        return ui.t("ov.plan_overdue", clocks=clocks)
    risk = ui.label(RiskLevel(item.risk_level))
    return f"{risk} · {ui.label(RectificationStatus(item.status))}"


# --- the page ---------------------------------------------------------------------------------

actor = ui.require_actor()
config = ui.settings()
day = today()
version = ui.version_of(readiness_board.BOARD_READS)  # not moved by tasks, reports, sign-ins
data = screen(version, day)
board: readiness_board.Board = data["board"]
tiles = board.tiles
ranking = board.ranking
by_id = {s.locality_id: s for s in ranking}
names = {s.locality_id: s.name for s in ranking}

header, action = st.columns([4, 1], vertical_alignment="bottom")
header.title(ui.t("nav.overview"))
if actor.can(Action.PUBLISH_READINESS) and action.button(
    ui.t("ov.snapshot"), key="ov.snapshot", icon=":material/photo_camera:", width="stretch"
):
    editing.run(
        lambda session: snapshots.take(
            session, actor, today=day, settings=config, is_demo=data["has_demo"]
        ),
        ui.t("ov.snapshot_done", day=day.isoformat()),
    )
editing.flash()
ui.demo_banner(data["has_demo"])
if data["latest_as_of"] is None:
    st.info(ui.t("ov.no_snapshot"), icon=":material/info:")
elif board.compared_with is None:
    st.caption(ui.t("ov.as_of_no_week", day=day.isoformat()))
else:
    st.caption(ui.t("ov.as_of", day=day.isoformat(), then=board.compared_with.isoformat()))

# --- an event under way comes first ------------------------------------------------------

open_events = ui.read(event_queries.response_figures, utcnow(), config.task_ack_minutes)
disaster_totals = (
    {found.event_id: found.total for found in ui.read(rollup.open_event_figures, utcnow())}
    if open_events
    else {}
)  # accepted 灾情 figures of every open event, in one read
for event in open_events:
    with st.container(border=True):
        st.markdown(
            f"**:red[{ui.t('ov.response.title')}]** · {ui.plain(event.title)} · "
            f"{ui.label(event.level)}"
        )
        share = "—" if event.acknowledged_share is None else f"{event.acknowledged_share:.0f}%"
        cells = st.columns(4)
        cells[0].metric(ui.t("ov.response.tasks"), event.tasks)
        in_time_help = ui.t("ov.response.in_time_help", minutes=config.task_ack_minutes)
        cells[1].metric(ui.t("ov.response.in_time"), share, help=in_time_help)
        cells[2].metric(ui.t("ov.response.overdue"), event.overdue)
        cells[3].metric(ui.t("ov.response.evacuated"), event.evacuated)
        disaster_figures.show(disaster_totals.get(event.event_id), quiet=True)
        st.page_link(
            "app_pages/events.py", label=ui.t("ov.response.open"), icon=":material/emergency:"
        )

# --- KPI tiles -----------------------------------------------------------------------------

district_colour = ui.t(f"ov.colour.{board.district_colour}")
first = st.columns(4)
first[0].metric(
    ui.t("ov.kpi.district"),
    f"{tiles.district.value:.1f} · {district_colour}",
    tiles.district.change,
    help=ui.t("ov.kpi.district_help", colour=district_colour),
    border=True,
)
first[1].metric(
    ui.t("ov.kpi.colours"),
    ui.t(
        "ov.kpi.colours_value",
        red=tiles.red.value,
        amber=tiles.amber.value,
        green=tiles.green.value,
    ),
    tiles.red.change,
    delta_color="inverse",
    help=ui.t("ov.kpi.colours_help"),
    border=True,
)
first[2].metric(
    ui.t("ov.kpi.overdue"),
    tiles.overdue.value,
    tiles.overdue.change,
    delta_color="inverse",
    help=ui.t("ov.kpi.overdue_help"),
    border=True,
)
first[3].metric(
    ui.t("ov.kpi.major"),
    tiles.major.value,
    tiles.major.change,
    delta_color="inverse",
    help=ui.t("ov.kpi.major_help"),
    border=True,
)
second = st.columns(4)
second[0].metric(
    ui.t("ov.kpi.plans"),
    tiles.plans.value,
    tiles.plans.change,
    delta_color="inverse",
    help=ui.t("ov.kpi.plans_help", **board.plan_clocks),
    border=True,
)
second[1].metric(
    ui.t("ov.kpi.campaign"),
    percent(tiles.campaign.value),
    tiles.campaign.change,
    help=ui.t("ov.kpi.campaign_help", name=board.campaign_name or "—"),
    border=True,
)
second[2].metric(
    ui.t("ov.kpi.stock"),
    percent(tiles.stock.value),
    tiles.stock.change,
    help=ui.t("ov.kpi.stock_help"),
    border=True,
)
second[3].metric(
    ui.t("ov.kpi.freshness"),
    percent(tiles.freshness.value),
    tiles.freshness.change,
    help=ui.t("ov.kpi.freshness_help", days=config.freshness_days),
    border=True,
)
links = st.columns(4)
links[0].page_link(
    "app_pages/rectifications.py", label=ui.t("ov.link.rectifications"), icon=":material/build:"
)
links[1].page_link("app_pages/plans.py", label=ui.t("ov.link.plans"), icon=":material/menu_book:")
links[2].page_link(
    "app_pages/campaigns.py", label=ui.t("ov.link.campaigns"), icon=":material/fact_check:"
)
links[3].page_link("app_pages/map_page.py", label=ui.t("ov.link.map"), icon=":material/map:")

# --- map and ranking ---------------------------------------------------------------------------

st.session_state.setdefault(LOCALITY_KEY, ranking[-1].locality_id if ranking else None)
selected = st.session_state.get(LOCALITY_KEY)

ranking_height = ROW_HEIGHT * (len(ranking) + 1) + 3
map_column, table_column = st.columns([1, 1.5])
with map_column:
    st.subheader(ui.t("ov.map"))
    readiness_map = build_readiness_map(
        data["localities"],
        {s.locality_id: s.colour for s in ranking},
        {
            s.locality_id: [
                ui.t(
                    "ov.tooltip.score", score=f"{s.score:.1f}", colour=ui.t(f"ov.colour.{s.colour}")
                ),
                ui.t("ov.tooltip.worst", worst=component_names(s.worst)),
            ]
            for s in ranking
        },
        {
            "legend": ui.t("ov.legend"),
            **{
                c: ui.t(
                    f"ov.legend.{c}", green=config.readiness_green, amber=config.readiness_amber
                )
                for c in readiness.COLOURS
            },
            "no_data": ui.t("map.legend.no_data"),
            "approximate": ui.t("map.approximate"),
            "fullscreen": ui.t("map.fullscreen"),
        },
        boundary=load_geojson(BOUNDARY_FILE),
    )
    clicked = st_folium(
        readiness_map,
        height=max(420, ranking_height - 40),
        use_container_width=True,
        returned_objects=["last_object_clicked_tooltip", "last_object_clicked"],
        feature_group_to_add=selection_layer(data["localities"], selected),
        key="ov.map",
    )
    st.caption(ui.t("ov.map_hint"))

click = (
    (clicked or {}).get("last_object_clicked_tooltip"),
    str((clicked or {}).get("last_object_clicked")),
)
if click != st.session_state.get(LAST_CLICK_KEY, (None, "None")):
    st.session_state[LAST_CLICK_KEY] = click
    chosen = parse_locality_key(click[0])
    if chosen in names and chosen != selected:
        st.session_state[LOCALITY_KEY] = chosen
        st.rerun()

with table_column:
    st.subheader(ui.t("ov.ranking"))
    table = pd.DataFrame(
        {
            ui.t("ov.col.rank"): [s.rank for s in ranking],
            ui.t("col.locality"): [s.name for s in ranking],
            ui.t("ov.col.score"): [s.score for s in ranking],
            ui.t("ov.col.status"): [colour_text(s.colour) for s in ranking],
            ui.t("ov.col.change"): [s.change for s in ranking],
            ui.t("ov.col.rank_change"): [s.move for s in ranking],
            ui.t("ov.col.worst"): [component_names(s.worst) for s in ranking],
            ui.t("ov.col.responsible"): [s.responsible or "—" for s in ranking],
        }
    )
    event = st.dataframe(
        painted(table, ui.t("ov.col.status")),
        hide_index=True,
        width="stretch",
        height=ranking_height,
        on_select="rerun",
        selection_mode="single-row",
        key="ov.ranking",
        column_config={
            ui.t("ov.col.rank"): st.column_config.NumberColumn(
                width="small", pinned=True, help=ui.t("ov.col.rank_help")
            ),
            ui.t("col.locality"): st.column_config.TextColumn(pinned=True),
            ui.t("ov.col.status"): st.column_config.TextColumn(width="small"),
            ui.t("ov.col.score"): st.column_config.NumberColumn(format="%.1f", width="small"),
            ui.t("ov.col.change"): st.column_config.NumberColumn(format="%+.1f", width="small"),
            ui.t("ov.col.rank_change"): st.column_config.NumberColumn(
                format="%+d", width="small", help=ui.t("ov.col.rank_change_help")
            ),
        },
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if rows != st.session_state.get(LAST_ROW_KEY, []):
        st.session_state[LAST_ROW_KEY] = rows
        if rows and ranking[rows[0]].locality_id != selected:
            st.session_state[LOCALITY_KEY] = ranking[rows[0]].locality_id
            st.rerun()
    if board.compared_with is None:
        st.caption(ui.t("ov.no_change"))

# --- the most overdue items across the district ---------------------------------------------

st.subheader(ui.t("ov.top_overdue"))
if board.overdue:
    top = list(board.overdue[:TOP_OVERDUE])
    st.dataframe(overdue_table(top), hide_index=True, width="stretch")
    st.caption(ui.t("ov.top_overdue_note", shown=len(top), total=board.overdue_total))
else:
    st.success(ui.t("ov.nothing_overdue"))

# --- one locality: why, who must act, and the records behind it ------------------------------

st.subheader(ui.t("ov.drill"))
locality_id = st.selectbox(
    ui.t("ov.locality"),
    [s.locality_id for s in ranking],
    key=LOCALITY_KEY,
    format_func=lambda i: f"{by_id[i].rank}. {by_id[i].name}" if i in by_id else str(i),
)
row = by_id.get(locality_id)
if row is not None:
    figures = st.columns(4)
    figures[0].metric(
        ui.t("ov.kpi.score"),
        f"{row.score:.1f} · {ui.t(f'ov.colour.{row.colour}')}",
        row.change,
        border=True,
    )
    figures[1].metric(
        ui.t("ov.col.rank"),
        f"{row.rank} / {len(ranking)}",
        row.move,
        help=ui.t("ov.col.rank_change_help"),
        border=True,
    )
    figures[2].metric(
        ui.t("ov.kpi.overdue"),
        row.overdue,
        help=ui.t("ov.kpi.major_of", major=row.major),
        border=True,
    )
    with figures[3].container(border=True):  # a name is too long for a metric's large value
        st.caption(ui.t("ov.col.responsible"))
        st.markdown(f"**{ui.plain(row.responsible or '—')}**")

    parts = sorted(
        row.components.items(),
        key=lambda kv: (kv[1].score is None, kv[1].score if kv[1].score is not None else 0),
    )
    components = pd.DataFrame(
        {
            ui.t("ov.col.component"): [ui.t(f"ov.component.{k}") for k, _ in parts],
            ui.t("ov.col.status"): [
                colour_text(None if c.score is None else readiness.colour(100 * c.score, config))
                for _, c in parts
            ],
            ui.t("ov.col.score"): [
                None if c.score is None else round(100 * c.score, 1) for _, c in parts
            ],
            ui.t("ov.col.explained"): [explain(k, c, config) for k, c in parts],
            ui.t("ov.col.who"): ["、".join(c.who) or "—" for _, c in parts],
        }
    )
    st.dataframe(
        painted(components, ui.t("ov.col.status")),
        hide_index=True,
        width="stretch",
        key="ov.components",
        column_config={
            ui.t("ov.col.score"): st.column_config.NumberColumn(format="%.0f", width="small"),
            ui.t("ov.col.explained"): st.column_config.TextColumn(width="large"),
        },
    )
    st.caption(ui.t("ov.components_note"))

    st.markdown(f"**{ui.t('ov.records', name=ui.plain(row.name))}**")
    items = board.overdue_of(row.locality_id)
    plans_here = sum(item.kind == readiness_board.PLAN for item in items)
    if items:
        st.dataframe(overdue_table(items), hide_index=True, width="stretch")
    else:
        st.caption(ui.t("ov.nothing_overdue_here"))
    if len(items) < row.overdue + plans_here:  # the list stops at a cap per locality
        st.caption(ui.t("ov.top_overdue_note", shown=len(items), total=row.overdue + plans_here))
    links = st.columns(2)
    links[0].page_link(
        "app_pages/rectifications.py", label=ui.t("ov.link.rectifications"), icon=":material/build:"
    )
    links[1].page_link(
        "app_pages/plans.py", label=ui.t("ov.link.plans"), icon=":material/menu_book:"
    )

    records = locality_records(version, day, row.locality_id, config.expiry_warning_days)
    flagged = [
        (
            d["key"],
            d["name"],
            ui.t("ov.flag.depot", below=d["below_quota"], expired=d["expired_lots"]),
        )
        for d in records["depots"]
        if d["below_quota"] or d["expired_lots"]
    ]
    flagged += [
        (t["key"], t["name"], ui.t("ov.flag.team", members=t["members"], target=t["target"]))
        for t in records["teams"]
        if t["members"] < t["target"]
    ]
    flagged += [
        (c["key"], c["name"], ui.t("ov.flag.checkpoint", overdue=c["overdue_rectifications"]))
        for c in records["checkpoints"]
    ]
    if flagged:
        with st.expander(ui.t("ov.record_links", count=len(flagged)), expanded=False):
            for key, name, why in flagged[:RECORD_LINKS]:
                st.page_link(
                    "app_pages/record.py",
                    label=f"{ui.plain(name)} — {why}",
                    icon=":material/description:",
                    query_params={"key": key},
                )
            if len(flagged) > RECORD_LINKS:
                st.caption(ui.t("ov.more_on_map", count=len(flagged) - RECORD_LINKS))

# --- trends ------------------------------------------------------------------------------------

st.subheader(ui.t("ov.trends"))
trend = pd.DataFrame(data["series"])
if trend.empty:
    st.info(ui.t("ov.no_trend"))
else:
    chosen_tab, all_tab = st.tabs([ui.t("ov.trend_chosen"), ui.t("ov.trend_all")])
    compare = chosen_tab.multiselect(
        ui.t("ov.compare"),
        [r.locality_id for r in ranking if r.locality_id != locality_id],
        key="ov.compare",
        format_func=lambda i: names.get(i, str(i)),
        placeholder=ui.t("ov.compare_none"),
    )
    wanted = {locality_id, *compare}
    district = ui.t("ov.district")
    shown = trend[trend["locality_id"].isna() | trend["locality_id"].isin(wanted)].copy()
    shown["series"] = shown["name"].fillna(district)
    shown["as_of"] = pd.to_datetime(shown["as_of"])
    lines = (
        alt.Chart(shown)
        .mark_line(point=True)
        .encode(
            x=alt.X("as_of:T", title=None, axis=alt.Axis(format="%m-%d")),
            y=alt.Y("score:Q", title=ui.t("ov.col.score"), scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            strokeWidth=alt.condition(alt.datum.series == district, alt.value(4), alt.value(2)),
            tooltip=[
                alt.Tooltip("series:N", title=ui.t("col.locality")),
                alt.Tooltip("as_of:T", title=ui.t("ov.trend_day"), format="%Y-%m-%d"),
                alt.Tooltip("score:Q", title=ui.t("ov.col.score"), format=".1f"),
            ],
        )
    )
    thresholds = (
        alt.Chart(
            pd.DataFrame(
                {
                    "score": [config.readiness_green, config.readiness_amber],
                    "colour": [READINESS_COLOURS["green"], READINESS_COLOURS["amber"]],
                }
            )
        )
        .mark_rule(strokeDash=[6, 4])
        .encode(y="score:Q", color=alt.Color("colour:N", scale=None))
    )
    chosen_tab.altair_chart(lines + thresholds, width="stretch")
    chosen_tab.caption(
        ui.t("ov.trend_note", green=config.readiness_green, amber=config.readiness_amber)
    )
    # Every locality over time as coloured cells, in today's ranking order: who stays red.
    grid = trend[trend["locality_id"].notna()].copy()
    grid["as_of"] = pd.to_datetime(grid["as_of"])
    grid["colour"] = [READINESS_COLOURS[readiness.colour(score, config)] for score in grid["score"]]
    order = [names[r.locality_id] for r in ranking]
    cells = (
        alt.Chart(grid)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(
                "yearmonthdate(as_of):O",
                title=None,
                axis=alt.Axis(format="%m-%d", formatType="time"),
            ),
            y=alt.Y("name:N", title=None, sort=order),
            color=alt.Color("colour:N", scale=None),
            tooltip=[
                alt.Tooltip("name:N", title=ui.t("col.locality")),
                alt.Tooltip("as_of:T", title=ui.t("ov.trend_day"), format="%Y-%m-%d"),
                alt.Tooltip("score:Q", title=ui.t("ov.col.score"), format=".1f"),
            ],
        )
        .properties(height=ROW_HEIGHT * len(order))
    )
    all_tab.altair_chart(cells, width="stretch")
    all_tab.caption(ui.t("ov.trend_all_note"))

"""Rendering one record's details (depot, team, checkpoint) for the map panel and the
record page. Values come from ``registry.details``; user text goes into tables, or through
``ui.plain`` where Streamlit would read it as Markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from page_helpers import ui
from registry.kernel.enums import (
    CheckpointType,
    DepotLevel,
    InspectionResult,
    RectificationStatus,
    RiskLevel,
    Specialty,
    TeamKind,
    TeamStaffing,
)


def _date(value) -> str:
    return value.isoformat() if value else "—"


def _fields(pairs: list[tuple[str, object]]) -> None:
    st.table(
        pd.DataFrame(
            {
                ui.t("details.field"): [ui.t(k) for k, _ in pairs],
                ui.t("details.value"): ["—" if v in (None, "") else str(v) for _, v in pairs],
            }
        )
    )


def _inspection(last: dict | None) -> str:
    if not last:
        return ui.t("details.never_inspected")
    return (
        f"{_date(last['date'])} · {ui.label(InspectionResult(last['result']))} · "
        f"{last['inspector']}"
    )


def depot(detail: dict) -> None:
    st.markdown(f"**{ui.label(DepotLevel(detail['level']))}** · {ui.plain(detail['locality'])}")
    _fields(
        [
            ("details.manager", detail["manager"]),
            ("details.phone", detail["manager_phone"]),
            ("details.address", detail["address"]),
            ("details.floor_area", detail["floor_area_m2"]),
            ("details.last_confirmed", _date(detail["last_confirmed_at"])),
            ("details.last_inspection", _inspection(detail["last_inspection"])),
        ]
    )
    lines = detail["lines"]
    below = sum(line["below_quota"] for line in lines)
    expiring = sum(1 for line in lines if line["expiring"])
    expired = sum(1 for line in lines if line["expired"])
    columns = st.columns(3)
    columns[0].metric(ui.t("details.below_quota"), below)
    columns[1].metric(ui.t("details.expiring"), expiring)
    columns[2].metric(ui.t("details.expired"), expired)
    st.dataframe(
        pd.DataFrame(
            {
                ui.t("details.item"): [line["item"] for line in lines],
                ui.t("details.unit"): [line["unit"] for line in lines],
                ui.t("details.usable"): [line["usable"] for line in lines],
                ui.t("details.minimum"): [line.get("minimum") for line in lines],
                ui.t("details.maximum"): [line.get("maximum") for line in lines],
                ui.t("details.expiring"): [line["expiring"] for line in lines],
                ui.t("details.expired"): [line["expired"] for line in lines],
                ui.t("details.flag"): [
                    "⚠ " + ui.t("details.below_quota") if line["below_quota"] else ""
                    for line in lines
                ],
            }
        ),
        hide_index=True,
        use_container_width=True,
    )


def team(detail: dict) -> None:
    st.markdown(
        f"**{ui.label(TeamKind(detail['team_kind']))} · "
        f"{ui.label(TeamStaffing(detail['staffing']))}** · {ui.plain(detail['locality'])}"
    )
    members, target = detail["members"], detail["target"]
    columns = st.columns(2)
    columns[0].metric(ui.t("details.strength"), f"{members} / {target}")
    columns[1].metric(ui.t("details.trained"), f"{detail['trained']} / {members}")
    _fields(
        [
            (
                "details.specialties",
                "、".join(ui.label(Specialty(s)) for s in detail["specialties"]),
            ),
            ("details.leader", detail["leader"]),
            ("details.phone", detail["leader_phone"]),
            ("details.last_drill", _date(detail["last_drill_on"])),
            ("details.equipment", detail["equipment"]),
            ("details.last_inspection", _inspection(detail["last_inspection"])),
        ]
    )


def checkpoint(detail: dict) -> None:
    st.markdown(
        f"**{ui.label(CheckpointType(detail['type']))} · "
        f"{ui.label(RiskLevel(detail['risk_level']))}** · {ui.plain(detail['locality'])}"
    )
    _fields(
        [
            ("details.address", detail["address"]),
            ("details.responsible", detail["responsible_person"]),
            ("details.phone", detail["responsible_phone"]),
            ("details.monitor", detail["monitor"]),
            ("details.monitor_phone", detail["monitor_phone"]),
        ]
    )
    st.markdown(f"**{ui.t('details.inspections')}**")
    if detail["inspections"]:
        st.dataframe(
            pd.DataFrame(
                {
                    ui.t("details.date"): [_date(i["date"]) for i in detail["inspections"]],
                    ui.t("details.result"): [
                        ui.label(InspectionResult(i["result"])) for i in detail["inspections"]
                    ],
                    ui.t("details.inspector"): [i["inspector"] for i in detail["inspections"]],
                    ui.t("details.findings"): [i["findings"] or "" for i in detail["inspections"]],
                }
            ),
            hide_index=True,
            use_container_width=True,
        )
    else:
        st.caption(ui.t("details.never_inspected"))
    st.markdown(f"**{ui.t('details.rectifications')}**")
    rows = detail["rectifications"]
    if rows:
        st.dataframe(
            pd.DataFrame(
                {
                    ui.t("details.description"): [r["description"] for r in rows],
                    ui.t("details.status"): [
                        ui.label(RectificationStatus(r["status"])) for r in rows
                    ],
                    ui.t("details.deadline"): [_date(r["deadline"]) for r in rows],
                    ui.t("details.overdue"): ["⚠" if r["overdue"] else "" for r in rows],
                }
            ),
            hide_index=True,
            use_container_width=True,
        )
    else:
        st.caption(ui.t("details.no_rectifications"))


RENDERERS = {"depot": depot, "team": team, "checkpoint": checkpoint}


def show(detail: dict | None) -> None:
    """Title, demo tag and the kind-specific body of a record."""
    if detail is None:
        st.info(ui.t("details.missing"))
        return
    st.subheader(ui.plain(detail["name"]), anchor=False)
    if detail["is_demo"]:
        st.caption(ui.t("map.demo"))
    RENDERERS[detail["kind"]](detail)

"""应急队伍: a team's roster census, strength against target, training, drills, equipment.

No ID numbers are asked for or stored. Phone numbers are masked for roles that don't need
them.
"""

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.kernel.clock import today
from registry.kernel.enums import DrillForm, Specialty, TeamKind, TeamStaffing
from registry.kernel.exports import to_excel_bytes
from registry.records import commands as records
from registry.records import queries
from registry.records.details import team_detail

actor = ui.require_actor()
day = today()
st.title(ui.t("teams.title"))
teams = ui.read(queries.teams_for, actor)
if not teams:
    st.info(ui.t("teams.none"))
    st.stop()
chosen = editing.pick_record(
    ui.t("teams.team"), teams, "teams.team", lambda t: f"{t['name']} · {t['locality']}"
)
team_id, writable = chosen["id"], chosen["writable"]
editing.flash()
detail = ui.read(team_detail, actor, team_id, today=day)
members = ui.read(queries.team_members, actor, team_id)
if detail["is_demo"]:
    st.caption(ui.t("map.demo"))

columns = st.columns(4)
columns[0].metric(
    ui.t("details.strength"),
    f"{detail['members']} / {detail['target']}",
    delta=detail["members"] - detail["target"] or None,
)
columns[1].metric(ui.t("details.trained"), f"{detail['trained']} / {detail['members']}")
columns[2].metric(
    ui.t("details.last_drill"),
    detail["last_drill_on"].isoformat() if detail["last_drill_on"] else "—",
)
confirmed = detail["last_confirmed_at"]
columns[3].metric(
    ui.t("details.last_confirmed"), confirmed.date().isoformat() if confirmed else "—"
)

roster = pd.DataFrame(
    {
        ui.t("teams.member_name"): [m["name"] for m in members],
        ui.t("teams.age_band"): [m["age_band"] for m in members],
        ui.t("teams.skills"): [m["skills"] for m in members],
        ui.t("details.phone"): [m["phone"] for m in members],
        ui.t("teams.last_training"): [m["last_training_on"] for m in members],
    }
)
st.subheader(ui.t("teams.roster"), anchor=False)
st.dataframe(roster, hide_index=True, width="stretch")
st.download_button(
    ui.t("map.export.excel"),
    to_excel_bytes(roster, "roster"),
    f"roster-{team_id}.xlsx",
    key="teams.export",
)

tabs = st.tabs([ui.t(f"teams.tab.{k}") for k in ("add", "member", "drill", "team")])
with tabs[0], st.form("teams.add", clear_on_submit=True):
    cols = st.columns(2)
    name = cols[0].text_input(ui.t("teams.member_name"), key="teams.add.name")
    band = cols[1].selectbox(ui.t("teams.age_band"), [None, *records.AGE_BANDS])
    skills = cols[0].text_input(ui.t("teams.skills"))
    phone = cols[1].text_input(ui.t("details.phone"))
    trained = st.date_input(ui.t("teams.last_training"), value=None, max_value=day)
    if st.form_submit_button(
        ui.t("teams.add_member"), disabled=not writable, type="primary", key="teams.add.submit"
    ):
        data = {
            "name": name,
            "age_band": band,
            "skills": skills,
            "phone": phone,
            "last_training_on": trained,
        }
        editing.run(
            lambda s: records.add_member(s, actor, team_id, data, today=day), ui.t("teams.done_add")
        )

with tabs[1]:
    member_ids = [m["id"] for m in members]
    names = {m["id"]: m for m in members}
    member_id = st.selectbox(
        ui.t("teams.member_name"),
        member_ids,
        key="teams.member",
        format_func=lambda i: names[i]["name"],
    )
    if member_id is not None:
        member = names[member_id]
        # the correction and the removal are checked against the version the row was opened at
        member_version = editing.opened_version("teams.member", member_id, member["version"])
        prefix = f"teams.member.{member_id}.{member_version}"
        with st.form("teams.member_edit"):
            trained = st.date_input(
                ui.t("teams.last_training"),
                max_value=day,
                value=member["last_training_on"],
                key=f"{prefix}.trained",
            )
            skills = st.text_input(
                ui.t("teams.skills"), value=member["skills"] or "", key=f"{prefix}.skills"
            )
            phone = st.text_input(
                ui.t("details.phone"),
                value=member["phone"] or "",
                disabled=not actor.sees_phone_numbers,
                key=f"{prefix}.phone",
            )
            save = st.form_submit_button(
                ui.t("teams.save_member"), disabled=not writable, key="teams.member.save"
            )
        if save:  # outside the form: a stale refusal offers a reload button
            changes = {"last_training_on": trained, "skills": skills}
            if actor.sees_phone_numbers:
                changes["phone"] = phone
            editing.run(
                lambda s: records.update_member(
                    s, actor, member_id, member_version, changes, today=day
                ),
                ui.t("inv.done_save"),
                form="teams.member",
            )
        if st.button(ui.t("teams.remove_member"), disabled=not writable, key="teams.remove"):
            editing.run(
                lambda s: records.remove_member(s, actor, member_id, member_version),
                ui.t("teams.done_remove"),
                form="teams.member",
            )

with tabs[2], st.form("teams.drill", clear_on_submit=True):
    held = st.date_input(ui.t("teams.drill_date"), value=day, max_value=day)
    form = st.selectbox(ui.t("teams.drill_form"), list(DrillForm), format_func=ui.label)
    participants = st.number_input(
        ui.t("teams.participants"), min_value=1, value=max(detail["members"], 1)
    )
    evaluation = st.text_area(ui.t("teams.evaluation"))
    if st.form_submit_button(ui.t("teams.record_drill"), disabled=not writable):
        editing.run(
            lambda s: records.record_team_drill(
                s,
                actor,
                team_id,
                held_on=held,
                form=form.value,
                participants=participants,
                evaluation=evaluation,
                today=day,
            ),
            ui.t("teams.done_drill"),
        )

with tabs[3]:
    # every write of this tab is checked against the version the team was opened at
    version = editing.opened_version("teams.team", team_id, detail["version"])
    prefix = f"teams.team.{team_id}.{version}"
    with st.form("teams.edit"):
        name = st.text_input(ui.t("col.name"), value=detail["name"], key=f"{prefix}.name")
        cols = st.columns(2)
        kind = cols[0].selectbox(
            ui.t("col.type"),
            list(TeamKind),
            format_func=ui.label,
            index=list(TeamKind).index(TeamKind(detail["team_kind"])),
            key=f"{prefix}.kind",
        )
        staffing = cols[1].selectbox(
            ui.t("teams.staffing"),
            list(TeamStaffing),
            format_func=ui.label,
            index=list(TeamStaffing).index(TeamStaffing(detail["staffing"])),
            key=f"{prefix}.staffing",
        )
        specialties = st.multiselect(
            ui.t("details.specialties"),
            list(Specialty),
            default=[Specialty(s) for s in detail["specialties"]],
            format_func=ui.label,
            key=f"{prefix}.specialties",
        )
        target = st.number_input(
            ui.t("teams.target"), min_value=0, value=detail["target"], key=f"{prefix}.target"
        )
        leader = cols[0].text_input(
            ui.t("details.leader"), value=detail["leader"] or "", key=f"{prefix}.leader"
        )
        phone = cols[1].text_input(
            ui.t("details.phone"),
            value=detail["leader_phone"] or "",
            disabled=not actor.sees_phone_numbers,
            key=f"{prefix}.phone",
        )
        equipment = st.text_area(
            ui.t("details.equipment"), value=detail["equipment"] or "", key=f"{prefix}.equipment"
        )
        save = st.form_submit_button(
            ui.t("inv.save_depot"), disabled=not writable, key="teams.team.save"
        )
    if save:  # outside the form: a stale refusal offers a reload button
        changes = {
            "name": name,
            "kind": kind.value,
            "staffing": staffing.value,
            "specialties": [s.value for s in specialties],
            "target_headcount": target,
            "leader": leader,
            "equipment": equipment,
        }
        if actor.sees_phone_numbers:
            changes["leader_phone"] = phone
        editing.run(
            lambda s: records.update_team(s, actor, team_id, version, changes),
            ui.t("inv.done_save"),
            form="teams.team",
        )
    st.caption(ui.t("teams.zero_report_help"))
    if st.button(ui.t("inv.zero_report"), disabled=not writable, key="teams.zero"):
        editing.run(
            lambda s: records.confirm_team_unchanged(s, actor, team_id, version),
            ui.t("inv.done_zero_report"),
            form="teams.team",
        )
    with st.expander(ui.t("teams.retire")):
        if st.button(ui.t("teams.retire"), disabled=not writable, key="teams.retire"):
            editing.run(
                lambda s: records.retire_team(s, actor, team_id, version),
                ui.t("teams.done_retire"),
                form="teams.team",
            )

"""隐患整改: the rectification loop for everyone who works it.

Town officials move their own findings through 整改中 and 待复查 with evidence; the district
office re-checks, signs off major hazards' plans, extends deadlines and closes. Overdue items
come first. Every step shows who took it, when, and with what note, evidence and photos.
"""

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.fieldwork import queries as field_queries
from registry.fieldwork import rectifications
from registry.kernel import attachments
from registry.kernel.attachments import Upload
from registry.kernel.clock import local, today
from registry.kernel.enums import InspectionTarget, RiskLevel
from registry.kernel.enums import RectificationStatus as S
from registry.kernel.exports import to_excel_bytes
from registry.records import queries

actor = ui.require_actor()
settings = ui.settings()
day = today()
st.title(ui.t("nav.rectifications"))
editing.flash()

localities = ui.read(queries.locality_choices)
ui.demo_banner(ui.read(queries.has_demo_records))
own = [i for i in localities if actor.covers(i)] if not actor.district_wide else []
cols = st.columns(2)
chosen_localities = cols[0].multiselect(
    ui.t("col.locality"), list(localities), default=own, format_func=localities.get,
    key="rect.localities", placeholder=ui.t("rect.all_localities"),
)  # fmt: skip
statuses = cols[1].multiselect(
    ui.t("rect.status"), list(S), default=list(rectifications.OPEN), format_func=ui.label,
    key="rect.statuses",
)  # fmt: skip
cols = st.columns(2)
risks = cols[0].multiselect(
    ui.t("col.risk"), list(RiskLevel), format_func=ui.label, key="rect.risks",
    placeholder=ui.t("rect.all_risks"),
)  # fmt: skip
overdue_only = cols[1].toggle(ui.t("rect.overdue_only"), key="rect.overdue")
filters = field_queries.RectificationFilter(
    locality_ids=frozenset(chosen_localities) or None,
    statuses=frozenset(statuses),
    risk_levels=frozenset(risks) or None,
    overdue_only=overdue_only,
)
rows = ui.read(field_queries.list_rectifications, actor, filters, today=day)
rows.sort(key=lambda r: (-r["days_overdue"], r["deadline"], r["id"]))

metrics = st.columns(4)
metrics[0].metric(ui.t("rect.m.shown"), len(rows))
metrics[1].metric(ui.t("rect.m.overdue"), sum(r["overdue"] for r in rows))
metrics[2].metric(
    ui.t("rect.m.major_open"),
    sum(r["risk_level"] == RiskLevel.MAJOR and r["status"] != S.CLOSED for r in rows),
)
metrics[3].metric(ui.t("rect.m.awaiting"), sum(r["status"] == S.AWAITING_RECHECK for r in rows))

table = pd.DataFrame(
    {
        ui.t("rect.col.id"): [r["id"] for r in rows],
        ui.t("rect.col.target"): [r["target"] for r in rows],
        ui.t("rect.col.kind"): [ui.label(InspectionTarget(r["kind"])) for r in rows],
        ui.t("col.locality"): [r["locality"] for r in rows],
        ui.t("rect.col.description"): [r["description"] for r in rows],
        ui.t("col.risk"): [ui.label(RiskLevel(r["risk_level"])) for r in rows],
        ui.t("rect.status"): [ui.label(S(r["status"])) for r in rows],
        ui.t("rect.col.found"): [r["found_on"] for r in rows],
        ui.t("rect.col.deadline"): [r["deadline"] for r in rows],
        ui.t("rect.col.days_overdue"): [r["days_overdue"] or None for r in rows],
        ui.t("details.responsible"): [r["responsible_person"] or "" for r in rows],
    }
)
st.dataframe(table, hide_index=True, width="stretch", height=300)
st.download_button(
    ui.t("map.export.excel"), to_excel_bytes(table, "rectifications"), "rectifications.xlsx",
    key="rect.export",
)  # fmt: skip
if not rows:
    st.stop()

by_id = {r["id"]: r for r in rows}


def describe(rect_id: int) -> str:
    r = by_id[rect_id]
    late = f" · {ui.t('rect.late', days=r['days_overdue'])}" if r["overdue"] else ""
    return f"#{rect_id} {r['target']} · {r['description'][:30]}{late}"


rect_id = st.selectbox(ui.t("rect.pick"), list(by_id), format_func=describe, key="rect.pick")
detail = ui.read(field_queries.rectification_detail, actor, rect_id, today=day)


def show_photos(items: list[dict]) -> None:
    if not items:
        return
    files = ui.read(attachments.contents, [item["id"] for item in items])
    st.image([f.data for f in files], caption=[ui.plain(f.filename) for f in files], width=160)
    st.caption(ui.file_links([(item["id"], item["filename"]) for item in items]))


st.subheader(f"#{detail['id']} {ui.plain(detail['target'])}")
status_line = f"{ui.label(S(detail['status']))} · {ui.label(RiskLevel(detail['risk_level']))}"
if detail["overdue"]:
    st.error(ui.t("rect.overdue_by", days=detail["days_overdue"], deadline=detail["deadline"]))
st.markdown(f"**{status_line}** · {ui.t('rect.col.deadline')} {detail['deadline']}")
st.text(detail["description"])
facts = {
    ui.t("details.responsible"): detail["responsible_person"] or "—",
    ui.t("rect.col.found"): detail["found_on"],
    ui.t("rect.plan"): detail["plan_text"] or "—",
}
if detail["risk_level"] == RiskLevel.MAJOR:
    facts[ui.t("rect.signed_off")] = (
        f"{detail['signed_off_by']} · {local(detail['signed_off_at']):%Y-%m-%d}"
        if detail["signed_off_by"]
        else ui.t("rect.not_signed_off")
    )
for label, value in facts.items():
    st.markdown(f"**{label}**: {ui.plain(value)}")
if detail["inspection_photos"]:
    st.caption(ui.t("rect.inspection_photos"))
    show_photos(detail["inspection_photos"])

st.markdown(f"#### {ui.t('rect.history')}")
for step in detail["steps"]:
    step_label = ui.t(f"rect.action.{step['action'] or 'register'}")
    with st.container(border=True):
        who = ui.plain(step["actor"] or "—")
        st.markdown(f"**{step_label}** · {local(step['at']):%Y-%m-%d %H:%M} · {who}")
        if step["note"]:
            st.text(step["note"])
        if step["evidence"]:
            st.caption(f"{ui.t('rect.evidence')}: {ui.plain(step['evidence'])}")
        show_photos(step["photos"])

actions = detail["actions"]
if not actions:
    st.caption(ui.t("rect.read_only"))
    st.stop()

st.markdown(f"#### {ui.t('rect.next_step')}")
action = st.radio(
    ui.t("rect.next_step"), actions, format_func=lambda a: ui.t(f"rect.action.{a}"),
    horizontal=True, key=f"rect.action.{rect_id}", label_visibility="collapsed",
)  # fmt: skip
version = editing.opened_version("rect", rect_id, detail["version"])
key = f"rect.{action}.{rect_id}.{version}"  # a reload shows the current values
major = detail["risk_level"] == RiskLevel.MAJOR


def note_input(required: bool = True) -> str:
    label = ui.t("rect.note") + (" *" if required else "")
    return st.text_area(label, key=f"{key}.note", height=80)


if action == "start":
    responsible = st.text_input(
        ui.t("details.responsible") + " *",
        value=detail["responsible_person"] or "",
        key=f"{key}.responsible",
    )
    plan = st.text_area(
        ui.t("rect.plan") + (" *" if major else ""),
        value=detail["plan_text"] or "",
        help=ui.t("rect.plan_help"),
        key=f"{key}.plan",
    )
    note = note_input()

    def run(session):
        return rectifications.start(
            session, actor, rect_id, version, note=note, responsible_person=responsible,
            plan_text=plan,
        )  # fmt: skip
elif action in ("submit", "close"):
    evidence = (
        st.text_area(ui.t("rect.evidence"), key=f"{key}.evidence") if action == "submit" else None
    )
    photos = st.file_uploader(
        ui.t("insp.photos", count=settings.photos_per_upload, mb=settings.photo_max_mb),
        type=attachments.PHOTO_UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"{key}.photos",
    )
    note = note_input()

    def run(session):
        prepared = attachments.prepare_photos(
            [Upload(p.name, p.getvalue()) for p in photos or []], settings
        )
        if action == "submit":
            return rectifications.submit_for_recheck(
                session, actor, rect_id, version, note=note, evidence=evidence, photos=prepared
            )
        return rectifications.close(
            session, actor, rect_id, version, note=note, today=day, photos=prepared
        )
elif action == "send_back":
    note = note_input()

    def run(session):
        return rectifications.send_back(session, actor, rect_id, version, note=note)
elif action == "sign_off":
    st.info(ui.t("rect.sign_off_hint"))
    note = note_input()

    def run(session):
        return rectifications.sign_off(session, actor, rect_id, version, note=note)
elif action == "extend":
    new_deadline = st.date_input(
        ui.t("rect.new_deadline"), value=detail["deadline"], key=f"{key}.deadline"
    )
    note = note_input()

    def run(session):
        return rectifications.extend_deadline(
            session, actor, rect_id, version, deadline=new_deadline, note=note
        )
else:  # plan
    plan = st.text_area(
        ui.t("rect.plan") + (" *" if major else ""), value=detail["plan_text"] or "",
        help=ui.t("rect.plan_help"), key=f"{key}.plan",
    )  # fmt: skip
    responsible = st.text_input(
        ui.t("details.responsible"), value=detail["responsible_person"] or "",
        key=f"{key}.responsible",
    )  # fmt: skip

    def run(session):
        return rectifications.update_plan(
            session, actor, rect_id, version, plan_text=plan, responsible_person=responsible
        )


go = f"rect.{action}.{rect_id}.go"
if st.button(ui.t(f"rect.action.{action}"), type="primary", key=go, width="stretch"):
    editing.run(run, ui.t("rect.done", action=ui.t(f"rect.action.{action}")), form="rect")

"""应急预案: the register with its filing, evaluation and drill clocks, one plan's versions,
drills and status history, and the actions its status allows.

Everyone reads the register; town officials write their own locality's plans, the district
office the district and department plans; leaders read only. The buttons offered follow
``plans.allowed_actions`` and every use-case checks again.
"""

from functools import partial

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.kernel import attachments
from registry.kernel.attachments import Upload
from registry.kernel.clock import local, today
from registry.kernel.enums import DrillForm, PlanClass, PlanStatus, RevisionTrigger
from registry.kernel.exports import to_excel_bytes
from registry.plans import commands as plans
from registry.plans.queries import DISTRICT, overdue_counts, plan_detail, plan_register
from registry.records import queries

ALL = "all"

actor = ui.require_actor()
day = today()
settings = ui.settings()
st.title(ui.t("nav.plans"))
editing.flash()
localities = ui.read(queries.locality_choices)
owners = plans.owner_choices(actor, localities)


def owner_name(locality_id) -> str:
    if locality_id == ALL:
        return ui.t("plan.f.all")
    if locality_id in (DISTRICT, None):
        return ui.t("plan.district")
    return localities.get(locality_id, str(locality_id))


def shown(value) -> str:
    return "—" if value in (None, "") else str(value)


def upload(file) -> Upload | None:
    return None if file is None else Upload(file.name, file.getvalue())


# --- the register ---------------------------------------------------------------------------

own = [i for i in localities if i in actor.locality_ids]
options = [ALL, DISTRICT, *localities]
cols = st.columns(4)
chosen_owner = cols[0].selectbox(
    ui.t("plan.f.locality"),
    options,
    index=options.index(own[0]) if own and not actor.district_wide else 0,
    format_func=owner_name,
    key="plan.f.locality",
)
status = cols[1].selectbox(
    ui.t("plan.status"),
    [None, *PlanStatus],
    format_func=lambda s: ui.t("plan.f.all") if s is None else ui.label(s),
    key="plan.f.status",
)
plan_class = cols[2].selectbox(
    ui.t("plan.class"),
    [None, *PlanClass],
    format_func=lambda c: ui.t("plan.f.all") if c is None else ui.label(c),
    key="plan.f.class",
)
overdue_only = cols[3].toggle(ui.t("plan.f.overdue"), key="plan.f.overdue")
filters = {
    "locality_id": None if chosen_owner == ALL else chosen_owner,
    "status": status,
    "plan_class": plan_class,
    "overdue_only": overdue_only,
}
rows = ui.read(plan_register, actor, today=day, filters=filters)
ui.demo_banner(any(r["is_demo"] for r in rows))

late = overdue_counts(rows)
cols = st.columns(4)
cols[0].metric(ui.t("plan.count"), len(rows))
cols[1].metric(ui.t("plan.filing_overdue"), late["filing"])
cols[2].metric(ui.t("plan.evaluation_overdue"), late["evaluation"])
cols[3].metric(ui.t("plan.drill_overdue"), late["drill"])


def flags(row: dict) -> str:
    found = [ui.t(f"plan.{kind}_overdue") for kind in ("filing", "evaluation", "drill")]
    marks = [row["filing_overdue"], row["evaluation_overdue"], row["drill_overdue"]]
    return "、".join(text for text, on in zip(found, marks, strict=True) if on)


table = pd.DataFrame(
    {
        ui.t("plan.title"): [r["title"] for r in rows],
        ui.t("plan.owner"): [r["locality"] or r["department"] for r in rows],
        ui.t("plan.class"): [ui.label(PlanClass(r["plan_class"])) for r in rows],
        ui.t("plan.status"): [ui.label(PlanStatus(r["status"])) for r in rows],
        ui.t("plan.version_label"): [r["version_label"] for r in rows],
        ui.t("plan.issued_on"): [r["issued_on"] for r in rows],
        ui.t("plan.filing_due"): [r["filing_due"] for r in rows],
        ui.t("plan.filed_on"): [r["filed_on"] for r in rows],
        ui.t("plan.evaluation_due"): [r["evaluation_due"] for r in rows],
        ui.t("plan.last_drill"): [r["last_drill_on"] for r in rows],
        ui.t("plan.drill_due"): [r["drill_due"] for r in rows],
        ui.t("plan.flags"): [flags(r) for r in rows],
    }
)
st.dataframe(table, hide_index=True, width="stretch", height=320)
st.download_button(
    ui.t("map.export.excel"), to_excel_bytes(table, "plans"), "plans.xlsx", key="plan.export"
)


# --- one plan -------------------------------------------------------------------------------


def due_metric(column, label: str, due, overdue: bool, done: str | None = None) -> None:
    """A due date, marked red when overdue or green once done."""
    if done:
        delta, colour = done, "normal"
    else:
        delta, colour = (ui.t("plan.overdue") if overdue else None), "inverse"
    column.metric(label, shown(due), delta=delta, delta_color=colour, delta_arrow="off")


def show_fields(detail: dict) -> None:
    trigger = detail["revision_trigger"]
    fields = [
        ("plan.owner", owner_name(detail["locality_id"])),
        ("plan.department", shown(detail["department"])),
        ("plan.class", ui.label(PlanClass(detail["plan_class"]))),
        ("plan.hazards", shown(detail["hazards"])),
        ("plan.owner_person", shown(detail["owner_person"])),
        ("plan.crowded_venue", ui.t("plan.yes") if detail["crowded_venue"] else ui.t("plan.no")),
        ("plan.status", ui.label(PlanStatus(detail["status"]))),
        ("plan.trigger", ui.label(RevisionTrigger(trigger)) if trigger else "—"),
        ("plan.status_note", shown(detail["status_note"])),
        ("plan.version_label", detail["version_label"]),
        ("plan.issued_on", shown(detail["issued_on"])),
        ("plan.filing_ref", shown(detail["filing_ref"])),
        ("plan.last_evaluated_on", shown(detail["last_evaluated_on"])),
    ]
    st.table(
        pd.DataFrame(
            {
                ui.t("details.field"): [ui.t(key) for key, _ in fields],
                ui.t("details.value"): [value for _, value in fields],
            }
        )
    )


def show_dates(detail: dict) -> None:
    cols = st.columns(3)
    filed = detail["filed_on"] and ui.t("plan.filed_mark", date=detail["filed_on"].isoformat())
    due_metric(
        cols[0], ui.t("plan.filing_due"), detail["filing_due"], detail["filing_overdue"], filed
    )
    due_metric(
        cols[1], ui.t("plan.evaluation_due"), detail["evaluation_due"], detail["evaluation_overdue"]
    )
    due_metric(cols[2], ui.t("plan.drill_due"), detail["drill_due"], detail["drill_overdue"])
    if detail["provisional"]:
        st.caption(ui.t("plan.provisional"))


def file_bytes(attachment_id: int) -> bytes:
    found = ui.read(attachments.readable_content, actor, attachment_id)
    return b"" if found is None else found.data


def show_versions(detail: dict) -> None:
    for revision in reversed(detail["revisions"]):
        if revision["in_force"]:
            state = ui.t("plan.rev.in_force")
        elif revision["pending"]:
            state = ui.t("plan.rev.pending")
        elif revision["issued_on"] is None:
            state = ui.t("plan.rev.not_issued")
        else:
            state = ui.t("plan.rev.superseded")
        trigger = revision["trigger"]
        line = f"**{ui.plain(revision['version_label'])}** · {state}"
        if revision["issued_on"]:
            line += " · " + ui.t("plan.rev.issued", date=revision["issued_on"].isoformat())
        if trigger:
            line += " · " + ui.label(RevisionTrigger(trigger))
        st.markdown(line)
        if revision["note"]:
            st.caption(ui.plain(revision["note"]))
        for file in revision["attachments"]:
            st.download_button(
                f"{ui.plain(file['filename'])}（{file['size'] / 1024:.0f} KB）",
                data=lambda attachment_id=file["id"]: file_bytes(attachment_id),
                file_name=file["filename"],
                mime=file["content_type"],
                key=f"plan.doc.{file['id']}",
                icon=":material/download:",
            )
        if revision["attachments"]:
            st.caption(ui.file_links([(f["id"], f["filename"]) for f in revision["attachments"]]))
        if not revision["attachments"] and revision["document_name"]:
            st.caption(ui.t("plan.rev.no_file", name=ui.plain(revision["document_name"])))


def show_drills(detail: dict) -> None:
    if not detail["drills"]:
        st.info(ui.t("plan.no_drills"))
        return
    drills = detail["drills"]
    st.dataframe(
        pd.DataFrame(
            {
                ui.t("plan.held_on"): [d["held_on"] for d in drills],
                ui.t("plan.drill_form"): [ui.label(DrillForm(d["form"])) for d in drills],
                ui.t("plan.participants"): [d["participants"] for d in drills],
                ui.t("plan.drill_evaluation"): [d["evaluation"] for d in drills],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def status_label(value) -> str:
    return ui.label(PlanStatus(value)) if value else "—"


def event_label(action: str) -> str:
    """``plan-evaluation-started`` → the text of ``plan.event.evaluation_started``."""
    return ui.t(f"plan.event.{action.removeprefix('plan-').replace('-', '_')}")


def show_history(detail: dict) -> None:
    events = detail["history"]
    st.dataframe(
        pd.DataFrame(
            {
                ui.t("plan.h.at"): [local(e["at"]) for e in events],
                ui.t("plan.h.actor"): [e["actor_name"] for e in events],
                ui.t("plan.h.action"): [event_label(e["action"]) for e in events],
                ui.t("plan.h.status"): [
                    f"{status_label(e['status_from'])} → {status_label(e['status_to'])}"
                    if e["status_from"] != e["status_to"]
                    else status_label(e["status_to"])
                    for e in events
                ],
                ui.t("plan.h.note"): [shown(e["note"]) for e in events],
            }
        ),
        hide_index=True,
        width="stretch",
    )


# --- actions --------------------------------------------------------------------------------


def note_input(action: str, label_key: str = "plan.note") -> str:
    return st.text_area(ui.t(label_key), key=f"plan.{action}.note")


def detail_fields(prefix: str, current: dict) -> dict:
    """The descriptive fields of a plan, pre-filled from ``current`` (whose owner stays
    offered even where the actor may not give it to a new plan)."""
    offered = owners
    if current and current["locality_id"] not in offered:
        offered = [current.get("locality_id"), *offered]
    classes = list(PlanClass)
    cols = st.columns(2)
    return {
        "title": st.text_input(
            ui.t("plan.title"), value=current.get("title", ""), key=f"{prefix}.title"
        ),
        "locality_id": cols[0].selectbox(
            ui.t("plan.owner"),
            offered,
            index=offered.index(current.get("locality_id")) if current else 0,
            format_func=owner_name,
            key=f"{prefix}.locality",
        ),
        "department": cols[1].text_input(
            ui.t("plan.department"),
            value=current.get("department") or "",
            help=ui.t("plan.department_help"),
            key=f"{prefix}.department",
        ),
        "plan_class": cols[0]
        .selectbox(
            ui.t("plan.class"),
            classes,
            index=classes.index(PlanClass(current.get("plan_class", PlanClass.GRASSROOTS))),
            format_func=ui.label,
            key=f"{prefix}.class",
        )
        .value,
        "owner_person": cols[1].text_input(
            ui.t("plan.owner_person"),
            value=current.get("owner_person") or "",
            key=f"{prefix}.owner_person",
        ),
        "hazards": st.text_input(
            ui.t("plan.hazards"), value=current.get("hazards") or "", key=f"{prefix}.hazards"
        ),
        "crowded_venue": st.checkbox(
            ui.t("plan.crowded_venue"),
            value=bool(current.get("crowded_venue")),
            help=ui.t("plan.crowded_help"),
            key=f"{prefix}.crowded",
        ),
    }


def action_form(detail: dict, action: str) -> None:
    """The inputs of one action and its submit button; the use-case runs on submit, against
    the version the plan was shown at."""
    pid = detail["id"]
    version = editing.opened_version("plan", pid, detail["version"])
    target = {"actor": actor, "plan_id": pid, "expected_version": version}
    with st.form(f"plan.form.{action}", clear_on_submit=True):
        if action == "start_evaluation":
            note = note_input(action)
            call = partial(plans.start_evaluation, note=note, **target)
        elif action == "conclude_evaluation":
            outcome = st.radio(
                ui.t("plan.outcome"),
                [plans.KEEP, plans.REVISE],
                format_func=lambda o: ui.t(f"plan.outcome.{o}"),
                horizontal=True,
                key=f"plan.{action}.outcome",
            )
            evaluated = st.date_input(
                ui.t("plan.evaluated_on"), value=day, max_value=day, key=f"plan.{action}.date"
            )
            trigger = st.selectbox(
                ui.t("plan.trigger_if_revise"),
                list(RevisionTrigger),
                index=list(RevisionTrigger).index(RevisionTrigger.EVALUATION),
                format_func=ui.label,
                key=f"plan.{action}.trigger",
            )
            note = note_input(action, "plan.conclusion")
            call = partial(
                plans.conclude_evaluation,
                **target,
                outcome=outcome,
                evaluated_on=evaluated,
                note=note,
                trigger=trigger,
                today=day,
            )
        elif action == "start_revision":
            trigger = st.selectbox(
                ui.t("plan.trigger"),
                list(RevisionTrigger),
                index=None,
                placeholder=ui.t("plan.choose_trigger"),
                format_func=ui.label,
                key=f"plan.{action}.trigger",
            )
            note = note_input(action)
            call = partial(plans.start_revision, **target, trigger=trigger, note=note)
        elif action == "submit_draft":
            label = st.text_input(ui.t("plan.new_version_label"), key=f"plan.{action}.label")
            file = st.file_uploader(
                ui.t("plan.document"),
                type=attachments.DOCUMENT_UPLOAD_TYPES,
                key=f"plan.{action}.document",
            )
            note = note_input(action)
            call = partial(
                plans.submit_draft,
                **target,
                version_label=label,
                document=upload(file),
                note=note,
                settings=settings,
            )
        elif action == "return_draft":
            note = note_input(action, "plan.return_reason")
            call = partial(plans.return_draft, **target, note=note)
        elif action == "issue":
            issued = st.date_input(
                ui.t("plan.issued_on"), value=day, max_value=day, key=f"plan.{action}.date"
            )
            note = note_input(action)
            call = partial(plans.issue_plan, **target, issued_on=issued, note=note, today=day)
        elif action == "repeal":
            reason = note_input(action, "plan.repeal_reason")
            call = partial(plans.repeal, **target, reason=reason)
        elif action == "record_filing":
            filed = st.date_input(
                ui.t("plan.filed_on"), value=day, max_value=day, key=f"plan.{action}.date"
            )
            ref = st.text_input(
                ui.t("plan.filing_ref"),
                help=ui.t("plan.filing_ref_help"),
                key=f"plan.{action}.ref",
            )
            call = partial(plans.record_filing, **target, filed_on=filed, filing_ref=ref, today=day)
        elif action == "record_drill":
            cols = st.columns(3)
            data = {
                "held_on": cols[0].date_input(
                    ui.t("plan.held_on"), value=day, max_value=day, key=f"plan.{action}.date"
                ),
                "form": cols[1]
                .selectbox(
                    ui.t("plan.drill_form"),
                    list(DrillForm),
                    format_func=ui.label,
                    key=f"plan.{action}.form",
                )
                .value,
                "participants": cols[2].number_input(
                    ui.t("plan.participants"), min_value=1, value=30, key=f"plan.{action}.count"
                ),
                "evaluation": st.text_area(
                    ui.t("plan.drill_evaluation"),
                    help=ui.t("plan.drill_evaluation_help"),
                    key=f"plan.{action}.evaluation",
                ),
                "problems_found": st.checkbox(
                    ui.t("plan.problems_found"),
                    help=ui.t("plan.problems_found_help"),
                    key=f"plan.{action}.problems",
                ),
            }
            call = partial(plans.record_plan_drill, actor=actor, plan_id=pid, data=data, today=day)
        elif action == "add_document":
            file = st.file_uploader(
                ui.t("plan.document"),
                type=attachments.DOCUMENT_UPLOAD_TYPES,
                key=f"plan.{action}.document",
            )
            call = partial(
                plans.add_revision_document,
                actor=actor,
                plan_id=pid,
                document=upload(file),
                settings=settings,
            )
        else:  # edit
            changes = detail_fields(f"plan.edit.{pid}.{version}", detail)
            call = partial(plans.update_plan_details, **target, data=changes)
        submitted = st.form_submit_button(
            ui.t(f"plan.do.{action}"), type="primary", key=f"plan.{action}.submit"
        )
    if submitted:  # outside the form: a stale refusal offers a reload button
        editing.run(call, ui.t("plan.done", action=ui.t(f"plan.do.{action}")), form="plan")


def show_plan(row: dict) -> None:
    detail = ui.read(plan_detail, actor, row["id"], today=day)
    if detail is None:
        st.warning(ui.t("details.missing"))
        return
    st.subheader(ui.plain(detail["title"]), anchor=False)
    if detail["is_demo"]:
        st.caption(ui.t("map.demo"))
    show_dates(detail)
    tabs = st.tabs([ui.t(f"plan.tab.{k}") for k in ("fields", "versions", "drills", "history")])
    with tabs[0]:
        show_fields(detail)
    with tabs[1]:
        show_versions(detail)
    with tabs[2]:
        show_drills(detail)
    with tabs[3]:
        show_history(detail)
    if not detail["actions"]:
        if not detail["writable"] or detail["status"] == PlanStatus.REPEALED.value:
            st.caption(ui.t("plan.read_only"))
        return
    st.subheader(ui.t("plan.actions"), anchor=False)
    action = st.selectbox(
        ui.t("plan.action"),
        detail["actions"],
        format_func=lambda a: ui.t(f"plan.do.{a}"),
        key=f"plan.action.{detail['id']}",
    )
    action_form(detail, action)


st.divider()
if rows:
    chosen = editing.pick_record(
        ui.t("plan.choose"),
        rows,
        "plan.choose",
        lambda r: f"{r['title']} · {ui.label(PlanStatus(r['status']))}",
    )
    show_plan(chosen)
else:
    st.info(ui.t("plan.none"))


# --- a new plan -----------------------------------------------------------------------------

if owners:
    with st.expander(ui.t("plan.new"), expanded=not rows):
        mode = st.radio(
            ui.t("plan.new.mode"),
            [PlanStatus.CURRENT, PlanStatus.AWAITING_ISSUE],
            format_func=lambda m: ui.t(f"plan.new.mode.{m.value}"),
            horizontal=True,
            key="plan.new.mode",
        )
        with st.form("plan.new.form", clear_on_submit=True):
            data = detail_fields("plan.new", {})
            cols = st.columns(2)
            data["version_label"] = cols[0].text_input(
                ui.t("plan.version_label"), key="plan.new.version_label"
            )
            data["status"] = mode.value
            if mode is PlanStatus.CURRENT:
                data["issued_on"] = cols[1].date_input(
                    ui.t("plan.issued_on"), value=None, max_value=day, key="plan.new.issued_on"
                )
                data["filed_on"] = cols[0].date_input(
                    ui.t("plan.filed_on_optional"),
                    value=None,
                    max_value=day,
                    key="plan.new.filed_on",
                )
                data["filing_ref"] = cols[1].text_input(
                    ui.t("plan.filing_ref"), key="plan.new.filing_ref"
                )
            file = st.file_uploader(
                ui.t("plan.document_required")
                if mode is PlanStatus.AWAITING_ISSUE
                else ui.t("plan.document_optional"),
                type=attachments.DOCUMENT_UPLOAD_TYPES,
                key="plan.new.document",
            )
            if st.form_submit_button(ui.t("plan.create"), type="primary", key="plan.new.submit"):
                data["document"] = upload(file)
                editing.run(
                    lambda s: plans.create_plan(s, actor, data, today=day, settings=settings),
                    ui.t("plan.done_create"),
                )

"""事件与响应: the events (open first); the office opens one from warnings in force or by hand
(hazard, level, localities or a drawn polygon, the suggested plans to confirm, duty staff);
one event's detail: level changes with a reason, duty handover, closing, generating tasks,
the tasks overdue first and the timeline. Leaders and town officials read."""

from datetime import datetime

import pandas as pd
import streamlit as st

from page_helpers import disaster_figures, disaster_status, editing, ui
from registry.kernel.clock import local, today, utcnow
from registry.kernel.enums import (
    EventState,
    ResponseLevel,
    ReviewSubject,
    ReviewVerdict,
    TaskKind,
    TaskStatus,
    WarningType,
)
from registry.kernel.permissions import Action
from registry.records import queries
from registry.recovery import closing
from registry.recovery import queries as recovery_queries
from registry.response import event_queries, events, situation_map, tasks

CLOSING_KEY = "ev.closing"  # what closing with the review set going, shown once closed

actor = ui.require_actor()
st.title(ui.t("nav.events"))
st.caption(ui.t("ev.caption"))
editing.flash()
office = actor.can(Action.MANAGE_RESPONSE)
ack_minutes = ui.settings().task_ack_minutes
now = utcnow()
localities = ui.read(queries.locality_choices)


def when(moment: datetime | None) -> str:
    return local(moment).strftime("%m-%d %H:%M") if moment else "—"


def open_form() -> None:
    """Reactive widgets (not a form): the plan suggestion follows the hazard and places."""
    in_force = ui.read(event_queries.warnings_in_force, now)
    by_id = {w.id: w for w in in_force}
    with st.expander(ui.t("ev.open"), icon=":material/campaign:"):
        chosen = st.multiselect(
            ui.field("event_warnings"),
            list(by_id),
            format_func=lambda i: f"{by_id[i].headline}（{ui.label(by_id[i].level)}）",
            key="ev.warnings",
        )
        first = by_id[chosen[0]] if chosen else None
        kinds = list(WarningType)
        hazard = st.selectbox(
            ui.field("hazard"), kinds, index=kinds.index(first.warning_type) if first else 1,
            format_func=ui.label, key=f"ev.hazard.{first.id if first else 0}",
        )  # fmt: skip
        level = st.selectbox(
            ui.field("response_level"), list(ResponseLevel), index=3, format_func=ui.label,
            key="ev.level",
        )  # fmt: skip
        from_warnings = sorted({i for w in chosen for i in by_id[w].locality_ids})
        places = st.multiselect(
            ui.field("event_localities"), list(localities), default=from_warnings,
            format_func=localities.get, key=f"ev.places.{'-'.join(map(str, chosen))}",
        )  # fmt: skip
        drawn = st.text_area(ui.t("ev.polygon"), key="ev.polygon", help=ui.t("ev.polygon_help"))
        plans = ui.read(event_queries.plan_choices)
        suggested = ui.read(event_queries.plan_suggestion, hazard, tuple(places))
        activated = st.multiselect(
            ui.field("event_plans"), list(plans), default=suggested, format_func=plans.get,
            key=f"ev.plans.{hazard}.{'-'.join(map(str, places))}",
            help=ui.t("ev.plans_help"),
        )  # fmt: skip
        title = st.text_input(
            ui.field("title"), value=first.headline if first else "", max_chars=256,
            key=f"ev.title.{first.id if first else 0}",
        )  # fmt: skip
        duty = st.columns(2)
        leader = duty[0].text_input(ui.field("duty_leader"), max_chars=64, key="ev.leader")
        officer = duty[1].text_input(ui.field("duty_officer"), max_chars=64, key="ev.officer")
        note = st.text_area(ui.field("note"), key="ev.note")
        if st.button(ui.t("ev.open_run"), type="primary", key="ev.open_run"):
            editing.run(
                lambda session: events.open_event(
                    session, actor, title=title, hazard=hazard, level=level,
                    locality_ids=places, area_geojson=drawn or None, warning_ids=chosen,
                    plan_ids=activated, duty_leader=leader, duty_officer=officer, note=note,
                    now=utcnow(),
                ),
                ui.t("ev.opened"),
            )  # fmt: skip


def event_list(rows: list[event_queries.EventRow]) -> None:
    table = pd.DataFrame(
        [
            {
                ui.field("title"): r.title,
                ui.field("hazard"): ui.label(r.hazard),
                ui.field("response_level"): ui.label(r.level),
                ui.t("ev.state"): ui.label(r.state),
                ui.t("ev.opened_at"): when(r.opened_at),
                ui.t("ev.closed_at"): when(r.closed_at),
                ui.field("event_localities"): "、".join(r.localities),
                ui.t("ev.tasks"): r.tasks,
                ui.t("ev.overdue"): r.overdue,
            }
            for r in rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")


def level_and_close(detail: event_queries.EventDetail) -> None:
    row = detail.row
    opened = editing.opened_version(f"ev.edit.{row.id}", row.id, row.version)
    left, middle = st.columns(2)
    with left.form(f"ev.level.{row.id}.{opened}"):
        levels = [lv for lv in ResponseLevel if lv is not row.level]
        level = st.selectbox(ui.t("ev.new_level"), levels, format_func=ui.label)
        reason = st.text_input(ui.field("reason"), key=f"ev.level_reason.{row.id}.{opened}")
        if st.form_submit_button(ui.t("ev.change_level"), key=f"ev.level_run.{row.id}"):
            editing.run(
                lambda session: events.change_level(
                    session, actor, row.id, opened, level, reason, utcnow()
                ),
                ui.t("ev.level_changed"),
                form=f"ev.edit.{row.id}",
            )
    with middle.form(f"ev.duty.{row.id}.{opened}"):
        leader = st.text_input(ui.field("duty_leader"), value=row.duty_leader or "")
        officer = st.text_input(ui.field("duty_officer"), value=row.duty_officer or "")
        if st.form_submit_button(ui.t("ev.hand_over"), key=f"ev.duty_run.{row.id}"):
            editing.run(
                lambda session: events.update_duty(
                    session, actor, row.id, opened, duty_leader=leader, duty_officer=officer,
                    now=utcnow(),
                ),
                ui.t("ev.duty_handed_over"),
                form=f"ev.edit.{row.id}",
            )  # fmt: skip
    close_with_review(row, opened)


def close_with_review(row: event_queries.EventRow, opened: int) -> None:
    """结束响应 asks for the review (复盘): what worked, what did not, and a verdict and note
    on each plan, depot, team or checkpoint it names (reactive widgets: a row per pick)."""
    with st.expander(ui.t("recovery.close"), icon=":material/task_alt:"):
        st.caption(ui.t("recovery.close_help"))
        choices = ui.read(recovery_queries.subject_choices, row.id)
        findings = []
        for subject in ReviewSubject:
            options = choices[subject]
            picked = st.multiselect(
                ui.t("recovery.pick", subject=ui.label(subject)), list(options),
                format_func=options.get, key=f"ev.review.{subject.value}.{row.id}",
            )  # fmt: skip
            for record_id in picked:
                key = f"ev.review.{subject.value}.{record_id}"
                cols = st.columns([2, 2, 3], vertical_alignment="center")
                cols[0].text(options[record_id])
                verdict = cols[1].radio(
                    ui.field("review_verdict"), list(ReviewVerdict), format_func=ui.label,
                    horizontal=True, key=f"{key}.verdict", label_visibility="collapsed",
                )  # fmt: skip
                note = cols[2].text_input(
                    ui.field("note"), key=f"{key}.note", placeholder=ui.field("note"),
                    label_visibility="collapsed",
                )  # fmt: skip
                findings.append(closing.FindingInput(subject, record_id, verdict, note or None))
        worked = st.text_area(ui.field("review_worked"), key=f"ev.review.worked.{row.id}")
        failed = st.text_area(ui.field("review_failed"), key=f"ev.review.failed.{row.id}")
        reason = st.text_input(
            ui.t("recovery.close_reason"), key=f"ev.close_reason.{row.id}.{opened}"
        )

        def act(session) -> None:
            done = closing.close_with_review(
                session, actor, row.id, opened, reason=reason, worked=worked, failed=failed,
                findings=findings, now=utcnow(), today=today(),
            )  # fmt: skip
            st.session_state[CLOSING_KEY] = done

        if st.button(ui.t("recovery.close_run"), type="primary", key=f"ev.close_run.{row.id}"):
            editing.run(act, ui.t("ev.closed"), form=f"ev.edit.{row.id}")


def review_panel(event_id: int) -> None:
    """A closed event's review (复盘) and the way to its replenishment list (补库清单)."""
    st.markdown(f"#### {ui.t('recovery.review')}")
    done = st.session_state.get(CLOSING_KEY)
    if done is not None and done.event_id == event_id:
        st.info(
            ui.t(
                "recovery.closed", plans=len(done.plans_revising),
                checkpoints=len(done.checkpoints_flagged), lines=done.lines,
            )
        )  # fmt: skip
        if done.plans_not_revised:
            titles = ui.read(event_queries.plan_choices)
            st.warning(
                ui.t(
                    "recovery.not_revised",
                    plans=ui.plain(
                        "；".join(
                            f"{titles.get(plan_id, plan_id)}（{ui.label(status)}）"
                            for plan_id, status in done.plans_not_revised
                        )
                    ),
                )
            )
    review = ui.read(recovery_queries.review, event_id)
    if review is None:
        st.caption(ui.t("recovery.no_review"))
        return
    st.caption(
        ui.t("recovery.review_by", reviewer=ui.plain(review.reviewer), at=when(review.reviewed_at))
    )
    cols = st.columns(2)
    cols[0].markdown(f"**{ui.field('review_worked')}**")
    cols[0].text(review.worked)
    cols[1].markdown(f"**{ui.field('review_failed')}**")
    cols[1].text(review.failed)
    if review.findings:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        ui.t("recovery.col.subject"): ui.label(f.subject),
                        ui.t("recovery.col.name"): f.name,
                        ui.t("recovery.col.verdict"): ui.label(f.verdict),
                        ui.t("recovery.col.note"): f.note or "",
                        ui.t("recovery.col.plan_status"): ui.label(f.plan_status)
                        if f.plan_status
                        else "",
                    }
                    for f in review.findings
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    st.page_link(
        "app_pages/replenishment.py", label=ui.t("recovery.to_list"),
        icon=":material/inventory:", query_params={"event": str(event_id)},
    )  # fmt: skip


def task_tools(event_id: int) -> None:
    if st.button(ui.t("ev.generate"), key=f"ev.generate.{event_id}", icon=":material/checklist:"):
        editing.run(
            lambda session: tasks.generate_tasks(session, actor, event_id, utcnow()),
            ui.t("ev.generated"),
        )
    with st.expander(ui.t("ev.add_task")), st.form(f"ev.add_task.{event_id}"):
        place = st.selectbox(ui.field("locality"), list(localities), format_func=localities.get)
        kind = st.selectbox(ui.field("task_kind"), list(TaskKind), format_func=ui.label)
        title = st.text_input(ui.field("title"), max_chars=256)
        cols = st.columns(2)
        person = cols[0].text_input(ui.field("assignee"), max_chars=64)
        phone = cols[1].text_input(ui.field("assignee_phone"), max_chars=20)
        if st.form_submit_button(ui.t("ev.add_task_run")):
            editing.run(
                lambda session: tasks.add_task(
                    session, actor, event_id, locality_id=place, kind=kind, title=title,
                    assignee=person, assignee_phone=phone, now=utcnow(),
                ),
                ui.t("ev.task_added"),
            )  # fmt: skip


def task_table(event_id: int) -> None:
    rows = ui.read(event_queries.event_tasks, actor, event_id, now, ack_minutes)
    counts = event_queries.status_counts(rows)
    columns = st.columns(len(TaskStatus) + 1)
    columns[0].metric(ui.t("ev.overdue"), sum(r.overdue for r in rows))
    for column, status in zip(columns[1:], TaskStatus, strict=True):
        column.metric(ui.label(status), counts[status])
    if not rows:
        st.info(ui.t("ev.no_tasks"))
        return
    table = pd.DataFrame(
        [
            {
                ui.t("ev.overdue"): "⚠️" if r.overdue else "",
                ui.field("task_status"): ui.label(r.status),
                ui.field("locality"): r.locality,
                ui.field("title"): r.title,
                ui.field("task_kind"): ui.label(r.kind),
                ui.field("assignee"): r.assignee or "—",
                ui.field("assignee_phone"): r.assignee_phone or "—",
                ui.field("evacuated"): r.evacuated,
                ui.t("ev.created_at"): when(r.created_at),
                ui.t("ev.acknowledged_at"): when(r.acknowledged_at),
                ui.field("note"): r.note or "",
            }
            for r in rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def situation_png(version: int, event_id: int, language: str) -> bytes:
    """The situation map as it stands: drawn again only after a write (a second or two)."""
    return ui.read(situation_map.render, event_id, utcnow(), language)


def situation(event_id: int) -> None:
    """指挥一张图: the situation map on demand (drawing it costs a second or two), and the way
    to the duty report with the same map."""
    columns = st.columns([1, 1])
    shown = columns[0].toggle(ui.t("ev.situation"), key=f"ev.situation.{event_id}")
    columns[1].page_link(
        "app_pages/duty_report.py", label=ui.t("ev.duty_report"), icon=":material/summarize:"
    )
    if shown:
        with st.spinner():
            image = situation_png(ui.data_version(), event_id, ui.language())
        st.image(image, width="stretch")


def show(detail: event_queries.EventDetail) -> None:
    row = detail.row
    tags = [ui.label(row.hazard), ui.label(row.level), ui.label(row.state)]
    if row.is_demo:
        tags.append(ui.t("ev.demo"))
    st.subheader(ui.plain(row.title))
    st.markdown(" · ".join(tags))
    st.caption(
        ui.t(
            "ev.facts",
            opened=when(row.opened_at),
            leader=ui.plain(row.duty_leader or "—"),
            officer=ui.plain(row.duty_officer or "—"),
            places=ui.plain("、".join(name for _, name in detail.localities) or "—"),
        )
    )
    if detail.plans:
        st.markdown(
            f"**{ui.field('event_plans')}**：" + ui.plain("；".join(t for _, t in detail.plans))
        )
    if detail.warnings:
        st.markdown(
            f"**{ui.field('event_warnings')}**："
            + ui.plain("；".join(w.headline for w in detail.warnings))
        )
    if detail.note:
        st.text(detail.note)
    disaster_figures.section(row.id)  # 灾情 from the reports the office accepted
    disaster_status.section(row.id)  # each town's last report and what it owes, overdue red
    if office and row.state is EventState.OPEN:
        level_and_close(detail)
        task_tools(row.id)
    if row.state is EventState.CLOSED:
        review_panel(row.id)
    situation(row.id)
    st.markdown(f"#### {ui.t('ev.task_list')}")
    task_table(row.id)
    st.markdown(f"#### {ui.t('ev.timeline')}")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    ui.t("ev.at"): when(line.at),
                    ui.t("ev.actor"): line.actor,
                    ui.t("ev.what"): line.text(ui.language()),
                }
                for line in detail.timeline
            ]
        ),
        hide_index=True,
        width="stretch",
    )


if office:
    open_form()
rows = ui.read(event_queries.event_list, now, ack_minutes)
if not rows:
    st.info(ui.t("ev.none"))
    st.stop()
event_list(rows)
titles = {r.id: f"{r.title}（{ui.label(r.state)}）" for r in rows}
chosen_id = st.selectbox(ui.t("ev.choose"), list(titles), format_func=titles.get, key="ev.chosen")
detail = ui.read(event_queries.event_detail, chosen_id, now, ack_minutes)
if detail is not None:
    show(detail)

"""我的任务: phone-sized. A town official's tasks of open events in their localities (the
office sees every task), overdue first, one card each: the next status as a button, the
number of people evacuated, a note and photos from the phone."""

from datetime import datetime

import streamlit as st

from page_helpers import editing, ui
from registry.kernel import attachments
from registry.kernel.attachments import Upload
from registry.kernel.clock import local, utcnow
from registry.kernel.enums import TaskStatus
from registry.response import event_queries, tasks

actor = ui.require_actor()
settings = ui.settings()
st.title(ui.t("nav.tasks"))
st.caption(ui.t("task.caption", minutes=settings.task_ack_minutes))
editing.flash()
now = utcnow()


def when(moment: datetime | None) -> str:
    return local(moment).strftime("%m-%d %H:%M") if moment else "—"


def card(row: event_queries.TaskRow) -> None:
    with st.container(border=True):
        flag = f"⚠️ {ui.t('task.overdue')} · " if row.overdue else ""
        st.markdown(
            f"{flag}**{ui.plain(row.title)}**  \n"
            + " · ".join([ui.label(row.kind), ui.label(row.status), ui.plain(row.locality)])
        )
        st.caption(
            ui.t(
                "task.facts",
                event=ui.plain(row.event_title),
                person=ui.plain(row.assignee or "—"),
                phone=ui.plain(row.assignee_phone or "—"),
                created=when(row.created_at),
                acknowledged=when(row.acknowledged_at),
            )
        )
        if row.evacuated:
            st.markdown(ui.t("task.evacuated_count", count=row.evacuated))
        if row.note:
            st.text(row.note)
        if row.photos:
            st.markdown(ui.file_links(list(row.photos)))
        if row.writable:
            update_form(row)


def update_form(row: event_queries.TaskRow) -> None:
    form_name = f"task.{row.id}"
    opened = editing.opened_version(form_name, row.id, row.version)
    key = f"{form_name}.{opened}"  # a saved step opens fresh, empty inputs
    with st.form(key, border=False):
        evacuated = 0
        if TaskStatus.EVACUATED in row.next_statuses:
            evacuated = st.number_input(
                ui.field("evacuated"), min_value=0, step=1, key=f"{key}.count"
            )
        note = st.text_input(ui.field("note"), key=f"{key}.note")
        photos = st.file_uploader(
            ui.t("task.photos", count=settings.photos_per_upload, mb=settings.photo_max_mb),
            type=attachments.PHOTO_UPLOAD_TYPES,
            accept_multiple_files=True,
            key=f"{key}.photos",
        )
        buttons = st.columns(len(row.next_statuses) + 1)
        pressed = None
        for column, status in zip(buttons, row.next_statuses, strict=False):
            if column.form_submit_button(
                ui.t("task.to", status=ui.label(status)),
                type="primary",
                key=f"{key}.to.{status.value}",
                width="stretch",
            ):
                pressed = status
        if buttons[-1].form_submit_button(
            ui.t("task.report"), key=f"{key}.report", width="stretch"
        ):
            pressed = row.status
    if pressed is not None:
        step = pressed

        def save(session) -> None:
            prepared = attachments.prepare_photos(
                [Upload(p.name, p.getvalue()) for p in photos or []], settings
            )
            tasks.update_task(
                session, actor, row.id, opened, step, note=note, evacuated=evacuated,
                photos=prepared, now=utcnow(),
            )  # fmt: skip

        editing.run(save, ui.t("task.saved"), form=form_name)


rows = ui.read(event_queries.my_tasks, actor, now, settings.task_ack_minutes)
if not rows:
    st.info(ui.t("task.none"))
    st.stop()
counts = event_queries.status_counts(rows)
overdue = sum(r.overdue for r in rows)
st.markdown(
    " · ".join(
        [f"{ui.t('task.overdue')} {overdue}"]
        + [f"{ui.label(status)} {counts[status]}" for status in TaskStatus if counts[status]]
    )
)
events = {r.event_id: r.event_title for r in rows}
if len(events) > 1:
    chosen = st.selectbox(
        ui.field("event"), [0, *events], format_func=lambda i: events.get(i, ui.t("task.all"))
    )
    rows = [r for r in rows if not chosen or r.event_id == chosen]
show_done = st.toggle(ui.t("task.show_lifted"), value=False)
for row in rows:
    if show_done or row.status is not TaskStatus.LIFTED:
        card(row)

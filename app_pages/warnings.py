"""预警: the warnings in force and past; the office imports a GB/T 35965.1 (CAP) message or
enters one by hand (a phone call or fax from the 气象台)."""

from datetime import datetime, timedelta

import streamlit as st

from page_helpers import editing, ui
from registry.kernel.clock import from_local, local, utcnow
from registry.kernel.enums import WarningLevel, WarningType
from registry.kernel.permissions import Action
from registry.records import queries
from registry.response import queries as response_queries
from registry.response import warnings

actor = ui.require_actor()
st.title(ui.t("nav.warnings"))
st.caption(ui.t("warn.caption"))
editing.flash()
MARK = {
    WarningLevel.RED: "🟥",
    WarningLevel.ORANGE: "🟧",
    WarningLevel.YELLOW: "🟨",
    WarningLevel.BLUE: "🟦",
}


def when(moment: datetime) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M")


def import_form() -> None:
    with st.expander(ui.t("warn.import"), icon=":material/upload_file:"):
        upload = st.file_uploader(ui.t("warn.file"), type=["xml", "cap"], key="warn.file")
        if st.button(ui.t("warn.import_run"), key="warn.import_run", disabled=upload is None):
            data = upload.getvalue() if upload else b""
            editing.run(
                lambda session: warnings.import_message(session, actor, data, utcnow()),
                ui.t("warn.imported"),
            )


def manual_form() -> None:
    localities = dict(ui.read(queries.locality_choices))
    now = local(utcnow())
    with st.expander(ui.t("warn.manual"), icon=":material/edit_note:"), st.form("warn.manual"):
        kind = st.selectbox(ui.field("warning_type"), list(WarningType), format_func=ui.label)
        level = st.selectbox(ui.field("warning_level"), list(WarningLevel), format_func=ui.label)
        headline = st.text_input(ui.field("headline"), max_chars=256)
        sender = st.text_input(ui.field("sender_name"), max_chars=128)
        start = st.columns(2)
        effective_day = start[0].date_input(ui.field("effective_at"), value=now.date())
        effective_time = start[1].time_input(ui.t("warn.time"), value=now.time(), key="warn.ef")
        end = st.columns(2)
        later = now + timedelta(hours=12)
        expires_day = end[0].date_input(ui.field("expires_at"), value=later.date())
        expires_time = end[1].time_input(ui.t("warn.time"), value=later.time(), key="warn.ex")
        chosen = st.multiselect(
            ui.field("warning_localities"), list(localities), format_func=localities.get
        )
        description = st.text_area(ui.field("description"))
        instruction = st.text_area(ui.field("instruction"))
        if st.form_submit_button(ui.t("warn.register"), type="primary"):
            effective = from_local(datetime.combine(effective_day, effective_time))
            expires = from_local(datetime.combine(expires_day, expires_time))
            editing.run(
                lambda session: warnings.register_warning(
                    session, actor, warning_type=kind, level=level, headline=headline,
                    effective_at=effective, expires_at=expires, locality_ids=chosen,
                    now=utcnow(), sender_name=sender, description=description,
                    instruction=instruction,
                ),
                ui.t("warn.registered"),
            )  # fmt: skip


if actor.can(Action.MANAGE_RESPONSE):
    import_form()
    manual_form()

rows = ui.read(response_queries.warning_list, utcnow())
if not rows:
    st.info(ui.t("warn.none"))
for row in rows:
    with st.container(border=True):
        status = ui.t("warn.in_force") if row.in_force else ui.label(row.state)
        if row.state.value == "in_force" and not row.in_force:
            status = ui.t("warn.expired")
        tags = [ui.label(row.warning_type), ui.label(row.level), status]
        if row.is_exercise:
            tags.append(ui.t("warn.exercise"))
        if row.is_demo:
            tags.append(ui.t("warn.demo"))
        st.markdown(f"{MARK[row.level]} **{ui.plain(row.headline)}**  \n" + " · ".join(tags))
        st.caption(
            ui.t(
                "warn.facts",
                sender=ui.plain(row.sender_name or "—"),
                start=when(row.effective_at),
                end=when(row.expires_at),
                places=ui.plain("、".join(row.localities)),
            )
        )
        if row.description:
            st.text(row.description)
        if row.instruction:
            st.text(ui.t("warn.instruction_label") + row.instruction)

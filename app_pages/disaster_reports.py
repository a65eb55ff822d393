"""灾情报送: phone-sized. A town official (the office for any town) chooses the event — an open
one, or a closed one while a town may still file in it (续报 until the disaster is declared
stable, a returned 初报 corrected, the 核报 until accepted: ``queries.report_events``) — and the
town, sees what the reporting clock says is due, files the next 初报 / 续报 / 核报 (the 快报
indicators in four groups, the texts, a written explanation of a sharp change, photos) or a
one-click 零报告, keeps the two named registers, and reads the town's past reports with
their state (待审核 / 已采用 / 已退回 and why)."""

from datetime import datetime

import streamlit as st

from page_helpers import editing, ui
from registry.disasters import queries, registers, reports
from registry.disasters.indicators import BY_KEY
from registry.kernel import attachments, deadlines
from registry.kernel.attachments import Upload
from registry.kernel.clock import local, today, utcnow
from registry.kernel.enums import CasualtyStatus, HouseDamage, ReportStage, ReportState, Sex

GROUPS = {  # the form's sections: 人口 / 房屋 / 农作物与经济损失 / 救灾工作
    "people": ("affected_people", "deaths", "missing", "relocated", "needing_aid"),
    "houses": ("collapsed_households", "collapsed_rooms", "severe_rooms", "moderate_rooms"),
    "losses": ("crop_affected_ha", "crop_failed_ha", "direct_loss"),
    "relief": ("relief_forces", "relief_materials", "relief_funds"),
}
STATE_ICONS = {ReportState.SUBMITTED: "🕓", ReportState.ACCEPTED: "✅", ReportState.RETURNED: "↩️"}

actor = ui.require_actor()
settings = ui.settings()
st.title(ui.t("nav.disaster_reports"))
st.caption(
    ui.t(
        "disaster.caption",
        hours=settings.disaster_initial_hours,
        time=settings.disaster_update_time,
        days=settings.disaster_final_working_days,
        photos=settings.disaster_report_photos,
    )
)
editing.flash()
now = utcnow()


def when(moment: datetime | None) -> str:
    return local(moment).strftime("%m-%d %H:%M") if moment else "—"


def indicator(key: str) -> str:
    return f"{ui.t(f'disaster.indicator.{key}')}（{ui.t(f'disaster.unit.{BY_KEY[key].unit}')}）"


def stage_name(stage: ReportStage, sequence: int = 1) -> str:
    if stage is ReportStage.UPDATE:
        return ui.t("disaster.update_no", n=sequence)
    return ui.label(stage)


def due_now(status: queries.TownStatus) -> None:
    if not status.due:
        st.success(ui.t("disaster.nothing_due"))
        return
    for item in status.due:
        icon = "🔴" if item.overdue else "🟠"
        text = ui.t(
            f"disaster.due.{item.stage.value}",
            time=when(item.due_at),
            figures_to=when(item.figures_to),
        )
        flags = [ui.t("disaster.overdue")] if item.overdue else []
        flags += [ui.t("disaster.returned_again")] if item.returned else []
        st.markdown(f"{icon} {text}" + (f" · **{'，'.join(flags)}**" if flags else ""))


def report_form(
    event_id: int, town: int, status: queries.TownStatus, last: queries.ReportRow | None
) -> None:
    stages = list(status.stages_open)
    owed = [d.stage for d in status.due if d.stage in stages]
    stage = st.radio(
        ui.field("report_stage"), stages, index=stages.index(owed[0]) if owed else 0,
        format_func=ui.label, horizontal=True, key=f"dr.stage.{event_id}.{town}",
    )  # fmt: skip
    key = f"dr.form.{event_id}.{town}.{status.last.id if status.last else 0}.{stage.value}"
    with st.form(key):
        st.caption(ui.t("disaster.form_help"))
        values = {}
        for group, keys in GROUPS.items():
            st.markdown(f"**{ui.t(f'disaster.group.{group}')}**")
            for name in keys:
                before = last.figures[name] if last else 0
                values[name] = st.text_input(
                    indicator(name), value=str(before) if before else "", key=f"{key}.{name}"
                )
        situation = st.text_area(
            ui.field("situation"), help=ui.t("disaster.situation_help"), key=f"{key}.situation"
        )
        relief = st.text_area(
            ui.field("relief"), help=ui.t("disaster.relief_help"), key=f"{key}.relief"
        )
        explanation = st.text_area(
            ui.field("explanation"),
            help=ui.t("disaster.explanation_help", factor=settings.disaster_change_factor),
            key=f"{key}.explanation",
        )
        photos = st.file_uploader(
            ui.t("disaster.photos", count=settings.disaster_report_photos),
            type=attachments.PHOTO_UPLOAD_TYPES,
            accept_multiple_files=True,
            key=f"{key}.photos",
        )
        submitted = st.form_submit_button(
            ui.t("disaster.file", stage=ui.label(stage)), type="primary", width="stretch",
            key=f"{key}.file",
        )  # fmt: skip
    if submitted:

        def save(session) -> None:
            prepared = attachments.prepare_photos(
                [Upload(p.name, p.getvalue()) for p in photos or []], settings
            )
            reports.file_report(
                session, actor, event_id, town, stage, values, situation, relief, explanation,
                prepared, utcnow(), settings,
            )  # fmt: skip

        editing.run(save, ui.t("disaster.filed", stage=ui.label(stage)))


def zero_button(event_id: int, town: int) -> None:
    if st.button(
        ui.t("disaster.zero"), key=f"dr.zero.{event_id}.{town}", width="stretch",
        help=ui.t("disaster.zero_help"), icon=":material/exposure_zero:",
    ):  # fmt: skip
        editing.run(
            lambda session: reports.file_zero_report(
                session, actor, event_id, town, utcnow(), settings
            ),
            ui.t("disaster.zero_filed"),
        )


def casualties(event_id: int, town: int, kept: queries.Registers) -> None:
    title = ui.t("disaster.register.casualties_title", dead=kept.dead, missing=kept.missing)
    with st.expander(title, icon=":material/person_search:"):
        if kept.masked:
            st.caption(ui.t("disaster.masked"))
        for row in kept.casualties:
            line = st.columns([5, 1], vertical_alignment="center")
            age = ui.t("disaster.age", age=row.age) if row.age is not None else "—"
            line[0].markdown(
                f"{ui.plain(row.name)} · {ui.label(row.sex)} · {age} · {ui.label(row.status)}  \n"
                + ui.plain(f"{row.occurred_on} {row.place}：{row.cause}")
            )
            if line[1].button(ui.t("disaster.remove"), key=f"dr.cas.rm.{row.id}"):
                editing.run(
                    lambda session, row=row: registers.remove_casualty(
                        session, actor, row.id, row.version
                    ),
                    ui.t("disaster.removed"),
                )
        form = f"dr.cas.{event_id}.{town}.{len(kept.casualties)}"
        with st.form(form):
            name = st.text_input(ui.field("name"), max_chars=64, key=f"{form}.name")
            sex = st.selectbox(ui.field("sex"), list(Sex), format_func=ui.label, key=f"{form}.sex")
            age = st.text_input(ui.field("age"), key=f"{form}.age")
            status = st.selectbox(
                ui.field("casualty_status"), list(CasualtyStatus), format_func=ui.label,
                key=f"{form}.status",
            )  # fmt: skip
            cause = st.text_input(ui.field("cause"), max_chars=255, key=f"{form}.cause")
            place = st.text_input(ui.field("place"), max_chars=255, key=f"{form}.place")
            day = st.date_input(
                ui.field("occurred_on"), value=today(), max_value=today(), key=f"{form}.day"
            )
            if st.form_submit_button(ui.t("disaster.add"), width="stretch", key=f"{form}.add"):
                editing.run(
                    lambda session: registers.add_casualty(
                        session, actor, event_id, town, name=name, sex=sex, age=age,
                        status=status, cause=cause, place=place, occurred_on=day, now=utcnow(),
                        today=today(),
                    ),
                    ui.t("disaster.added"),
                )  # fmt: skip


def houses(event_id: int, town: int, kept: queries.Registers) -> None:
    counts = "、".join(
        ui.t("disaster.house_count", damage=ui.label(d), households=kept.households[d],
             rooms=kept.rooms[d])
        for d in HouseDamage
    )  # fmt: skip
    with st.expander(ui.t("disaster.register.houses_title", counts=counts), icon=":material/home:"):
        for row in kept.houses:
            line = st.columns([5, 1], vertical_alignment="center")
            line[0].markdown(
                f"{ui.plain(row.household_head)} · {ui.label(row.damage)} · "
                + ui.t("disaster.rooms", rooms=row.rooms)
                + f"  \n{ui.plain(row.address)}"
            )
            if line[1].button(ui.t("disaster.remove"), key=f"dr.house.rm.{row.id}"):
                editing.run(
                    lambda session, row=row: registers.remove_house(
                        session, actor, row.id, row.version
                    ),
                    ui.t("disaster.removed"),
                )
        form = f"dr.house.{event_id}.{town}.{len(kept.houses)}"
        with st.form(form):
            head = st.text_input(ui.field("household_head"), max_chars=64, key=f"{form}.head")
            address = st.text_input(ui.field("address"), max_chars=255, key=f"{form}.address")
            damage = st.selectbox(
                ui.field("damage"), list(HouseDamage), format_func=ui.label, key=f"{form}.damage"
            )
            rooms = st.number_input(
                ui.field("rooms"), min_value=1, step=1, value=1, key=f"{form}.rooms"
            )
            if st.form_submit_button(ui.t("disaster.add"), width="stretch", key=f"{form}.add"):
                editing.run(
                    lambda session: registers.add_house(
                        session, actor, event_id, town, household_head=head, address=address,
                        damage=damage, rooms=rooms, now=utcnow(),
                    ),
                    ui.t("disaster.added"),
                )  # fmt: skip


def past(row: queries.ReportRow) -> None:
    with st.container(border=True):
        zero = f" · {ui.t('disaster.zero_tag')}" if row.is_zero else ""
        st.markdown(
            f"{STATE_ICONS[row.state]} **{stage_name(row.stage, row.sequence)}**{zero} · "
            + ui.label(row.state)
        )
        st.caption(
            ui.t("disaster.report_facts", filed=when(row.submitted_at), to=when(row.figures_to))
        )
        if row.state is ReportState.RETURNED and row.return_reason:
            st.markdown(f"**{ui.t('disaster.return_reason')}**：{ui.plain(row.return_reason)}")
        shown = [f"{indicator(k)} {v}" for k, v in row.figures.items() if v]
        st.markdown(ui.plain("；".join(shown)) if shown else ui.t("disaster.all_zero"))
        for name, text in (("situation", row.situation), ("relief", row.relief),
                           ("explanation", row.explanation)):  # fmt: skip
            if text:
                st.markdown(f"**{ui.field(name)}**")
                st.text(text)
        if row.photos:
            st.markdown(ui.file_links(list(row.photos)))


def event_name(event_id: int) -> str:
    event = events[event_id]
    return f"{event.title}（{ui.label(event.state)} {when(event.opened_at)}）"


choices = ui.read(queries.report_events, actor, now, settings)
if not choices:
    st.info(ui.t("disaster.no_events"))
    st.stop()
events = {c.id: c for c in choices}


event_id = st.selectbox(ui.field("event"), list(events), key="dr.event", format_func=event_name)
towns = dict(events[event_id].localities)
town = st.selectbox(ui.field("locality"), list(towns), format_func=towns.get, key="dr.town")
status = ui.read(queries.town_status, event_id, town, now, settings)
filed = ui.read(queries.town_reports, event_id, town)
if status is None:
    st.stop()
st.markdown(f"#### {ui.t('disaster.due_title')}")
due_now(status)
if status.stages_open:
    if ReportStage.UPDATE in status.stages_open and filed:
        zero_button(event_id, town)
    last = next((r for r in filed if deadlines.is_live(r.state)), None)
    report_form(event_id, town, status, last)
else:
    st.info(ui.t("disaster.no_stage"))
kept = ui.read(queries.registers, actor, event_id, town)
casualties(event_id, town, kept)
houses(event_id, town, kept)
st.markdown(f"#### {ui.t('disaster.past')}")
if not filed:
    st.info(ui.t("disaster.none_filed"))
for row in filed:
    past(row)

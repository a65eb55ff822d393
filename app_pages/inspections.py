"""现场检查: record an inspection in the field, from a phone.

One column, large controls, nothing that needs a mouse: pick the target, say what was found
(one problem per line), add photos straight from the phone's camera, save. Each problem
becomes a rectification with the default deadline for its risk level.
"""

import pandas as pd
import streamlit as st

from page_helpers import editing, ui, widgets
from registry.fieldwork import inspections
from registry.fieldwork import queries as field_queries
from registry.kernel import attachments, deadlines
from registry.kernel.attachments import Upload
from registry.kernel.clock import today
from registry.kernel.enums import InspectionResult, InspectionTarget, RiskLevel
from registry.kernel.permissions import Action
from registry.records import queries

PRESET_KEY = "inspect.target"  # set by the campaign page's 去检查 button

actor = ui.require_actor()
settings = ui.settings()
day = today()
st.title(ui.t("nav.inspections"))
editing.flash()

preset = st.session_state.pop(PRESET_KEY, None)
localities = ui.read(queries.locality_choices)
ui.demo_banner(ui.read(queries.has_demo_records))
mine = [i for i in localities if actor.covers(i)]
if preset:
    st.session_state["insp.kind"] = InspectionTarget(preset["kind"])
kind = (
    st.segmented_control(
        ui.t("insp.kind"),
        list(InspectionTarget),
        format_func=ui.label,
        default=InspectionTarget.CHECKPOINT,
        key="insp.kind",
    )
    or InspectionTarget.CHECKPOINT
)
locality_id = st.selectbox(
    ui.t("col.locality"),
    [None, *mine] if actor.district_wide else mine,
    format_func=lambda i: ui.t("insp.all_localities") if i is None else localities[i],
    key="insp.locality",
)
targets = ui.read(field_queries.inspection_targets, actor, kind, locality_id)
if not targets:
    st.info(ui.t("insp.no_targets"))
    st.stop()

search = st.text_input(ui.t("insp.search"), key="insp.search").strip()
shown = [t for t in targets if search in t["name"]] or targets
by_id = {t["id"]: t for t in shown}
if preset and preset["id"] in {t["id"] for t in targets}:
    by_id.setdefault(preset["id"], next(t for t in targets if t["id"] == preset["id"]))
    st.session_state["insp.target"] = preset["id"]


def describe(target_id: int) -> str:
    target = by_id[target_id]
    last = target["last_inspected_on"]
    seen = last.isoformat() if last else ui.t("insp.never")
    return f"{target['name']} · {target['locality']} · {ui.t('insp.last')} {seen}"


target = by_id[
    st.selectbox(ui.t("insp.target"), list(by_id), format_func=describe, key="insp.target")
]
facts = [target["locality"]]
if target["risk_level"]:
    facts += [ui.label(target["checkpoint_type"]), ui.label(target["risk_level"])]
if target["responsible"]:
    facts.append(f"{ui.t('details.responsible')}: {target['responsible']}")
st.caption(" · ".join(facts))

result = st.radio(
    ui.t("insp.result"),
    list(InspectionResult),
    format_func=ui.label,
    horizontal=True,
    key="insp.result",
)
data = {
    "target_kind": kind.value,
    "target_id": target["id"],
    "result": result.value,
    "campaign_id": preset.get("campaign_id") if preset else None,
}
if result is InspectionResult.FINDINGS:
    data["findings"] = st.text_area(
        ui.t("insp.findings"), placeholder=ui.t("insp.findings_hint"), key="insp.findings"
    )
    office = actor.can(Action.SIGN_OFF_RECTIFICATION)
    own = target["risk_level"]
    risks = list(RiskLevel)  # gravest first; only the office rates below the checkpoint's own
    if own and not office:
        risks = risks[: risks.index(own) + 1]
    risk = st.selectbox(
        ui.t("col.risk"),
        risks,
        index=risks.index(own or RiskLevel.GENERAL),
        format_func=ui.label,
        key=f"insp.risk.{target['id']}",
    )
    default_due = deadlines.rectification_deadline(day, risk, settings)
    data |= {
        "risk_level": risk.value,
        "deadline": st.date_input(
            ui.t("insp.deadline"),
            value=default_due,
            min_value=day,
            max_value=None if office else default_due,
            key=f"insp.deadline.{risk.value}",
        ),
        "responsible_person": st.text_input(
            ui.t("details.responsible"),
            value=target["responsible"] or "",
            key=f"insp.responsible.{target['id']}",
        ),
    }
    hint = "insp.deadline_hint" if office else "insp.deadline_hint_town"
    st.caption(ui.t(hint, days=deadlines.rectification_days(risk, settings)))

upload_round = st.session_state.setdefault("insp.round", 0)
photos = st.file_uploader(
    ui.t("insp.photos", count=settings.photos_per_upload, mb=settings.photo_max_mb),
    type=attachments.PHOTO_UPLOAD_TYPES,
    accept_multiple_files=True,
    key=f"insp.photos.{upload_round}",
)
with st.expander(ui.t("insp.more")):
    data["inspected_on"] = st.date_input(
        ui.t("insp.date"), value=day, max_value=day, key="insp.date"
    )
    data["inspector"] = st.text_input(
        ui.t("insp.inspector"), value=actor.display_name or actor.username, key="insp.inspector"
    )
    here = st.toggle(ui.t("insp.typed_location"), key="insp.typed")
    if here:
        data["lon"], data["lat"] = widgets.location_inputs(
            "insp.point", target["lon"] or 119.18, target["lat"] or 34.60
        )
    else:
        data["lon"], data["lat"] = target["lon"], target["lat"]


def record(session) -> None:
    prepared = attachments.prepare_photos(
        [Upload(photo.name, photo.getvalue()) for photo in photos or []], settings
    )
    inspections.record_inspection(session, actor, data, prepared, settings=settings, today=day)
    st.session_state["insp.round"] = upload_round + 1  # empties the photo picker


lines = inspections.finding_lines(data.get("findings"))
done = ui.t("insp.done_findings", count=len(lines)) if lines else ui.t("insp.done")
if st.button(ui.t("insp.save"), type="primary", key="insp.save", width="stretch"):
    editing.run(record, done)

st.subheader(ui.t("insp.recent"))
recent = ui.read(
    field_queries.recent_inspections,
    None if actor.district_wide else actor.locality_ids,
    limit=30,
)
st.dataframe(
    pd.DataFrame(
        {
            ui.t("insp.date"): [r["inspected_on"] for r in recent],
            ui.t("insp.target"): [r["target"] for r in recent],
            ui.t("col.locality"): [r["locality"] for r in recent],
            ui.t("insp.result"): [ui.label(InspectionResult(r["result"])) for r in recent],
            ui.t("insp.findings"): [r["findings"] or "" for r in recent],
            ui.t("insp.photo_count"): [len(r["photos"]) for r in recent],
        }
    ),
    hide_index=True,
    width="stretch",
)
with_photos = [r for r in recent if r["photos"]]
if with_photos:
    chosen = st.selectbox(
        ui.t("insp.view_photos"),
        with_photos,
        format_func=lambda r: f"{r['inspected_on']} · {r['target']}",
        key="insp.view",
    )
    images = ui.read(attachments.contents, [p["id"] for p in chosen["photos"]])
    st.image([image.data for image in images], caption=[i.filename for i in images], width=220)
    st.caption(ui.file_links([(p["id"], p["filename"]) for p in chosen["photos"]]))

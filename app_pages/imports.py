"""Excel 导入: download a template, upload a filled file — or the office's own workbook,
whose columns are mapped once on this page and remembered — read the row-by-row report, then
commit all rows or none. The checks and the writes are the core's (registry.importing)."""

import hashlib

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.importing import (
    KINDS,
    MAX_FILE_BYTES,
    ImportRefused,
    own_format,
    preview,
    saved,
    template_bytes,
    template_name,
)
from registry.importing import (
    commit as commit_import,
)
from registry.importing.mapping import fields
from registry.importing.report import column_label
from registry.kernel.clock import today
from registry.kernel.db import transaction

actor = ui.require_actor()
st.title(ui.t("imports.title"))
editing.flash()
language = ui.language()
kind = st.selectbox(
    ui.t("imports.kind"),
    list(KINDS),
    key="imports.kind",
    format_func=lambda k: ui.t(f"import.kind.{k}"),
)
st.download_button(
    ui.t("imports.template"),
    template_bytes(kind, language),
    template_name(kind, language),
    key="imports.template",
)
upload = st.file_uploader(
    ui.t("imports.upload", mb=MAX_FILE_BYTES // 2**20), type=["xlsx"], key=f"imports.file.{kind}"
)
if upload is None:
    st.caption(ui.t("imports.help"))
    st.stop()

data = upload.getvalue()
digest = hashlib.sha256(data).hexdigest()
CONFIRMED = f"imports.columns.{kind}.{digest}"  # the mapping confirmed for this very file


def _skipped(table) -> str:  # row numbers and reasons only: nothing of the user's
    return "、".join(ui.t(f"imports.mapping.skip.{s.reason}", row=s.row) for s in table.skipped)


def _sample(table, columns) -> None:
    rows = ui.read(own_format.sample, actor, kind, table, columns, today=today(),
                   language=language)  # fmt: skip
    labelled = [
        {column_label(k, language): v for k, v in row.items() if k != "row"} for row in rows
    ]
    st.caption(ui.t("imports.mapping.preview"))
    st.dataframe(pd.DataFrame(labelled).astype(str), hide_index=True, width="stretch")


def _mapping_form(recognised) -> None:
    """Each of the sheet's columns with the field it maps to, changeable; confirming saves
    the mapping for this sheet shape (the core's use-case) and checks the data with it."""
    table, proposal = recognised.layout, recognised.proposal
    current = recognised.columns
    st.info(ui.t("imports.mapping.intro", header_row=table.header_row))
    if table.skipped:
        st.caption(ui.t("imports.mapping.skipped", rows=_skipped(table)))
    _sample(table, current)
    options = [None, *(column.key for column in fields(kind))]
    with st.form(f"imports.mapping.{digest}"):
        chosen = {}
        for position, header in enumerate(h for h in table.headers if h):
            how = ui.t(f"import.mapping.how.{proposal.how.get(header, 'unknown')}")
            shown = ui.plain(header)
            chosen[header] = st.selectbox(
                f"{shown}（{how}）" if language == "zh" else f"{shown} ({how})",
                options,
                index=options.index(current.get(header)),
                format_func=lambda f: ui.t("imports.mapping.none") if f is None
                else column_label(f, language),
                key=f"imports.map.{digest}.{position}",
            )  # fmt: skip
        name = st.text_input(ui.t("imports.mapping.name"), value=upload.name.rsplit(".", 1)[0][:64])
        confirmed = st.form_submit_button(ui.t("imports.mapping.confirm"), type="primary")
    if confirmed:

        def save(session) -> None:  # the mapping is this file's once it is saved
            saved.save_mapping(session, actor, kind, table.headers, chosen, name)
            st.session_state[CONFIRMED] = chosen

        done = ui.t("imports.mapping.saved", name=ui.plain(name), header_row=table.header_row)
        editing.run(save, done)
    st.stop()


def own_columns() -> dict | None:
    """None for our template; the confirmed (or saved) mapping of an office's own sheet;
    the mapping step (which stops the page) until there is one."""
    known = (kind, digest, ui.data_version())  # the workbook is read once, not every rerun
    if st.session_state.get("imports.recognised_key") != known:
        st.session_state["imports.recognised"] = ui.read(own_format.recognise, actor, kind, data)
        st.session_state["imports.recognised_key"] = known
    recognised = st.session_state["imports.recognised"]
    if recognised.layout is None:
        return None
    if CONFIRMED in st.session_state:
        return st.session_state[CONFIRMED]
    if recognised.saved is not None and not st.session_state.get(f"{CONFIRMED}.edit"):
        st.info(ui.t("imports.mapping.saved", name=ui.plain(recognised.saved.name),
                     header_row=recognised.layout.header_row))  # fmt: skip
        unused = [h for h, f in recognised.saved.columns.items() if f is None]
        if unused:
            st.caption(ui.t("imports.mapping.unmapped", columns=ui.plain("、".join(unused))))
        if st.button(ui.t("imports.mapping.change"), key="imports.mapping.change"):
            st.session_state[f"{CONFIRMED}.edit"] = True
            st.rerun()
        return recognised.saved.columns
    _mapping_form(recognised)
    return None


columns = own_columns()
bar = st.progress(0.0, text=ui.t("imports.checking"))


def progress(done: int, total: int) -> None:
    bar.progress(
        min(done / max(total, 1), 1.0), text=ui.t("imports.progress", done=done, total=total)
    )


checks = {"today": today(), "language": language, "progress": progress, "columns": columns}
cache_key = (kind, digest, ui.data_version(), language, str(columns))
if st.session_state.get("imports.preview_key") != cache_key:
    report = ui.read(preview, actor, kind, data, **checks)
    st.session_state["imports.preview_key"] = cache_key
    st.session_state["imports.preview"] = report
report = st.session_state["imports.preview"]
bar.empty()


def show(report) -> None:
    (st.success if report.ok else st.error)(report.summary(language))
    for note in report.notes_text(language):
        st.caption(note)
    if report.problems:
        st.dataframe(pd.DataFrame(report.as_rows(language)), hide_index=True, width="stretch")


def confirm_names(suggestions: dict[str, tuple[int, str]]) -> None:
    """Item names not in the catalogue with the item each most likely means: what the user
    ticks is remembered (the core's use-case) and the file is checked again."""
    st.warning(ui.t("imports.alias.title"))
    ticked = {
        written: item_id
        for number, (written, (item_id, meant)) in enumerate(sorted(suggestions.items()))
        if st.checkbox(
            f"{ui.plain(written)} → {ui.plain(meant)}",
            value=True,
            key=f"imports.alias.{digest}.{number}",
        )
    }

    def confirm(session) -> None:
        for written, item_id in ticked.items():
            saved.confirm_alias(session, actor, written, item_id)

    if st.button(ui.t("imports.alias.confirm"), key="imports.alias.confirm", disabled=not ticked):
        editing.run(confirm, ui.t("imports.alias.done", count=len(ticked)))


show(report)
if report.suggestions:
    confirm_names(report.suggestions)
if report.ok and st.button(ui.t("imports.commit"), type="primary", key="imports.commit"):
    bar = st.progress(0.0, text=ui.t("imports.writing"))
    try:
        with transaction(ui.session_factory()) as session:
            done = commit_import(session, actor, kind, data, **checks, filename=upload.name)
    except ImportRefused as refused:
        bar.empty()
        st.error(ui.t("imports.refused"))
        show(refused.report)
    else:
        st.session_state[editing.FLASH_KEY] = done.summary(language)
        st.session_state.pop("imports.preview_key", None)
        st.rerun()

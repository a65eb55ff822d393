"""Excel 导入: download a template, upload a filled file, read the row-by-row report, then
commit all rows or none. The checks and the writes are the core's (registry.importing)."""

import hashlib

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.importing import (
    KINDS,
    MAX_FILE_BYTES,
    ImportRefused,
    preview,
    template_bytes,
    template_name,
)
from registry.importing import (
    commit as commit_import,
)
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
bar = st.progress(0.0, text=ui.t("imports.checking"))


def progress(done: int, total: int) -> None:
    bar.progress(
        min(done / max(total, 1), 1.0), text=ui.t("imports.progress", done=done, total=total)
    )


cache_key = (kind, hashlib.sha256(data).hexdigest(), ui.data_version(), language)
if st.session_state.get("imports.preview_key") != cache_key:
    report = ui.read(
        preview, actor, kind, data, today=today(), language=language, progress=progress
    )
    st.session_state["imports.preview_key"] = cache_key
    st.session_state["imports.preview"] = report
report = st.session_state["imports.preview"]
bar.empty()


def show(report) -> None:
    (st.success if report.ok else st.error)(report.summary(language))
    if report.problems:
        st.dataframe(pd.DataFrame(report.as_rows(language)), hide_index=True, width="stretch")


show(report)
if report.ok and st.button(ui.t("imports.commit"), type="primary", key="imports.commit"):
    bar = st.progress(0.0, text=ui.t("imports.writing"))
    try:
        with transaction(ui.session_factory()) as session:
            done = commit_import(
                session,
                actor,
                kind,
                data,
                today=today(),
                language=language,
                progress=progress,
                filename=upload.name,
            )
    except ImportRefused as refused:
        bar.empty()
        st.error(ui.t("imports.refused"))
        show(refused.report)
    else:
        st.session_state[editing.FLASH_KEY] = done.summary(language)
        st.session_state.pop("imports.preview_key", None)
        st.rerun()

"""Running one use-case from a page: one transaction, refusals shown clearly, never half
written; a stale save shows what changed meanwhile."""

from __future__ import annotations

from typing import TypeVar

import pandas as pd
import streamlit as st

from page_helpers import ui
from registry.kernel.db import transaction
from registry.kernel.errors import RegistryError, StaleRecord

FLASH_KEY = "edit.flash"
OPENED_KEY = "edit.opened"  # form name → (record id, version the form was opened at)
V = TypeVar("V")  # a version number, or a snapshot such as a grid's book quantities


def opened_version(form: str, record_id: object, version: V) -> V:
    """The version ``form`` was opened at for ``record_id``.

    Remembered the first time the form shows that record and kept across reruns until it is
    saved or reloaded, so a save made by someone else meanwhile reaches the core as stale
    instead of silently passing the version check. Key the form's widgets with the returned
    version: after a reload they are new widgets showing the current values."""
    opened = st.session_state.setdefault(OPENED_KEY, {})
    if form not in opened or opened[form][0] != record_id:
        opened[form] = (record_id, version)
    return opened[form][1]


def forget(form: str) -> None:
    """Open ``form`` afresh on the next run, at the record's current version."""
    st.session_state.get(OPENED_KEY, {}).pop(form, None)


def run(action, success: str, form: str | None = None) -> bool:
    """Run ``action(session)``; on success remember the message, forget the version ``form``
    was opened at and rerun. A stale save is refused with what changed meanwhile and a
    button that reloads the form at the current version."""
    try:
        with transaction(ui.session_factory()) as session:
            action(session)
    except StaleRecord as error:
        st.error(ui.t("error.stale", detail=ui.refusal(error)))
        if error.changes:
            st.table(
                pd.DataFrame(
                    [
                        {
                            ui.t("stale.field"): ui.field(key),
                            ui.t("stale.then"): str(then),
                            ui.t("stale.now"): str(now),
                        }
                        for key, (then, now) in error.changes.items()
                    ]
                )
            )
        if form is not None:
            st.button(ui.t("stale.reload"), key=f"{form}.reload", on_click=forget, args=(form,))
        return False
    except RegistryError as error:
        st.error(ui.t("error.refused", detail=ui.refusal(error)))
        return False
    st.session_state[FLASH_KEY] = success
    if form is not None:
        forget(form)
    st.rerun()
    return True


def flash() -> None:
    """Show the message of the last successful action, once."""
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(message)


def pick_record(label: str, records: list[dict], key: str, describe) -> dict:
    """A selector over records the actor may see, the writable ones first and the others
    marked read-only; returns the chosen record."""
    by_id = {r["id"]: r for r in records}
    ordered = sorted(by_id, key=lambda i: (not by_id[i]["writable"], i))

    def caption(record_id: int) -> str:
        record = by_id[record_id]
        suffix = "" if record["writable"] else f" · {ui.t('inv.read_only')}"
        return describe(record) + suffix

    return by_id[st.selectbox(label, ordered, key=key, format_func=caption)]

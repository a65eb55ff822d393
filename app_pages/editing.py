"""Running one use-case from a page: one transaction, refusals shown clearly, never half
written; a stale save shows what changed meanwhile."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import ui
from registry.db import transaction
from registry.errors import RegistryError, StaleRecord

FLASH_KEY = "edit.flash"


def run(action, success: str) -> bool:
    """Run ``action(session)``; on success remember the message and rerun."""
    try:
        with transaction(ui.session_factory()) as session:
            action(session)
    except StaleRecord as error:
        st.error(ui.t("error.stale", detail=str(error)))
        if error.changes:
            st.table(
                pd.DataFrame(
                    [
                        {
                            ui.t("stale.field"): key,
                            ui.t("stale.then"): str(then),
                            ui.t("stale.now"): str(now),
                        }
                        for key, (then, now) in error.changes.items()
                    ]
                )
            )
        return False
    except RegistryError as error:
        st.error(ui.t("error.refused", detail=str(error)))
        return False
    st.session_state[FLASH_KEY] = success
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

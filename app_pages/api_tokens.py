"""接口令牌 (admins only): tokens for other systems calling the JSON API and OGC API.

Issuing shows the token once, on the run right after (it is kept nowhere else: the database
holds only its hash); the list never shows a token; revoking ends it at once. Every change
goes through ``registry.accounts.tokens``, which checks the permission again and audits.
"""

from datetime import datetime

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.accounts import tokens
from registry.kernel.clock import local, utcnow
from registry.kernel.enums import TokenScope
from registry.kernel.permissions import Action
from registry.records import queries

ISSUED_KEY = "tokens.issued"  # (name, token) of the token just issued, shown once
CREATE_FIELDS = ("name", "scope", "district", "localities", "days")


def _issue(session, actor, **values) -> None:
    token, plain = tokens.create_token(session, actor, now=utcnow(), **values)
    st.session_state[ISSUED_KEY] = (token.name, plain)


def _state(row: tokens.TokenRow, now: datetime) -> str:
    if row.revoked_at is not None:
        return ui.t("tokens.state.revoked")
    return ui.t("tokens.state.active" if row.in_force(now) else "tokens.state.expired")


def _table(rows: list[tokens.TokenRow], now: datetime) -> None:
    st.subheader(ui.t("tokens.list"))
    if not rows:
        st.info(ui.t("tokens.none"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                ui.t("tokens.col.name"): [r.name for r in rows],
                ui.t("tokens.col.scope"): [ui.label(r.scope) for r in rows],
                ui.t("tokens.col.coverage"): [
                    ui.t("tokens.whole_district") if r.district else "、".join(r.locality_names)
                    for r in rows
                ],
                ui.t("tokens.col.state"): [_state(r, now) for r in rows],
                ui.t("tokens.col.expires"): [local(r.expires_at) for r in rows],
                ui.t("tokens.col.last_used"): [local(r.last_used_at) for r in rows],
                ui.t("tokens.col.created"): [local(r.created_at) for r in rows],
                ui.t("tokens.col.created_by"): [r.created_by or "" for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
        key="tokens.table",
    )


def _create_form(places: dict[int, str]) -> None:
    with st.form("tokens.create"):
        st.subheader(ui.t("tokens.create"))
        values = {
            "name": st.text_input(ui.t("tokens.name"), key="tokens.create.name"),
            "scope": st.selectbox(
                ui.t("tokens.scope"),
                list(TokenScope),
                format_func=ui.label,
                key="tokens.create.scope",
            ),
            "district": st.checkbox(ui.t("tokens.district"), key="tokens.create.district"),
            "locality_ids": st.multiselect(
                ui.t("tokens.localities"),
                list(places),
                format_func=places.get,
                key="tokens.create.localities",
            ),
            "days": st.number_input(
                ui.t("tokens.days"),
                min_value=1,
                max_value=tokens.MAX_DAYS,
                value=365,
                step=1,
                key="tokens.create.days",
            ),
        }
        submitted = st.form_submit_button(ui.t("tokens.create.submit"), type="primary")
    if submitted:
        editing.run(
            lambda session: _issue(session, actor, **values),
            ui.t("tokens.created", name=str(values["name"]).strip()),
        )


def _revoke_form(rows: list[tokens.TokenRow], now: datetime) -> None:
    live = [r.name for r in rows if r.in_force(now)]
    if not live:
        return
    with st.form("tokens.revoke"):
        st.subheader(ui.t("tokens.revoke"))
        name = st.selectbox(ui.t("tokens.revoke.choose"), live, key="tokens.revoke.name")
        submitted = st.form_submit_button(ui.t("tokens.revoke.submit"))
    if submitted:
        editing.run(
            lambda session: tokens.revoke_token(session, actor, name=name, now=utcnow()),
            ui.t("tokens.revoked", name=name),
        )


actor = ui.require_actor()
st.title(ui.t("nav.api_tokens"))
if not actor.can(Action.MANAGE_USERS):
    st.error(ui.t("admin.denied"))
    st.stop()
st.markdown(ui.t("tokens.intro"))
editing.flash()
issued = st.session_state.pop(ISSUED_KEY, None)
if issued is not None:  # shown on this run only: the next click hides it for good
    for field in CREATE_FIELDS:
        st.session_state.pop(f"tokens.create.{field}", None)
    st.warning(ui.t("tokens.show_once"))
    st.code(issued[1], language=None)

now = utcnow()
rows = ui.read(tokens.token_list, actor)
places = ui.read(queries.locality_choices)
_table(rows, now)
_create_form(places)
_revoke_form(rows, now)

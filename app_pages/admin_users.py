"""用户管理 (admins only): accounts, roles, localities, password resets, disabling, unlocking.

Every change goes through a ``registry.accounts`` use-case, which checks the permission
again, validates and audits; this page only collects input and shows the outcome.
"""

from datetime import datetime

import pandas as pd
import streamlit as st

from page_helpers import editing, ui
from registry.accounts import users as accounts
from registry.kernel.clock import local, utcnow
from registry.kernel.enums import Role
from registry.kernel.permissions import Action
from registry.records import queries

EDIT_FORM = "admin.edit"  # the account form saved against the version it was opened at
CREATED_KEY = "admin.created"  # set by a successful create, empties the form on the next run
CREATE_FIELDS = ("username", "name", "role", "localities", "phone", "password")


def _run(success: str, use_case, *args, **kwargs) -> None:
    """Run an account use-case through the shared edit-and-report helper. Any change to an
    account (a reset, a disabling) may move its version on, so the account form reopens at
    the current one."""
    editing.run(lambda session: use_case(session, actor, *args, **kwargs), success, EDIT_FORM)


def _create_user(session, actor, **values) -> None:
    """Create the account; the administrator knows the initial password, so the user
    replaces it at first sign-in. The form empties on the next run."""
    accounts.create_user(session, actor, **values, must_change_password=True)
    st.session_state[CREATED_KEY] = True


def _locked(row: dict) -> datetime | None:
    """When the account's lockout ends, shown only while it holds."""
    return row["locked_until"] if accounts.is_locked(row["locked_until"], utcnow()) else None


def _users_table(users: list[dict]) -> None:
    st.dataframe(
        pd.DataFrame(
            {
                ui.t("admin.col.username"): [u["username"] for u in users],
                ui.t("admin.col.name"): [u["display_name"] for u in users],
                ui.t("admin.col.role"): [ui.label(u["role"]) for u in users],
                ui.t("admin.col.localities"): ["、".join(u["localities"]) for u in users],
                ui.t("admin.col.active"): [u["is_active"] for u in users],
                ui.t("admin.col.locked_until"): [local(_locked(u)) for u in users],
                ui.t("admin.col.last_login"): [local(u["last_login_at"]) for u in users],
                ui.t("admin.col.demo"): [u["is_demo"] for u in users],
            }
        ),
        hide_index=True,
        width="stretch",
        key="admin.users",
    )


def _create_form(places: dict[int, str]) -> None:
    with st.form("admin.create"):
        st.subheader(ui.t("admin.create"))
        values = {
            "username": st.text_input(ui.t("admin.username"), key="admin.create.username"),
            "display_name": st.text_input(ui.t("admin.display_name"), key="admin.create.name"),
            "role": st.selectbox(
                ui.t("admin.role"), list(Role), format_func=ui.label, key="admin.create.role"
            ),
            "locality_ids": st.multiselect(
                ui.t("admin.localities"),
                list(places),
                format_func=places.get,
                key="admin.create.localities",
            ),
            "phone": st.text_input(ui.t("admin.phone"), key="admin.create.phone"),
            "password": st.text_input(
                ui.t("admin.initial_password"), type="password", key="admin.create.password"
            ),
        }
        submitted = st.form_submit_button(ui.t("admin.create.submit"), type="primary")
    if submitted:
        _run(ui.t("admin.created", username=values["username"].strip()), _create_user, **values)


def _edit_form(user: dict, version: int, places: dict[int, str]) -> None:
    """Name, role, localities and phone, saved against the version the form was opened at."""
    suffix = f"{user['id']}.{version}"  # new version, new widgets with the current values
    roles = list(Role)
    with st.form("admin.edit"):
        st.markdown(f"**{ui.t('admin.edit')}**")
        name = st.text_input(
            ui.t("admin.display_name"), user["display_name"], key=f"admin.edit.name.{suffix}"
        )
        role = st.selectbox(
            ui.t("admin.role"),
            roles,
            index=roles.index(user["role"]),
            format_func=ui.label,
            key=f"admin.edit.role.{suffix}",
        )
        locality_ids = st.multiselect(
            ui.t("admin.localities"),
            list(places),
            default=user["locality_ids"],
            format_func=places.get,
            key=f"admin.edit.localities.{suffix}",
        )
        phone = st.text_input(
            ui.t("admin.phone"), user["phone"] or "", key=f"admin.edit.phone.{suffix}"
        )
        submitted = st.form_submit_button(ui.t("admin.save"), type="primary")
    if submitted:
        _run(
            ui.t("admin.saved", username=user["username"]),
            accounts.update_user,
            user["id"],
            version,
            display_name=name,
            role=role,
            locality_ids=locality_ids,
            phone=phone,
        )


def _password_form(user: dict) -> None:
    with st.form("admin.password", clear_on_submit=True):
        st.markdown(f"**{ui.t('admin.reset_password')}**")
        password = st.text_input(
            ui.t("admin.new_password"), type="password", key="admin.password.new"
        )
        submitted = st.form_submit_button(ui.t("admin.reset_password"))
    if submitted:
        _run(
            ui.t("admin.password_reset_done", username=user["username"]),
            accounts.reset_password,
            user["id"],
            password,
        )


def _status_buttons(user: dict) -> None:
    """Disable or enable the account, and lift a lockout."""
    columns = st.columns(2)
    active = user["is_active"]
    label = "admin.disable" if active else "admin.enable"
    done = "admin.disabled_done" if active else "admin.enabled_done"
    if columns[0].button(ui.t(label), key="admin.toggle_active"):
        _run(ui.t(done, username=user["username"]), accounts.set_active, user["id"], not active)
    if columns[1].button(ui.t("admin.unlock"), key="admin.unlock", disabled=_locked(user) is None):
        _run(ui.t("admin.unlocked_done", username=user["username"]), accounts.unlock, user["id"])


actor = ui.require_actor()
st.title(ui.t("nav.admin_users"))
if not actor.can(Action.MANAGE_USERS):
    st.error(ui.t("admin.denied"))
    st.stop()
editing.flash()
if st.session_state.pop(CREATED_KEY, False):
    for field in CREATE_FIELDS:
        st.session_state.pop(f"admin.create.{field}", None)

users = ui.read(accounts.list_users)
places = ui.read(queries.locality_choices)

_users_table(users)
_create_form(places)

st.subheader(ui.t("admin.manage"))
by_id = {u["id"]: u for u in users}
chosen = st.selectbox(
    ui.t("admin.choose_user"),
    list(by_id),
    format_func=lambda i: f"{by_id[i]['username']} · {by_id[i]['display_name']}",
    key="admin.user",
)
selected = by_id[chosen]
version = editing.opened_version(EDIT_FORM, chosen, selected["version"])
st.caption(
    ui.t(
        "admin.status",
        active=ui.t("admin.active" if selected["is_active"] else "admin.inactive"),
        failures=selected["failed_logins"],
    )
)
_edit_form(selected, version, places)
_password_form(selected)
_status_buttons(selected)

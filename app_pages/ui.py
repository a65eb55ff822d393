"""What every page shares: settings, the database, the signed-in actor, translation, caching.

The only module (with the pages) that knows about Streamlit sessions; the core gets plain
values from here.
"""

from __future__ import annotations

import time

import streamlit as st

from registry import audit, i18n, queries, runtime
from registry.clock import today
from registry.permissions import Actor
from registry.settings import Settings, load_settings

ACTOR_KEY = "auth.actor"
ACTIVITY_KEY = "auth.last_activity"
LANGUAGE_KEY = "ui.language"


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


@st.cache_resource
def settings() -> Settings:
    return load_settings(secrets=_secrets())


@st.cache_resource
def session_factory():
    """One engine per process: migrate, load reference data, seed the demo on first start."""
    config = settings()
    factory = runtime.open_database(config)
    runtime.load_reference(factory)
    if config.load_demo_on_first_start:
        runtime.seed_demo_if_empty(factory, today())
    return factory


def data_version() -> int:
    """Changes on every write in any process, so cached data refreshes at once."""
    with session_factory()() as session:
        return audit.data_version(session)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def urgent_alerts(day, actor: Actor) -> int:
    """Overdue and due alerts of this actor, for the navigation badge. Refreshed every five
    minutes rather than on every write: at province scale the count takes ~2 s, which every
    page's first run after an edit would otherwise pay; the 提醒 page itself is always fresh."""
    from registry import alerts

    with session_factory()() as session:
        counted = alerts.counts(alerts.alerts_for(session, actor, today=day, settings=settings()))
    return counted["overdue"] + counted["due"]


def language() -> str:
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = settings().language
    return st.session_state[LANGUAGE_KEY]


def t(key: str, **values) -> str:
    return i18n.translate(key, language(), **values)


def label(member) -> str:
    return i18n.label(member, language())


def language_switch() -> None:
    st.sidebar.radio(
        i18n.translate("app.language", language()),
        options=list(i18n.LANGUAGES),
        format_func=lambda code: {"zh": "简体中文", "en": "English"}[code],
        key=LANGUAGE_KEY,
        horizontal=True,
    )


def current_actor() -> Actor | None:
    """The signed-in actor, or None once the idle timeout has passed."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        return None
    idle = time.monotonic() - st.session_state.get(ACTIVITY_KEY, 0)
    if idle > settings().session_timeout_minutes * 60:
        sign_out()
        st.session_state["auth.expired"] = True
        return None
    st.session_state[ACTIVITY_KEY] = time.monotonic()
    return actor


def sign_in(actor: Actor) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[ACTIVITY_KEY] = time.monotonic()
    st.session_state.pop("auth.expired", None)


def sign_out() -> None:
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(ACTIVITY_KEY, None)


def require_actor() -> Actor:
    """Pages call this first; the router already hides pages from signed-out users."""
    actor = current_actor()
    if actor is None:
        st.stop()
    return actor


def demo_banner(has_demo: bool) -> None:
    if has_demo:
        st.warning(t("app.demo_banner"), icon="⚠️")


@st.cache_data(ttl=60)
def demo_users() -> list[tuple[str, object]]:
    """Demo accounts present in the database (shown on the sign-in page only then)."""
    with session_factory()() as session:
        return queries.demo_users(session)


def locality_names(actor: Actor) -> str:
    """The actor's localities for display, or 'all localities' for district-wide roles."""
    if actor.district_wide or not actor.locality_ids:
        return t("account.all_localities")
    with session_factory()() as session:
        return "、".join(queries.locality_names(session, actor.locality_ids))


RECORD_KINDS = {"d": "depot", "t": "team", "c": "checkpoint"}


def load_detail(actor: Actor, key: str) -> dict | None:
    """Details of the record with map key ``d12`` / ``t3`` / ``c40``, or None."""
    from registry import details

    kind, number = key[:1], key[1:]
    if kind not in RECORD_KINDS or not number.isdigit():
        return None
    loader = getattr(details, f"{RECORD_KINDS[kind]}_detail")
    extra = {"warning_days": settings().expiry_warning_days} if kind == "d" else {}
    with session_factory()() as session:
        return loader(session, actor, int(number), today=today(), **extra)

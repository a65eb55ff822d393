"""What every page shares: settings, the database, the signed-in actor, translation, caching.

The only module (with the pages) that knows about Streamlit sessions; the core gets plain
values from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, NoReturn, ParamSpec, TypeVar
from urllib.parse import urlencode, urlsplit

import streamlit as st
from sqlalchemy.orm import Session

from registry.accounts import sessions
from registry.kernel import audit, i18n
from registry.kernel.clock import today, utcnow
from registry.kernel.db import transaction
from registry.kernel.enums import Role
from registry.kernel.errors import RegistryError, field_label
from registry.kernel.permissions import Actor
from registry.kernel.settings import Settings, load_settings
from registry.operations import runtime
from registry.records import queries
from web.client import COOKIE, SIGN_IN_PATH

LANGUAGE_KEY = "ui.language"
ENDED_KEY = "auth.ended"  # why this browser session's sign-in ended, for the sign-in page

P = ParamSpec("P")
R = TypeVar("R")


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
    """One engine per process: the database marked in use, migrated, reference data loaded,
    the demo seeded only into a new demo database (see ``runtime.start``)."""
    return runtime.start(settings(), today())


def read(query: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``query(session, *args, **kwargs)`` in a short session of its own on the cached engine:
    pages read through this and never hold a session (writes go through ``editing.run``)."""
    with session_factory()() as session:
        return query(session, *args, **kwargs)


def data_version() -> int:
    """Changes on every write in any process, so cached data refreshes at once."""
    return read(audit.data_version)


def version_of(entities) -> int:
    """Changes on every write (in any process) to the kinds of record in ``entities``: the
    key of a cache that reads only those, so other writes leave it alone."""
    return audit.version_of(read(audit.versions), entities)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def urgent_alerts(day, actor: Actor) -> int:
    """Overdue and due alerts of this actor, for the navigation badge. Refreshed every five
    minutes rather than on every write: at province scale the count takes ~2 s, which every
    page's first run after an edit would otherwise pay; the 提醒 page itself is always fresh."""
    from registry.readiness import alerts

    found = read(alerts.alerts_for, actor, today=day, settings=settings(), now=utcnow())
    counted = alerts.counts(found)
    return counted["overdue"] + counted["due"]


def language() -> str:
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = settings().language
    return st.session_state[LANGUAGE_KEY]


def t(key: str, **values) -> str:
    return i18n.translate(key, language(), **values)


def label(member) -> str:
    return i18n.label(member, language())


# Every ASCII punctuation character can start Markdown syntax (or Streamlit's :colour[...] and
# $LaTeX$); a backslash before each one makes it literal.
_LITERAL = str.maketrans({c: "\\" + c for c in map(chr, range(33, 127)) if not c.isalnum()})


def refusal(error: RegistryError) -> str:
    """A refusal of the core in the reader's language, the input named by its label, escaped
    for Markdown (it may repeat what the user typed)."""
    return plain(error.message(language()))


def field(name: str) -> str:
    """The label of an input or column the core names (``field.<name>``)."""
    return field_label(name, language())


def plain(text: object) -> str:
    """User text (a note, a name, a file name) to embed in Markdown, shown literally: never a
    link, image, heading or emphasis of the user's making. Streamlit parses Markdown in
    st.markdown, st.write of a str, captions, alerts, headings, expander and tab labels,
    button labels, image captions and radio options. Line breaks are kept."""
    escaped = str(text).replace("\r\n", "\n").translate(_LITERAL)
    return escaped.replace("\n", "  \n")


def file_links(files: list[tuple[int, str]]) -> str:
    """Markdown links to stored files (photos, plan documents) by id and name, served by the
    app server's ``/files/{id}``: they open in a new tab, for this user only."""
    links = [f"[{plain(name)}](/files/{attachment_id})" for attachment_id, name in files]
    return t("files.open") + " " + " · ".join(links)


def language_switch() -> None:
    st.sidebar.radio(
        i18n.translate("app.language", language()),
        options=list(i18n.LANGUAGES),
        format_func=lambda code: {"zh": "简体中文", "en": "English"}[code],
        key=LANGUAGE_KEY,
        horizontal=True,
    )


def session_token() -> str | None:
    """The sign-in token the browser sent with this page (its HttpOnly cookie); None without
    one (or under a harness whose client sends no real cookies)."""
    token = st.context.cookies.get(COOKIE)
    return token if isinstance(token, str) else None


def current_sign_in() -> sessions.Resumed | None:
    """The signed-in user re-read from the database on every run (a short read; a write at
    most once a minute), or None, sending the browser to the sign-in page, once the session
    is gone: signed out, idle too long, too old, or no longer valid for the account
    (disabled, locked, password or rights changed, signed out everywhere) — on this
    instance or any other."""
    resumed = sessions.resume_session(session_factory(), session_token(), settings(), utcnow())
    if resumed is None:
        ended = st.session_state.get(ENDED_KEY) or ("revoked" if session_token() else None)
        _forget_session_state()
        # After signing out, the next person at this PC starts on their own home page.
        back = {} if ended == "signed_out" else {"next": _here()}
        query = {"lang": language(), **back, **({"ended": ended} if ended else {})}
        redirect(f"{SIGN_IN_PATH}?{urlencode(query)}")
    return resumed


def redirect(url: str) -> None:
    """Send the whole browser tab to ``url`` (an HTTP route of the app server): the message
    st.login uses to start its own sign-in."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is not None:
        message = ForwardMsg()
        message.auth_redirect.url = url
        context.enqueue(message)


def _forget_session_state() -> None:
    """Everything this browser session holds but the language: on a shared PC at a town
    office no form value, selection or preview survives for the next person."""
    for key in list(st.session_state.keys()):
        if key != LANGUAGE_KEY:
            del st.session_state[key]


def _here() -> str:
    """This page's path, to come back to after signing in again."""
    return urlsplit(st.context.url or "").path or "/"


def leave(ended: str) -> NoReturn:
    """After this session was ended (signed out, everywhere or here): start over, and the
    run that finds no session sends the browser to the sign-in page saying ``ended``."""
    _forget_session_state()
    st.session_state[ENDED_KEY] = ended
    st.rerun()


def sign_out() -> NoReturn:
    """End this session in the database (every instance forgets it at once), then leave."""
    with transaction(session_factory()) as session:
        sessions.end_session(session, session_token())
    leave("signed_out")


def require_actor() -> Actor:
    """Pages call this first; the router already hides pages from signed-out users."""
    resumed = current_sign_in()
    if resumed is None:
        st.stop()
    return resumed.sign_in.actor


def demo_banner(has_demo: bool) -> None:
    if has_demo:
        st.warning(t("app.demo_banner"), icon="⚠️")


@st.cache_data(ttl=60)
def demo_users() -> list[tuple[str, Role]]:
    """Demo accounts present in the database (shown on the sign-in page only then)."""
    return read(queries.demo_users)


def locality_names(actor: Actor) -> str:
    """The actor's localities for display, or 'all localities' for district-wide roles."""
    if actor.district_wide or not actor.locality_ids:
        return t("account.all_localities")
    return "、".join(read(queries.locality_names, actor.locality_ids))


RECORD_KINDS = {"d": "depot", "t": "team", "c": "checkpoint"}


def load_detail(actor: Actor, key: str) -> dict | None:
    """Details of the record with map key ``d12`` / ``t3`` / ``c40``, or None."""
    from registry.records import details

    kind, number = key[:1], key[1:]
    if kind not in RECORD_KINDS or not number.isdigit():
        return None
    loader = getattr(details, f"{RECORD_KINDS[kind]}_detail")
    extra = {"warning_days": settings().expiry_warning_days} if kind == "d" else {}
    return read(loader, actor, int(number), today=today(), **extra)

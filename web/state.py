"""The settings and database of the HTTP routes, once per process (the pages keep theirs in
Streamlit's resource cache; both open the same database)."""

from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session, sessionmaker

from registry.kernel.clock import today
from registry.kernel.settings import Settings, load_settings
from registry.operations import runtime


def _secrets() -> dict[str, object]:
    import streamlit as st

    try:
        return dict(st.secrets)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


@cache
def settings() -> Settings:
    return load_settings(secrets=_secrets())


@cache
def factory() -> sessionmaker[Session]:
    """The database marked in use, migrated and (if new and demo) seeded: ``runtime.start``,
    run by the server's lifespan before the first request."""
    return runtime.start(settings(), today())

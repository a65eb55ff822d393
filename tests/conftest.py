"""Fixtures: a fresh, migrated database per test on SQLite and, when configured, on
PostgreSQL (its own throwaway database, dropped afterwards); actors for every role.

Migrating and loading the reference data takes a quarter of a second and seeding the demo
seven, so each is done once per test process into a template that every test then copies
(SQLite's backup API; PostgreSQL's ``CREATE DATABASE … TEMPLATE``)."""

from __future__ import annotations

import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, select, text

from prepare.support import CHROMIUM, CHROMIUM_ARGS, throwaway_database
from registry.accounts.users import create_user
from registry.kernel import db
from registry.kernel.enums import Role
from registry.kernel.models import Locality
from registry.kernel.permissions import SYSTEM, Actor
from registry.operations import runtime

POSTGRES_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL")
TODAY = date(2026, 11, 25)
PASSWORD = "correct-horse-1"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """An empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL suite off: set REGISTRY_TEST_POSTGRES_URL (CI does)")
    with throwaway_database(POSTGRES_URL) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'registry.db'}"


def open_reference_db(url: str):
    db.migrate(url)
    factory = db.make_session_factory(db.make_engine(url))
    runtime.load_reference(factory)
    return factory


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (its write-ahead log included)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[1])


@pytest.fixture(scope="session")
def sqlite_reference(tmp_path_factory) -> Path:
    """The migrated SQLite database with the reference data that every test copies."""
    path = tmp_path_factory.mktemp("reference") / "registry.db"
    open_reference_db(f"sqlite:///{path}").kw["bind"].dispose()
    return path


@pytest.fixture(scope="session")
def postgres_reference():
    """The same on PostgreSQL: a template database (no one may stay connected to it)."""
    with throwaway_database(POSTGRES_URL, prefix="registry_template") as url:
        open_reference_db(url).kw["bind"].dispose()
        yield make_url(url).database


def recreate_from_template(url: str, template: str) -> None:
    """Replace the (still unused) PostgreSQL database of ``url`` by a copy of ``template``."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()


@pytest.fixture
def factory(database_url, request):
    """A migrated database with the real localities and the catalogue, on each backend."""
    if database_url.startswith("sqlite"):
        copy_sqlite(request.getfixturevalue("sqlite_reference"), sqlite_path(database_url))
    else:
        recreate_from_template(database_url, request.getfixturevalue("postgres_reference"))
    factory = db.make_session_factory(db.make_engine(database_url))
    yield factory
    factory.kw["bind"].dispose()


def locality_id(session, name: str) -> int:
    return session.scalar(select(Locality.id).where(Locality.name == name))


@pytest.fixture
def actors(factory):
    """One real user per role; the town official covers 新浦街道 only."""
    specs = {
        "admin": (Role.ADMIN, []),
        "office": (Role.OFFICE, []),
        "leader": (Role.LEADER, []),
        "town": (Role.TOWN, ["新浦街道"]),
    }
    result = {}
    with db.transaction(factory) as session:
        for name, (role, places) in specs.items():
            user = create_user(
                session,
                SYSTEM,
                username=f"test-{name}",
                display_name=name,
                role=role,
                password=PASSWORD,
                locality_ids=[locality_id(session, p) for p in places],
            )
            result[name] = Actor.from_user(user)
    return result


def browser_enabled() -> None:
    """Skip unless the browser suite is on; fail if it is on but Chromium is missing."""
    if os.environ.get("REGISTRY_TEST_BROWSER") != "1":
        pytest.skip("browser suite off: set REGISTRY_TEST_BROWSER=1 (CI does)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"REGISTRY_TEST_BROWSER=1 but no Chromium at {CHROMIUM}")


@pytest.fixture(scope="session")
def browser():
    browser_enabled()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


ENTRY = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo district as ``prepare setup`` makes it, once per test process."""
    from prepare.cli import main

    path = tmp_path_factory.mktemp("demo") / "registry.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{path}")
        assert main(["setup"]) == 0
    return path


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory, demo_template):
    """A demo-district SQLite database of its own for the AppTests of one module."""
    path = tmp_path_factory.mktemp("app") / "registry.db"
    copy_sqlite(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def http(demo_url, monkeypatch):
    """The app server's own routes and middleware (sign-in, guard, files, health) on the
    demo database, as a Starlette test client; the pages are tested with AppTest."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from web import state
    from web.app import MIDDLEWARE, ROUTES, lifespan

    monkeypatch.setenv("REGISTRY_DATABASE_URL", demo_url)
    state.settings.cache_clear()
    state.factory.cache_clear()
    application = Starlette(routes=ROUTES, middleware=MIDDLEWARE, lifespan=lifespan)
    with TestClient(application, base_url="http://registry.test") as client:
        yield client
    state.settings.cache_clear()
    state.factory.cache_clear()


@pytest.fixture
def app(demo_url, monkeypatch, http):
    """The whole app under AppTest, on the demo database, with fresh Streamlit caches, and
    a browser whose cookies the pages read (``app.browser.cookies``)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from prepare.support import apptest_browser

    monkeypatch.setenv("REGISTRY_DATABASE_URL", demo_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    browser = apptest_browser(monkeypatch.setattr)
    tested = AppTest.from_file(ENTRY, default_timeout=60)
    tested.browser, tested.http = browser, http
    return tested


def post_sign_in(http, username: str, password: str | None = None):
    """The sign-in form posted to the app server, as a browser does."""
    from registry.demo import DEMO_PASSWORD

    return http.post(
        "/auth/sign-in",
        data={"username": username, "password": DEMO_PASSWORD if password is None else password},
        headers={"Origin": "http://registry.test"},
        follow_redirects=False,
    )


def sign_in(app, username: str, password: str | None = None):
    """Sign in through the sign-in route and open the app with the cookie it set (on the
    database the app uses now: a test may have pointed it at a copy)."""
    from web import state
    from web.client import COOKIE

    state.settings.cache_clear()
    state.factory.cache_clear()
    response = post_sign_in(app.http, username, password)
    if COOKIE in response.cookies:
        app.browser.cookies[COOKIE] = response.cookies[COOKIE]
    app.http.cookies.clear()
    return app.run()

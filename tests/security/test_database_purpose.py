"""A database is demo or production from the moment it is set up: the app never seeds the
demo into a production database or one holding real records, the first administrator of a
real database is created from the command line, and the demo never overwrites real fields."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select, update

from prepare.cli import main
from registry.accounts.users import authenticate, create_user
from registry.kernel import db
from registry.kernel.models import AuditEvent, Depot, Locality, User
from registry.kernel.permissions import SYSTEM
from registry.kernel.settings import Settings, load_settings
from registry.operations import runtime
from tests.conftest import ENTRY, TODAY, open_reference_db

STRONG = "Wusong-river-2026"


def count(url: str, model, *where) -> int:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        value = connection.scalar(select(func.count()).select_from(model).where(*where))
    engine.dispose()
    return value


@pytest.fixture
def production(sqlite_url, monkeypatch):
    """A database set up with ``prepare setup --no-demo``."""
    monkeypatch.setenv("REGISTRY_DATABASE_URL", sqlite_url)
    assert main(["setup", "--no-demo"]) == 0
    return sqlite_url


def start_app(url: str, monkeypatch):
    """The whole app under AppTest against ``url``, first run done."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(ENTRY, default_timeout=60).run()


def add_real_admin(url: str, username: str = "admin") -> None:
    factory = db.make_session_factory(db.make_engine(url))
    with db.transaction(factory) as session:
        create_user(session, SYSTEM, username=username, display_name="陈主任", role="admin",
                    password=STRONG, locality_ids=[])  # fmt: skip
    factory.kw["bind"].dispose()


def test_the_apps_first_start_seeds_nothing_into_a_production_database(production, monkeypatch):
    app = start_app(production, monkeypatch)
    assert not app.exception
    assert not app.table  # no demo accounts listed on the sign-in page
    assert count(production, Depot) == 0
    assert count(production, User) == 0


def test_the_runtime_start_the_app_calls_seeds_nothing_into_production(production):
    factory = runtime.start(load_settings(), TODAY)
    factory.kw["bind"].dispose()
    assert count(production, Depot) == 0 and count(production, User) == 0


def test_a_real_administrator_named_admin_does_not_stop_the_app(production, monkeypatch):
    add_real_admin(production)
    app = start_app(production, monkeypatch)
    assert not app.exception
    assert count(production, Depot) == 0
    assert count(production, User, User.is_demo) == 0


def test_a_database_from_before_with_real_records_is_taken_for_production(sqlite_url, monkeypatch):
    open_reference_db(sqlite_url).kw["bind"].dispose()  # no purpose recorded
    add_real_admin(sqlite_url)
    app = start_app(sqlite_url, monkeypatch)
    assert not app.exception
    assert count(sqlite_url, Depot) == 0
    monkeypatch.setenv("REGISTRY_DATABASE_URL", sqlite_url)
    assert main(["demo"]) == 2


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_create_admin_reads_the_password_from_stdin_and_audits(production, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(STRONG + "\n"))
    assert main(["create-admin", "chen", "--name", "陈主任"]) == 0
    factory = db.make_session_factory(db.make_engine(production))
    assert authenticate(factory, "chen", STRONG, Settings()).actor.role == "admin"
    with factory() as session:
        user = session.scalar(select(User).where(User.username == "chen"))
        assert user.display_name == "陈主任" and not user.is_demo
        assert session.scalar(
            select(func.count()).where(AuditEvent.action == "user-created")
        ) == 1  # fmt: skip
    factory.kw["bind"].dispose()


def test_create_admin_asks_twice_at_a_terminal_and_refuses_a_mismatch(production, monkeypatch):
    answers = iter([STRONG, STRONG + "x"])
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    assert main(["create-admin", "chen"]) == 2
    assert count(production, User) == 0


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("chen", "short", "password"),
        ("chen", "password123", "password"),
        ("admin", STRONG, "taken"),
    ],
)
def test_create_admin_refuses_a_weak_password_or_a_taken_name(
    production, monkeypatch, capsys, username, password, reason
):
    add_real_admin(production)
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    before = count(production, User), count(production, AuditEvent)
    assert main(["create-admin", username]) == 2
    assert reason in capsys.readouterr().err
    assert (count(production, User), count(production, AuditEvent)) == before


def test_the_demo_does_not_overwrite_a_localitys_real_fields(sqlite_url, monkeypatch):
    factory = open_reference_db(sqlite_url)
    with db.transaction(factory) as session:  # no locality-edit use-case yet: set directly
        session.execute(
            update(Locality)
            .where(Locality.name == "新浦街道")
            .values(population=123_456, households=45_678, responsible_officer="张建国",
                    officer_phone="0518-85800000", population_is_estimate=False)
        )  # fmt: skip
    monkeypatch.setenv("REGISTRY_DATABASE_URL", sqlite_url)
    assert main(["demo", "--today", TODAY.isoformat()]) == 0
    with factory() as session:
        xinpu = session.scalar(select(Locality).where(Locality.name == "新浦街道"))
        other = session.scalar(select(Locality).where(Locality.name == "板浦镇"))
    factory.kw["bind"].dispose()
    assert (xinpu.population, xinpu.households) == (123_456, 45_678)
    assert (xinpu.responsible_officer, xinpu.officer_phone) == ("张建国", "0518-85800000")
    assert xinpu.population_is_estimate is False
    assert other.population and other.responsible_officer  # empty fields are still filled


def test_prepare_demo_is_refused_on_a_production_database(production, capsys):
    assert main(["demo"]) == 2
    assert "production" in capsys.readouterr().err
    assert count(production, Depot) == 0 and count(production, User) == 0

"""``restore`` keeps a safety copy, refuses while the app holds the database and refuses a
backup that fails ``check``; ``check`` inspects the append-only triggers themselves and
notices an emptied audit trail or ledger."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from prepare.cli import main
from registry.kernel import db
from registry.kernel.models import Depot
from registry.kernel.permissions import SYSTEM
from registry.operations.checks import run_checks
from registry.records import stock
from tests.conftest import ENTRY, TODAY
from tests.helpers import depot, item

SQLITE_TRIGGER = "{table}_no_{verb}"
POSTGRES_TRIGGER = "{table}_append_only"


@pytest.fixture
def live(tmp_path, monkeypatch):
    """A real registry on SQLite with one depot, and a backup of it taken just now."""
    path = tmp_path / "registry.db"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{path}")
    assert main(["setup", "--no-demo"]) == 0
    add_depot(path, "备份之前的库")
    assert main(["backup", "--out", str(tmp_path / "backup.db")]) == 0
    return path


def add_depot(path: Path, name: str) -> None:
    factory = db.make_session_factory(db.make_engine(f"sqlite:///{path}"))
    with db.transaction(factory) as session:
        depot(session, SYSTEM, name)
    factory.kw["bind"].dispose()


def depot_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {name for (name,) in connection.execute("SELECT name FROM depots")}


def test_restore_keeps_a_timestamped_copy_of_the_current_database(live, tmp_path):
    add_depot(live, "备份之后新建的库")
    assert main(["restore", str(tmp_path / "backup.db")]) == 0
    assert depot_names(live) == {"备份之前的库"}
    (safety,) = tmp_path.glob("registry.db.before-restore-*")
    assert len(safety.name.rsplit("-", 1)[1]) == len("20261125T101500")
    assert depot_names(safety) == {"备份之前的库", "备份之后新建的库"}


def test_restore_is_refused_while_the_app_has_the_database_open(live, tmp_path, capsys):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    st.cache_data.clear()
    assert not AppTest.from_file(ENTRY, default_timeout=60).run().exception
    add_depot(live, "备份之后新建的库")
    assert main(["restore", str(tmp_path / "backup.db")]) == 2
    assert "in use" in capsys.readouterr().err
    assert depot_names(live) == {"备份之前的库", "备份之后新建的库"}
    assert not list(tmp_path.glob("registry.db.before-restore-*"))


def test_the_in_use_mark_vanishes_with_the_process_that_held_it(live, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, datetime; from registry.operations import runtime; "
         "from registry.kernel.settings import load_settings; "
         "runtime.start(load_settings(), datetime.date.today()); "
         "print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=Path(ENTRY).parent,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["restore", str(tmp_path / "backup.db")]) == 2
    finally:
        holder.kill()
        holder.wait()
    assert main(["restore", str(tmp_path / "backup.db")]) == 0


def test_a_backup_with_an_emptied_audit_trail_and_no_delete_trigger_is_refused(
    live, tmp_path, capsys
):
    forged = tmp_path / "backup.db"
    with sqlite3.connect(forged) as connection:
        connection.execute("DROP TRIGGER audit_events_no_delete")
        connection.execute("DELETE FROM audit_events")
    add_depot(live, "备份之后新建的库")
    assert main(["restore", str(forged)]) == 2
    err = capsys.readouterr().err
    assert "audit_events_no_delete" in err and "audit trail is empty" in err
    assert depot_names(live) == {"备份之前的库", "备份之后新建的库"}
    assert not list(tmp_path.glob("registry.db.before-restore-*"))


def test_a_backup_is_checked_on_a_copy_and_never_migrated_in_place(live, tmp_path):
    older = tmp_path / "older.db"  # a backup from an older schema: its copy is migrated
    db.migrate(f"sqlite:///{older}", "0003")
    before = older.read_bytes()
    assert main(["restore", str(older)]) == 0
    assert older.read_bytes() == before
    assert depot_names(live) == set()
    with sqlite3.connect(live) as connection:  # the checked, migrated copy is what was restored
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] != "0003"


@pytest.mark.parametrize("table", ["stock_movements", "audit_events"])
@pytest.mark.parametrize("verb", ["update", "delete"])
def test_check_names_a_dropped_append_only_trigger_even_on_an_empty_table(factory, table, verb):
    with factory() as session:
        if session.bind.dialect.name == "sqlite":
            dropped = SQLITE_TRIGGER.format(table=table, verb=verb)
            session.execute(text(f"DROP TRIGGER {dropped}"))
        else:
            dropped = POSTGRES_TRIGGER.format(table=table)
            session.execute(text(f"DROP TRIGGER {dropped} ON {table}"))
        session.commit()
        report = run_checks(session)
    assert not report["ok"]
    assert any(dropped in problem and verb.upper() in problem for problem in report["problems"])


def test_check_names_a_disabled_postgresql_trigger(factory):
    with factory() as session:
        if session.bind.dialect.name == "sqlite":
            pytest.skip("SQLite triggers cannot be disabled")
        session.execute(text("ALTER TABLE stock_movements DISABLE TRIGGER USER"))
        session.commit()
        report = run_checks(session)
    assert any("stock_movements_append_only" in problem for problem in report["problems"])


def _tamper(path: Path, *statements: str) -> None:
    """Drop the guards, run the statements and put the guards back, as an intruder would."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = rows.fetchall()
        for name, _ in triggers:
            connection.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            connection.execute(statement)
        for _, sql in triggers:
            connection.execute(sql)


def test_check_notices_an_emptied_audit_trail_behind_restored_triggers(live):
    _tamper(live, "DELETE FROM audit_events")
    engine = db.make_engine(f"sqlite:///{live}")
    with db.make_session_factory(engine)() as session:
        report = run_checks(session)
    engine.dispose()
    assert any("audit trail is empty" in problem for problem in report["problems"])


def test_check_notices_a_lot_whose_ledger_was_emptied(live):
    factory = db.make_session_factory(db.make_engine(f"sqlite:///{live}"))
    with db.transaction(factory) as session:
        target = session.scalar(select(Depot.id))
        stock.receive(session, SYSTEM, target, item(session, "棉被").id, 10, batch="B",
                      reason="入库", today=TODAY)  # fmt: skip
    factory.kw["bind"].dispose()
    _tamper(live, "DELETE FROM stock_movements", "UPDATE stock_lots SET quantity = 0")
    engine = db.make_engine(f"sqlite:///{live}")
    with db.make_session_factory(engine)() as session:
        report = run_checks(session)
        assert session.scalar(select(func.count()).select_from(Depot)) == 1
    engine.dispose()
    assert any("no ledger line" in problem for problem in report["problems"])

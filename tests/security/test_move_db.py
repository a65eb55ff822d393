"""``prepare move-db`` never creates or migrates its source, refuses a missing, empty or
unsound source before it touches the target, and says what ``--replace`` would overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from prepare.cli import main
from registry.kernel import db
from registry.kernel.models import AuditEvent, Depot, StockLot
from registry.kernel.permissions import SYSTEM
from registry.operations import move as transfer
from registry.records import stock
from tests.conftest import TODAY
from tests.helpers import depot, item


def setup_database(url: str, monkeypatch) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    assert main(["setup", "--no-demo"]) == 0


@pytest.fixture
def source(tmp_path, monkeypatch):
    """A small real registry on SQLite: one depot holding one lot of 10 quilts."""
    url = f"sqlite:///{tmp_path / 'source' / 'registry.db'}"
    setup_database(url, monkeypatch)
    factory = db.make_session_factory(db.make_engine(url))
    with db.transaction(factory) as session:
        target = depot(session, SYSTEM)
        stock.receive(session, SYSTEM, target.id, item(session, "棉被").id, 10, batch="B",
                      reason="入库", today=TODAY)  # fmt: skip
    factory.kw["bind"].dispose()
    return url


def holdings(url: str) -> tuple[int, int, int]:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        depots = connection.scalar(select(func.count()).select_from(Depot))
        events = connection.scalar(select(func.count()).select_from(AuditEvent))
        quantity = connection.scalar(select(func.sum(StockLot.quantity)))
    engine.dispose()
    return depots, events, quantity


def untouched(url: str) -> bool:
    """No file for SQLite, no table for PostgreSQL."""
    if url.startswith("sqlite"):
        return not Path(url.split("///", 1)[1]).exists()
    engine = db.make_engine(url)
    tables = inspect(engine).get_table_names()
    engine.dispose()
    return tables == []


def test_a_typoed_source_leaves_a_filled_target_intact_and_creates_no_file(
    source, database_url, tmp_path, monkeypatch, capsys
):
    assert transfer.move(source, database_url)["ok"]
    before = holdings(database_url)
    typo = tmp_path / "source" / "registy.db"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{typo}")
    assert main(["move-db", "--to", database_url, "--replace"]) == 2
    assert "no database" in capsys.readouterr().err
    assert not typo.exists()
    assert holdings(database_url) == before


def test_an_empty_source_is_refused_before_the_target_is_touched(
    tmp_path, database_url, monkeypatch, capsys
):
    setup_database(f"sqlite:///{tmp_path / 'empty.db'}", monkeypatch)  # localities only
    assert main(["move-db", "--to", database_url]) == 2
    assert "no records" in capsys.readouterr().err
    assert untouched(database_url)


def test_a_source_that_is_not_a_registry_is_refused_and_not_migrated(
    tmp_path, database_url, monkeypatch, capsys
):
    stranger = tmp_path / "other.db"
    engine = db.make_engine(f"sqlite:///{stranger}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{stranger}")
    assert main(["move-db", "--to", database_url]) == 2
    assert "not a registry database" in capsys.readouterr().err
    engine = db.make_engine(f"sqlite:///{stranger}")
    assert inspect(engine).get_table_names() == ["notes"]
    engine.dispose()
    assert untouched(database_url)


def test_a_source_failing_check_is_not_moved_over_a_filled_target(
    source, database_url, monkeypatch, capsys
):
    assert transfer.move(source, database_url)["ok"]
    before = holdings(database_url)
    engine = db.make_engine(source)
    with engine.begin() as connection:  # tamper behind the core's back
        connection.execute(text("UPDATE stock_lots SET quantity = 25"))
    engine.dispose()
    monkeypatch.setenv("REGISTRY_DATABASE_URL", source)
    assert main(["move-db", "--to", database_url, "--replace"]) == 2
    assert "fails check" in capsys.readouterr().err
    assert holdings(database_url) == before


def test_replace_states_what_the_target_holds(source, database_url, monkeypatch, capsys):
    assert transfer.move(source, database_url)["ok"]
    monkeypatch.setenv("REGISTRY_DATABASE_URL", source)
    capsys.readouterr()
    main(["move-db", "--to", database_url, "--replace"])
    err = capsys.readouterr().err
    assert "the target holds" in err and "depots 1" in err and "stock_lots 1" in err

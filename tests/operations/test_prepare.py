"""The administrators' command line, run in-process against a temporary SQLite file."""

import json

import geopandas as gpd
import pytest
from sqlalchemy import func, select, text

from prepare.cli import main
from registry.kernel import db
from registry.kernel.district import CELLS_FILE
from registry.kernel.enums import BoundarySource
from registry.kernel.models import AuditEvent, Depot, Locality
from registry.kernel.permissions import SYSTEM
from tests.helpers import depot


@pytest.fixture
def cli_db(sqlite_url, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", sqlite_url)
    assert main(["setup", "--no-demo"]) == 0
    factory = db.make_session_factory(db.make_engine(sqlite_url))
    yield factory
    factory.kw["bind"].dispose()


def test_check_prints_counts_and_passes_on_a_sound_database(cli_db, capsys):
    capsys.readouterr()
    assert main(["check"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["problems"] == []
    assert report["counts"]["localities"] == 19
    assert report["counts"]["items"] >= 30
    assert report["counts"]["quotas"] >= 20


def test_check_fails_on_a_broken_invariant(cli_db, capsys):
    from registry.records import stock
    from tests.conftest import TODAY
    from tests.helpers import item

    with db.transaction(cli_db) as session:
        target = depot(session, SYSTEM)
        lot = stock.receive(
            session,
            SYSTEM,
            target.id,
            item(session, "棉被").id,
            10,
            batch="B",
            reason="入库",
            today=TODAY,
        ).lot_id
    with db.transaction(cli_db) as session:  # tamper behind the core's back
        session.execute(text("UPDATE stock_lots SET quantity = 25, version = version + 1"))
    capsys.readouterr()
    assert main(["check"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == [f"lot {lot}: quantity 25 but ledger sum 10"]


def official_file(tmp_path, suffix=".geojson", driver="GeoJSON", crs="EPSG:4326"):
    frame = gpd.read_file(CELLS_FILE)[["name", "mca_code", "geometry"]]
    frame = (
        frame.rename(columns={"name": "XZMC", "mca_code": "XZDM"})
        .set_crs("EPSG:4326", allow_override=True)
        .to_crs(crs)
    )
    path = tmp_path / f"towns{suffix}"
    frame.to_file(path, driver=driver)
    return path


def test_localities_replaces_cells_with_official_boundaries(cli_db, tmp_path):
    path = official_file(tmp_path, ".gpkg", "GPKG", "EPSG:4549")
    assert main(["localities", str(path)]) == 0
    with cli_db() as session:
        sources = set(session.scalars(select(Locality.boundary_source)))
        events = session.scalar(
            select(func.count()).where(AuditEvent.action == "locality-boundary-replaced")
        )
    assert sources == {BoundarySource.OFFICIAL}
    assert events == 19


@pytest.mark.parametrize("content", [b"not a boundary file", b'{"type": "FeatureCollection"'])
def test_a_bad_boundary_file_is_refused_and_nothing_changes(cli_db, tmp_path, capsys, content):
    path = tmp_path / "towns.geojson"
    path.write_bytes(content)
    with cli_db() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent))
    capsys.readouterr()
    assert main(["localities", str(path)]) == 2
    assert "refused" in capsys.readouterr().err
    with cli_db() as session:
        assert set(session.scalars(select(Locality.boundary_source))) == {
            BoundarySource.APPROXIMATE
        }
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_misplaced_boundary_file_is_refused(cli_db, tmp_path, capsys):
    frame = gpd.read_file(CELLS_FILE)
    frame["geometry"] = frame.geometry.translate(xoff=3.0)
    path = tmp_path / "elsewhere.geojson"
    frame.to_file(path, driver="GeoJSON")
    capsys.readouterr()
    assert main(["localities", str(path)]) == 2
    assert "district" in capsys.readouterr().err.lower()


def test_backup_and_restore_round_trip(cli_db, tmp_path):
    target = tmp_path / "backup.db"
    assert main(["backup", "--out", str(target)]) == 0
    with db.transaction(cli_db) as session:
        depot(session, SYSTEM, "备份之后新建的库")
    cli_db.kw["bind"].dispose()
    assert main(["restore", str(target)]) == 0
    with cli_db() as session:
        assert session.scalar(select(func.count()).select_from(Depot)) == 0


def test_restore_refuses_a_file_that_is_not_a_backup(cli_db, tmp_path, capsys):
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"hello")
    assert main(["restore", str(bogus)]) == 2
    assert "refused" in capsys.readouterr().err


def test_demo_refuses_a_database_that_has_real_records(sqlite_url, monkeypatch, capsys):
    from tests.conftest import open_reference_db

    factory = open_reference_db(sqlite_url)  # a new database: neither demo nor production
    with db.transaction(factory) as session:
        depot(session, SYSTEM)
    factory.kw["bind"].dispose()
    monkeypatch.setenv("REGISTRY_DATABASE_URL", sqlite_url)
    assert main(["demo"]) == 2
    assert "production" in capsys.readouterr().err  # real records: taken for production


def test_setup_never_changes_a_databases_purpose(sqlite_url, monkeypatch, capsys):
    from registry.kernel import purpose

    monkeypatch.setenv("REGISTRY_DATABASE_URL", sqlite_url)
    assert main(["setup", "--no-demo"]) == 0
    assert main(["setup"]) == 0
    factory = db.make_session_factory(db.make_engine(sqlite_url))
    with factory() as session:
        assert purpose.current(session) == purpose.PRODUCTION
        assert session.scalar(select(func.count()).select_from(Depot)) == 0
    factory.kw["bind"].dispose()


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("setup", "demo", "create-admin", "localities", "check", "backup", "restore"):
        assert command in out

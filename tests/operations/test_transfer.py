"""Moving the demo district from its SQLite file to a fresh database (PostgreSQL in CI):
everything arrives, the copy is proven, a filled target is refused, an interrupted move
leaves nothing behind and can simply be run again."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from registry.fieldwork import inspections
from registry.kernel import attachments, db
from registry.kernel.attachments import Upload
from registry.kernel.errors import RegistryError
from registry.kernel.models import Attachment, Checkpoint, Depot
from registry.kernel.permissions import SYSTEM
from registry.kernel.settings import Settings
from registry.operations import move as transfer
from registry.records.commands import create_depot
from tests.conftest import TODAY
from tests.helpers import XINPU_POINT, locality


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The demo district on SQLite, with one inspection photo."""
    from prepare.cli import main

    url = f"sqlite:///{tmp_path_factory.mktemp('move') / 'registry.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRY_DATABASE_URL", url)
        assert main(["setup"]) == 0
    factory = db.make_session_factory(db.make_engine(url))
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(image, "JPEG")
    photo = attachments.prepare_photos([Upload("现场.jpg", image.getvalue())], Settings())
    with db.transaction(factory) as session:
        target = session.scalar(select(Checkpoint.id).limit(1))
        data = {"target_kind": "checkpoint", "target_id": target, "result": "passed"}
        inspections.record_inspection(
            session, SYSTEM, data, photo, settings=Settings(), today=TODAY
        )
    factory.kw["bind"].dispose()
    return url


def test_everything_arrives_and_the_copy_is_proven(source, database_url):
    result = transfer.move(source, database_url)
    assert result["ok"] and result["same_counts"] and result["problems"] == []
    assert result["target"]["checkpoints"] == 1500
    # the demo's disaster report photos and the inspection photo added here
    assert result["target"]["attachments"] == result["source"]["attachments"] > 1
    assert result["target"]["audit_events"] > 3000
    engine = db.make_engine(database_url)
    factory = db.make_session_factory(engine)
    with factory() as session:
        photo = session.scalar(select(Attachment).where(Attachment.filename == "现场.jpg"))
        assert photo is not None and photo.size == len(photo.data)
    with db.transaction(factory) as session:  # new ids continue after the copied ones
        depot = create_depot(
            session,
            SYSTEM,
            {"name": "迁移后新建库", "level": "town", "lon": XINPU_POINT[0],
             "lat": XINPU_POINT[1], "locality_id": locality(session, "新浦街道").id},
        )  # fmt: skip
        assert depot.id > result["source"]["depots"]
    engine.dispose()


def test_a_filled_target_is_refused_unless_replaced(source, database_url):
    transfer.move(source, database_url)
    with pytest.raises(transfer.TargetNotEmpty):
        transfer.move(source, database_url)
    if database_url.startswith("postgresql"):
        assert transfer.move(source, database_url, replace=True)["ok"]
    else:
        with pytest.raises(RegistryError, match="PostgreSQL"):
            transfer.move(source, database_url, replace=True)


def test_an_interrupted_move_leaves_the_target_empty_and_runs_again(
    source, database_url, monkeypatch
):
    copy = transfer._copy_table

    def copy_then_fail(source_conn, target, table, progress):
        copied = copy(source_conn, target, table, progress)
        if table.name == "checkpoints":
            raise ConnectionError("network dropped")
        return copied

    monkeypatch.setattr(transfer, "_copy_table", copy_then_fail)
    with pytest.raises(ConnectionError):
        transfer.move(source, database_url)
    engine = db.make_engine(database_url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Depot)) == 0
    engine.dispose()
    monkeypatch.setattr(transfer, "_copy_table", copy)
    assert transfer.move(source, database_url)["ok"]


def test_the_command_line_moves_and_then_refuses(source, database_url, monkeypatch, capsys):
    from prepare.cli import main

    monkeypatch.setenv("REGISTRY_DATABASE_URL", source)
    assert main(["move-db", "--to", database_url]) == 0
    assert '"same_counts": true' in capsys.readouterr().out
    assert main(["move-db", "--to", database_url]) == 2
    assert "already holds records" in capsys.readouterr().err


def test_a_database_is_not_moved_onto_itself(source):
    with pytest.raises(RegistryError, match="same database"):
        transfer.move(source, source)

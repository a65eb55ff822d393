"""Caches keyed on what they read (issue 19): a write refreshes the map's and the overview's
parts that read the kind of record it changed, and no other. In the core: the version of each
layer's records moves with the use-cases that change them and not with a response's writes;
on the page: a task update and a sign-in re-read no map layer and not the board, a stock
receipt re-reads the depots (and the locality figures) only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from page_helpers import map_data
from registry.kernel import audit, db
from registry.kernel.clock import utcnow
from registry.kernel.enums import AuditAction, AuditEntity, TaskStatus
from registry.kernel.models import Depot, Item, ResponseTask, User
from registry.kernel.permissions import SYSTEM, Actor
from registry.mapdata.layers import CHECKPOINT_READS, DEPOT_READS, TEAM_READS
from registry.readiness.board import BOARD_READS
from registry.records import stock
from registry.response import tasks
from tests.conftest import sign_in
from tests.helpers import depot

TODAY = date(2026, 11, 25)


def _versions(factory) -> dict[str, int]:
    with factory() as session:
        seen = audit.versions(session)
    reads = {"depots": DEPOT_READS, "teams": TEAM_READS, "checkpoints": CHECKPOINT_READS,
             "board": BOARD_READS}  # fmt: skip
    return {name: audit.version_of(seen, entities) for name, entities in reads.items()}


def test_each_layer_moves_with_its_own_writes_only(factory, actors):
    with db.transaction(factory) as session:
        made = depot(session, actors["town"])
    before = _versions(factory)
    with db.transaction(factory) as session:
        item = session.scalars(select(Item.id).order_by(Item.id).limit(1)).one()
        stock.receive(session, actors["town"], made.id, item, 5, batch="B-1", reason="到货",
                      today=TODAY)  # fmt: skip
    after = _versions(factory)
    assert after["depots"] > before["depots"] and after["board"] > before["board"]
    assert after["teams"] == before["teams"] and after["checkpoints"] == before["checkpoints"]
    with db.transaction(factory) as session:  # what a response writes many times a minute
        for action, entity in (
            (AuditAction.TASK_UPDATED, AuditEntity.TASK),
            (AuditAction.DISASTER_REPORT_FILED, AuditEntity.DISASTER_REPORT),
            (AuditAction.BROADCAST_SENT, AuditEntity.BROADCAST),
        ):
            audit.record(session, SYSTEM, action, entity, 1)
        audit.record(session, SYSTEM, AuditAction.LOGIN, AuditEntity.USER, 1)
    assert _versions(factory) == after


def _task_step(factory, actor) -> None:
    """A pending task of the live demo event moves to 已到岗: a response's frequent write."""
    with db.transaction(factory) as session:
        task = session.scalars(
            select(ResponseTask).where(ResponseTask.status == TaskStatus.PENDING).limit(1)
        ).one()
        tasks.update_task(session, actor, task.id, task.version, TaskStatus.ON_SITE,
                          note="已到岗", now=utcnow())  # fmt: skip


def _counting(monkeypatch, name: str) -> list[int]:
    """Count the calls of one of the map's readers (the page calls it through map_data)."""
    calls: list[int] = []
    real = getattr(map_data, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(map_data, name, counted)
    return calls


@pytest.fixture
def office(demo_url):
    factory = db.make_session_factory(db.make_engine(demo_url))
    with factory() as session:
        actor = Actor.from_user(
            session.scalars(select(User).where(User.username == "office")).one()
        )
    yield factory, actor
    factory.kw["bind"].dispose()


def test_a_task_update_rereads_no_map_layer_and_a_receipt_only_the_depots(app, office, monkeypatch):
    factory, actor = office
    read = {name: _counting(monkeypatch, name) for name in ("depot_rows", "team_rows",
                                                            "checkpoint_rows")}  # fmt: skip
    sign_in(app, "office")
    assert not app.exception and all(read.values())  # the first run reads every layer
    for calls in read.values():
        calls.clear()
    _task_step(factory, actor)
    app.run()
    assert not app.exception
    assert {name: len(calls) for name, calls in read.items()} == dict.fromkeys(read, 0)
    with db.transaction(factory) as session:
        depot_id = session.scalars(select(Depot.id).order_by(Depot.id).limit(1)).one()
        item = session.scalars(select(Item.id).order_by(Item.id).limit(1)).one()
        stock.receive(session, actor, depot_id, item, 5, batch="after-write", reason="到货",
                      today=TODAY)  # fmt: skip
    app.run()
    assert {name: len(calls) for name, calls in read.items()} == {
        "depot_rows": 1, "team_rows": 0, "checkpoint_rows": 0
    }  # fmt: skip


def test_the_overview_board_is_not_recomputed_after_a_task_update(app, office, monkeypatch):
    from registry.readiness import board

    factory, actor = office
    computed: list[int] = []
    real = board.live
    monkeypatch.setattr(board, "live", lambda *a, **k: computed.append(1) or real(*a, **k))
    sign_in(app, "leader")  # leaders land on the overview
    assert not app.exception and computed == [1]
    _task_step(factory, actor)
    app.run()
    assert not app.exception and computed == [1]

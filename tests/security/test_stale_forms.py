"""Edit forms remember the version they were opened at: a save against a record someone else
changed meanwhile is refused with what changed, and the other save is intact.

Each test opens a form as a town official, saves the same record through the core as the
district office, then submits the form and checks the refusal and the database."""

from __future__ import annotations

from registry import db, records
from registry.models import Checkpoint, User
from registry.permissions import Actor
from tests.conftest import sign_in


def open_page(app, username: str, page: str):
    sign_in(app, username)
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception
    return app


def as_office(url: str, change) -> None:
    """Run ``change(session, office_actor)`` through the core in its own transaction."""
    engine = db.make_engine(url)
    factory = db.make_session_factory(engine)
    with db.transaction(factory) as session:
        office = session.query(User).filter_by(username="office").one()
        change(session, Actor.from_user(office))
    engine.dispose()


def load(url: str, model, record_id: int):
    engine = db.make_engine(url)
    with db.make_session_factory(engine)() as session:
        record = session.get(model, record_id)
    engine.dispose()
    return record


def assert_refused_as_stale(app) -> None:
    assert not app.exception
    assert any("他人已修改" in e.value for e in app.error), [e.value for e in app.error]
    assert app.table, "the refusal shows what changed meanwhile"
    assert not app.success


def checkpoint_data(checkpoint: Checkpoint, **changes) -> dict:
    fields = ("name", "type", "risk_level", "locality_id", "lon", "lat", "address")
    return {**{f: getattr(checkpoint, f) for f in fields}, **changes}


def test_checkpoint_form_refuses_a_save_over_the_offices_change(app, demo_url):
    open_page(app, "xinpu", "checkpoints")
    chosen = app.selectbox(key="cp.choose").value
    before = load(demo_url, Checkpoint, chosen)
    new_level = "major" if before.risk_level.value != "major" else "low"
    as_office(
        demo_url,
        lambda s, office: records.update_checkpoint(
            s, office, chosen, before.version, checkpoint_data(before, risk_level=new_level)
        ),
    )
    app.run()  # any interaction before the save must not refresh the opened version
    prefix = f"cp.edit.{chosen}.{before.version}"
    app.text_input(key=f"{prefix}.address").input("新地址 1 号").run()
    app.button(key="cp.save").click().run()

    assert_refused_as_stale(app)
    after = load(demo_url, Checkpoint, chosen)
    assert after.risk_level.value == new_level
    assert after.address == before.address

    app.button(key="cp.edit.reload").click().run()  # reload shows the current values
    current = f"cp.edit.{chosen}.{after.version}"
    assert app.selectbox(key=f"{current}.risk").value.value == new_level
    app.text_input(key=f"{current}.address").input("新地址 1 号").run()
    app.button(key="cp.save").click().run()
    assert not app.error
    saved = load(demo_url, Checkpoint, chosen)
    assert (saved.address, saved.risk_level.value) == ("新地址 1 号", new_level)

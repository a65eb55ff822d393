"""Bringing a database to life: migrate, load the reference data, seed the demo once.

Shared by ``make run`` (through ``python -m prepare setup``), the app and the tests.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from registry import db
from registry.catalogue import load_catalogue
from registry.localities import load_reference_localities
from registry.models import Depot
from registry.permissions import SYSTEM
from registry.settings import Settings


def open_database(settings: Settings) -> sessionmaker[Session]:
    """Migrate to the latest schema and return a session factory."""
    db.migrate(settings.database_url)
    return db.make_session_factory(db.make_engine(settings.database_url))


def load_reference(factory: sessionmaker[Session]) -> None:
    """The real localities and the item catalogue; idempotent."""
    with db.transaction(factory) as session:
        load_reference_localities(session, SYSTEM)
        load_catalogue(session, SYSTEM)


def has_records(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Depot)))


def seed_demo_if_empty(factory: sessionmaker[Session], today: date) -> dict | None:
    """Seed the demo district into a database with no depots; None when it had some."""
    from registry.demo import seed_demo

    with db.transaction(factory) as session:
        if has_records(session):
            return None
        return seed_demo(session, SYSTEM, today=today)

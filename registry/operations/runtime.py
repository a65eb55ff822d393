"""Bringing a database to life: migrate, load the reference data, seed the demo once.

Shared by ``make run`` (through ``python -m prepare setup``), the app and the tests. The demo
district goes only into a new database (which it marks demo) or an empty demo database, never
into one marked production or holding any real record.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from registry.kernel import db, purpose
from registry.kernel.errors import RegistryError
from registry.kernel.models import Depot
from registry.kernel.permissions import SYSTEM
from registry.kernel.settings import Settings
from registry.operations import backup
from registry.places.localities import load_reference_localities
from registry.records.catalogue import load_catalogue
from registry.response import hazards


class DemoRefused(RegistryError):
    """The demo district would mix with real records or a production database."""


def open_database(settings: Settings) -> sessionmaker[Session]:
    """Migrate to the latest schema and return a session factory."""
    db.migrate(settings.database_url)
    return db.make_session_factory(db.make_engine(settings.database_url))


def load_reference(factory: sessionmaker[Session]) -> None:
    """The real localities, the item catalogue and the hazard tables' defaults; idempotent."""
    with db.transaction(factory) as session:
        load_reference_localities(session, SYSTEM)
        load_catalogue(session, SYSTEM)
        hazards.load_defaults(session)


def has_records(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Depot)))


def _demo_refusal(session: Session) -> str | None:
    """Why (a refusal key) the demo may not be seeded here, or None when it may."""
    if purpose.classify(session, SYSTEM) == purpose.PRODUCTION:
        return "error.demo.production"
    if purpose.real_records(session):
        return "error.demo.real_records"
    if has_records(session):
        return "error.demo.has_depots"
    return None


def _seed(session: Session, today: date) -> dict[str, Any]:
    from registry.demo import seed_demo

    purpose.mark(session, SYSTEM, purpose.DEMO)
    return seed_demo(session, SYSTEM, today=today)


def load_demo(factory: sessionmaker[Session], today: date) -> dict[str, Any]:
    """Seed the demo district (``prepare demo``); raises DemoRefused with the reason."""
    with db.transaction(factory) as session:
        refusal = _demo_refusal(session)
        if refusal:
            raise DemoRefused(refusal)
        return _seed(session, today)


def first_start(
    factory: sessionmaker[Session], today: date, *, load_demo: bool
) -> dict[str, Any] | None:
    """A new database becomes a seeded demo, or production when no demo is wanted; any other
    keeps its purpose and its data. The demo's counts when it was seeded, else None."""
    with db.transaction(factory) as session:
        if purpose.classify(session, SYSTEM) is None and not load_demo:
            purpose.mark(session, SYSTEM, purpose.PRODUCTION)
        if not load_demo or _demo_refusal(session):
            return None
        return _seed(session, today)


def start(settings: Settings, today: date) -> sessionmaker[Session]:
    """What the app does once per process: mark the database in use (so ``restore`` refuses),
    migrate, load reference data and, on a new demo database, seed the demo."""
    backup.mark_in_use(settings.database_url)
    factory = open_database(settings)
    load_reference(factory)
    # Another instance may set up a new database at the same moment: its choice stands.
    with suppress(IntegrityError):
        first_start(factory, today, load_demo=settings.load_demo_on_first_start)
    return factory

"""Throwaway databases for the benchmark: the demo district and a province.

Both are built the way an administrator would (migrate, reference data, then the demo or
``registry.scale``), so the figures describe a real deployment rather than a fixture.
"""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy.engine import make_url

from prepare import scale
from registry.kernel import db
from registry.kernel.errors import RegistryError
from registry.kernel.permissions import SYSTEM
from registry.operations import runtime

SIZES = {
    "full": scale.ScaleSize(),
    "quick": scale.ScaleSize(localities=200, depots=1_000, teams=500, checkpoints=10_000),
    # For the harness's own tests: seconds, not minutes.
    "tiny": scale.ScaleSize(
        localities=30, depots=60, teams=30, members_per_team=3, checkpoints=300, items_per_depot=3
    ),
}


class NotEmpty(RegistryError):
    """The province goes only into a database without depots (it would mix with real data)."""


def _open(url: str):
    db.migrate(url)
    factory = db.make_session_factory(db.make_engine(url))
    runtime.load_reference(factory)
    return factory


def refuse_if_filled(url: str) -> None:
    """Raise NotEmpty when ``url`` already holds depots (migrating it first is harmless)."""
    factory = _open(url)
    try:
        with factory() as session:
            if runtime.has_records(session):
                raise NotEmpty(f"{make_url(url).render_as_string()} already has depots")
    finally:
        factory.kw["bind"].dispose()


def fill_province(url: str, size: scale.ScaleSize, *, today: date) -> tuple[dict, float]:
    """Migrate, load reference data and build the province; (counts, seconds taken)."""
    started = time.perf_counter()
    factory = _open(url)
    try:
        with db.transaction(factory) as session:
            if runtime.has_records(session):
                raise NotEmpty(f"{make_url(url).render_as_string()} already has depots")
            counts = scale.build(session, SYSTEM, today=today, size=size)
    finally:
        factory.kw["bind"].dispose()
    return counts, time.perf_counter() - started


def demo_district(url: str, *, today: date) -> float:
    """The demo district, as ``prepare setup`` seeds it; seconds taken."""
    started = time.perf_counter()
    factory = _open(url)
    try:
        runtime.load_demo(factory, today)  # refuses a filled or production database
    finally:
        factory.kw["bind"].dispose()
    return time.perf_counter() - started

"""Backup and restore of the embedded SQLite database with SQLite's online backup API.

Restore trusts nothing: it refuses while an app process holds the database (each holds a
shared lock on ``<db>.in-use`` for its lifetime, dropped by the OS however the process ends),
checks the backup on a temporary copy (migrated there, never in place) and keeps the current
database as ``<db>.before-restore-<UTC time>`` before replacing it.

PostgreSQL is backed up with its own tools (``pg_dump -Fc`` / ``pg_restore``); see README.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from registry.kernel import db
from registry.kernel.errors import RegistryError
from registry.operations.checks import run_checks

PG_HINT = (
    "PostgreSQL: back up with `pg_dump -Fc -d DBNAME -f registry.dump` and restore into an "
    "empty database with `pg_restore -d DBNAME registry.dump`."
)
SHOWN_PROBLEMS = 10

_held: dict[Path, int] = {}  # in-use markers this process holds, with their descriptors


def sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise RegistryError("error.backup.sqlite_only", hint=PG_HINT)
    return Path(parsed.database)


def _marker(database: Path) -> Path:
    return database.resolve().with_name(f"{database.name}.in-use")


def mark_in_use(url: str) -> None:
    """Hold a shared lock on the SQLite file's in-use marker until this process ends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    marker = _marker(Path(parsed.database))
    if marker in _held:
        return
    marker.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(marker, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(descriptor, fcntl.LOCK_SH)  # waits while a restore runs
    _held[marker] = descriptor


@contextmanager
def _exclusive(database: Path) -> Iterator[None]:
    """Hold the in-use marker exclusively, or refuse at once when an app process holds it."""
    database.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(_marker(database), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RegistryError("error.backup.in_use", path=database) from None
        yield
    finally:
        os.close(descriptor)


def backup(url: str, target: Path) -> Path:
    """Copy the live database to ``target`` consistently, even while the app is writing."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise RegistryError("error.backup.no_database", path=source_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target


def _refuse_unless_backup(path: Path, source: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        try:
            sound = connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            has_schema = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
            ).fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise RegistryError("error.backup.not_sqlite", path=source, reason=error) from None
    if not (sound and has_schema):
        raise RegistryError("error.backup.unsound", path=source)


def _checked_copy(source: Path, folder: Path) -> Path:
    """A copy of the backup, brought to the current schema, that passes ``check``."""
    candidate = folder / "candidate.db"
    for suffix in ("", "-wal"):  # a backup copied from a live file may have its log beside it
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{candidate}{suffix}")
    _refuse_unless_backup(candidate, source)
    url = f"sqlite:///{candidate}"
    engine = db.make_engine(url)
    try:
        db.migrate(url)
        with db.make_session_factory(engine)() as session:
            problems = run_checks(session)["problems"]
    except (SQLAlchemyError, CommandError) as error:
        raise RegistryError("error.backup.unsound_because", path=source, reason=error) from None
    finally:
        engine.dispose()
    if problems:
        raise RegistryError(
            "error.backup.fails_check", path=source, problems=problems[:SHOWN_PROBLEMS]
        )
    return candidate


def restore(url: str, source: Path, *, now: datetime) -> tuple[Path, Path | None]:
    """Replace the database with a backup that passes ``check``, the app stopped; returns the
    database and the safety copy of what it held before (None when there was none)."""
    target_path = sqlite_path(url)
    if not source.exists():
        raise RegistryError("error.backup.no_backup", path=source)
    with _exclusive(target_path), tempfile.TemporaryDirectory(dir=target_path.parent) as work:
        candidate = _checked_copy(source, Path(work))
        safety = None
        if target_path.exists():
            safety = target_path.with_name(f"{target_path.name}.before-restore-{now:%Y%m%dT%H%M%S}")
            if safety.exists():
                raise RegistryError("error.backup.safety_exists", path=safety)
            backup(url, safety)
        checked, live = sqlite3.connect(candidate), sqlite3.connect(target_path)
        with closing(checked), closing(live):
            checked.backup(live)
    return target_path, safety

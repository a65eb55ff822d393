"""Backup and restore of the embedded SQLite database with SQLite's online backup API.

PostgreSQL is backed up with its own tools (``pg_dump -Fc`` / ``pg_restore``); see README.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from registry.errors import RegistryError

PG_HINT = (
    "PostgreSQL: back up with `pg_dump -Fc -d DBNAME -f registry.dump` and restore into an "
    "empty database with `pg_restore -d DBNAME registry.dump`."
)


def sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise RegistryError(f"backup/restore here handles the SQLite file only. {PG_HINT}")
    return Path(parsed.database)


def backup(url: str, target: Path) -> Path:
    """Copy the live database to ``target`` consistently, even while the app is writing."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise RegistryError(f"no database at {source_path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


def _refuse_unless_backup(connection: sqlite3.Connection, source: Path) -> None:
    try:
        sound = connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        has_schema = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise RegistryError(f"{source} is not an SQLite database ({error})") from None
    if not (sound and has_schema):
        raise RegistryError(f"{source} is not a sound registry backup")


def restore(url: str, source: Path) -> Path:
    """Replace the database with a backup (stop the app first)."""
    target_path = sqlite_path(url)
    if not source.exists():
        raise RegistryError(f"no backup at {source}")
    with sqlite3.connect(source) as backup_db:
        _refuse_unless_backup(backup_db, source)
        with sqlite3.connect(target_path) as live:
            backup_db.backup(live)
    return target_path

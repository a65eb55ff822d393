"""The one clock of the core, so tests can freeze time and every date is UTC."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Naive UTC timestamp (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()

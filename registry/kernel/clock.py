"""The one clock of the core: timestamps in UTC, calendar dates in China Standard Time.

Deadlines, working days and "today" belong to the users' calendar (UTC+8): until 08:00 in
Lianyungang, UTC still shows yesterday's date.
"""

from datetime import UTC, date, datetime, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def utcnow() -> datetime:
    """Naive UTC timestamp (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in China."""
    return datetime.now(CHINA_STANDARD_TIME).date()

"""The one clock of the core: timestamps in UTC, calendar dates in China Standard Time.

Deadlines, working days and "today" belong to the users' calendar (UTC+8): until 08:00 in
Lianyungang, UTC still shows yesterday's date. Timestamps are stored as naive UTC and shown
in China Standard Time (``local``) wherever people read them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import overload

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def utcnow() -> datetime:
    """Naive UTC timestamp (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in China."""
    return datetime.now(CHINA_STANDARD_TIME).date()


@overload
def local(moment: datetime) -> datetime: ...
@overload
def local(moment: None) -> None: ...
def local(moment: datetime | None) -> datetime | None:
    """A stored timestamp (naive UTC) as people read it: China Standard Time, naive."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None)


def utc_start_of(day: date) -> datetime:
    """The naive UTC moment a calendar day in China begins (16:00 UTC the day before): for
    choosing stored timestamps by the dates people see."""
    start = datetime.combine(day, time(), CHINA_STANDARD_TIME)
    return start.astimezone(UTC).replace(tzinfo=None)


def from_local(moment: datetime) -> datetime:
    """A time people typed (China Standard Time, naive) as stored: naive UTC."""
    return moment.replace(tzinfo=CHINA_STANDARD_TIME).astimezone(UTC).replace(tzinfo=None)

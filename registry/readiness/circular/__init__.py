"""The weekly circular (周通报): a Word document in the usual official layout and an Excel
workbook with the detail sheets, built from readiness snapshots only.

``build`` reads nothing but the two payloads it is given (this week's snapshot and last
week's), never live data or the clock, so any past week's circular is rebuilt byte for byte
from its snapshot. Both files are zip archives whose entry dates and document properties are
pinned to the snapshot's as-of date for the same reason.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel.models import ReadinessSnapshot
from registry.readiness import snapshots
from registry.readiness.circular.text import CircularText, date_text, period_text, week_label
from registry.readiness.circular.word import TITLE_FONT, document
from registry.readiness.circular.workbook import workbook
from registry.readiness.payload import SnapshotPayload

__all__ = [
    "TITLE_FONT",
    "Circular",
    "build",
    "date_text",
    "load",
    "period_text",
    "week_is_demo",
    "week_label",
    "weeks_with_snapshots",
]


@dataclass(frozen=True)
class Circular:
    """The two files, the name to save them under, and the summary and ranking for a
    preview on screen."""

    docx: bytes
    xlsx: bytes
    filename_stem: str
    summary: str
    ranking: list[dict[str, Any]]


# --- reading the snapshots ------------------------------------------------------------------


def weeks_with_snapshots(session: Session) -> list[str]:
    """The ISO weeks a circular can be built for, newest first."""
    days = session.scalars(
        select(ReadinessSnapshot.as_of).distinct().order_by(ReadinessSnapshot.as_of.desc())
    )
    weeks: list[str] = []
    for day in days:
        iso = day.isocalendar()
        label = f"{iso.year}-W{iso.week:02d}"
        if label not in weeks:
            weeks.append(label)
    return weeks


def week_is_demo(session: Session, iso_week: str) -> bool:
    """Whether the week has demo snapshots, so the page can say the circular is a demo."""
    monday, sunday = snapshots.week_bounds(iso_week)
    query = select(ReadinessSnapshot.id).where(
        ReadinessSnapshot.as_of.between(monday, sunday), ReadinessSnapshot.is_demo.is_(True)
    )
    return session.scalar(query.limit(1)) is not None


def load(session: Session, iso_week: str) -> tuple[SnapshotPayload | None, SnapshotPayload | None]:
    """The week's snapshot and the one a week older (None, None when the week has none)."""
    payload = snapshots.for_week(session, iso_week)
    if payload is None:
        return None, None
    return payload, snapshots.week_before(session, payload)


# --- reproducible archives ------------------------------------------------------------------


def _pinned(archive: bytes, stamp: datetime) -> bytes:
    """The same archive with every entry dated ``stamp``: zip writers otherwise record the
    time of writing, and two builds of one week would differ."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            target.writestr(fixed, source.read(entry.filename))
    return buffer.getvalue()


def build(
    payload: SnapshotPayload,
    previous: SnapshotPayload | None,
    *,
    iso_week: str,
    language: str = "zh",
) -> Circular:
    """The week's circular from its snapshot and last week's (for the ranking's change)."""
    monday, sunday = snapshots.week_bounds(iso_week)
    if not monday <= date.fromisoformat(payload["as_of"]) <= sunday:
        raise ValueError(f"week: the snapshot as of {payload['as_of']} is not in {iso_week}")
    text = CircularText(payload, previous, iso_week, language)
    stamp = datetime.combine(text.as_of, time.min)
    return Circular(
        docx=_pinned(document(text, stamp), stamp),
        xlsx=_pinned(workbook(text, stamp), stamp),
        filename_stem=text.t("circ.filename", week=text.week),
        summary=text.summary(),
        ranking=text.ranking_preview(),
    )

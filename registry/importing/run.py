"""Preview and commit an Excel import: the whole file is checked first, then every row is
written through its use-case inside the caller's transaction. Any problem raises
``ImportRefused`` so that transaction rolls back and nothing is written (see "the life of a
write" in docs/ARCHITECTURE.md)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.importing import checkpoint_rows, member_rows, stock_rows, team_rows
from registry.importing.cells import RowCells
from registry.importing.lookups import Lookups
from registry.importing.mapping import check as check_mapping
from registry.importing.mapping import known_headers
from registry.importing.planned import Planned
from registry.importing.reader import MAX_FILE_BYTES, Row, Sheet, mapped_sheet, read, read_layout
from registry.importing.report import ImportRefused, ImportReport, Problem, shown
from registry.kernel import audit, i18n
from registry.kernel.clock import local
from registry.kernel.enums import AuditAction, AuditEntity
from registry.kernel.errors import InvariantViolation, PermissionDenied, ValidationError
from registry.kernel.models import AuditEvent
from registry.kernel.permissions import Action, Actor
from registry.records import stock

ROWS_BY_KIND: dict[str, ModuleType] = {
    "stock": stock_rows,
    "teams": team_rows,
    "members": member_rows,
    "checkpoints": checkpoint_rows,
}
COMMITTED = AuditAction.IMPORT_COMMITTED  # the audit action of a committed import
PROGRESS_EVERY = 100  # rows between progress callbacks
Progress = Callable[[int, int], None]


@dataclass
class _Ticker:
    """Calls ``progress(done, total)`` every PROGRESS_EVERY rows and at the end."""

    progress: Progress | None
    total: int
    done: int = 0

    def tick(self, rows: int = 1) -> None:
        before, self.done = self.done, self.done + rows
        crossed = self.done // PROGRESS_EVERY > before // PROGRESS_EVERY
        if self.progress and (crossed or self.done == self.total):
            self.progress(self.done, self.total)


def _earlier_import(session: Session, kind: str, sha256: str) -> str | None:
    """When this very file was committed before, as text in China Standard Time."""
    at = session.scalar(
        select(AuditEvent.at)
        .where(AuditEvent.action == COMMITTED.value)
        .where(AuditEvent.after.contains(f'"sha256": "{sha256}"'))
        .where(AuditEvent.after.contains(f'"kind": "{kind}"'))
        .order_by(AuditEvent.id)
        .limit(1)
    )
    return None if at is None else f"{local(at):%Y-%m-%d %H:%M}"


def _sheet(
    data: bytes, kind: str, columns: Mapping[str, str | None] | None, max_bytes: int,
    report: ImportReport,
) -> Sheet:  # fmt: skip
    """The template's rows, or (with ``columns``) an office's own sheet read through them."""
    if columns is None:
        return read(data, kind, max_bytes=max_bytes)
    table, problems = read_layout(data, known_headers(kind), max_bytes=max_bytes)
    if table is None:
        return Sheet(problems=problems or [Problem(None, None, "", "no_header_row")])
    report.headers = {field: header for header, field in columns.items() if field}
    wrong = check_mapping(kind, [h for h in table.headers if h], columns)
    return Sheet(problems=wrong) if wrong else mapped_sheet(table, columns)


def _check(
    session: Session, actor: Actor, kind: str, data: bytes, *, today: date, language: str,
    progress: Progress | None, passes: int, max_bytes: int,
    columns: Mapping[str, str | None] | None = None,
) -> tuple[ImportReport, list[tuple[Row, Planned]], _Ticker]:  # fmt: skip
    """Read and check every row; the plan holds the rows that passed. ``columns`` maps an
    office's own sheet (its headers → our fields); its values are read as people write them."""
    rows = ROWS_BY_KIND[kind]
    report = ImportReport(kind=kind, sha256=hashlib.sha256(data).hexdigest(), language=language)
    if not (actor.can(Action.EDIT_LOCAL_RECORDS) or actor.can(Action.EDIT_DISTRICT_DEPOTS)):
        report.problems.append(Problem(None, None, "", "no_permission"))
        return report, [], _Ticker(progress, 0)
    earlier = _earlier_import(session, kind, report.sha256)
    if earlier is not None:  # the same receipts twice would double the stock
        report.problems.append(Problem(None, None, "", "already_imported", {"at": earlier}))
        return report, [], _Ticker(progress, 0)
    sheet = _sheet(data, kind, columns, max_bytes, report)
    report.rows, report.problems = len(sheet.rows), sheet.problems
    ticker = _Ticker(progress, len(sheet.rows) * passes)
    own = columns is not None
    look = Lookups(session, actor, today, language, own_format=own)
    plan: list[tuple[Row, Planned]] = []
    first_row: dict[tuple[Any, ...], int] = {}
    for row in sheet.rows:
        ticker.tick()
        cells = RowCells(row, report.problems, lenient=own)
        planned = rows.check(cells, look)
        if planned is None:
            continue
        if planned.key in first_row:
            cells.problem(rows.KEY_COLUMN, "duplicate_row", first=first_row[planned.key])
            continue
        first_row[planned.key] = row.number
        plan.append((row, planned))
    counts = Counter(entity for _row, planned in plan for entity in planned.creates)
    report.would_create = dict(counts)
    report.notes = sorted(look.notes)
    return report, plan, ticker


def preview(
    session: Session, actor: Actor, kind: str, data: bytes, *, today: date,
    language: str = i18n.DEFAULT_LANGUAGE, progress: Progress | None = None,
    max_bytes: int = MAX_FILE_BYTES, columns: Mapping[str, str | None] | None = None,
) -> ImportReport:  # fmt: skip
    """Check a file and say what it would create; never writes."""
    report, _plan, _ticker = _check(
        session, actor, kind, data, today=today, language=language, progress=progress,
        passes=1, max_bytes=max_bytes, columns=columns,
    )  # fmt: skip
    return report


def _refusal(rows: ModuleType, row: Row, error: Exception) -> Problem:
    """A use-case's refusal of one row, named by row and column."""
    column = rows.FIELD_COLUMNS.get(getattr(error, "field", None))
    return Problem(row.number, column, shown(row.values.get(column)), "refused", {"detail": error})


def _write_receipts(
    session: Session,
    actor: Actor,
    kind: str,
    plan: list[tuple[Row, Planned]],
    report: ImportReport,
    ticker: _Ticker,
) -> None:
    """Every receipt through the bulk use-case; a refusal is pinned to its row."""
    try:
        stock.receive_many(
            session,
            actor,
            [planned.receipt for _, planned in plan if planned.receipt is not None],
            progress=ticker.tick,
        )
    except (ValidationError, PermissionDenied, InvariantViolation) as error:
        at = getattr(error, "row", None)
        report.problems.append(_refusal(ROWS_BY_KIND[kind], plan[at or 0][0], error))
        raise ImportRefused(report) from error


def commit(
    session: Session, actor: Actor, kind: str, data: bytes, *, today: date,
    language: str = i18n.DEFAULT_LANGUAGE, progress: Progress | None = None,
    max_bytes: int = MAX_FILE_BYTES, filename: str | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> ImportReport:  # fmt: skip
    """Check the file again, then write every row through its use-case and audit the import.

    Raises ImportRefused, with the report, on any problem; the caller's transaction then
    rolls back, so the import is all or nothing."""
    report, plan, ticker = _check(
        session, actor, kind, data, today=today, language=language, progress=progress,
        passes=2, max_bytes=max_bytes, columns=columns,
    )  # fmt: skip
    if not report.ok:
        raise ImportRefused(report)
    bulk = [planned for _, planned in plan if planned.receipt is not None]
    if bulk:
        _write_receipts(session, actor, kind, plan, report, ticker)
    for row, planned in [] if bulk else plan:
        try:
            planned.write(session, actor, today)
        except (ValidationError, PermissionDenied, InvariantViolation) as error:
            report.problems.append(_refusal(ROWS_BY_KIND[kind], row, error))
            raise ImportRefused(report) from error
        ticker.tick()
    audit.record(
        session,
        actor,
        COMMITTED,
        AuditEntity.IMPORT,
        None,
        after={
            "kind": kind,
            "sha256": report.sha256,
            "rows": report.rows,
            "file": filename,
            "created": report.would_create,
            "columns": None if columns is None else dict(columns),
        },
    )
    report.committed = True
    return report

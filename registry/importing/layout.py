"""Where the table is in a workbook kept in an office's own format: the sheet, the header row
below any title rows (merged cells, blank lines), and the data rows below it, leaving out
total rows (合计、小计) and notes (填表人、审核、说明…) and saying which and why."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from registry.importing.choices import normalise

HEADER_SCAN_ROWS = 30  # a header further down than this is not looked for
MIN_HEADER_MATCHES = 2  # cells of a row that must be known column names
TOTAL_WORDS = ("合计", "小计", "总计", "共计", "累计")
NOTE_START = re.compile(
    r"^(填表|制表|审核|审批|填报|负责人|说明|备注|注[:：]|注\d|联系人|单位负责人)"
)


@dataclass(frozen=True)
class Skipped:
    """A non-blank row that is not imported: above the header, a total, or a note."""

    row: int  # as Excel shows it
    reason: str  # "title", "total" or "note"


@dataclass(frozen=True)
class Layout:
    """The table of one sheet: its header cells as written and its data rows."""

    sheet: str
    header_row: int
    headers: tuple[str, ...]  # by position; "" for a blank header cell
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (Excel row number, cells)
    skipped: tuple[Skipped, ...]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _texts(cells: Sequence[Any]) -> list[str]:
    return [str(cell).strip() for cell in cells if not _blank(cell)]


def _header_score(cells: Sequence[Any], known: frozenset[str]) -> int:
    """How many cells of a row are known column names (numbers never are)."""
    return sum(
        isinstance(cell, str) and normalise(cell).strip("*") in known
        for cell in cells
        if not _blank(cell)
    )


def _kind_of_row(cells: Sequence[Any]) -> str | None:
    """Why a row below the header is not data: a total, a note, or None (data)."""
    texts = _texts(cells)
    if not texts:
        return None
    if any(normalise(text).strip(":：") in TOTAL_WORDS for text in texts[:3]):
        return "total"
    if len(texts) <= 2 and NOTE_START.match(normalise(texts[0])):
        return "note"
    return None


Lines = list[tuple[Any, ...]]


def _distinct(cells: Sequence[Any]) -> tuple[str, ...]:
    """The header cells as written, a repeated one numbered (联系电话, 联系电话（2）): a
    mapping names each column by its header, so two 联系电话 columns stay two columns."""
    seen: dict[str, int] = {}
    headers = []
    for cell in cells:
        text = "" if _blank(cell) else str(cell).strip()
        if text:
            seen[text] = seen.get(text, 0) + 1
            text = text if seen[text] == 1 else f"{text}（{seen[text]}）"
        headers.append(text)
    return tuple(headers)


def find(sheets: Iterable[tuple[str, Lines]], known: frozenset[str]) -> Layout | None:
    """The first sheet whose top rows hold a header of at least MIN_HEADER_MATCHES known
    names (the row with most such names), with its data rows; None when no sheet has one."""
    for title, lines in sheets:
        scored = [(_header_score(cells, known), index) for index, cells in
                  enumerate(lines[:HEADER_SCAN_ROWS])]  # fmt: skip
        best, at = max(scored, key=lambda pair: (pair[0], -pair[1]), default=(0, 0))
        if best < MIN_HEADER_MATCHES:
            continue
        header = lines[at]
        skipped = [Skipped(i + 1, "title") for i in range(at) if _texts(lines[i])]
        rows = []
        for index in range(at + 1, len(lines)):
            cells = lines[index]
            if not _texts(cells):
                continue
            reason = _kind_of_row(cells)
            if reason:
                skipped.append(Skipped(index + 1, reason))
            else:
                rows.append((index + 1, tuple(cells)))
        return Layout(title, at + 1, _distinct(header), tuple(rows), tuple(skipped))
    return None

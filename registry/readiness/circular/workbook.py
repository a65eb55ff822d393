"""The circular's detail workbook: the ranking, the components, the overdue lists and
the weights, one sheet each."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from registry.kernel import exports
from registry.readiness import scorecard as readiness
from registry.readiness.circular.text import DASH, CircularText, fill_text, period_text


def _in_order(by_component: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The scorecard's order of components (the payload's JSON sorts them by name)."""
    rank = {key: i for i, key in enumerate(readiness.COMPONENTS)}
    return sorted(by_component.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def _sheet(workbook: Any, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """A sheet with a bold, frozen header; every text cell neutralised against formulas."""
    sheet = workbook.create_sheet(exports.safe_sheet_name(title))
    body = [[exports._cell(value) for value in row] for row in rows]
    sheet.append([exports._cell(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    exports._fit_columns(sheet, [header, *[[_shown(v) for v in row] for row in body]])


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def workbook(text: CircularText, stamp: datetime) -> bytes:
    t, payload = text.t, text.payload
    workbook = Workbook()
    workbook.remove(workbook.active)

    def cols(*keys: str) -> list[str]:
        return [t(f"circ.col.{k}") for k in keys]

    _sheet(
        workbook,
        t("circ.sheet.ranking"),
        cols(
            "rank",
            "locality",
            "score",
            "level",
            "previous_score",
            "score_change",
            "previous_rank",
            "rank_change",
            "problems",
            "responsible",
        ),
        [
            [
                row.rank,
                row.name,
                row.score,
                text.colour(row.colour),
                row.previous_score,
                row.change,
                row.previous_rank,
                row.move,
                text.problems(row),
                row.responsible or DASH,
            ]
            for row in text.rows
        ],
    )

    weights = payload.get("weights", {})
    parts = []
    for loc in payload["localities"]:
        for key, part in _in_order(loc.get("components", {})):
            score = part.get("score")
            parts.append(
                [
                    loc["name"],
                    text.component(key),
                    weights.get(key),
                    t("circ.not_applicable") if score is None else round(100 * score, 1),
                    fill_text(f"circ.figures.{key}", text.language, part.get("figures")),
                    t("circ.sep.list").join(part.get("who") or []) or DASH,
                ]
            )
    _sheet(
        workbook,
        t("circ.sheet.components"),
        cols("locality", "component", "weight", "component_score", "figures", "who"),
        parts,
    )

    rects = [r for _, group, _ in text.overdue_groups() for r in group]
    _sheet(
        workbook,
        t("circ.sheet.rectifications"),
        cols(
            "locality",
            "id",
            "target",
            "problem",
            "risk",
            "status",
            "deadline",
            "days_overdue",
            "responsible",
        ),
        [
            [
                text.locality_name(r["locality_id"]),
                r["id"],
                r["target"],
                r["description"],
                text.risk(r["risk_level"]),
                text.status(r.get("status")),
                date.fromisoformat(r["deadline"]),
                r["days_overdue"],
                r["responsible"],
            ]
            for r in rects
        ],
    )

    plans = [p for _, _, group in text.overdue_groups() for p in group]
    _sheet(
        workbook,
        t("circ.sheet.plans"),
        cols("locality", "id", "plan", "responsible", "overdue_items"),
        [
            [
                text.locality_name(p["locality_id"]),
                p["id"],
                p["title"],
                p["owner"],
                text.obligations(p),
            ]
            for p in plans
        ],
    )

    thresholds = payload.get("thresholds", {})
    previous = text.previous
    notes: list[list[Any]] = [
        *([[t("circ.note.demo"), t("circ.demo")]] if payload.get("is_demo") else []),
        [t("circ.note.week"), text.week],
        [t("circ.note.period"), period_text(text.week, text.language)],
        [t("circ.note.as_of"), text.as_of],
        [
            t("circ.note.source"),
            t(
                "circ.note.source_value",
                date=text.date(text.as_of),
                version=payload.get("version", 1),
            ),
        ],
        [
            t("circ.note.previous"),
            t("circ.note.previous_none")
            if previous is None
            else t(
                "circ.note.source_value",
                date=text.date(previous["as_of"]),
                version=previous.get("version", 1),
            ),
        ],
        [t("circ.note.district_score"), payload["district"]["score"]],
        [t("circ.note.district_level"), text.colour(payload["district"]["colour"])],
        [t("circ.note.threshold_green"), thresholds.get("green")],
        [t("circ.note.threshold_amber"), thresholds.get("amber")],
        *[[t("circ.note.weight", component=text.component(k)), w] for k, w in _in_order(weights)],
        [t("circ.note.issuer"), t("circ.issuer")],
    ]
    _sheet(workbook, t("circ.sheet.notes"), cols("item", "value"), notes)

    props = workbook.properties
    props.title = f"{t('circ.title')} {text.week}"
    props.subject = period_text(text.week, text.language)
    props.creator = props.lastModifiedBy = t("circ.issuer")
    props.created = props.modified = stamp
    props.language = t("circ.doc_language")
    buffer = io.BytesIO()
    # ExcelWriter rather than workbook.save: save() stamps "modified" with the clock.
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return buffer.getvalue()

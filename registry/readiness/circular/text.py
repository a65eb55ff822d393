"""What the circular says, computed once for the Word document and the workbook: the
words, numbers and tables of one week, in Chinese or English."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from registry.kernel.i18n import translate
from registry.readiness import board as readiness_board
from registry.readiness import snapshots
from registry.readiness.board import Standing
from registry.readiness.payload import OverduePlan, OverdueRectification, SnapshotPayload

DASH = "—"
PLAN_OBLIGATIONS = ("filing", "evaluation", "drill")
NOTHING_YET = {"stock": "lines", "teams": "target", "plans": "obligations"}  # 0: none at all
_DIGITS = "零一二三四五六七八九"


def week_label(iso_week: str) -> str:
    """``2026-w7`` → ``2026-W07``; a malformed label raises ValueError."""
    monday, _ = snapshots.week_bounds(iso_week)
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


# --- words and numbers ----------------------------------------------------------------------


def date_text(day: date, language: str = "zh", *, year: bool = True) -> str:
    """A date the way the language writes it in prose: 2026年11月22日 / 22 November 2026."""
    return translate(
        "circ.date" if year else "circ.date_short",
        language,
        year=day.year,
        day=day.day,
        month_name=translate(f"circ.month.{day.month}", language),
    )


def period_text(iso_week: str, language: str = "zh") -> str:
    """``2026年第47周（11月16日—11月22日）``."""
    monday, sunday = snapshots.week_bounds(iso_week)
    full = monday.year != sunday.year
    iso = monday.isocalendar()
    return translate(
        "circ.period",
        language,
        year=iso.year,
        week=iso.week,
        start=date_text(monday, language, year=full),
        end=date_text(sunday, language, year=full),
    )


def number_text(value: float) -> str:
    return f"{value:.1f}"


def _signed(value: float) -> str:
    """``+1.2`` / ``-0.8`` / ``0.0`` (never ``-0.0``)."""
    value = round(value, 1)
    return "0.0" if value == 0 else f"{value:+.1f}"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十: the numbering of （一）（二） sub-headings."""
    if n < 10:
        return _DIGITS[n]
    tens, units = divmod(n, 10)
    return (_DIGITS[tens] if tens > 1 else "") + "十" + (_DIGITS[units] if units else "")


def _action_key(component: str, figures: dict[str, Any]) -> str:
    """The action for a component; a locality with nothing at all (no plan, no team, no
    quota) is told to set one up, and a rectification note skips "0 major"."""
    if figures.get(NOTHING_YET.get(component, "")) == 0:
        return f"circ.action.{component}_none"
    if component == "rectifications" and figures.get("major") == 0:
        return "circ.action.rectifications_minor"
    return f"circ.action.{component}"


class _Blank(dict[str, Any]):
    """Figures missing from an older or hand-made payload show as a dash, not a crash."""

    def __missing__(self, key: str) -> str:
        return DASH


def fill_text(key: str, language: str, figures: dict[str, Any]) -> str:
    return translate(key, language).format_map(_Blank(figures or {}))


# --- what the circular says, computed once for both files -----------------------------------


class CircularText:
    """The circular's wording in one language."""

    def __init__(
        self,
        payload: SnapshotPayload,
        previous: SnapshotPayload | None,
        iso_week: str,
        language: str,
    ) -> None:
        self.payload, self.previous, self.language = payload, previous, language
        self.week = week_label(iso_week)
        self.as_of = date.fromisoformat(payload["as_of"])
        self.board = readiness_board.build(payload, previous)
        self.rows = self.board.ranking
        self.names = {loc["id"]: loc["name"] for loc in payload["localities"]}

    def t(self, key: str, **values: Any) -> str:
        return translate(key, self.language, **values)

    def date(self, day: date | str, *, year: bool = True) -> str:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        return date_text(day, self.language, year=year)

    def colour(self, colour: str) -> str:
        return self.t(f"circ.colour.{colour}")

    def component(self, key: str) -> str:
        return self.t(f"circ.component.{key}")

    def problems(self, row: Standing) -> str:
        return self.t("circ.sep.list").join(map(self.component, row.worst)) or self.t("circ.none")

    def move(self, row: Standing) -> str:
        if row.move is None:
            return DASH
        if row.move > 0:
            return self.t("circ.move.up", n=row.move)
        if row.move < 0:
            return self.t("circ.move.down", n=-row.move)
        return self.t("circ.move.same")

    def change(self, row: Standing) -> str:
        if row.change is None:
            return DASH
        return self.t("circ.change.cell", delta=_signed(row.change), move=self.move(row))

    def locality_name(self, locality_id: int | None) -> str:
        if locality_id is None:
            return self.t("circ.overdue.district")
        return self.names.get(locality_id, f"#{locality_id}")

    def obligations(self, plan: OverduePlan) -> str:
        parts = [self.t(f"circ.plan_overdue.{k}") for k in PLAN_OBLIGATIONS if k in plan["overdue"]]
        return self.t("circ.sep.list").join(parts)

    def risk(self, value: str | None) -> str:
        return self.t(f"enum.RiskLevel.{value}") if value else DASH

    def status(self, value: str | None) -> str:
        return self.t(f"enum.RectificationStatus.{value}") if value else DASH

    # -- 一、总体情况

    def summary(self) -> str:
        """一、总体情况 in one paragraph: score and change, colours, overdue, campaign."""
        district = self.payload["district"]
        if self.previous is None:
            change = self.t("circ.summary.no_previous")
        else:
            delta = round(district["score"] - self.previous["district"]["score"], 1)
            key = "up" if delta > 0 else "down" if delta < 0 else "same"
            when = self.date(self.previous["as_of"])
            change = self.t(f"circ.summary.{key}", date=when, delta=number_text(abs(delta)))
        tiles = self.board.tiles
        campaign = self.payload.get("campaign")
        return self.t(
            "circ.summary",
            district=self.t(
                "circ.summary.district",
                date=self.date(self.as_of),
                score=number_text(district["score"]),
                colour=self.colour(district["colour"]),
            ),
            change=change,
            colours=self.t(
                "circ.summary.colours",
                total=len(self.payload["localities"]),
                red=tiles.red.value,
                amber=tiles.amber.value,
                green=tiles.green.value,
            ),
            overdue=self.t(
                "circ.summary.overdue",
                rect=tiles.overdue.value,
                major=tiles.major.value,
                plans=tiles.plans.value,
            ),
            campaign=self.t("circ.summary.no_campaign")
            if campaign is None
            else self.t(
                "circ.summary.campaign",
                name=campaign["name"],
                start=self.date(campaign["starts_on"]),
                end=self.date(campaign["ends_on"]),
                share=number_text(100 * (campaign.get("share") or 0)),
            ),
        )

    # -- 三、逾期事项

    def overdue_groups(
        self,
    ) -> list[tuple[int | None, list[OverdueRectification], list[OverduePlan]]]:
        """(locality id, rectifications, plans) in the official order of localities, the
        district and department plans last; localities with nothing overdue are left out."""
        rects: dict[int | None, list[OverdueRectification]] = defaultdict(list)
        plans: dict[int | None, list[OverduePlan]] = defaultdict(list)
        for rect in self.payload["overdue_rectifications"]:
            rects[rect["locality_id"]].append(rect)
        for plan in self.payload["overdue_plans"]:
            plans[plan["locality_id"]].append(plan)
        order = [loc["id"] for loc in self.payload["localities"]]
        extra = sorted(lid for lid in {*rects, *plans} - {*order} if lid is not None)
        return [
            (lid, rects.get(lid, []), plans.get(lid, []))
            for lid in [*order, *extra, None]
            if rects.get(lid) or plans.get(lid)
        ]

    def listed_of(self, locality_id: int | None, shown: int) -> int:
        """How many overdue rectifications the locality has in all (the list may be capped)."""
        standing = self.board.standing(locality_id)
        return shown if standing is None else max(shown, standing.overdue)

    # -- 四、工作要求

    def actions(self) -> list[str]:
        """One sentence per red or amber locality, worst first, naming who leads and what
        to do about each of its worst components."""
        flagged = [row for row in self.rows if row.colour in ("red", "amber")]
        flagged.sort(key=lambda row: (row.colour != "red", row.score))
        sentences = []
        for row in flagged:
            todo = [
                fill_text(_action_key(key, figures), self.language, figures)
                for key in row.worst
                for figures in [row.components[key].figures if key in row.components else {}]
            ]
            sentences.append(
                self.t(
                    "circ.actions.sentence",
                    locality=row.name,
                    colour=self.colour(row.colour),
                    score=number_text(row.score),
                    responsible=row.responsible or self.t("circ.actions.no_officer"),
                    actions=self.t("circ.sep.actions").join(todo) or self.t("circ.actions.any"),
                )
            )
        return sentences

    def ranking_preview(self) -> list[dict[str, Any]]:
        return [
            {
                self.t("circ.col.rank"): row.rank,
                self.t("circ.col.locality"): row.name,
                self.t("circ.col.score"): row.score,
                self.t("circ.col.level"): self.colour(row.colour),
                self.t("circ.col.change"): self.change(row),
                self.t("circ.col.problems"): self.problems(row),
            }
            for row in self.rows
        ]

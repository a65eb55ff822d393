"""The readiness board: one ranking with ties shared (1, 2, 2, 4) on the overview and in the
circular, previous rank and change from the comparison snapshot, overdue changes that compare
counts with counts (never a capped list), overdue items major first, and old payloads."""

from __future__ import annotations

import copy
import io
from datetime import date, timedelta

import docx
import openpyxl

from registry.kernel import db
from registry.kernel.enums import PlanClass, PlanStatus, RiskLevel
from registry.kernel.models import Plan
from registry.kernel.permissions import SYSTEM
from registry.plans.queries import plan_register
from registry.readiness import board, circular, snapshots
from tests.conftest import sign_in
from tests.helpers import locality
from tests.readiness.test_circular import (
    SETTINGS,
    WEEK,
    make_payload,
    overdue_rectification,
    previous_payload,
)

TIED = (70.0, 85.0, 70.0)  # 新浦街道 and the third locality tie for second place


def ranks_by_name(result: board.Board) -> dict[str, int]:
    return {s.name: s.rank for s in result.ranking}


# --- ranks ------------------------------------------------------------------------------------


def test_equal_scores_share_a_rank_and_the_next_rank_is_skipped():
    payload = make_payload(scores=TIED)
    payload["localities"].append({**payload["localities"][1], "id": 4, "name": "洪门街道",
                                  "score": 40.0, "colour": "red"})  # fmt: skip
    ranking = board.build(payload).ranking
    assert [s.rank for s in ranking] == [1, 2, 2, 4]
    assert [s.score for s in ranking] == [85.0, 70.0, 70.0, 40.0]


def test_the_circular_gives_tied_localities_the_boards_shared_rank():
    built = circular.build(make_payload(scores=TIED), None, iso_week=WEEK)
    table = docx.Document(io.BytesIO(built.docx)).tables[0]
    assert [row.cells[0].text for row in table.rows[1:]] == ["1", "2", "2"]
    sheet = openpyxl.load_workbook(io.BytesIO(built.xlsx))["排名"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [1, 2, 2]
    assert [row["排名"] for row in built.ranking] == [1, 2, 2]


def test_the_overview_gives_tied_localities_one_rank(app, monkeypatch):
    real = snapshots.build_payload

    def tied(session, today, settings):
        """The live payload with the second-best locality brought level with the best."""
        payload = real(session, today, settings)
        best, second = sorted(payload["localities"], key=lambda loc: -loc["score"])[:2]
        second["score"] = best["score"]
        return payload

    monkeypatch.setattr(snapshots, "build_payload", tied)
    sign_in(app, "leader")
    assert not app.exception
    ranking = next(d.value for d in app.dataframe if "名次" in d.value.columns)
    assert list(ranking["名次"][:3]) == [1, 1, 3]
    assert ranking["备灾指数"][0] == ranking["备灾指数"][1]


# --- the change since the comparison snapshot -------------------------------------------------


def test_previous_rank_and_change_come_from_the_comparison_snapshot():
    result = board.build(make_payload(), previous_payload())
    assert result.compared_with == date(2026, 11, 13)
    xinpu = next(s for s in result.ranking if s.name == "新浦街道")
    assert (xinpu.rank, xinpu.previous_rank, xinpu.move) == (3, 2, -1)
    assert (xinpu.previous_score, xinpu.change) == (60.0, -5.0)
    assert result.tiles.district.change == 4.5
    assert result.tiles.red.change == 0  # one red locality then, one now


def test_without_a_comparison_snapshot_nothing_has_changed_or_moved():
    result = board.build(make_payload())
    assert result.compared_with is None
    assert all(s.previous_rank is None and s.move is None for s in result.ranking)
    assert all(s.change is None for s in result.ranking)
    assert result.tiles.overdue.change is None


def test_a_locality_new_since_last_week_has_no_previous_rank():
    previous = previous_payload()
    previous["localities"] = previous["localities"][:2]
    standing = board.build(make_payload(), previous).ranking
    newcomer = next(s for s in standing if s.locality_id == 3)
    assert (newcomer.previous_rank, newcomer.move, newcomer.change) == (None, None, None)


def test_campaign_coverage_changes_only_against_the_same_campaign():
    previous = previous_payload()
    previous["campaign"] = {**previous["campaign"], "share": 0.1}
    assert board.build(make_payload(), previous).tiles.campaign.change == 30.0
    previous["campaign"]["name"] = "汛前专项检查"
    assert board.build(make_payload(), previous).tiles.campaign.change is None


# --- overdue: counts with counts --------------------------------------------------------------


def test_overdue_change_compares_the_full_counts_not_the_capped_list(factory, actors):
    """60 overdue in one locality, none new this week: the snapshot lists only 50 of them,
    and a live count against that list would report ten more."""
    first, week = date(2026, 11, 11), date(2026, 11, 18)
    with db.transaction(factory) as session:
        for n in range(60):
            overdue_rectification(session, "新浦街道", f"责任人{n}", first - timedelta(days=n + 2),
                                  risk=RiskLevel.GENERAL)  # fmt: skip
        snapshots.take(session, actors["office"], today=first, settings=SETTINGS)
    with factory() as session:
        previous = snapshots.latest_on_or_before(session, first)
        result = board.live(session, week, SETTINGS)
    assert len(previous["overdue_rectifications"]) == snapshots.OVERDUE_PER_LOCALITY
    assert result.compared_with == first
    assert (result.tiles.overdue.value, result.tiles.overdue.change) == (60, 0)
    xinpu = next(s for s in result.ranking if s.name == "新浦街道")
    assert xinpu.overdue == 60
    assert len(result.overdue_of(xinpu.locality_id)) == snapshots.OVERDUE_PER_LOCALITY
    assert result.overdue_total == 60 + result.tiles.plans.value


def test_the_cap_keeps_a_major_hazard_that_is_less_overdue(factory, actors):
    """The snapshot keeps, per locality, the items the board shows first."""
    today = date(2026, 11, 18)
    with db.transaction(factory) as session:
        for n in range(snapshots.OVERDUE_PER_LOCALITY + 5):
            overdue_rectification(session, "新浦街道", f"责任人{n}", today - timedelta(days=n + 10),
                                  risk=RiskLevel.GENERAL)  # fmt: skip
        overdue_rectification(session, "新浦街道", "重大责任人", today - timedelta(days=1))
    with factory() as session:
        payload = snapshots.build_payload(session, today, SETTINGS)
    first = board.build(payload).overdue[0]
    assert (first.major, first.responsible, first.days_overdue) == (True, "重大责任人", 1)
    assert len(payload["overdue_rectifications"]) == snapshots.OVERDUE_PER_LOCALITY


def test_overdue_items_put_major_hazards_first_then_the_longest():
    payload = make_payload()
    payload["overdue_plans"][0]["days_overdue"] = 45
    payload["overdue_plans"][1]["days_overdue"] = 5
    items = board.build(payload).overdue
    assert [(i.kind, i.id) for i in items] == [
        ("rectification", 11),  # major, 30 days
        ("plan", 5),  # 45 days
        ("rectification", 12),  # 10 days
        ("plan", 6),  # 5 days
    ]
    assert items[1].clocks == ("filing", "drill")
    assert board.build(payload).plan_clocks == {"filing": 1, "evaluation": 1, "drill": 1}


def test_snapshot_plans_keep_how_long_they_are_overdue(factory, actors):
    today = date(2026, 11, 18)
    with db.transaction(factory) as session:
        session.add(
            Plan(title="新浦街道突发事件应急预案", locality_id=locality(session, "新浦街道").id,
                 plan_class=PlanClass.GRASSROOTS, version_label="2025版",
                 issued_on=today - timedelta(days=400), status=PlanStatus.CURRENT)
        )  # fmt: skip
    with factory() as session:
        (plan,) = snapshots.build_payload(session, today, SETTINGS)["overdue_plans"]
        (row,) = plan_register(session, SYSTEM, today=today, filters={"overdue_only": True})
    assert plan["overdue"] == ["filing"]
    assert plan["days_overdue"] == (today - row["filing_due"]).days > 0


# --- older snapshots --------------------------------------------------------------------------


def test_an_old_snapshot_without_counts_or_plan_days_still_builds():
    old = copy.deepcopy(make_payload())
    for loc in old["localities"]:
        del loc["components"]["rectifications"]["figures"]["overdue"]
    result = board.build(make_payload(), old)
    assert (result.tiles.overdue.value, result.tiles.overdue.change) == (2, 0)  # as listed
    assert all(item.days_overdue == 0 for item in result.overdue if item.kind == "plan")
    bare = copy.deepcopy(make_payload())
    for loc in bare["localities"]:
        del loc["components"], loc["worst"], loc["responsible"]
    standing = board.build(bare).ranking
    assert [s.worst for s in standing] == [(), (), ()]
    assert circular.build(bare, old, iso_week=WEEK).docx

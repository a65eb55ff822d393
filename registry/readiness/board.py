"""The readiness board (备灾看板): the district tiles with their change since the comparison
snapshot, the 镇街排名 with previous rank and change, and the overdue items in the order a
leader acts on them.

Built once, by ``build``, from a snapshot payload: a frozen snapshot for a past week's
circular, or (``live``) the payload ``snapshots.build_payload`` computes now for the leaders'
screen, so the overview and the 周通报 can never disagree about a figure. Equal scores share
a rank (competition ranking: 1, 2, 2, 4), compared at the payload's one decimal, as printed.
Overdue counts come from the scorecard's figures, which count every item; the listed items
stop at ``snapshots.OVERDUE_PER_LOCALITY`` per locality and are never counted. Payloads of
older snapshots lack some fields; what is missing is left out rather than refused, because a
past week's circular must still build.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from registry.kernel.enums import AuditEntity, RiskLevel
from registry.kernel.settings import Settings
from registry.readiness import scorecard as readiness
from registry.readiness import snapshots
from registry.readiness.payload import (
    LocalityPayload,
    OverduePlan,
    OverdueRectification,
    SnapshotPayload,
)

PLAN_CLOCKS = snapshots.PLAN_CLOCKS
RECTIFICATION = "rectification"
PLAN = "plan"


NOT_READ = frozenset(
    {
        AuditEntity.TASK, AuditEntity.DEPLOYMENT, AuditEntity.BROADCAST,
        AuditEntity.BROADCAST_TERMINAL, AuditEntity.WARNING, AuditEntity.DISASTER_REPORT,
        AuditEntity.DISASTER_CASUALTY, AuditEntity.DAMAGED_HOUSE, AuditEntity.ATTACHMENT,
        AuditEntity.USER, AuditEntity.API_TOKEN, AuditEntity.IMPORT_MAPPING,
        AuditEntity.ITEM_ALIAS,
    }
)  # fmt: skip
BOARD_READS = frozenset(AuditEntity) - NOT_READ
"""What the board is computed from: every record but those a response writes many times a
minute (tasks, deployments, broadcasts, warnings, disaster reports and their registers),
sign-ins (audited on the user) and the API's calls and settings."""


@dataclass(frozen=True)
class Tile:
    """One district figure and its change since the comparison snapshot (None: nothing to
    compare with); shares are 0–1 and change in percentage points."""

    value: float | None
    change: float | None


@dataclass(frozen=True)
class Tiles:
    district: Tile  # 0–100
    red: Tile
    amber: Tile
    green: Tile
    overdue: Tile  # overdue rectifications, every one
    major: Tile  # of which major hazards
    plans: Tile  # plans late on filing, evaluation or a drill
    campaign: Tile  # share of the current campaign's targets inspected
    stock: Tile  # share of quota lines met
    freshness: Tile  # share of depots and teams confirmed recently


@dataclass(frozen=True)
class Standing:
    """One locality's place in the 镇街排名, with last week's for the change."""

    locality_id: int
    name: str
    responsible: str | None
    score: float
    colour: str
    worst: tuple[str, ...]
    components: Mapping[str, readiness.Component]
    rank: int
    previous_score: float | None
    previous_rank: int | None
    overdue: int  # overdue rectifications, every one
    major: int

    @property
    def change(self) -> float | None:
        """Points gained since the comparison snapshot."""
        if self.previous_score is None:
            return None
        return round(self.score - self.previous_score, 1)

    @property
    def move(self) -> int | None:
        """Places gained since the comparison snapshot (negative: lost)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


@dataclass(frozen=True)
class OverdueItem:
    """An overdue rectification or plan; ``locality_id`` None is a district or department
    plan. ``clocks`` are a plan's late obligations (filing, evaluation, drill)."""

    kind: str  # RECTIFICATION or PLAN
    id: int
    locality_id: int | None
    title: str
    description: str | None
    risk_level: str | None
    status: str | None
    clocks: tuple[str, ...]
    days_overdue: int
    responsible: str | None

    @property
    def major(self) -> bool:
        return self.risk_level == RiskLevel.MAJOR.value


@dataclass(frozen=True)
class Board:
    as_of: date
    compared_with: date | None  # the comparison snapshot's day
    district_colour: str
    campaign_name: str | None
    plan_clocks: Mapping[str, int]  # late plans per obligation
    tiles: Tiles
    ranking: tuple[Standing, ...]  # best first
    overdue: tuple[OverdueItem, ...]  # major hazards first, then the longest overdue

    def standing(self, locality_id: int | None) -> Standing | None:
        return next((s for s in self.ranking if s.locality_id == locality_id), None)

    def overdue_of(self, locality_id: int | None) -> list[OverdueItem]:
        return [item for item in self.overdue if item.locality_id == locality_id]

    @property
    def overdue_total(self) -> int:
        """Overdue rectifications and plans in all, including those past the listing cap."""
        return int(self.tiles.overdue.value or 0) + int(self.tiles.plans.value or 0)


# --- ranks and counts --------------------------------------------------------------------------


def ranks(localities: Iterable[LocalityPayload]) -> list[tuple[int, LocalityPayload]]:
    """Best first; equal scores share a rank and the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(localities, key=lambda loc: (-loc["score"], loc["name"]))
    result: list[tuple[int, LocalityPayload]] = []
    for place, loc in enumerate(ordered, start=1):
        tied = result and result[-1][1]["score"] == loc["score"]
        result.append((result[-1][0] if tied else place, loc))
    return result


def _figures(loc: LocalityPayload, component: str) -> Mapping[str, Any]:
    """A component's figures; an older or hand-made payload may lack them."""
    part: Mapping[str, Any] = (loc.get("components") or {}).get(component) or {}
    return part.get("figures") or {}


def _listed(payload: SnapshotPayload) -> dict[int, tuple[int, int]]:
    """Overdue rectifications and major ones listed per locality (capped: never a count to
    show, only the stand-in for an older payload's missing count)."""
    listed = Counter(r["locality_id"] for r in payload["overdue_rectifications"])
    major = Counter(
        r["locality_id"]
        for r in payload["overdue_rectifications"]
        if r["risk_level"] == RiskLevel.MAJOR.value
    )
    return {locality_id: (n, major[locality_id]) for locality_id, n in listed.items()}


def _overdue_counts(loc: LocalityPayload, listed: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """Overdue rectifications and major ones of a locality: the scorecard's count of every
    one, or (an older payload without it) the items listed."""
    figures = _figures(loc, "rectifications")
    shown, shown_major = listed.get(loc["id"], (0, 0))
    if "overdue" not in figures:
        return shown, shown_major
    return max(shown, int(figures["overdue"])), int(figures.get("major", 0))


def _share(
    localities: list[LocalityPayload], component: str, top: str, bottom: str
) -> float | None:
    """Sum of ``top`` over sum of ``bottom`` across the localities' figures."""
    parts = [_figures(loc, component) for loc in localities]
    total = sum(p.get(bottom, 0) for p in parts)
    return sum(p.get(top, 0) for p in parts) / total if total else None


def _values(payload: SnapshotPayload) -> dict[str, float | None]:
    """The tile figures of one payload, before any comparison."""
    localities = payload["localities"]
    listed = _listed(payload)
    counts = [_overdue_counts(loc, listed) for loc in localities]
    colours = Counter(loc["colour"] for loc in localities)
    campaign = payload.get("campaign")
    return {
        "district": payload["district"]["score"],
        "red": colours["red"],
        "amber": colours["amber"],
        "green": colours["green"],
        "overdue": sum(c for c, _ in counts),
        "major": sum(m for _, m in counts),
        "plans": len(payload["overdue_plans"]),
        "campaign": campaign["share"] if campaign else None,
        "stock": _share(localities, "stock", "met", "lines"),
        "freshness": _share(localities, "freshness", "fresh", "records"),
    }


SHARES = ("campaign", "stock", "freshness")


def _change(key: str, now: float | None, then: float | None) -> float | None:
    if now is None or then is None:
        return None
    if key in SHARES:
        return round(100 * now - 100 * then, 1)
    return round(now - then, 1)


def _tiles(payload: SnapshotPayload, previous: SnapshotPayload | None) -> Tiles:
    now = _values(payload)
    then = _values(previous) if previous is not None else {}
    if _campaign_name(payload) != _campaign_name(previous):
        then.pop("campaign", None)  # another campaign's coverage is no comparison
    return Tiles(
        **{key: Tile(value, _change(key, value, then.get(key))) for key, value in now.items()}
    )


def _campaign_name(payload: SnapshotPayload | None) -> str | None:
    campaign = payload and payload.get("campaign")
    return campaign["name"] if campaign else None


# --- the ranking and the overdue items ---------------------------------------------------------


def _component(part: Mapping[str, Any]) -> readiness.Component:
    return readiness.Component(
        part.get("score"), dict(part.get("figures") or {}), list(part.get("who") or [])
    )


def _ranking(payload: SnapshotPayload, previous: SnapshotPayload | None) -> tuple[Standing, ...]:
    before = {
        loc["id"]: (rank, loc["score"])
        for rank, loc in ranks(previous["localities"] if previous else [])
    }
    listed = _listed(payload)
    standings = []
    for rank, loc in ranks(payload["localities"]):
        previous_rank, previous_score = before.get(loc["id"], (None, None))
        overdue, major = _overdue_counts(loc, listed)
        standings.append(
            Standing(
                locality_id=loc["id"],
                name=loc["name"],
                responsible=loc.get("responsible"),
                score=loc["score"],
                colour=loc["colour"],
                worst=tuple(loc.get("worst") or ()),
                components={
                    k: _component(part) for k, part in (loc.get("components") or {}).items()
                },
                rank=rank,
                previous_score=previous_score,
                previous_rank=previous_rank,
                overdue=overdue,
                major=major,
            )
        )
    return tuple(standings)


def _rectification(row: OverdueRectification) -> OverdueItem:
    return OverdueItem(
        kind=RECTIFICATION,
        id=row["id"],
        locality_id=row["locality_id"],
        title=row["target"],
        description=row["description"],
        risk_level=row["risk_level"],
        status=row.get("status"),
        clocks=(),
        days_overdue=row["days_overdue"],
        responsible=row.get("responsible"),
    )


def _plan(row: OverduePlan) -> OverdueItem:
    return OverdueItem(
        kind=PLAN,
        id=row["id"],
        locality_id=row["locality_id"],
        title=row["title"],
        description=None,
        risk_level=None,
        status=None,
        clocks=tuple(k for k in PLAN_CLOCKS if k in row["overdue"]),
        days_overdue=row.get("days_overdue", 0),  # older snapshots did not keep it
        responsible=row.get("owner"),
    )


def _overdue(payload: SnapshotPayload) -> tuple[OverdueItem, ...]:
    """Major hazards first, then the longest overdue (the snapshot keeps, per locality, the
    items that come first in this order)."""
    items = [_rectification(r) for r in payload["overdue_rectifications"]]
    items += [_plan(p) for p in payload["overdue_plans"]]
    items.sort(key=lambda i: (not i.major, -i.days_overdue, i.kind == PLAN, i.id))
    return tuple(items)


def live(session: Session, today: date, settings: Settings) -> Board:
    """Today's board, computed now through the payload a snapshot would freeze, compared with
    the snapshot a week old."""
    payload = snapshots.build_payload(session, today, settings)
    return build(payload, snapshots.week_before(session, payload))


def build(payload: SnapshotPayload, previous: SnapshotPayload | None = None) -> Board:
    """The board of ``payload``, compared with ``previous`` (last week's snapshot, if any)."""
    late = Counter(k for plan in payload["overdue_plans"] for k in plan["overdue"])
    return Board(
        as_of=date.fromisoformat(payload["as_of"]),
        compared_with=date.fromisoformat(previous["as_of"]) if previous else None,
        district_colour=payload["district"]["colour"],
        campaign_name=_campaign_name(payload),
        plan_clocks={k: late[k] for k in PLAN_CLOCKS},
        tiles=_tiles(payload, previous),
        ranking=_ranking(payload, previous),
        overdue=_overdue(payload),
    )

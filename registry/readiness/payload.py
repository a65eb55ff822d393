"""The shape of a readiness snapshot's payload: the JSON a snapshot stores and the board, the
overview and the circular read. One definition, so a renamed key fails the type checker
instead of a leader's screen. The keys are stored in snapshots already taken: never rename."""

from __future__ import annotations

from datetime import date
from typing import Any, NotRequired, TypedDict


class DistrictPayload(TypedDict):
    score: float
    colour: str


class CampaignPayload(TypedDict):
    name: str
    starts_on: str  # ISO date
    ends_on: str  # ISO date
    share: float


class ComponentPayload(TypedDict):
    """One scorecard component; ``figures`` differ per component (counts, shares, names)."""

    score: float | None
    figures: dict[str, Any]
    who: list[str]


class LocalityPayload(TypedDict):
    id: int
    name: str
    responsible: str | None
    score: float
    colour: str
    worst: list[str]
    components: dict[str, ComponentPayload]


class OverdueRectification(TypedDict):
    id: int
    locality_id: int
    target: str
    description: str
    risk_level: str
    status: str
    deadline: str  # ISO date
    days_overdue: int
    responsible: str | None


class OverduePlan(TypedDict):
    id: int
    locality_id: int | None  # None: a district or department plan
    title: str
    owner: str | None
    overdue: list[str]  # of "filing", "evaluation", "drill"
    days_overdue: NotRequired[int]  # since the earliest late obligation; older snapshots lack it


class Thresholds(TypedDict):
    green: float
    amber: float


class SnapshotPayload(TypedDict):
    """A snapshot as stored; ``is_demo`` is set when the snapshot is taken (a live payload
    built for the screen has none)."""

    version: int
    as_of: str  # ISO date
    district: DistrictPayload
    campaign: CampaignPayload | None
    weights: dict[str, float]
    thresholds: Thresholds
    localities: list[LocalityPayload]
    overdue_rectifications: list[OverdueRectification]
    overdue_plans: list[OverduePlan]
    is_demo: NotRequired[bool]


class SeriesRow(TypedDict):
    """One point of the score trend; ``locality_id`` None is the district."""

    as_of: date
    locality_id: int | None
    name: str | None
    score: float

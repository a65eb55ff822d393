"""专项检查: campaigns, their targets, coverage and progress ("不留死角": leave no blind spot).

A campaign's targets are the active depots, teams and checkpoints its scope holds, plus every
record already inspected under it (retired since, or moved out of scope), so history never
vanishes and coverage never exceeds 100 %. Every read is a handful of grouped queries,
whatever the number of targets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Subquery, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from registry.fieldwork.reinspection import flagged
from registry.kernel import deadlines, editing, validation
from registry.kernel.enums import (
    AuditEntity,
    CampaignTargetStatus,
    CheckpointType,
    InspectionResult,
    InspectionTarget,
    RecordStatus,
    RectificationStatus,
)
from registry.kernel.errors import ValidationError
from registry.kernel.models import (
    Campaign,
    Checkpoint,
    Depot,
    Inspection,
    Locality,
    Rectification,
    Team,
)
from registry.kernel.permissions import Action, Actor, require

UPCOMING, RUNNING, ENDED = "upcoming", "running", "ended"
V = TypeVar("V")
LIST_COLUMN_LENGTH = 255  # campaigns.checkpoint_types and campaigns.locality_ids
MODELS: dict[InspectionTarget, type[Any]] = {  # type and risk_level: checkpoints only
    InspectionTarget.DEPOT: Depot,
    InspectionTarget.CHECKPOINT: Checkpoint,
    InspectionTarget.TEAM: Team,
}
TARGET_COLUMNS = {
    InspectionTarget.DEPOT: Inspection.depot_id,
    InspectionTarget.CHECKPOINT: Inspection.checkpoint_id,
    InspectionTarget.TEAM: Inspection.team_id,
}
KIND_ORDER = {kind: index for index, kind in enumerate(InspectionTarget)}


# --- scope -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a campaign covers; ``None`` for types or localities means all of them."""

    kinds: frozenset[InspectionTarget]
    types: frozenset[CheckpointType] | None
    localities: frozenset[int] | None

    @classmethod
    def of(cls, campaign: Campaign) -> Scope:
        return cls(
            kinds=frozenset(InspectionTarget(k) for k in _split(campaign.target_kinds)),
            types=_optional(CheckpointType(t) for t in _split(campaign.checkpoint_types)),
            localities=_optional(int(i) for i in _split(campaign.locality_ids)),
        )

    def holds(
        self,
        kind: InspectionTarget | str,
        locality_id: int,
        checkpoint_type: CheckpointType | str | None = None,
    ) -> bool:
        """True when a target of this kind, locality and checkpoint type is in scope."""
        kind = InspectionTarget(kind)
        if kind not in self.kinds:
            return False
        if self.localities is not None and locality_id not in self.localities:
            return False
        if kind is not InspectionTarget.CHECKPOINT or self.types is None:
            return True
        return checkpoint_type is not None and CheckpointType(checkpoint_type) in self.types

    def conditions(self, kind: InspectionTarget) -> list[Any]:
        """The same test as SQL conditions on the kind's table (empty list: everything)."""
        if kind not in self.kinds:
            return [false()]
        model = MODELS[kind]
        conditions = []
        if self.localities is not None:
            conditions.append(model.locality_id.in_(sorted(self.localities)))
        if kind is InspectionTarget.CHECKPOINT and self.types is not None:
            conditions.append(model.type.in_(sorted(self.types)))
        return conditions


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _optional(values: Iterable[V]) -> frozenset[V] | None:
    chosen = frozenset(values)
    return chosen or None


def phase(campaign: Campaign, today: date) -> str:
    """ "upcoming", "running" or "ended": the window decides, both ends inclusive."""
    if today < campaign.starts_on:
        return UPCOMING
    return ENDED if deadlines.is_overdue(campaign.ends_on, today) else RUNNING


# --- writing -----------------------------------------------------------------------------


def _date(value: Any, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value in (None, ""):
        raise ValidationError("error.required", field=field)
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError("error.not_a_date", field=field, value=value) from None


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return _split(value)
    return [v for v in value if v not in (None, "")]


def _joined(values: list[str], field: str) -> str | None:
    text = ",".join(values) or None
    if text is not None and len(text) > LIST_COLUMN_LENGTH:
        raise ValidationError("error.too_many_chosen", field=field)
    return text


def _values(
    session: Session, data: dict[str, Any], campaign_id: int | None = None
) -> dict[str, Any]:
    """Validate a whole campaign; lists are stored in a fixed order, so equal scopes compare
    equal and the audit trail shows real changes only."""
    name = validation.text(data.get("name"), "name")
    clash = select(Campaign.id).where(Campaign.name == name)
    if campaign_id is not None:
        clash = clash.where(Campaign.id != campaign_id)
    if session.scalar(clash.limit(1)) is not None:
        raise ValidationError("error.campaign_exists", field="name", name=name)
    starts_on = _date(data.get("starts_on"), "starts_on")
    ends_on = _date(data.get("ends_on"), "ends_on")
    if ends_on < starts_on:
        raise ValidationError(
            "error.ends_before_start", field="ends_on", day=ends_on, start=starts_on
        )
    kinds = {
        validation.choice(k, InspectionTarget, "target_kinds")
        for k in _listed(data.get("target_kinds"))
    }
    if not kinds:
        raise ValidationError("error.choose_one", field="target_kinds")
    types = {
        validation.choice(t, CheckpointType, "checkpoint_types")
        for t in _listed(data.get("checkpoint_types"))
    }
    if InspectionTarget.CHECKPOINT not in kinds:
        types = set()  # types only narrow checkpoints
    localities = set()
    for raw in _listed(data.get("locality_ids")):
        try:
            localities.add(int(raw))
        except (TypeError, ValueError):
            raise ValidationError("error.not_an_id", field="locality_ids", value=raw) from None
    if localities:
        known = set(session.scalars(select(Locality.id).where(Locality.id.in_(localities))))
        if unknown := sorted(localities - known):
            raise ValidationError(
                "error.unknown_localities", field="locality_ids", ids=", ".join(map(str, unknown))
            )
    return {
        "name": name,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "target_kinds": ",".join(k.value for k in InspectionTarget if k in kinds),
        "checkpoint_types": _joined(
            [t.value for t in CheckpointType if t in types], "checkpoint_types"
        ),
        "locality_ids": _joined([str(i) for i in sorted(localities)], "locality_ids"),
        "description": validation.text(
            data.get("description"), "description", max_len=2000, required=False
        ),
    }


def create_campaign(
    session: Session, actor: Actor, data: dict[str, Any], *, is_demo: bool = False
) -> Campaign:
    """Open a campaign. ``data``: name, starts_on, ends_on, target_kinds, checkpoint_types
    (empty: all), locality_ids (empty: all), description."""
    require(actor, Action.MANAGE_CAMPAIGNS)
    values = _values(session, data)
    campaign = Campaign(**values, created_by=actor.user_id, is_demo=is_demo)
    return editing.create(session, actor, campaign, AuditEntity.CAMPAIGN, None)


def update_campaign(
    session: Session, actor: Actor, campaign_id: int, expected_version: int, data: dict[str, Any]
) -> Campaign:
    """Change a campaign as a whole. The window may not shrink past inspections already made
    under it: they would fall outside their own campaign."""
    require(actor, Action.MANAGE_CAMPAIGNS)
    campaign = editing.load(session, Campaign, campaign_id, AuditEntity.CAMPAIGN)
    # stale: say so first
    editing.check_version(session, campaign, AuditEntity.CAMPAIGN, expected_version)
    current = {c.key: getattr(campaign, c.key) for c in campaign.__mapper__.column_attrs}
    values = _values(session, {**current, **data}, campaign.id)
    first, last = session.execute(
        select(func.min(Inspection.inspected_on), func.max(Inspection.inspected_on)).where(
            Inspection.campaign_id == campaign.id
        )
    ).one()
    if first is not None and values["starts_on"] > first:
        raise ValidationError("error.campaign_inspected_on", field="starts_on", day=first)
    if last is not None and values["ends_on"] < last:
        raise ValidationError("error.campaign_inspected_on", field="ends_on", day=last)
    editing.apply(
        session,
        actor,
        campaign,
        AuditEntity.CAMPAIGN,
        values,
        expected_version=expected_version,
        locality_id=None,
    )
    return campaign


def matching_campaign(
    session: Session,
    target_kind: InspectionTarget,
    locality_id: int,
    checkpoint_type: CheckpointType | None,
    day: date,
) -> Campaign | None:
    """The campaign a new inspection on ``day`` belongs to: its window holds the day and its
    scope the target; of several, the one that started last (then the one created last)."""
    running = session.scalars(
        select(Campaign)
        .where(Campaign.starts_on <= day, Campaign.ends_on >= day)
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    )
    return next(
        (c for c in running if Scope.of(c).holds(target_kind, locality_id, checkpoint_type)), None
    )


# --- reading -----------------------------------------------------------------------------


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ValidationError(
            "error.not_found", field="campaign_id", entity=AuditEntity.CAMPAIGN, id=campaign_id
        )
    return campaign


def _per_target(kind: InspectionTarget, campaign_ids: list[int] | None) -> Subquery:
    """One row per (campaign, inspected target of ``kind``): dates, findings and whether any
    is still open. A 'findings' result without a registered rectification counts as open."""
    target = TARGET_COLUMNS[kind]
    is_open = case(
        (
            and_(Rectification.id.is_not(None), Rectification.status != RectificationStatus.CLOSED),
            1,
        ),
        (and_(Rectification.id.is_(None), Inspection.result == InspectionResult.FINDINGS), 1),
        else_=0,
    )
    query = (
        select(
            Inspection.campaign_id.label("campaign_id"),
            target.label("target_id"),
            func.min(Inspection.inspected_on).label("first_on"),
            func.max(Inspection.inspected_on).label("last_on"),
            func.count(Rectification.id).label("findings"),
            func.max(is_open).label("is_open"),
        )
        .outerjoin(Rectification, Rectification.inspection_id == Inspection.id)
        .where(Inspection.campaign_id.is_not(None), target.is_not(None))
        .group_by(Inspection.campaign_id, target)
    )
    if campaign_ids is not None:
        query = query.where(Inspection.campaign_id.in_(campaign_ids))
    return query.subquery()


@dataclass
class Tally:
    """Counts for one locality (or, summed, the district) of one campaign."""

    targets: int = 0
    inspected: int = 0
    open_findings: int = 0  # targets with a finding not yet closed


def _tallies(session: Session, campaigns: list[Campaign]) -> dict[int, dict[int, Tally]]:
    """campaign id → locality id → tally, from counts of active records grouped by locality
    and type and counts of inspected targets grouped the same way: six grouped queries."""
    result: dict[int, dict[int, Tally]] = {c.id: defaultdict(Tally) for c in campaigns}
    scopes = {c.id: Scope.of(c) for c in campaigns}
    if not campaigns:
        return result
    for kind, model in MODELS.items():
        typed = [model.type] if kind is InspectionTarget.CHECKPOINT else []
        cells = session.execute(
            select(model.locality_id, *typed, func.count())
            .where(model.status == RecordStatus.ACTIVE)
            .group_by(model.locality_id, *typed)
        ).all()
        for campaign_id, scope in scopes.items():
            for locality_id, *rest in cells:
                checkpoint_type = rest[0] if typed else None
                if scope.holds(kind, locality_id, checkpoint_type):
                    result[campaign_id][locality_id].targets += rest[-1]
        done = _per_target(kind, list(scopes))
        groups = session.execute(
            select(
                done.c.campaign_id,
                model.status,
                model.locality_id,
                *typed,
                func.count(),
                func.sum(done.c.is_open),
            )
            .join(model, model.id == done.c.target_id)
            .group_by(done.c.campaign_id, model.status, model.locality_id, *typed)
        ).all()
        for campaign_id, status, locality_id, *rest in groups:
            checkpoint_type = rest[0] if typed else None
            count, open_count = rest[-2], int(rest[-1] or 0)
            tally = result[campaign_id][locality_id]
            tally.inspected += count
            tally.open_findings += open_count
            counted = status is RecordStatus.ACTIVE and scopes[campaign_id].holds(
                kind, locality_id, checkpoint_type
            )
            if not counted:  # retired or out of scope now: a target because it was inspected
                tally.targets += count
    return result


def _figures(tally: Tally) -> dict[str, Any]:
    return {
        "targets": tally.targets,
        "inspected": tally.inspected,
        "not_inspected": tally.targets - tally.inspected,
        "share": tally.inspected / tally.targets if tally.targets else None,
        "open_findings": tally.open_findings,
    }


def _district(tallies: dict[int, Tally]) -> Tally:
    total = Tally()
    for tally in tallies.values():
        total.targets += tally.targets
        total.inspected += tally.inspected
        total.open_findings += tally.open_findings
    return total


def _describe(campaign: Campaign, today: date) -> dict[str, Any]:
    scope = Scope.of(campaign)
    return {
        "id": campaign.id,
        "name": campaign.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "phase": phase(campaign, today),
        "target_kinds": [k for k in InspectionTarget if k in scope.kinds],
        "checkpoint_types": None
        if scope.types is None
        else [t for t in CheckpointType if t in scope.types],
        "locality_ids": None if scope.localities is None else sorted(scope.localities),
        "description": campaign.description,
        "created_by": campaign.created_by,
        "is_demo": campaign.is_demo,
        "version": campaign.version,
    }


def list_campaigns(session: Session, today: date) -> list[dict[str, Any]]:
    """Every campaign, newest first, with its phase and district coverage."""
    campaigns = list(
        session.scalars(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()))
    )
    tallies = _tallies(session, campaigns)
    return [{**_describe(c, today), **_figures(_district(tallies[c.id]))} for c in campaigns]


def coverage(session: Session, campaign_id: int) -> dict[str, Any]:
    """District figures and one row per locality with targets, worst covered first."""
    campaign = _campaign(session, campaign_id)
    tallies = _tallies(session, [campaign])[campaign.id]
    names = {
        loc_id: (name, code)
        for loc_id, name, code in session.execute(
            select(Locality.id, Locality.name, Locality.mca_code)
        )
    }
    rows = [
        {"locality_id": loc_id, "locality": names[loc_id][0], **_figures(tally)}
        for loc_id, tally in tallies.items()
        if tally.targets
    ]
    rows.sort(key=lambda r: (r["share"], -r["not_inspected"], names[r["locality_id"]][1] or ""))
    return {"district": _figures(_district(tallies)), "localities": rows}


def _status(findings: int, is_open: int | None) -> CampaignTargetStatus:
    if is_open:
        return CampaignTargetStatus.OPEN_FINDINGS
    return CampaignTargetStatus.FINDINGS_CLOSED if findings else CampaignTargetStatus.PASSED


def _last_inspector(kind: InspectionTarget, campaign_id: int) -> Subquery:
    """Who made the latest inspection of each target under the campaign."""
    target = TARGET_COLUMNS[kind]
    ranked = (
        select(
            target.label("target_id"),
            Inspection.inspector.label("inspector"),
            func.row_number()
            .over(
                partition_by=target,
                order_by=(Inspection.inspected_on.desc(), Inspection.id.desc()),
            )
            .label("rank"),
        )
        .where(Inspection.campaign_id == campaign_id, target.is_not(None))
        .subquery()
    )
    return select(ranked.c.target_id, ranked.c.inspector).where(ranked.c.rank == 1).subquery()


def campaign_targets(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Every target of the campaign with its status: three queries, one per kind. A
    checkpoint an after-action review found failed and nobody has inspected since is marked
    ``reinspect`` in a campaign that had not ended by the review."""
    campaign = _campaign(session, campaign_id)
    scope = Scope.of(campaign)
    owed = {i for i, f in flagged(session).items() if f.reviewed_on <= campaign.ends_on}
    rows = []
    for kind, model in MODELS.items():
        done = _per_target(kind, [campaign.id])
        last = _last_inspector(kind, campaign.id)
        checkpoint = kind is InspectionTarget.CHECKPOINT
        extra = [model.type, model.risk_level] if checkpoint else []
        query = (
            select(
                model.id.label("id"),
                model.name.label("name"),
                model.locality_id.label("locality_id"),
                Locality.name.label("locality"),
                Locality.mca_code.label("code"),
                model.status.label("record_status"),
                done.c.last_on,
                done.c.findings,
                done.c.is_open,
                last.c.inspector,
                *extra,
            )
            .join(Locality, Locality.id == model.locality_id)
            .outerjoin(done, done.c.target_id == model.id)
            .outerjoin(last, last.c.target_id == model.id)
            .where(
                or_(
                    and_(model.status == RecordStatus.ACTIVE, *scope.conditions(kind)),
                    done.c.target_id.is_not(None),
                )
            )
        )
        for row in session.execute(query):
            rows.append(
                {
                    "kind": kind,
                    "id": row.id,
                    "name": row.name,
                    "locality_id": row.locality_id,
                    "locality": row.locality,
                    "checkpoint_type": row.type if checkpoint else None,
                    "risk_level": row.risk_level if checkpoint else None,
                    "retired": row.record_status is RecordStatus.RETIRED,
                    "status": CampaignTargetStatus.NOT_INSPECTED
                    if row.last_on is None
                    else _status(row.findings, row.is_open),
                    "last_inspected_on": row.last_on,
                    "inspector": row.inspector,
                    "reinspect": checkpoint and row.id in owed,
                    "_order": (row.code or "", KIND_ORDER[kind], row.name, row.id),
                }
            )
    rows.sort(key=lambda r: r["_order"])
    for line in rows:
        del line["_order"]
    return rows


def progress(session: Session, campaign_id: int, today: date) -> list[dict[str, Any]]:
    """Day by day from the start to today (or the end): targets inspected so far, and the
    even pace (all targets × share of the window gone) to compare with. Empty before the
    start. Days count as calendar days, both window ends included."""
    campaign = _campaign(session, campaign_id)
    if today < campaign.starts_on:
        return []
    total = _district(_tallies(session, [campaign])[campaign.id]).targets
    firsts: dict[date, int] = defaultdict(int)
    for kind in MODELS:
        done = _per_target(kind, [campaign.id])
        for first_on, count in session.execute(
            select(done.c.first_on, func.count()).group_by(done.c.first_on)
        ):
            firsts[first_on] += count
    window = (campaign.ends_on - campaign.starts_on).days + 1
    last = min(today, campaign.ends_on)
    early = sum(n for day, n in firsts.items() if day < campaign.starts_on)
    rows, inspected = [], early
    for offset in range((last - campaign.starts_on).days + 1):
        day = campaign.starts_on + timedelta(days=offset)
        inspected += firsts.get(day, 0)
        rows.append(
            {"day": day, "inspected": inspected, "even_pace": total * (offset + 1) / window}
        )
    return rows

"""The domain model (docs/ARCHITECTURE.md, the domain model) as SQLAlchemy 2 tables.

Points are WGS-84 longitude/latitude columns; polygons are GeoJSON text. Every editable
record carries ``version`` (SQLAlchemy's version counter), so a stale save is refused.
Synthetic records carry ``is_demo`` so the UI can label them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from registry.kernel import enums
from registry.kernel.clock import utcnow


def enum_column(kind: type[StrEnum], **kwargs: Any) -> Mapped[Any]:
    """A portable enum: a VARCHAR with a CHECK constraint, storing the value."""
    return mapped_column(
        SAEnum(
            kind,
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda e: [m.value for m in e],
            name=f"ck_{kind.__name__.lower()}",
        ),
        **kwargs,
    )


class Hundredths(TypeDecorator[Decimal]):
    """A non-negative decimal with two places (公顷, 万元) kept as an integer of hundredths, so
    SQLite and PostgreSQL store and add it exactly alike."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        return None if value is None else int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value) / 100


class Base(DeclarativeBase):
    """The metadata every table and migration shares."""


class Versioned:
    """Optimistic locking: every UPDATE checks and bumps ``version`` (stale saves fail)."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        table: Table = cls.__table__  # type: ignore[attr-defined]  # set on the mapped subclass
        return {"version_id_col": table.c.version}


class Locality(Versioned, Base):
    __tablename__ = "localities"

    id: Mapped[int] = mapped_column(primary_key=True)
    nbs_code: Mapped[str] = mapped_column(String(12), unique=True)  # statistics bureau, 12 digits
    mca_code: Mapped[str | None] = mapped_column(String(9), unique=True)  # civil affairs, 9 digits
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[enums.LocalityKind] = enum_column(enums.LocalityKind)
    population: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int | None] = mapped_column(Integer)
    village_committees: Mapped[int | None] = mapped_column(Integer)
    seat_lon: Mapped[float | None] = mapped_column(Float)
    seat_lat: Mapped[float | None] = mapped_column(Float)
    seat_status: Mapped[str | None] = mapped_column(String(16))
    boundary_geojson: Mapped[str | None] = mapped_column(Text)
    boundary_source: Mapped[enums.BoundarySource] = enum_column(
        enums.BoundarySource, default=enums.BoundarySource.APPROXIMATE
    )
    boundary_note: Mapped[str | None] = mapped_column(Text)
    responsible_officer: Mapped[str | None] = mapped_column(String(64))
    officer_phone: Mapped[str | None] = mapped_column(String(32))
    population_is_estimate: Mapped[bool] = mapped_column(Boolean, default=True)


class ItemCategory(Base):
    """GB/T 38565-2020 classes: 7-digit codes, level 1 to 4; only the 3 大类 are official."""

    __tablename__ = "item_categories"

    code: Mapped[str] = mapped_column(String(7), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("item_categories.code"))
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    source: Mapped[str] = mapped_column(String(16))  # "GB/T 38565" or "local"


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (CheckConstraint("length(code) = 7", name="ck_item_code_7"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(7), unique=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("item_categories.code"))
    name: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(96))
    unit: Mapped[str] = mapped_column(String(8))
    spec: Mapped[str | None] = mapped_column(String(64))
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)


class User(Versioned, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[enums.Role] = enum_column(enums.Role)
    password_hash: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Bumped by a password change, disabling, a role or locality change and "sign out
    # everywhere": a sign-in made under an older generation is no longer valid.
    sign_in_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    localities: Mapped[list[Locality]] = relationship(secondary="user_localities")


class SignInSession(Base):
    """A lasting sign-in: the browser holds a random token in an HttpOnly cookie, the database
    only its SHA-256, so a stolen database copy signs nobody in. Shared by every instance."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    generation: Mapped[int] = mapped_column(Integer)  # the account's, when signed in
    method: Mapped[str] = mapped_column(String(16))  # "password" or "oidc"
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # the absolute lifetime
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))


class ApiToken(Base):
    """A token for another system's calls to the JSON API and OGC API (``Authorization:
    Bearer``): named, read-only or read-write, for the district or some localities, until an
    expiry. The caller holds the token; the database keeps only its SHA-256, as for sign-ins."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[enums.TokenScope] = enum_column(enums.TokenScope)
    district: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    localities: Mapped[list[Locality]] = relationship(
        secondary="api_token_localities", order_by="Locality.id"
    )


class ApiTokenLocality(Base):
    __tablename__ = "api_token_localities"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), primary_key=True)


class ImportMapping(Versioned, Base):
    """How an office's own workbook maps to an import: its columns (header → field, or
    null for a column not imported), saved for the locality and the sheet's shape (its
    kind and headers) and offered when a sheet of that shape comes again."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("kind", "shape", "locality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    shape: Mapped[str] = mapped_column(String(32), index=True)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"))
    name: Mapped[str] = mapped_column(String(64))
    columns: Mapped[str] = mapped_column(Text)  # JSON: [[header, field or null], …] in order
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ItemAlias(Base):
    """A name an office writes for a catalogue item (棉被（加厚） for 棉被), confirmed once by
    a user and recognised in every later import."""

    __tablename__ = "item_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(128), unique=True)  # normalised
    written: Mapped[str] = mapped_column(String(128))  # as first written
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class EarlyWarning(Base):
    """A warning (预警) as issued: imported from a GB/T 35965.1 (CAP 1.2) message or entered
    by hand. Its area is kept as issued (polygon and/or region codes) and as the localities
    it touches; an Update or Cancel message of the issuer changes ``state``."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(128), unique=True)
    sender: Mapped[str] = mapped_column(String(128))
    sender_name: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    is_exercise: Mapped[bool] = mapped_column(Boolean, default=False)
    msg_type: Mapped[str] = mapped_column(String(16))  # Alert, Update (Cancel changes state)
    references: Mapped[str | None] = mapped_column(Text)
    warning_type: Mapped[enums.WarningType] = enum_column(enums.WarningType)
    level: Mapped[enums.WarningLevel] = enum_column(enums.WarningLevel)
    headline: Mapped[str] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text)
    instruction: Mapped[str | None] = mapped_column(Text)
    effective_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    area_description: Mapped[str | None] = mapped_column(Text)
    area_geojson: Mapped[str | None] = mapped_column(Text)  # WGS-84, as issued
    area_codes: Mapped[str | None] = mapped_column(Text)  # GB/T 2260 codes, comma-separated
    state: Mapped[enums.WarningState] = enum_column(
        enums.WarningState, default=enums.WarningState.IN_FORCE
    )
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"))
    source: Mapped[str] = mapped_column(String(16))  # "cap" or "manual"
    message: Mapped[str | None] = mapped_column(Text)  # the CAP XML as received
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    localities: Mapped[list[Locality]] = relationship(secondary="warning_localities")


class WarningLocality(Base):
    __tablename__ = "warning_localities"

    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), primary_key=True)


class Event(Versioned, Base):
    """An event (事件) the district responds to: opened by the office from warnings or by
    hand, at a response level, over localities or a drawn area, activating plans."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(256))
    hazard: Mapped[enums.WarningType] = enum_column(enums.WarningType)
    level: Mapped[enums.ResponseLevel] = enum_column(enums.ResponseLevel)
    state: Mapped[enums.EventState] = enum_column(enums.EventState, default=enums.EventState.OPEN)
    area_geojson: Mapped[str | None] = mapped_column(Text)  # a drawn polygon, WGS-84
    duty_leader: Mapped[str | None] = mapped_column(String(64))  # 值班领导
    duty_officer: Mapped[str | None] = mapped_column(String(64))  # 值班员
    note: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    stable_at: Mapped[datetime | None] = mapped_column(DateTime)  # 灾情稳定: 核报 falls due
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    localities: Mapped[list[Locality]] = relationship(secondary="event_localities")
    warnings: Mapped[list[EarlyWarning]] = relationship(secondary="event_warnings")
    plans: Mapped[list[Plan]] = relationship(secondary="event_plans")


class EventLocality(Base):
    __tablename__ = "event_localities"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), primary_key=True)


class EventWarning(Base):
    __tablename__ = "event_warnings"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), primary_key=True)


class EventPlan(Base):
    __tablename__ = "event_plans"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)


class EventLogEntry(Base):
    """The event's timeline: one line per thing that happened (level change, task step,
    dispatch, deployment, broadcast), written by the use-case that did it."""

    __tablename__ = "event_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(48))  # an i18n key suffix: event.log.<kind>
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the message's values


class HazardExposure(Base):
    """Which checkpoint types a hazard threatens (rainstorm → 易涝点 …): configurable, loaded
    with defaults from data/hazard_exposure.csv."""

    __tablename__ = "hazard_exposure"

    hazard: Mapped[enums.WarningType] = enum_column(enums.WarningType, primary_key=True)
    checkpoint_type: Mapped[enums.CheckpointType] = enum_column(
        enums.CheckpointType, primary_key=True
    )
    task_kind: Mapped[enums.TaskKind] = enum_column(enums.TaskKind)


class HazardMaterial(Base):
    """What a hazard calls for per affected locality (configurable, data/hazard_materials.csv):
    the pre-positioning plan is measured against it."""

    __tablename__ = "hazard_materials"

    hazard: Mapped[enums.WarningType] = enum_column(enums.WarningType, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    quantity_per_locality: Mapped[int] = mapped_column(Integer)


class ResponseTask(Versioned, Base):
    """A task of an event (巡查 / 转移避险 / 封控), usually at a threatened checkpoint."""

    __tablename__ = "response_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    kind: Mapped[enums.TaskKind] = enum_column(enums.TaskKind)
    title: Mapped[str] = mapped_column(String(256))
    assignee: Mapped[str | None] = mapped_column(String(64))
    assignee_phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[enums.TaskStatus] = enum_column(
        enums.TaskStatus, default=enums.TaskStatus.PENDING
    )
    evacuated: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)  # 已到岗
    done_at: Mapped[datetime | None] = mapped_column(DateTime)  # 已处置 / 已转移
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class TaskStep(Base):
    """One step of a task: who, when, the status reached, a note; photos are attachments."""

    __tablename__ = "task_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("response_tasks.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[enums.TaskStatus] = enum_column(enums.TaskStatus)
    evacuated: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)


class Dispatch(Base):
    """A dispatch order (调拨单) of an event: suggested, edited, then issued as transfers."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)  # given at issue
    state: Mapped[enums.DispatchState] = enum_column(
        enums.DispatchState, default=enums.DispatchState.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    lines: Mapped[list[DispatchLine]] = relationship(
        back_populates="dispatch", cascade="all, delete-orphan", order_by="DispatchLine.id"
    )


class DispatchLine(Base):
    __tablename__ = "dispatch_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    from_depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    to_depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    dispatch: Mapped[Dispatch] = relationship(back_populates="lines")


class Deployment(Versioned, Base):
    """A team sent by an event to a locality or a task; busy until it has withdrawn."""

    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("response_tasks.id"))
    status: Mapped[enums.DeploymentStatus] = enum_column(
        enums.DeploymentStatus, default=enums.DeploymentStatus.STANDBY
    )
    head_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class DisasterReport(Versioned, Base):
    """A town's disaster report (灾情报告) in an event: 初报, 续报 or 核报, figures cumulative to
    ``figures_to``; a 零报告 repeats the town's last figures. Filed once, never edited: the
    office accepts it or returns it (退回) and the town files a corrected one."""

    __tablename__ = "disaster_reports"
    __table_args__ = (Index("ix_disaster_report_event_town", "event_id", "locality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    stage: Mapped[enums.ReportStage] = enum_column(enums.ReportStage)
    sequence: Mapped[int] = mapped_column(Integer, default=1)  # 第 n 次续报
    is_zero: Mapped[bool] = mapped_column(Boolean, default=False)  # 零报告
    figures_to: Mapped[datetime] = mapped_column(DateTime)  # 统计截止时间
    state: Mapped[enums.ReportState] = enum_column(
        enums.ReportState, default=enums.ReportState.SUBMITTED
    )
    # 快报 indicators (registry/disasters/indicators.py names their units)
    affected_people: Mapped[int] = mapped_column(Integer, default=0)  # 受灾人口 人
    deaths: Mapped[int] = mapped_column(Integer, default=0)  # 因灾死亡人口 人
    missing: Mapped[int] = mapped_column(Integer, default=0)  # 因灾失踪人口 人
    relocated: Mapped[int] = mapped_column(Integer, default=0)  # 紧急转移安置人口 人
    needing_aid: Mapped[int] = mapped_column(Integer, default=0)  # 需紧急生活救助人口 人
    collapsed_households: Mapped[int] = mapped_column(Integer, default=0)  # 倒塌房屋 户
    collapsed_rooms: Mapped[int] = mapped_column(Integer, default=0)  # 倒塌房屋 间
    severe_rooms: Mapped[int] = mapped_column(Integer, default=0)  # 严重损坏房屋 间
    moderate_rooms: Mapped[int] = mapped_column(Integer, default=0)  # 一般损坏房屋 间
    crop_affected_ha: Mapped[Decimal] = mapped_column(Hundredths, default=Decimal(0))  # 公顷
    crop_failed_ha: Mapped[Decimal] = mapped_column(Hundredths, default=Decimal(0))  # 绝收 公顷
    direct_loss: Mapped[Decimal] = mapped_column(Hundredths, default=Decimal(0))  # 万元
    # 救灾工作情况
    relief_forces: Mapped[int] = mapped_column(Integer, default=0)  # 投入应急力量 人次
    relief_materials: Mapped[int] = mapped_column(Integer, default=0)  # 调拨/发放物资 件(套)
    relief_funds: Mapped[Decimal] = mapped_column(Hundredths, default=Decimal(0))  # 救助资金 万元
    situation: Mapped[str | None] = mapped_column(Text)  # 灾情: 背景、过程、特点、趋势
    relief: Mapped[str | None] = mapped_column(Text)  # 救灾工作: 措施、需求、困难
    explanation: Mapped[str | None] = mapped_column(Text)  # 书面说明 of a sharp change
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_reason: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class DisasterCasualty(Versioned, Base):
    """因灾死亡失踪人口台账: one named person. Personal data: the office reads it in full."""

    __tablename__ = "disaster_casualties"
    __table_args__ = (
        Index("ix_casualty_event_town", "event_id", "locality_id"),
        CheckConstraint("age IS NULL OR (age >= 0 AND age <= 150)", name="ck_casualty_age"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    name: Mapped[str] = mapped_column(String(64))
    sex: Mapped[enums.Sex] = enum_column(enums.Sex)
    age: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[enums.CasualtyStatus] = enum_column(enums.CasualtyStatus)
    cause: Mapped[str] = mapped_column(String(255))
    place: Mapped[str] = mapped_column(String(255))
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class DamagedHouse(Versioned, Base):
    """因灾倒塌损坏住房户台账: one household's house and how many rooms (间) it lost."""

    __tablename__ = "damaged_houses"
    __table_args__ = (
        Index("ix_damaged_house_event_town", "event_id", "locality_id"),
        CheckConstraint("rooms > 0", name="ck_damaged_house_rooms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    household_head: Mapped[str] = mapped_column(String(64))  # 户主
    address: Mapped[str] = mapped_column(String(255))  # 村（社区）、门牌
    damage: Mapped[enums.HouseDamage] = enum_column(enums.HouseDamage)
    rooms: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class EventReview(Versioned, Base):
    """The after-action review (复盘) written when an event is closed."""

    __tablename__ = "event_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    worked: Mapped[str] = mapped_column(Text)  # 有效做法
    failed: Mapped[str] = mapped_column(Text)  # 存在问题
    reviewed_at: Mapped[datetime] = mapped_column(DateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    findings: Mapped[list[ReviewFinding]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewFinding.id"
    )


class ReviewFinding(Base):
    """One plan, depot, team or checkpoint the review names, and whether it worked."""

    __tablename__ = "review_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("event_reviews.id"), index=True)
    subject: Mapped[enums.ReviewSubject] = enum_column(enums.ReviewSubject)
    subject_id: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[enums.ReviewVerdict] = enum_column(enums.ReviewVerdict)
    note: Mapped[str | None] = mapped_column(Text)
    review: Mapped[EventReview] = relationship(back_populates="findings")


class ReplenishmentLine(Versioned, Base):
    """A line of an event's replenishment list (补库清单): what a depot gave out for the event
    and the quantity suggested to bring it back to its minimum quota. Receipts of the item at
    the depot after ``listed_at`` fill it; the office may waive the rest with a reason."""

    __tablename__ = "replenishment_lines"
    __table_args__ = (
        UniqueConstraint("event_id", "depot_id", "item_id"),
        CheckConstraint("consumed >= 0 AND suggested >= 0", name="ck_replenishment_amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    consumed: Mapped[int] = mapped_column(Integer)  # issued and dispatched for the event
    stock_at_listing: Mapped[int] = mapped_column(Integer)  # usable when the list was made
    quota_minimum: Mapped[int | None] = mapped_column(Integer)
    suggested: Mapped[int] = mapped_column(Integer)
    listed_at: Mapped[datetime] = mapped_column(DateTime)
    listed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waived_at: Mapped[datetime | None] = mapped_column(DateTime)
    waived_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waive_reason: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class BroadcastTerminal(Versioned, Base):
    """An emergency-broadcast terminal (应急广播终端) of a village or community."""

    __tablename__ = "broadcast_terminals"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    village: Mapped[str | None] = mapped_column(String(64))  # 行政村 / 社区
    level: Mapped[enums.BroadcastLevel] = enum_column(enums.BroadcastLevel)
    terminal_type: Mapped[enums.TerminalType] = enum_column(enums.TerminalType)
    status: Mapped[enums.TerminalStatus] = enum_column(
        enums.TerminalStatus, default=enums.TerminalStatus.ONLINE
    )
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Broadcast(Base):
    """A message sent to terminals (日常 or 应急), with its delivery per terminal."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[enums.BroadcastKind] = enum_column(enums.BroadcastKind)
    text: Mapped[str] = mapped_column(Text)
    source_department: Mapped[str | None] = mapped_column(String(64))  # 气象、水利、自然资源…
    adapter: Mapped[str] = mapped_column(String(32))  # "outbox" or "http"
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class BroadcastDelivery(Base):
    __tablename__ = "broadcast_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("broadcast_terminals.id"), index=True)
    status: Mapped[enums.DeliveryStatus] = enum_column(enums.DeliveryStatus)
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


class DatabaseInfo(Base):
    """Facts about the database itself, e.g. ``purpose`` = demo or production, set once when
    it is set up, so the app never seeds a demo into a production database."""

    __tablename__ = "database_info"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UserLocality(Base):
    __tablename__ = "user_localities"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), primary_key=True)


class Depot(Versioned, Base):
    __tablename__ = "depots"
    __table_args__ = (CheckConstraint("floor_area_m2 IS NULL OR floor_area_m2 >= 0"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[enums.DepotLevel] = enum_column(enums.DepotLevel)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    manager: Mapped[str | None] = mapped_column(String(64))
    manager_phone: Mapped[str | None] = mapped_column(String(32))
    reserve_mode: Mapped[enums.ReserveMode] = enum_column(
        enums.ReserveMode, default=enums.ReserveMode.PHYSICAL
    )
    status: Mapped[enums.RecordStatus] = enum_column(
        enums.RecordStatus, default=enums.RecordStatus.ACTIVE
    )
    last_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    locality: Mapped[Locality] = relationship()


class StockLot(Versioned, Base):
    """Depot × item × batch. ``quantity`` is a cache of the ledger sum, kept in step by the core."""

    __tablename__ = "stock_lots"
    __table_args__ = (
        UniqueConstraint("depot_id", "item_id", "batch"),
        CheckConstraint("quantity >= 0", name="ck_stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    batch: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    item: Mapped[Item] = relationship()
    depot: Mapped[Depot] = relationship()


class StockMovement(Base):
    """The append-only ledger (台账). Database triggers refuse UPDATE and DELETE."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="ck_movement_nonzero"),
        Index("ix_movement_depot_item", "depot_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lots.id"), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[enums.MovementKind] = enum_column(enums.MovementKind)
    quantity: Mapped[int] = mapped_column(Integer)  # signed change to the lot
    counted: Mapped[int | None] = mapped_column(Integer)  # stock-take: counted
    expected: Mapped[int | None] = mapped_column(Integer)  # stock-take: book quantity
    transfer_group: Mapped[str | None] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(String(255))
    # The event the stock went to (an issue or dispatch during a response), for 补库. No
    # foreign key: adding one would rebuild the append-only table and its triggers on SQLite.
    event_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Quota(Versioned, Base):
    """储备定额: standing minimum and maximum per depot level (or one depot) and item."""

    __tablename__ = "quotas"
    __table_args__ = (
        UniqueConstraint("depot_level", "depot_id", "item_id"),
        CheckConstraint("minimum >= 0 AND maximum >= minimum", name="ck_quota_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_level: Mapped[enums.DepotLevel | None] = enum_column(enums.DepotLevel, nullable=True)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    minimum: Mapped[int] = mapped_column(Integer)
    maximum: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str | None] = mapped_column(String(255))
    item: Mapped[Item] = relationship()


class Team(Versioned, Base):
    __tablename__ = "teams"
    __table_args__ = (CheckConstraint("target_headcount >= 0"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[enums.TeamKind] = enum_column(enums.TeamKind)
    staffing: Mapped[enums.TeamStaffing] = enum_column(enums.TeamStaffing)
    specialties: Mapped[str] = mapped_column(String(255), default="")  # comma-separated
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    base_lon: Mapped[float | None] = mapped_column(Float)
    base_lat: Mapped[float | None] = mapped_column(Float)
    leader: Mapped[str | None] = mapped_column(String(64))
    leader_phone: Mapped[str | None] = mapped_column(String(32))
    target_headcount: Mapped[int] = mapped_column(Integer, default=0)
    equipment: Mapped[str | None] = mapped_column(Text)
    last_drill_on: Mapped[date | None] = mapped_column(Date)
    last_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[enums.RecordStatus] = enum_column(
        enums.RecordStatus, default=enums.RecordStatus.ACTIVE
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    locality: Mapped[Locality] = relationship()
    members: Mapped[list[TeamMember]] = relationship(back_populates="team")


class TeamMember(Versioned, Base):
    """Personnel census (人员摸底). No ID-card numbers are stored, by design."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(16))  # e.g. "30-39"
    skills: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    last_training_on: Mapped[date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    team: Mapped[Team] = relationship(back_populates="members")


class Checkpoint(Versioned, Base):
    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[enums.CheckpointType] = enum_column(enums.CheckpointType)
    risk_level: Mapped[enums.RiskLevel] = enum_column(enums.RiskLevel)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(255))
    responsible_person: Mapped[str | None] = mapped_column(String(64))
    responsible_phone: Mapped[str | None] = mapped_column(String(32))
    monitor: Mapped[str | None] = mapped_column(String(64))
    monitor_phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[enums.RecordStatus] = enum_column(
        enums.RecordStatus, default=enums.RecordStatus.ACTIVE
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    locality: Mapped[Locality] = relationship()


class Campaign(Versioned, Base):
    """专项检查: a window and its targets; coverage is the share of targets inspected."""

    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ck_campaign_window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    target_kinds: Mapped[str] = mapped_column(String(128))  # comma-separated InspectionTarget
    checkpoint_types: Mapped[str | None] = mapped_column(String(255))  # None = all types
    locality_ids: Mapped[str | None] = mapped_column(String(255))  # None = all localities
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN depot_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN checkpoint_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_inspection_one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    target_kind: Mapped[enums.InspectionTarget] = enum_column(enums.InspectionTarget)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    inspector: Mapped[str] = mapped_column(String(64))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[enums.InspectionResult] = enum_column(enums.InspectionResult)
    findings: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Rectification(Versioned, Base):
    """整改: registered → rectifying → awaiting re-check → closed (销号), or sent back."""

    __tablename__ = "rectifications"
    __table_args__ = (Index("ix_rectification_status_deadline", "status", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    risk_level: Mapped[enums.RiskLevel] = enum_column(enums.RiskLevel)
    status: Mapped[enums.RectificationStatus] = enum_column(enums.RectificationStatus)
    found_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    responsible_person: Mapped[str | None] = mapped_column(String(64))
    plan_text: Mapped[str | None] = mapped_column(Text)  # 治理方案, required for 重大
    signed_off_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_on: Mapped[date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    steps: Mapped[list[RectificationStep]] = relationship(order_by="RectificationStep.id")


class RectificationStep(Base):
    """One step of a rectification's history, with its actor, note and evidence."""

    __tablename__ = "rectification_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id"), index=True)
    action: Mapped[str | None] = mapped_column(String(32))  # register, start, submit, close, …
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)


class Plan(Versioned, Base):
    """应急预案 with its filing, evaluation and drill dates."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(128))
    plan_class: Mapped[enums.PlanClass] = enum_column(enums.PlanClass)
    hazards: Mapped[str | None] = mapped_column(String(255))
    owner_person: Mapped[str | None] = mapped_column(String(64))
    version_label: Mapped[str] = mapped_column(String(32))
    issued_on: Mapped[date | None] = mapped_column(Date)
    filing_due: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    last_evaluated_on: Mapped[date | None] = mapped_column(Date)
    next_evaluation_due: Mapped[date | None] = mapped_column(Date)
    crowded_venue: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[enums.PlanStatus] = enum_column(enums.PlanStatus)
    filing_ref: Mapped[str | None] = mapped_column(String(128))  # 备案机关 / 文号
    revision_trigger: Mapped[enums.RevisionTrigger | None] = enum_column(
        enums.RevisionTrigger, nullable=True
    )
    status_note: Mapped[str | None] = mapped_column(Text)  # why it is in its current status
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanRevision(Base):
    """Version history of a plan."""

    __tablename__ = "plan_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    version_label: Mapped[str] = mapped_column(String(32))
    issued_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    document_name: Mapped[str | None] = mapped_column(String(255))
    trigger: Mapped[enums.RevisionTrigger | None] = enum_column(
        enums.RevisionTrigger, nullable=True
    )
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Drill(Base):
    """演练 of a plan or by a team."""

    __tablename__ = "drills"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"))
    held_on: Mapped[date] = mapped_column(Date)
    form: Mapped[enums.DrillForm] = enum_column(enums.DrillForm)
    participants: Mapped[int | None] = mapped_column(Integer)
    evaluation: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Attachment(Base):
    """A photo or document kept in the database itself, so a backup, a restore and a move to
    PostgreSQL carry it along and every app instance serves the same file."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachment_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[enums.AttachmentOwner] = enum_column(enums.AttachmentOwner)
    owner_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class ReadinessSnapshot(Base):
    """The whole scorecard as of one day, frozen as JSON: trends, the ranking's change since
    last week and any past week's circular are rebuilt from it exactly."""

    __tablename__ = "readiness_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    district_score: Mapped[float] = mapped_column(Float)
    payload: Mapped[str] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEvent(Base):
    """Who changed what and when, before and after. Append-only: triggers refuse changes."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity_id", "entity", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


APPEND_ONLY_TABLES = ("stock_movements", "audit_events")

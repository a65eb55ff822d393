"""Typed settings with a documented default for every key.

Settings are read in one place (``load_settings``) from the environment and, in the app,
from ``.streamlit/secrets.toml``; the core only ever receives a ``Settings`` object.

Keys (environment variable in brackets):

- ``database_url`` [REGISTRY_DATABASE_URL]: SQLAlchemy URL. Default: the embedded SQLite file
  ``data/registry.db``. PostgreSQL: ``postgresql+psycopg://user@host/db``.
- ``tianditu_key`` [REGISTRY_TIANDITU_KEY]: Tianditu developer key; when set, Tianditu is the
  default basemap. Default: none (offline "no basemap").
- ``language`` [REGISTRY_LANGUAGE]: ``zh`` (default) or ``en``.
- ``session_timeout_minutes`` [REGISTRY_SESSION_TIMEOUT_MINUTES]: idle minutes before a login
  expires. Default 30.
- ``session_max_hours`` [REGISTRY_SESSION_MAX_HOURS]: hours after which a sign-in ends however
  active it is, so a sign-in left open on a shared PC does not last for days. Default 12.
- ``max_failed_logins`` [REGISTRY_MAX_FAILED_LOGINS]: failures before lockout. Default 5.
- ``lockout_minutes`` [REGISTRY_LOCKOUT_MINUTES]: lockout length. Default 15.
- ``expiry_warning_days`` [REGISTRY_EXPIRY_WARNING_DAYS]: a lot expiring within this many days
  is flagged. Default 90.
- ``load_demo_on_first_start`` [REGISTRY_LOAD_DEMO]: on the first start of a new database,
  mark it demo and seed the demo district; false marks it production (never seeded). A
  database keeps the purpose it was set up with. Default true.
- ``rectification_days_major`` / ``_significant`` / ``_general`` / ``_low``
  [REGISTRY_RECTIFICATION_DAYS_MAJOR …]: default rectification deadline in days by risk
  level. No national figure exists (docs/domain-standards.md §4.3), so they are settings.
  Defaults 30 / 15 / 7 / 7.
- ``photo_max_mb`` [REGISTRY_PHOTO_MAX_MB]: largest photo accepted, in MB. Default 10.
- ``photos_per_upload`` [REGISTRY_PHOTOS_PER_UPLOAD]: photos attached at once to one inspection
  or rectification step. Default 6.
- ``document_max_mb`` [REGISTRY_DOCUMENT_MAX_MB]: largest plan document (PDF, Word, OFD), in MB.
  Default 30.
- ``readiness_weights`` [REGISTRY_READINESS_WEIGHTS]: weight of each readiness component,
  ``name:weight`` pairs. Default ``stock:20,teams:15,campaign:15,rectifications:20,plans:15,
  depot_inspections:5,freshness:10``.
- ``readiness_green`` / ``readiness_amber`` [REGISTRY_READINESS_GREEN / _AMBER]: a score at or
  above green is green, at or above amber is amber, else red. Defaults 80 / 60.
- ``readiness_major_weight`` / ``readiness_significant_weight``: how many points an overdue
  major / significant rectification counts (others count 1). Defaults 3 / 2.
- ``readiness_overdue_tolerance`` [REGISTRY_READINESS_OVERDUE_TOLERANCE]: overdue points at
  which the rectification component reaches 0. Default 6.
- ``freshness_days`` [REGISTRY_FRESHNESS_DAYS]: a depot or team not confirmed (零报告, edit or
  stock movement) for longer is stale. Default 30.
- ``depot_inspection_days`` [REGISTRY_DEPOT_INSPECTION_DAYS]: a depot should be inspected at
  least this often. Default 90.
- ``broadcast_http_url`` [REGISTRY_BROADCAST_HTTP_URL]: the emergency-broadcast platform's
  endpoint; when set, broadcasts are POSTed there as JSON (the broadcast adapters'
  ``HttpAdapter``). Default: none, broadcasts are recorded in the outbox and leave nothing.
- ``task_ack_minutes`` [REGISTRY_TASK_ACK_MINUTES]: a response task not acknowledged (已到岗)
  within this many minutes of being created is overdue. Default 30.
- ``disaster_initial_hours`` [REGISTRY_DISASTER_INITIAL_HOURS]: a town's 初报 is due this many
  hours after the event opens (应急〔2020〕19号: 2 hours). Default 2.
- ``disaster_update_time`` [REGISTRY_DISASTER_UPDATE_TIME]: the daily 续报 is due at this China
  time with figures to 24:00 of the day before, until the disaster is declared stable.
  Default ``09:00``.
- ``disaster_final_working_days`` [REGISTRY_DISASTER_FINAL_WORKING_DAYS]: the 核报 is due this
  many working days after the office declares the disaster stable (provincial rules differ;
  several say 2). Default 2.
- ``disaster_change_factor`` [REGISTRY_DISASTER_CHANGE_FACTOR]: a 续报 figure that falls, or
  rises to more than this many times the town's previous figure, needs a written
  explanation (书面说明). Default 2.
- ``disaster_report_photos`` [REGISTRY_DISASTER_REPORT_PHOTOS]: photos a report must carry while
  the response is active. Default 3.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'registry.db'}"


@dataclass(frozen=True)
class Settings:
    """Every setting the core reads, with its default."""

    database_url: str = DEFAULT_DATABASE_URL
    tianditu_key: str | None = None
    language: str = "zh"
    session_timeout_minutes: int = 30
    session_max_hours: int = 12
    password_sign_in: bool = True
    oidc_provider: str | None = None
    oidc_claim: str = "preferred_username"
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    expiry_warning_days: int = 90
    load_demo_on_first_start: bool = True
    rectification_days_major: int = 30
    rectification_days_significant: int = 15
    rectification_days_general: int = 7
    rectification_days_low: int = 7
    photo_max_mb: int = 10
    photos_per_upload: int = 6
    document_max_mb: int = 30
    readiness_weights: str = (
        "stock:20,teams:15,campaign:15,rectifications:20,plans:15,depot_inspections:5,freshness:10"
    )
    readiness_green: int = 80
    readiness_amber: int = 60
    readiness_major_weight: int = 3
    readiness_significant_weight: int = 2
    readiness_overdue_tolerance: int = 6
    freshness_days: int = 30
    depot_inspection_days: int = 90
    broadcast_http_url: str | None = None
    task_ack_minutes: int = 30
    disaster_initial_hours: int = 2
    disaster_update_time: str = "09:00"
    disaster_final_working_days: int = 2
    disaster_change_factor: float = 2.0
    disaster_report_photos: int = 3


def _coerce(raw: Any, kind: type) -> Any:
    if kind is bool and isinstance(raw, bool):  # a TOML boolean from secrets.toml
        return raw
    if kind is bool and isinstance(raw, str):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    return None if raw in ("", None) else str(raw)


def load_settings(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None
) -> Settings:
    """Build settings from secrets (lower priority) and ``REGISTRY_*`` environment variables."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    kinds = {"bool": bool, "int": int, "float": float}
    for field in fields(Settings):
        kind = kinds.get(str(field.type).split(" |")[0], str)
        env_name = f"REGISTRY_{field.name.upper()}"
        if env_name in environ:
            values[field.name] = _coerce(environ[env_name], kind)
        elif secrets and field.name in secrets:
            values[field.name] = _coerce(secrets[field.name], kind)
    for field_name, short in SHORT_NAMES.items():
        if short in environ:
            values[field_name] = _coerce(environ[short], bool)
    return Settings(**values)


# Documented shorter environment names (the long form works too).
SHORT_NAMES = {"load_demo_on_first_start": "REGISTRY_LOAD_DEMO"}


def environment_name(field_name: str) -> str:
    """The environment variable documented for a setting (README's settings table)."""
    return SHORT_NAMES.get(field_name, f"REGISTRY_{field_name.upper()}")

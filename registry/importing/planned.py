"""A row that passed every check, waiting to be written through its use-case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from registry.kernel.permissions import Actor
from registry.records.stock import Receipt


@dataclass(frozen=True)
class Planned:
    key: tuple[Any, ...]  # the natural key: two rows with the same key are duplicates
    creates: tuple[str, ...]  # the records it would add, for the preview's counts
    write: Callable[[Session, Actor, date], object]  # (session, actor, today) → the use-case
    receipt: Receipt | None = None  # stock rows: written together by stock.receive_many

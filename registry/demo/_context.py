"""The seeding context every step shares, and the point, place, address and name helpers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import shapely
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from registry.demo.places import ROADS, URBAN, VILLAGES
from registry.kernel.enums import LocalityKind
from registry.kernel.models import Locality
from registry.kernel.permissions import Actor
from registry.kernel.settings import Settings

SEAT_RADIUS_DEG = 0.02  # about 2 km: urban records cluster around the built-up core


@dataclass
class _Seed:
    """What every step needs: the transaction, the actor, the clock and one random stream."""

    session: Session
    actor: Actor
    today: date
    rng: random.Random
    localities: dict[str, Locality]
    areas: dict[str, BaseGeometry]
    settings: Settings = field(default_factory=Settings)
    zones: dict[tuple[str, str | None], BaseGeometry] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))


def _cut(area: BaseGeometry, locality: Locality, where: str | None) -> BaseGeometry:
    """The part of a locality a kind of record favours: its core, or its northern third."""
    part = area
    if where == "seat":
        seat = Point(locality.seat_lon, locality.seat_lat)
        part = area.intersection(seat.buffer(SEAT_RADIUS_DEG))
    elif where == "north":  # 新沭河, the northern boundary
        minx, miny, maxx, maxy = area.bounds
        part = area.intersection(box(minx, maxy - (maxy - miny) / 3, maxx, maxy))
    if part.is_empty or part.area < 1e-6:
        part = area
    shapely.prepare(part)
    return part


def _point(seed: _Seed, locality: str, where: str | None = None) -> tuple[float, float]:
    """A point inside the locality's polygon, by rejection sampling from one random stream."""
    key = (locality, where)
    if key not in seed.zones:
        seed.zones[key] = _cut(seed.areas[locality], seed.localities[locality], where)
    zone, area = seed.zones[key], seed.areas[locality]
    minx, miny, maxx, maxy = zone.bounds
    while True:
        lon = round(seed.rng.uniform(minx, maxx), 6)
        lat = round(seed.rng.uniform(miny, maxy), 6)
        if shapely.contains_xy(zone, lon, lat) and shapely.contains_xy(area, lon, lat):
            return lon, lat


def _place(seed: _Seed, locality: str) -> str:
    """A road in the city, a village or neighbourhood elsewhere."""
    if locality in URBAN:
        return seed.rng.choice(ROADS)
    kind = "村" if seed.localities[locality].kind is LocalityKind.TOWN else "社区"
    return seed.rng.choice(VILLAGES) + kind


def _address(seed: _Seed, locality: str, place: str) -> str:
    """A synthetic address: a house number on a city road, or just the village."""
    number = f"{seed.rng.randint(1, 300)}号" if locality in URBAN else ""
    return f"海州区{locality}{place}{number}"


def _unique(seed: _Seed, name: str) -> str:
    """Number repeated names, so every record on the map can be told apart."""
    candidate, counter = name, 2
    while candidate in seed.names:
        candidate, counter = f"{name}（{counter}）", counter + 1
    seed.names.add(candidate)
    return candidate

"""The localities: reference data loaded if missing, their polygons, an invented population."""

from __future__ import annotations

import json

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.demo._context import _Seed
from registry.demo.people import _person, _phone
from registry.kernel.enums import LocalityKind
from registry.kernel.models import Item, Locality
from registry.kernel.permissions import Actor
from registry.places.localities import load_reference_localities
from registry.records.catalogue import load_catalogue

# 7th census, 2020 (docs/domain-standards.md §6); the split below is invented
CENSUS_TOTAL = 918_000
POPULATION_SHARE = {
    "新浦街道": 95, "新东街道": 62, "新南街道": 70, "路南街道": 52, "浦西街道": 66,
    "新海街道": 60, "海州街道": 38, "幸福路街道": 36, "朐阳街道": 55, "洪门街道": 40,
    "郁洲街道": 48, "花果山街道": 22, "云台街道": 30, "南城街道": 18, "宁海街道": 42,
    "新坝镇": 42, "锦屏镇": 36, "板浦镇": 60, "浦南镇": 46,
}  # fmt: skip
PERSONS_PER_HOUSEHOLD = (2.5, 2.7)


def _ensure_reference(session: Session, actor: Actor) -> dict[str, Locality]:
    """Load the real localities and the catalogue first if a fresh database lacks them."""
    load_reference_localities(session, actor)
    if session.scalar(select(func.count()).select_from(Item)) == 0:
        load_catalogue(session, actor)
    return {loc.name: loc for loc in session.scalars(select(Locality).order_by(Locality.mca_code))}


def _areas(localities: dict[str, Locality]) -> dict[str, BaseGeometry]:
    areas = {}
    for name, locality in localities.items():
        assert locality.boundary_geojson, name  # the demo's localities all have outlines
        areas[name] = shape(json.loads(locality.boundary_geojson))
        shapely.prepare(areas[name])
    return areas


def _profile_localities(seed: _Seed) -> None:
    """Demo population and officers where a locality has none: the census total is real, its
    split is an estimate. A real figure or officer already recorded is never overwritten.

    There is no locality-edit use-case yet, so the seed sets the columns directly and the
    ``demo-seeded`` audit event records it.
    """
    rng = seed.rng
    raw = {name: POPULATION_SHARE[name] * rng.uniform(0.95, 1.05) for name in seed.localities}
    scale = CENSUS_TOTAL / sum(raw.values())
    for name, locality in seed.localities.items():
        population = int(round(raw[name] * scale / 100) * 100)
        per_household = rng.uniform(*PERSONS_PER_HOUSEHOLD)
        title = "分管副镇长" if locality.kind is LocalityKind.TOWN else "分管副主任"
        officer, phone = f"{_person(rng)}（{title}）", _phone(rng)  # drawn always: same stream
        if locality.population is None:
            locality.population = population
            locality.population_is_estimate = True
        if locality.households is None:
            locality.households = round(locality.population / per_household)
        locality.responsible_officer = locality.responsible_officer or officer
        locality.officer_phone = locality.officer_phone or phone
    seed.session.flush()

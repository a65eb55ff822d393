"""The records a row may name (localities, items, depots, teams) and the natural keys
already registered, loaded once per import: 10,000 rows then cost a few queries, while every
write still goes through the use-cases. Permission is decided by the real rules in
``registry.permissions``, the same ones the use-cases apply."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from functools import cached_property
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.importing import saved
from registry.importing.cells import RowCells
from registry.importing.choices import normalise
from registry.kernel.enums import RecordStatus
from registry.kernel.errors import PermissionDenied
from registry.kernel.models import Checkpoint, Depot, Item, Locality, StockLot, Team, TeamMember
from registry.kernel.permissions import Action, Actor, require, require_depot_write

SUGGEST_SCORE = 70  # rapidfuzz WRatio (0–100) of a name to the catalogue item it may mean
SUGGEST_MARGIN = 5  # ahead of the next item's score, or no suggestion


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except PermissionDenied:
        return False
    return True


class Lookups:
    """Per-import caches of what rows refer to; each resolver reports its own problems."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        today: date,
        language: str,
        *,
        own_format: bool = False,
    ) -> None:
        self.session, self.actor, self.today, self.language = session, actor, today, language
        self.own_format = own_format  # an office's own ledger: aliases, suggestions, addresses
        self.notes: set[str] = set()  # what the importer derived, said in the preview

    def may_edit(self, locality_id: int) -> bool:
        return _allowed(lambda: require(self.actor, Action.EDIT_LOCAL_RECORDS, locality_id))

    @cached_property
    def _localities(self) -> dict[str, Locality]:
        """By name and by either official code."""
        found = {}
        for locality in self.session.scalars(select(Locality)):
            for name in (locality.name, locality.nbs_code, locality.mca_code):
                if name:
                    found[normalise(name)] = locality
        return found

    @cached_property
    def locality_names(self) -> dict[int, str]:
        return {locality.id: locality.name for locality in self._localities.values()}

    def locality(self, cells: RowCells, key: str) -> Locality | None:
        """The named locality, when the actor may change its records."""
        name = cells.text(key, required=True, max_len=64)
        if name is None:
            return None
        locality = self._localities.get(normalise(name))
        if locality is None:
            cells.problem(key, "unknown_locality")
        elif not self.may_edit(locality.id):
            cells.problem(key, "not_permitted", place=locality.name)
        else:
            return locality
        return None

    @cached_property
    def _items(self) -> tuple[dict[str, Item], dict[str, Item]]:
        """By code, and by Chinese or English name."""
        items = list(self.session.scalars(select(Item)))
        by_name = {normalise(name): item for item in items for name in (item.name, item.name_en)}
        return {item.code: item for item in items}, by_name

    @cached_property
    def units(self) -> frozenset[str]:
        return frozenset(item.unit for item in self._items[0].values())

    def item(self, cells: RowCells, code_key: str, name_key: str) -> Item | None:
        """The item named by code, name or both (which must then agree)."""
        code = cells.text(code_key, max_len=32)
        name = cells.text(name_key, max_len=96)
        by_code = self._items[0].get(code) if code else None
        by_name = self._items[1].get(normalise(name)) if name else None
        if name and by_name is None and self.own_format:
            by_name = self._aliases.get(normalise(name))
        refusals: list[tuple[str, str, dict[str, Any]]] = []
        if code and by_code is None:
            refusals.append((code_key, "unknown_item", {}))
        if name and by_name is None:
            suggested = self.suggest_item(name) if self.own_format else None
            if suggested is None:
                refusals.append((name_key, "unknown_item", {}))
            else:
                refusals.append((name_key, "item_suggestion",
                                 {"item": suggested.name, "item_id": suggested.id}))  # fmt: skip
        if by_code and by_name and by_code is not by_name:
            refusals.append((name_key, "item_mismatch", {"code": code}))
        if code_key not in cells.row.values and name_key not in cells.row.values:
            refusals.append((name_key, "item_required", {}))
        for key, reason, params in refusals:
            cells.problem(key, reason, **params)
        return None if refusals else by_code or by_name

    @cached_property
    def _aliases(self) -> dict[str, Item]:
        """Names users confirmed for catalogue items (``saved.confirm_alias``)."""
        by_id = self._items[0]
        items = {item.id: item for item in by_id.values()}
        return {alias: items[item_id] for alias, item_id in saved.aliases(self.session).items()}

    def suggest_item(self, name: str) -> Item | None:
        """The catalogue item a name not in the catalogue most likely means, when one stands
        out (a close match well ahead of the next); the user confirms it."""
        names = self._items[1]
        plain = normalise(name)
        found = process.extract(plain, list(names), scorer=fuzz.WRatio, limit=2)
        if not found or found[0][1] < SUGGEST_SCORE:
            return None
        close = len(found) > 1 and found[0][1] - found[1][1] < SUGGEST_MARGIN
        if close and names[found[0][0]] is not names[found[1][0]]:
            return None
        return names[found[0][0]]

    @cached_property
    def _depots(self) -> dict[str, list[Depot]]:
        """By name; an office's own ledger may also name a depot by its address."""
        found = defaultdict(list)
        depots = list(self.session.scalars(select(Depot).order_by(Depot.id)))
        for depot in depots:
            found[normalise(depot.name)].append(depot)
        if self.own_format:  # every depot at an address (a name of a depot wins)
            names = set(found)
            for depot in depots:
                if depot.address and normalise(depot.address) not in names:
                    found[normalise(depot.address)].append(depot)
        return found

    def depot(self, cells: RowCells, key: str) -> Depot | None:
        """The one active depot of this name the actor may stock."""
        name = cells.text(key, required=True)
        if name is None:
            return None
        named = self._depots.get(normalise(name), [])
        active = [depot for depot in named if depot.status is RecordStatus.ACTIVE]
        if not named:
            cells.problem(key, "unknown_depot")
        elif not active:
            cells.problem(key, "depot_retired")
        elif len(active) > 1:
            cells.problem(key, "ambiguous_name", count=len(active))
        elif not _allowed(
            lambda: require_depot_write(self.actor, active[0].level, active[0].locality_id)
        ):
            cells.problem(key, "not_permitted", place=active[0].name)
        else:
            return active[0]
        return None

    @cached_property
    def _teams(self) -> dict[str, list[Team]]:
        found = defaultdict(list)
        query = select(Team).where(Team.status == RecordStatus.ACTIVE).order_by(Team.id)
        for team in self.session.scalars(query):
            found[normalise(team.name)].append(team)
        return found

    def team(self, cells: RowCells, key: str) -> Team | None:
        """The active team of this name in a locality the actor covers."""
        name = cells.text(key, required=True)
        if name is None:
            return None
        named = self._teams.get(normalise(name), [])
        writable = [team for team in named if self.may_edit(team.locality_id)]
        if not named:
            cells.problem(key, "unknown_team")
        elif not writable:
            cells.problem(key, "not_permitted", place=self.locality_names[named[0].locality_id])
        elif len(writable) > 1:
            cells.problem(key, "ambiguous_name", count=len(writable))
        else:
            return writable[0]
        return None

    def team_exists(self, name: str, locality_id: int) -> bool:
        return any(team.locality_id == locality_id for team in self._teams.get(normalise(name), []))

    @cached_property
    def lot_expiry(self) -> dict[tuple[int, int, str], date | None]:
        """Existing lots by (depot, item, batch) → their expiry date."""
        rows = self.session.execute(
            select(StockLot.depot_id, StockLot.item_id, StockLot.batch, StockLot.expiry_date)
        )
        return {(depot, item, batch): expiry for depot, item, batch, expiry in rows}

    @cached_property
    def checkpoint_keys(self) -> frozenset[tuple[str, int]]:
        rows = self.session.execute(
            select(Checkpoint.name, Checkpoint.locality_id).where(
                Checkpoint.status == RecordStatus.ACTIVE
            )
        )
        return frozenset((normalise(name), locality_id) for name, locality_id in rows)

    @cached_property
    def member_keys(self) -> frozenset[tuple[int, str]]:
        rows = self.session.execute(select(TeamMember.team_id, TeamMember.name))
        return frozenset((team_id, normalise(name)) for team_id, name in rows)

"""Demo emergency-broadcast terminals: one at each town or subdistrict office and a few in
its villages or communities (the 容县 build-out of §6.2 had ~15 village platforms per town;
a demo needs far fewer). Drawn from a random stream of their own, so the rest of the demo
district stays as it was."""

from __future__ import annotations

from registry.demo._context import _place, _point, _Seed
from registry.kernel.enums import BroadcastLevel, TerminalStatus, TerminalType
from registry.kernel.models import BroadcastTerminal

VILLAGE_TYPES = (TerminalType.LOUDSPEAKER, TerminalType.SOUND_COLUMN, TerminalType.FM_RECEIVER)


def _create_terminals(ctx: _Seed) -> list[BroadcastTerminal]:
    terminals = []
    for name, locality in ctx.localities.items():
        lon, lat = (
            (locality.seat_lon, locality.seat_lat)
            if locality.seat_lon is not None and locality.seat_lat is not None
            else _point(ctx, name)
        )
        terminals.append(
            BroadcastTerminal(
                name=f"{name}应急广播平台", locality_id=locality.id, village=None,
                level=BroadcastLevel.TOWN, terminal_type=TerminalType.SMART,
                status=TerminalStatus.ONLINE, lon=lon, lat=lat, is_demo=True,
            )
        )  # fmt: skip
        for _ in range(ctx.rng.randint(2, 4)):
            village = _place(ctx, name)
            lon, lat = _point(ctx, name)
            kind = ctx.rng.choice(VILLAGE_TYPES)
            status = TerminalStatus.FAULT if ctx.rng.random() < 0.06 else TerminalStatus.ONLINE
            terminals.append(
                BroadcastTerminal(
                    name=f"{name}{village}广播终端", locality_id=locality.id, village=village,
                    level=BroadcastLevel.VILLAGE, terminal_type=kind, status=status,
                    lon=lon, lat=lat, is_demo=True,
                )
            )  # fmt: skip
    ctx.session.add_all(terminals)
    ctx.session.flush()
    return terminals

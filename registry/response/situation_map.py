"""The situation map (指挥一张图) of an event as a printable image: A3 landscape, PNG at 150 dpi
or PDF, drawn offline with matplotlib from the registry's own outlines (no basemap tiles, no
network), so it prints for the 会商 meeting and goes into the duty report unchanged.

Chinese text needs a CJK font: the first installed one of ``CJK_FONTS`` (the Noto CJK fonts of
fonts-noto-cjk in CI and production). Without one, the map is drawn in English rather than
with empty boxes for every Chinese character; nothing is ever downloaded."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

import geopandas as gpd
from matplotlib import font_manager, rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.kernel import i18n
from registry.kernel.clock import local
from registry.kernel.district import district_geometry
from registry.kernel.enums import DepotLevel, TaskStatus, TerminalStatus, WarningLevel
from registry.kernel.models import Event, Locality
from registry.response.situation import Point, Situation, situation

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
)
METRIC_CRS = "EPSG:32650"  # UTM zone 50N: metres across Haizhou (119.0–119.4°E)
DPI = 150
A3_PIXELS = (2480, 1754)  # 420 × 297 mm at 150 dpi
FORMATS = {"png": "image/png", "pdf": "application/pdf"}
TASK_COLOURS = {
    TaskStatus.PENDING: "#d62728",
    TaskStatus.ON_SITE: "#ff9f1c",
    TaskStatus.HANDLED: "#1f77b4",
    TaskStatus.EVACUATED: "#2ca02c",
    TaskStatus.LIFTED: "#8c8c8c",
}
WARNING_COLOURS = {
    WarningLevel.RED: "#e60000",
    WarningLevel.ORANGE: "#ff8c00",
    WarningLevel.YELLOW: "#f2c400",
    WarningLevel.BLUE: "#1e6fd9",
}
SENDING, RECEIVING, IDLE_DEPOT = "#6a3d9a", "#17becf", "#ffffff"
TEAM_COLOUR, SHIPMENT_COLOUR = "#9400d3", "#3b5bdb"
TERMINAL_REACHED, TERMINAL_OTHER, TERMINAL_FAULT = "#2e8b57", "#a0a0a0", "#d62728"
AFFECTED_FILL = "#fde3c8"
_drawing = threading.Lock()  # rcParams are global: one drawing at a time per process
_to_metres = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def translator(prefix: str, language: str) -> Callable[..., str]:
    """``t(key, **values)`` for the keys under ``prefix``."""

    def t(key: str, **values: object) -> str:
        return i18n.translate(f"{prefix}.{key}", language, **values)

    return t


@cache
def cjk_font() -> str | None:
    """The name of an installed CJK font, or None."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def map_language(language: str) -> str:
    """The language the map can be drawn in: English when no CJK font is installed."""
    return language if cjk_font() is not None else "en"


def _xy(point: Point) -> tuple[float, float]:
    x, y = _to_metres.transform(*point)
    return float(x), float(y)


def _metric(geometries: Iterable[BaseGeometry | None]) -> Any:
    kept = [g for g in geometries if g is not None and not g.is_empty]
    return gpd.GeoSeries(kept, crs="EPSG:4326").to_crs(METRIC_CRS)


def _outlines(session: Session) -> list[tuple[str, int, BaseGeometry]]:
    rows = session.execute(
        select(Locality.name, Locality.id, Locality.boundary_geojson).order_by(Locality.id)
    ).all()
    outlines = []
    for name, locality_id, text in rows:
        if text:
            data = json.loads(text)
            outlines.append((name, locality_id, shape(data.get("geometry", data))))
    return outlines


def _scale_bar(ax: Axes, language: str) -> None:
    """A two-segment black-and-white bar in km, lower left, about a fifth of the width."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    target = (x1 - x0) / 5 / 1000
    km = max(k for k in (1, 2, 5, 10, 20, 50) if k <= max(target, 1))
    segment = km * 1000 / 2
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    height = (y1 - y0) * 0.008
    for index in range(2):
        ax.add_patch(
            Rectangle(
                (left + index * segment, bottom),
                segment,
                height,
                facecolor="black" if index == 0 else "white",
                edgecolor="black",
                linewidth=1,
                zorder=20,
            )
        )
    unit = i18n.translate("report.map.km", language)
    for index, value in enumerate((0, km / 2, km)):
        text = f"{value:g}" + (f" {unit}" if index == 2 else "")
        ax.text(left + index * segment, bottom + height * 1.8, text, ha="center", fontsize=11)


def _north_arrow(ax: Axes, language: str) -> None:
    ax.annotate(
        i18n.translate("report.map.north", language),
        xy=(0.95, 0.95),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=16,
        fontweight="bold",
        arrowprops={"facecolor": "black", "width": 6, "headwidth": 18, "headlength": 16},
        zorder=20,
    )


def _legend(
    status_counts: dict[TaskStatus, int], situation: Situation, language: str
) -> list[Artist]:
    t = translator("report.legend", language)
    handles: list[Artist] = [
        Line2D([], [], color="#222222", linewidth=2.2, label=t("district")),
        Patch(facecolor=AFFECTED_FILL, edgecolor="#999999", label=t("affected")),
    ]
    for level in sorted({w.level for w in situation.warnings if w.area is not None}):
        handles.append(
            Patch(
                facecolor=WARNING_COLOURS[level],
                alpha=0.25,
                edgecolor=WARNING_COLOURS[level],
                label=t("warning", level=i18n.label(level, language)),
            )
        )
    handles.append(Line2D([], [], color="#c00000", linestyle="--", label=t("event_area")))
    for status in TaskStatus:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=10,
                markerfacecolor=TASK_COLOURS[status],
                markeredgecolor="black",
                label=t(
                    "task",
                    status=i18n.label(status, language),
                    n=status_counts.get(status, 0),
                ),
            )
        )
    for key, marker, size, face in (
        ("depot_district", "s", 12, IDLE_DEPOT),
        ("depot_town", "s", 8, IDLE_DEPOT),
        ("depot_sending", "s", 10, SENDING),
        ("depot_receiving", "s", 10, RECEIVING),
    ):
        handles.append(
            Line2D(
                [], [], marker=marker, linestyle="", markersize=size, markerfacecolor=face,
                markeredgecolor="black", label=t(key),
            )
        )  # fmt: skip
    handles.append(Line2D([], [], color=SHIPMENT_COLOUR, linewidth=2, label=t("shipment")))
    handles.append(
        Line2D(
            [], [], marker="*", linestyle="", markersize=15, markerfacecolor=TEAM_COLOUR,
            markeredgecolor="black", label=t("team"),
        )
    )  # fmt: skip
    for key, face in (
        ("terminal_reached", TERMINAL_REACHED),
        ("terminal_other", TERMINAL_OTHER),
        ("terminal_fault", TERMINAL_FAULT),
    ):
        handles.append(
            Line2D(
                [], [], marker="^", linestyle="", markersize=9, markerfacecolor=face,
                markeredgecolor="black", label=t(key),
            )
        )  # fmt: skip
    return handles


def _draw_map(ax: Axes, session: Session, state: Situation, language: str) -> None:
    district = _metric([district_geometry()])
    outlines = _outlines(session)
    affected = set(state.localities)
    names = [name for name, _, _ in outlines]
    shapes = _metric([g for _, _, g in outlines])
    fills = [AFFECTED_FILL if name in affected else "#f7f7f5" for name in names]
    shapes.plot(ax=ax, color=fills, edgecolor="#9a9a9a", linewidth=0.6, zorder=1)
    for name, geometry in zip(names, shapes, strict=True):
        spot = geometry.representative_point()
        ax.text(spot.x, spot.y, name, fontsize=9, color="#555555", ha="center", zorder=3)
    district.boundary.plot(ax=ax, color="#222222", linewidth=2.2, zorder=4)
    for warning in state.warnings:
        if warning.area is not None:
            colour = WARNING_COLOURS[warning.level]
            polygon = _metric([warning.area])
            polygon.plot(ax=ax, color=colour, alpha=0.18, zorder=2)
            polygon.boundary.plot(ax=ax, color=colour, linewidth=1.5, zorder=4)
    if state.area is not None:
        _metric([state.area]).boundary.plot(
            ax=ax, color="#c00000", linewidth=1.6, linestyle="--", zorder=5
        )
    for line in state.shipments:
        ax.add_patch(
            FancyArrowPatch(
                _xy(line.origin),
                _xy(line.destination),
                arrowstyle="-|>",
                mutation_scale=22,
                color=SHIPMENT_COLOUR,
                linewidth=2,
                connectionstyle="arc3,rad=0.15",
                zorder=6,
            )
        )
    for depot in state.depots:
        x, y = _xy(depot.place)
        face = SENDING if depot.sending else RECEIVING if depot.receiving else IDLE_DEPOT
        size = 12 if depot.level is DepotLevel.DISTRICT else 8
        ax.plot(x, y, "s", markersize=size, markerfacecolor=face, markeredgecolor="black", zorder=7)
        if depot.sending or depot.receiving or depot.level is DepotLevel.DISTRICT:
            ax.text(x, y - 450, depot.name, fontsize=8, ha="center", va="top", zorder=7)
    for terminal in state.terminals:
        x, y = _xy(terminal.place)
        face = (
            TERMINAL_FAULT
            if terminal.status is not TerminalStatus.ONLINE
            else TERMINAL_REACHED
            if terminal.reached
            else TERMINAL_OTHER
        )
        ax.plot(x, y, "^", markersize=8, markerfacecolor=face, markeredgecolor="black", zorder=8)
    for task in state.tasks:
        if task.place is not None:
            x, y = _xy(task.place)
            ax.plot(
                x, y, "o", markersize=11, markerfacecolor=TASK_COLOURS[task.status],
                markeredgecolor="black", zorder=9,
            )  # fmt: skip
    people = i18n.translate("report.map.people", language)
    for team in state.teams:
        if team.place is not None and team.status.value in ("dispatched", "arrived"):
            x, y = _xy(team.place)
            x, y = x + 600, y + 400  # beside the task it works on, which stays visible
            ax.plot(
                x, y, "*", markersize=17, markerfacecolor=TEAM_COLOUR, markeredgecolor="black",
                zorder=10,
            )  # fmt: skip
            label = f"{team.team} {team.head_count}{people}"
            ax.text(x + 500, y + 300, label, fontsize=8, color=TEAM_COLOUR, zorder=10)
    minx, miny, maxx, maxy = district.total_bounds
    pad_x, pad_y = (maxx - minx) * 0.04, (maxy - miny) * 0.04
    ax.set_xlim(minx - pad_x, maxx + pad_x)
    ax.set_ylim(miny - pad_y, maxy + pad_y)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def _figures(state: Situation, language: str) -> list[str]:
    t = translator("report.map.figure", language)
    return [
        t("evacuated", n=state.evacuated),
        t("teams", teams=len(state.teams_sent), people=state.people_sent),
        t("tasks", n=len(state.tasks)),
        t("shipments", n=len(state.shipments)),
        t("broadcasts", n=len(state.broadcasts), terminals=state.terminals_reached),
    ]


def time_text(moment: datetime) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M")


def figure(session: Session, state: Situation, language: str) -> Figure:
    """The map as a matplotlib figure (A3 landscape at ``DPI``); draw it under ``styled()``."""
    language = map_language(language)
    t = translator("report.map", language)
    fig = Figure(figsize=(A3_PIXELS[0] / DPI, A3_PIXELS[1] / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    level = i18n.translate(f"report.level.{state.level.value}", language)
    title = t("title", title=state.title, level=level)
    if state.closed:
        title += t("closed")
    fig.text(0.5, 0.955, title, ha="center", va="center", fontsize=26, fontweight="bold")
    fig.text(0.5, 0.915, t("as_of", time=time_text(state.at)), ha="center", fontsize=16)
    ax = fig.add_axes((0.03, 0.07, 0.70, 0.82))
    _draw_map(ax, session, state, language)
    _scale_bar(ax, language)
    _north_arrow(ax, language)
    side = fig.add_axes((0.745, 0.07, 0.235, 0.82))
    side.axis("off")
    side.text(0, 1, t("figures"), fontsize=15, fontweight="bold", va="top")
    for index, line in enumerate(_figures(state, language)):
        side.text(0, 0.955 - index * 0.035, line, fontsize=12, va="top")
    side.legend(
        handles=_legend(state.tasks_by_status, state, language),
        loc="lower left",
        bbox_to_anchor=(0, 0),
        fontsize=11,
        title=t("legend"),
        title_fontsize=13,
        frameon=True,
        alignment="left",
    )
    fig.text(0.03, 0.03, t("source"), fontsize=10, color="#444444")
    if state.is_demo:
        fig.text(
            0.97, 0.955, t("demo"), ha="right", va="center", fontsize=22, color="white",
            fontweight="bold", bbox={"facecolor": "#d62728", "edgecolor": "none", "pad": 6},
        )  # fmt: skip
    return fig


@contextmanager
def styled() -> Iterator[None]:
    """Draw in here: the CJK font first, TrueType fonts embedded in PDFs, one drawing at a
    time (matplotlib's settings are global to the process), and no mathtext: a ``$`` in a
    title or name typed by a user is shown as itself, never parsed."""
    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with (
        _drawing,
        rc_context({"font.family": family, "pdf.fonttype": 42, "text.parse_math": False}),
    ):
        yield


def draw(session: Session, state: Situation, language: str, fmt: str = "png") -> bytes:
    """``state`` drawn as PNG or PDF bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}")
    with styled():
        fig = figure(session, state, language)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata={"Title": state.title})
    return buffer.getvalue()


def render(session: Session, event_id: int, at: datetime, language: str, fmt: str = "png") -> bytes:
    """The situation map of event ``event_id`` as it stood at ``at`` (naive UTC)."""
    if session.get(Event, event_id) is None:
        raise LookupError(f"no event {event_id}")
    return draw(session, situation(session, event_id, at), language, fmt)

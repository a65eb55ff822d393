"""The map as the browser receives it, built without Streamlit, and a naive baseline.

The inputs are those the page itself passed to ``build_office_map`` in the AppTest run
(recorded by prepare/bench/pages.py), so labels and rows follow the page as it changes;
without that record they are gathered here the way ``load`` of page_helpers/map_data.py
does. The map is then built and rendered outside Streamlit. The baseline is what most folium apps
do: one ``folium.Marker`` with a popup per point. Both pages get their CDN links pointed
at the vendored files, so they load with no network.
"""

from __future__ import annotations

import pickle
import re
import time
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import folium

from maps.assets import DEFAULT_BASE_URL, cdn_urls_in
from maps.basemaps import BASEMAPS, default_basemap
from maps.office_map import LAYERS, OfficeMapData, build_office_map, format_indicator
from registry.kernel import db, i18n
from registry.kernel.clock import today
from registry.kernel.district import BOUNDARY_FILE, load_geojson, neighbour_counties
from registry.kernel.enums import CheckpointType, RiskLevel, TeamKind
from registry.kernel.geo import wgs84_to_gcj02
from registry.kernel.settings import load_settings
from registry.mapdata.indicators import INDICATORS, locality_indicators
from registry.mapdata.layers import MapFilter, checkpoint_rows, depot_rows, team_rows
from registry.records import queries

POINT_KINDS = ("depots", "teams", "checkpoints", "terminals")  # every point the map draws
# Vendored file (under DEFAULT_BASE_URL) for each CDN file name folium links to.
LOCAL_ASSETS = {
    "leaflet.js": "leaflet/leaflet.js",
    "leaflet.css": "leaflet/leaflet.css",
    "jquery.min.js": "jquery/jquery.min.js",
    "jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "leaflet.markercluster.js": "markercluster/leaflet.markercluster.js",
    "MarkerCluster.css": "markercluster/MarkerCluster.css",
    "MarkerCluster.Default.css": "markercluster/MarkerCluster.Default.css",
    "all.min.css": "fontawesome/css/all.min.css",
}


class Texts(dict):
    """Translated map texts; a key the map asks for but the bench does not know shows
    itself (as a missing translation would), so a new label never stops the benchmark."""

    def __missing__(self, key):
        return key


def page_inputs(path: Path) -> tuple[tuple, dict] | None:
    """The (args, kwargs) the page passed to build_office_map, if the run recorded them."""
    if not path.exists():
        return None
    with path.open("rb") as file:
        return pickle.load(file)  # written by our own child process, a moment ago


def _records(url: str, language: str) -> dict:
    settings = load_settings()
    factory = db.make_session_factory(db.make_engine(url))
    day = today()
    try:
        with factory() as session:
            filters = MapFilter()
            records = {
                "depots": depot_rows(session, filters, day, settings.expiry_warning_days),
                "teams": team_rows(session, filters, day),
                "checkpoints": checkpoint_rows(session, filters, day),
                "localities": queries.locality_features(session),
                "indicators": locality_indicators(session, day),
            }
    finally:
        factory.kw["bind"].dispose()
    label_rows(records, language)
    return records


def points(call: tuple[tuple, dict]) -> list[dict]:
    """Every point the map draws (depots, teams, checkpoints), with its label."""
    data = call[0][0]
    return [row for kind in POINT_KINDS for row in getattr(data, kind)]


def label_rows(records: dict, language: str) -> None:
    """A fallback copy of the page's labelling (page_helpers/map_data.py): the row's own name
    and counts; the map adds what its style and locality say."""

    def t(key, **values):
        return i18n.translate(key, language, **values)

    demo = f"[{t('map.demo')}]"

    def join(row, *parts):
        return "\n".join(p for p in (row["name"], *parts, demo if row["is_demo"] else "") if p)

    for row in records["depots"]:
        counts = {"below": row["below_quota"], "expiring": row["expiring_lots"]}
        row["label"] = join(row, t("map.label.flags", **counts, expired=row["expired_lots"]))
    for row in records["teams"]:
        kind = i18n.label(TeamKind(row["kind"]), language)
        row["label"] = join(
            row, t("map.label.team", kind=kind, members=row["members"], target=row["target"])
        )
    for row in records["checkpoints"]:
        counts = {"open": row["open_rectifications"], "overdue": row["overdue_rectifications"]}
        row["label"] = join(row, t("map.label.rect", **counts) if counts["open"] else "")


def map_texts(language: str) -> Texts:
    """The layer, legend and indicator texts the page passes to build_office_map."""

    def t(key):
        return i18n.translate(key, language)

    texts = Texts(
        neighbours=t("map.layer.neighbours"),
        localities=t("map.layer.localities"),
        legend=t("map.legend.title"),
        fullscreen=t("map.fullscreen"),
        approximate=t("map.approximate"),
        no_data=t("map.legend.no_data"),
        district=t("map.layer.district_depots"),
        town=t("map.layer.town_depots"),
        depot_warning=t("map.layer.depot_warning"),
        teams=t("map.layer.teams"),
        checkpoints=t("map.layer.checkpoints"),
    )
    texts["rectification.open"] = t("map.legend.rect_open")
    texts["rectification.overdue"] = t("map.legend.rect_overdue")
    texts.update({f"indicator.{k}": t(f"indicator.{k}") for k in INDICATORS})
    texts.update({f"team_kind.{k.value}": i18n.label(k, language) for k in TeamKind})
    texts.update({f"risk.{r.value}": i18n.label(r, language) for r in RiskLevel})
    texts.update({f"type.{c.value}": i18n.label(c, language) for c in CheckpointType})
    return texts


def measure_texts(language: str) -> Texts:
    keys = ("distance", "area", "finish", "clear", "hint", "hectares")
    return Texts({k: i18n.translate(f"measure.{k}", language) for k in keys})


def bench_inputs(url: str, language: str = "zh") -> tuple[tuple, dict]:
    """The page's build_office_map arguments for the default filter, gathered here."""
    records = _records(url, language)
    key = load_settings().tianditu_key
    basemap = default_basemap(key)
    indicator = INDICATORS[0]
    values = {loc: v[indicator] for loc, v in records["indicators"].items()}
    name = i18n.translate(f"indicator.{indicator}", language)
    data = OfficeMapData(
        boundary=load_geojson(BOUNDARY_FILE),
        localities=records["localities"],
        indicator=indicator,
        indicator_values=values,
        indicator_text={
            loc: f"{name}: {format_indicator(indicator, v)}" for loc, v in values.items()
        },
        depots=records["depots"],
        teams=records["teams"],
        checkpoints=records["checkpoints"],
        neighbours=neighbour_counties(language),
        layers=LAYERS,
    )
    options = {
        "basemap": basemap,
        "tianditu_key": key,
        "display_transform": wgs84_to_gcj02 if BASEMAPS[basemap].gcj02 else None,
        "measure_labels": measure_texts(language),
    }
    return (data, map_texts(language)), options


def our_map_html(call: tuple[tuple, dict]) -> str:
    """The office map, built from the page's arguments and rendered to a whole page."""
    args, kwargs = call
    return build_office_map(*args, **kwargs).get_root().render()


def naive_map_html(rows: list[dict]) -> str:
    """One folium.Marker with a popup per point, as most folium apps draw them."""
    lats = [row["lat"] for row in rows] or [34.6]
    lons = [row["lon"] for row in rows] or [119.2]
    centre = [(min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2]
    naive = folium.Map(location=centre, zoom_start=11, tiles=None)
    for row in rows:
        popup = row.get("label") or row["name"]
        folium.Marker([row["lat"], row["lon"]], popup=popup).add_to(naive)
    return naive.get_root().render()


def timed(build, *args) -> tuple[str, float]:
    started = time.perf_counter()
    html = build(*args)
    return html, time.perf_counter() - started


def offline(html: str, base_url: str = DEFAULT_BASE_URL) -> tuple[str, list[str]]:
    """Point CDN links at the vendored files; drop those with no local copy (bootstrap,
    awesome-markers: the app drops them too). Returns the page and the dropped URLs."""
    dropped = []
    for url in dict.fromkeys(cdn_urls_in(html)):
        local = LOCAL_ASSETS.get(PurePosixPath(urlparse(url).path).name)
        if local:
            html = html.replace(url, f"{base_url}/{local}")
            continue
        dropped.append(url)
        quoted = re.escape(url)
        html = re.sub(rf"<script[^>]*{quoted}[^>]*>\s*</script>", "", html)
        html = re.sub(rf"<link[^>]*{quoted}[^>]*>", "", html)
    return html, dropped

"""Registry of the basemaps the district map can draw under its layers.

The default must work offline ("none": no tiles at all). Tile services are
opt-in; Gaode draws in GCJ-02, so callers must shift WGS-84 coordinates for it.
UI labels are not kept here: the app translates the keys.
"""

from dataclasses import dataclass
from urllib.parse import quote

import folium
from branca.element import MacroElement
from folium.template import Template

_NO_TILES_BACKGROUND = "#eef1f4"

_TIANDITU_URL = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'


@dataclass(frozen=True)
class Basemap:
    """What callers need to know about a basemap before drawing on it."""

    gcj02: bool = False
    needs_tianditu_key: bool = False


BASEMAPS: dict[str, Basemap] = {
    "none": Basemap(),
    "osm": Basemap(),
    "tianditu": Basemap(needs_tianditu_key=True),
    "gaode": Basemap(gcj02=True),
}


class _ContainerBackground(MacroElement):
    """Give a tile-less map a finished, light background instead of Leaflet's grey."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.getContainer().style.background = {{ this.color|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, color: str):
        super().__init__()
        self._name = "ContainerBackground"
        self.color = color


def available_basemaps(tianditu_key: str | None) -> list[str]:
    """Basemap keys usable with this configuration (Tianditu only with a key)."""
    return [name for name, b in BASEMAPS.items() if tianditu_key or not b.needs_tianditu_key]


def default_basemap(tianditu_key: str | None) -> str:
    """Tianditu (WGS-84 aligned) when a key is configured, else the offline-safe "none"."""
    return "tianditu" if tianditu_key else "none"


def add_basemap(m: folium.Map, name: str, *, tianditu_key: str | None = None) -> None:
    """Add the tiles (or the plain background) for basemap ``name`` to ``m``.

    ``m`` should be created with ``tiles=None``. Tile layers stay out of the
    LayerControl because the app switches basemaps with its own widget.
    """
    if name not in available_basemaps(tianditu_key):
        raise ValueError(f"basemap {name!r} is unknown or needs a Tianditu key")
    if name == "none":
        m.add_child(_ContainerBackground(_NO_TILES_BACKGROUND))
    elif name == "osm":
        folium.TileLayer("OpenStreetMap", control=False).add_to(m)
    elif name == "gaode":
        folium.TileLayer("Gaode.Normal", control=False).add_to(m)
    else:
        key = quote(tianditu_key or "", safe="")  # available_basemaps checked there is one
        for layer in ("vec", "cva"):
            folium.TileLayer(
                _TIANDITU_URL.format(layer=layer, key=key),
                attr=_TIANDITU_ATTR,
                name=f"tianditu_{layer}",
                subdomains="01234567",
                max_zoom=18,
                control=False,
            ).add_to(m)

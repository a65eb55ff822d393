"""Small Leaflet controls written in our own JS, so they need no CDN plugin.

folium.plugins.Fullscreen loads leaflet.fullscreen from jsDelivr and no wheel
ships it; a fullscreen toggle and a metric scale are a few lines of plain Leaflet,
emitted as ``script`` macros, which st_folium also picks up. (The legend is in
``maps.legend``.)
"""

from branca.element import MacroElement
from folium.template import Template

_EXPAND_ICON = (
    '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" style="margin-top:7px">'
    '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="currentColor"'
    ' stroke-width="2"/></svg>'
)


class FullscreenControl(MacroElement):
    """A button that toggles ``requestFullscreen`` on the map container.

    Hidden when the browser (or the iframe's permissions policy) disallows fullscreen.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            if (!document.fullscreenEnabled) { return; }
            var Fullscreen = L.Control.extend({
                onAdd: function () {
                    var box = L.DomUtil.create('div', 'leaflet-bar leaflet-control');
                    var button = L.DomUtil.create('a', '', box);
                    button.href = '#';
                    button.title = {{ this.title|tojson }};
                    button.setAttribute('role', 'button');
                    button.setAttribute('aria-label', {{ this.title|tojson }});
                    button.innerHTML = {{ this.icon|tojson }};
                    L.DomEvent.disableClickPropagation(box);
                    L.DomEvent.on(button, 'click', function (event) {
                        L.DomEvent.preventDefault(event);
                        if (document.fullscreenElement) {
                            document.exitFullscreen();
                        } else {
                            map.getContainer().requestFullscreen();
                        }
                    });
                    return box;
                }
            });
            new Fullscreen({position: {{ this.position|tojson }}}).addTo(map);
            document.addEventListener('fullscreenchange', function () { map.invalidateSize(); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, position: str = "topleft"):
        super().__init__()
        self._name = "FullscreenControl"
        self.title = title
        self.position = position
        self.icon = _EXPAND_ICON


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (Leaflet's default also shows miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

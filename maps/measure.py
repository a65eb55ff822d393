"""A distance and area measuring tool written as a plain Leaflet control.

folium.plugins.MeasureControl loads leaflet-measure from a CDN, which an offline
deployment cannot reach. While measuring, a transparent cover over the map takes
the clicks, so they never reach markers or the map and st_folium does not report
them as record clicks; dragging and wheel zoom pass through it.

Areas use the spherical-excess formula of Leaflet.draw's ``geodesicArea``;
distances sum Leaflet's great-circle ``map.distance``.
"""

from collections.abc import Mapping

from branca.element import MacroElement
from folium.template import Template

from maps.text import map_text

LABEL_KEYS = (
    "distance",  # distance button tooltip and result prefix
    "area",  # area button tooltip and result prefix
    "finish",  # finish button tooltip
    "clear",  # clear button tooltip
    "hint",  # shown until enough points are placed
    "hectares",  # unit name for 10,000 m², e.g. 公顷
)

_ICONS = {
    "distance": '<path d="M1 12L12 1l3 3L4 15zM4 9l2 2M7 6l2 2M10 3l2 2"/>',
    "area": '<path d="M2 5l6-4 6 5-2 8H4z"/>',
    "finish": '<path d="M2 8l4 4 8-9"/>',
    "clear": '<path d="M3 3l10 10M13 3L3 13"/>',
}
_PANEL_STYLE = (
    "display:none;margin-top:4px;background:rgba(255,255,255,0.92);padding:4px 8px;"
    "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,0.3);font-size:12px;color:#222;"
    "white-space:nowrap"
)


class MeasureControl(MacroElement):
    """Distance and area buttons; click points, double-click or press finish to end.

    ``labels`` must hold every key in ``LABEL_KEYS``; they are escaped here.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, html, text) {
            var RADIUS = 6378137, RAD = Math.PI / 180;
            var LINE = {color: '#d81b60', weight: 3, interactive: false};
            var mode = null, points = [], buttons = {}, panel, shape, preview;
            var drawn = L.layerGroup();
            var cover = L.DomUtil.create('div');
            cover.style.cssText = 'position:absolute;top:0;right:0;bottom:0;left:0;'
                + 'z-index:500;cursor:crosshair';

            function pathLength(latlngs) {
                var total = 0;
                for (var i = 1; i < latlngs.length; i++) {
                    total += map.distance(latlngs[i - 1], latlngs[i]);
                }
                return total;
            }
            function geodesicArea(latlngs) {
                var area = 0, n = latlngs.length;
                if (n < 3) { return 0; }
                for (var i = 0; i < n; i++) {
                    var p1 = latlngs[i], p2 = latlngs[(i + 1) % n];
                    area += (p2.lng - p1.lng) * RAD
                        * (2 + Math.sin(p1.lat * RAD) + Math.sin(p2.lat * RAD));
                }
                return Math.abs(area * RADIUS * RADIUS / 2);
            }
            function formatDistance(metres) {
                return metres < 1000 ? metres.toFixed(0) + ' m'
                    : (metres / 1000).toFixed(2) + ' km';
            }
            function formatArea(sqm) {
                if (sqm < 1e4) { return sqm.toFixed(0) + ' m²'; }
                if (sqm < 1e6) { return (sqm / 1e4).toFixed(2) + ' ' + text.hectares; }
                return (sqm / 1e6).toFixed(2) + ' km²';
            }
            function show(content) {
                panel.innerHTML = content;
                panel.style.display = content ? '' : 'none';
            }
            function result(latlngs) {
                if (latlngs.length < (mode === 'area' ? 3 : 2)) { return ''; }
                return mode === 'area' ? text.area + ': ' + formatArea(geodesicArea(latlngs))
                    : text.distance + ': ' + formatDistance(pathLength(latlngs));
            }
            function start(kind) {
                mode = kind;
                points = [];
                drawn.clearLayers().addTo(map);
                shape = (kind === 'area' ? L.polygon([], LINE) : L.polyline([], LINE)).addTo(drawn);
                preview = L.polyline([], L.extend({dashArray: '4 6'}, LINE)).addTo(drawn);
                map.getContainer().appendChild(cover);
                buttons[kind].style.background = '#fce4ec';
                buttons.finish.style.display = '';
                show(text.hint);
            }
            function finish() {
                if (!mode) { return; }
                L.DomUtil.remove(cover);
                drawn.removeLayer(preview);
                show(result(points));
                buttons[mode].style.background = '';
                buttons.finish.style.display = 'none';
                mode = null;
            }
            function act(action) {
                var again = action === mode;
                finish();
                if (action === 'clear') {
                    drawn.clearLayers();
                    show('');
                } else if (action !== 'finish' && !again) {
                    start(action);
                }
            }

            L.DomEvent.on(cover, 'click', function (event) {
                L.DomEvent.stop(event);
                if (map.dragging && map.dragging.moved()) { return; }
                var latlng = map.mouseEventToLatLng(event), last = points[points.length - 1];
                // The two clicks of a double-click land on one spot: keep one vertex.
                if (last && map.latLngToContainerPoint(last)
                        .distanceTo(map.latLngToContainerPoint(latlng)) < 5) { return; }
                points.push(latlng);
                shape.setLatLngs(points);
                L.circleMarker(latlng, L.extend({radius: 3, fillOpacity: 1}, LINE)).addTo(drawn);
                show(result(points) || text.hint);
            });
            L.DomEvent.on(cover, 'dblclick', function (event) {
                L.DomEvent.stop(event);
                finish();
            });
            L.DomEvent.on(cover, 'mousemove', function (event) {
                if (!points.length) { return; }
                var latlng = map.mouseEventToLatLng(event);
                preview.setLatLngs([points[points.length - 1], latlng]);
                show(result(points.concat([latlng])) || text.hint);
            });

            var Measure = L.Control.extend({
                onAdd: function () {
                    var box = L.DomUtil.create('div', 'leaflet-control');
                    box.style.cssText = 'display:flex;flex-direction:column;align-items:flex-start';
                    box.innerHTML = html;
                    L.DomEvent.disableClickPropagation(box);
                    L.DomEvent.disableScrollPropagation(box);
                    box.querySelectorAll('[data-measure]').forEach(function (button) {
                        var action = button.getAttribute('data-measure');
                        buttons[action] = button;
                        L.DomEvent.on(button, 'click', function (event) {
                            L.DomEvent.preventDefault(event);
                            act(action);
                        });
                    });
                    panel = box.querySelector('[data-measure-result]');
                    return box;
                }
            });
            new Measure({position: {{ this.position|tojson }}}).addTo(map);
        })({{ this._parent.get_name() }}, {{ this.html|tojson }}, {{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, labels: Mapping[str, str], position: str = "topleft"):
        super().__init__()
        missing = [key for key in LABEL_KEYS if key not in labels]
        if missing:
            raise KeyError(f"labels is missing {missing}")
        self._name = "MeasureControl"
        self.position = position
        self.text = {key: map_text(labels[key]) for key in LABEL_KEYS}
        buttons = "".join(
            _button(action, self.text[action], hidden=action == "finish") for action in _ICONS
        )
        self.html = (
            f'<div class="leaflet-bar">{buttons}</div>'
            f'<div data-measure-result style="{_PANEL_STYLE}"></div>'
        )


def _button(action: str, title: str, *, hidden: bool) -> str:
    """A Leaflet-bar button; ``title`` is already escaped."""
    style = ' style="display:none"' if hidden else ""
    return (
        f'<a href="#" role="button" data-measure="{action}" title="{title}"'
        f' aria-label="{title}"{style}>'
        '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"'
        ' style="margin-top:5px" fill="none" stroke="currentColor" stroke-width="1.6"'
        f' stroke-linejoin="round">{_ICONS[action]}</svg></a>'
    )

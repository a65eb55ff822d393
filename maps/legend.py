"""A legend whose sections follow the layers switched on in the layer control.

With a dozen toggleable layers a fixed legend explains symbols that are not on
the map. Each section may name the layer it explains and is shown only while
that layer is on the map. Layers report their own ``add``/``remove``: that covers
the layer control's toggles (which fire ``overlayadd``/``overlayremove`` from the
same events) and also layers shown or hidden by script.
"""

from collections.abc import Sequence

import folium
from branca.element import MacroElement
from folium.template import Template
from markupsafe import Markup

from maps.text import map_text

# A swatch is CSS for a small box (escaped here) or trusted Markup such as
# maps.points.marker_svg, so the legend draws exactly what the map draws.
Swatch = str | Markup
Section = tuple[folium.map.Layer | None, str, Sequence[tuple[Swatch, str]]]
_GRID_STYLE = "display:grid;grid-template-columns:auto 1fr;column-gap:6px;align-items:center"


class LayerLegend(MacroElement):
    """A legend control; ``sections`` are (layer or None, title, rows of (swatch, text)).

    Add it to the map after the layers it refers to, as with folium.LayerControl.
    Titles and texts are plain text and escaped here.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, title, sections) {
            var LayerLegend = L.Control.extend({
                onAdd: function () {
                    var box = L.DomUtil.create('div', 'leaflet-control');
                    box.style.cssText = {{ this.box_style|tojson }};
                    box.innerHTML = title;
                    var parts = sections.map(function (section) {
                        var part = L.DomUtil.create('div', '', box);
                        part.innerHTML = section[1];
                        return part;
                    });
                    function refresh() {
                        var any = false;
                        sections.forEach(function (section, i) {
                            var shown = !section[0] || map.hasLayer(section[0]);
                            parts[i].style.display = shown ? '' : 'none';
                            any = any || shown;
                        });
                        box.style.display = any ? '' : 'none';
                    }
                    sections.forEach(function (section) {
                        if (section[0]) { section[0].on('add remove', refresh); }
                    });
                    refresh();
                    return box;
                }
            });
            new LayerLegend({position: {{ this.position|tojson }}}).addTo(map);
        })({{ this._parent.get_name() }}, {{ this.title_html|tojson }}, [
            {%- for layer, html in this.sections %}
            [{{ layer.get_name() if layer else 'null' }}, {{ html|tojson }}],
            {%- endfor %}
        ]);
        {% endmacro %}
        """
    )

    # Tall legends scroll rather than cover the layer control on a small map.
    box_style = (
        "background:rgba(255,255,255,0.92);padding:6px 10px;border-radius:4px;"
        "box-shadow:0 1px 4px rgba(0,0,0,0.3);font-size:12px;line-height:20px;color:#222;"
        "max-height:45vh;overflow-y:auto"
    )

    def __init__(self, title: str, sections: Sequence[Section], position: str = "bottomright"):
        super().__init__()
        self._name = "LayerLegend"
        self.position = position
        self.title_html = f"<div><b>{map_text(title)}</b></div>"
        self.sections = [
            (layer, _section_html(section_title, rows)) for layer, section_title, rows in sections
        ]

    def render(self, **kwargs):
        parent = self._parent
        assert parent is not None  # rendered only once added to a map
        siblings = list(parent._children.values())
        after = siblings[siblings.index(self) + 1 :]
        if any(layer in after for layer, _ in self.sections if layer is not None):
            raise ValueError("add LayerLegend to the map after the layers it refers to")
        super().render(**kwargs)


def _section_html(title: str, rows: Sequence[tuple[Swatch, str]]) -> str:
    """Heading plus a two-column grid, so texts line up whatever the swatch widths."""
    heading = (
        f'<div style="margin-top:4px;font-weight:600">{map_text(title)}</div>' if title else ""
    )
    cells = "".join(f"{_swatch(swatch)}<span>{map_text(text)}</span>" for swatch, text in rows)
    return heading + f'<div style="{_GRID_STYLE}">{cells}</div>'


def _swatch(swatch: Swatch) -> str:
    if isinstance(swatch, Markup):
        inner = str(swatch)
    else:
        inner = f'<span style="display:inline-block;{map_text(swatch)}"></span>'
    return f'<span style="display:flex;justify-self:center">{inner}</span>'

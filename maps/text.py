"""Escape user-supplied text for folium tooltips, popups and legends.

folium places such text inside JavaScript template literals and later assigns it
as HTML, so ``html.escape`` alone is not enough: ``${...}`` would still run.
"""

import html

_JS_LITERAL_ESCAPES = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def map_text(value: object) -> str:
    """Return ``value`` as inert text for any folium tooltip, popup or label.

    Escapes HTML (quotes included) plus the backtick, ``$`` and backslash that would
    otherwise end or interpolate a template literal. ``None`` becomes ``""``.
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True).translate(_JS_LITERAL_ESCAPES)

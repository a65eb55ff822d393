"""Escape user-supplied text for folium tooltips, popups and legends.

folium places such text inside JavaScript template literals and later assigns it
as HTML, so ``html.escape`` alone is not enough: ``${...}`` would still run. And branca
renders every script through Jinja a second time, so ``{{ ... }}`` in user text would be
executed on the server: braces become entities too.
"""

import html

_ESCAPES = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})


def map_text(value: object) -> str:
    """Return ``value`` as inert text for any folium tooltip, popup or label.

    Escapes HTML (quotes included), the backtick, ``$`` and backslash that would
    otherwise end or interpolate a template literal, and the braces of Jinja's second
    pass. ``None`` becomes ``""``.
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True).translate(_ESCAPES)

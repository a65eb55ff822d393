"""Map palettes as data, so every page and legend draws a category the same way.

Risk levels use the national four-colour scheme (重大红, 较大橙, 一般黄, 低蓝). Point
colours are plain CSS strings; ``DEPOT_LEVEL_STYLES`` holds the parts of a
``maps.points`` style that say what a depot level looks like.
"""

from bisect import bisect_right
from collections.abc import Sequence
from itertools import pairwise
from math import isfinite

RISK_COLOURS: dict[str, str] = {
    "major": "#d32f2f",
    "significant": "#f57c00",
    "general": "#fbc02d",
    "low": "#1976d2",
}

# Dark, mutually distinct colours: a checkpoint's fill shows its risk level, so its type is
# shown by the marker border or a small glyph and must stay readable on any risk fill.
CHECKPOINT_TYPE_COLOURS: dict[str, str] = {
    "waterlogging": "#01579b",
    "geological": "#5d4037",
    "dilapidated_housing": "#455a64",
    "construction_site": "#e65100",
    "dike": "#1b5e20",
    "reservoir": "#006064",
    "pump_gate": "#4527a0",
    "hazchem": "#b71c1c",
    "crowded_venue": "#ad1457",
    "billboard": "#827717",
}

TEAM_KIND_COLOURS: dict[str, str] = {
    "comprehensive": "#c62828",
    "professional": "#1565c0",
    "social": "#2e7d32",
}

DEPOT_LEVEL_STYLES: dict[str, dict[str, str]] = {
    "district": {"shape": "square", "fill_color": "#d32f2f", "color": "#7f0000"},
    "town": {"shape": "circle", "fill_color": "#1e88e5", "color": "#0d47a1"},
}

# ColorBrewer "Blues", 5 classes: light = low. Neutral hue, so it never reads as a risk level.
SEQUENTIAL_RAMP: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA_COLOUR = "#bdbdbd"


def classify(value: float, breaks: Sequence[float]) -> int:
    """Class index of ``value``: 0 below ``breaks[0]``, i for ``breaks[i-1] <= value < breaks[i]``.

    A value equal to a break belongs to the upper class. With the 4 breaks of a
    5-class ramp the result indexes ``SEQUENTIAL_RAMP``; missing values are the
    caller's to colour ``NO_DATA_COLOUR``, so NaN is refused rather than binned.
    """
    if not isfinite(value):
        raise ValueError(f"cannot classify {value!r}")
    if any(low >= high for low, high in pairwise(breaks)):
        raise ValueError(f"breaks must be strictly increasing: {list(breaks)}")
    return bisect_right(breaks, value)

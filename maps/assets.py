"""Serve folium's JavaScript and CSS from the app instead of public CDNs.

Offline or on an intranet the CDNs folium links to are unreachable and the map
stays blank. The files come from the installed XStatic-* wheels, are copied into
``static/vendor/`` at setup time (never committed) and are served by Streamlit's
static file serving at ``/app/static/vendor/``.

Run ``python -m maps.assets static/vendor`` to copy them.
"""

import filecmp
import re
import shutil
import sys
from pathlib import Path

import folium
import xstatic.pkg.font_awesome
import xstatic.pkg.jquery
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from folium.plugins import FastMarkerCluster, MarkerCluster

# Vendored sub-directory -> (XStatic data directory, files or folders to copy).
# Paths inside each sub-directory keep the layout the CSS files expect
# (leaflet.css -> images/, font-awesome all.min.css -> ../webfonts/).
_SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "leaflet": (xstatic.pkg.leaflet.BASE_DIR, ("leaflet.js", "leaflet.css", "images")),
    "markercluster": (
        xstatic.pkg.leaflet_markercluster.BASE_DIR,
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
    ),
    "jquery": (xstatic.pkg.jquery.BASE_DIR, ("jquery.min.js",)),
    "fontawesome": (xstatic.pkg.font_awesome.BASE_DIR, ("css/all.min.css", "webfonts")),
}

DEFAULT_BASE_URL = "/app/static/vendor"

_EXTERNAL_URL = re.compile(
    r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""",
    re.IGNORECASE,
)


def _source_files() -> list[tuple[Path, Path]]:
    """List (source file, path relative to the vendor dir) for every needed file."""
    pairs = []
    for subdir, (base_dir, entries) in _SOURCES.items():
        for entry in entries:
            source = Path(base_dir) / entry
            files = (
                sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
            )
            pairs += [(f, Path(subdir) / f.relative_to(base_dir)) for f in files]
    return pairs


def vendor_assets(target_dir: Path) -> list[Path]:
    """Copy the map's JS/CSS/fonts from the XStatic packages into ``target_dir``.

    Idempotent: a file is copied only when missing or different, so it is safe to
    run on every deploy. Returns the paths that were (re)written.
    """
    written = []
    for source, relative in _source_files():
        target = Path(target_dir) / relative
        if target.is_file() and filecmp.cmp(source, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    return written


def use_local_assets(base_url: str = DEFAULT_BASE_URL) -> None:
    """Point folium's Map and marker-cluster resources at ``base_url``.

    Rewrites the class-level ``default_js``/``default_css`` (process-wide and
    idempotent). Bootstrap, awesome-markers and glyphicons are dropped, since no
    wheel provides them: do not use ``folium.Icon`` or bootstrap-styled elements.
    """
    base = base_url.rstrip("/")
    folium.Map.default_js = [
        ("leaflet", f"{base}/leaflet/leaflet.js"),
        ("jquery", f"{base}/jquery/jquery.min.js"),
    ]
    folium.Map.default_css = [
        ("leaflet_css", f"{base}/leaflet/leaflet.css"),
        ("awesome_markers_font_css", f"{base}/fontawesome/css/all.min.css"),
    ]
    for cluster in (MarkerCluster, FastMarkerCluster):
        cluster.default_js = [("markerclusterjs", f"{base}/markercluster/leaflet.markercluster.js")]
        cluster.default_css = [
            ("markerclustercss", f"{base}/markercluster/MarkerCluster.css"),
            ("markerclusterdefaultcss", f"{base}/markercluster/MarkerCluster.Default.css"),
        ]


def cdn_urls_in(html: str) -> list[str]:
    """Return every external (http, https or protocol-relative) script/link URL in ``html``."""
    return _EXTERNAL_URL.findall(html)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m maps.assets TARGET_DIR")
    copied = vendor_assets(Path(sys.argv[1]))
    print(f"maps.assets: {len(copied)} file(s) updated in {sys.argv[1]}")

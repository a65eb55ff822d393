"""Figures, targets and the printed table; the machine and versions they were taken on.

Every figure has a stable key in ``results["figures"]`` (None when not measured, with the
reason in ``results["notes"]``), so runs can be compared and the tests can check the set.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

DATASETS = ("district", "province")
PER_DATASET = (
    "load_s",
    "points",
    "map_page.cold_s",
    "map_page.rerun_s",
    "map_page.after_write_s",
    "map_page.shipped_bytes",
    "map_page.shipped_bytes_per_point",
    "ours.bytes",
    "ours.bytes_per_point",
    "ours.build_render_s",
    "naive.bytes",
    "naive.bytes_per_point",
    "naive.build_render_s",
    "ratio.bytes_per_point",
    "ratio.build_render",
    "chromium.ours_s",
    "chromium.naive_s",
    "ratio.chromium",
    "overview.cold_s",
    "overview.rerun_s",
    "overview.after_write_s",
)
FIGURES = (
    *(f"{ds}.{key}" for ds in DATASETS for key in PER_DATASET),
    "province.load_postgresql_s",
    "import.rows",
    "import.seconds",
    "import.rows_per_s",
    "memory.rss_mib",
    "ogc.page_p95_s",
    "ogc.page_max_s",
    "ogc.rss_growth_mib",
    "load.interaction_p50_s",
    "load.interaction_p95_s",
    "load.interaction_max_s",
    "load.one_session_p95_s",
    "load.ratio_p95",
    "load.sign_in_p95_s",
    "load.errors",
    "load.server_rss_mib",
)
# Issue 7's targets on the 2-core machine: figure → upper limit.
TARGETS = {
    "district.map_page.rerun_s": 0.3,
    "province.map_page.rerun_s": 1.5,
    "province.ours.bytes_per_point": 40,
    "province.chromium.ours_s": 3,
    "district.overview.rerun_s": 0.5,
    "province.overview.rerun_s": 2,
    "import.seconds": 10,
    "memory.rss_mib": 1536,  # 1.5 GiB
    # Issue 19: the first run after another user's write, at province scale.
    "province.map_page.after_write_s": 1.0,
    "province.overview.after_write_s": 1.0,
    "load.interaction_p95_s": 1.0,  # 30 sessions on the demo district, writes mixed in
    "load.sign_in_p95_s": 2.0,
    "load.errors": 0,
    "load.server_rss_mib": 1536,
    # Issue 17: a page of 1,000 features, and memory flat while paging through everything.
    "ogc.page_p95_s": 0.5,
    "ogc.rss_growth_mib": 64,
}
RATIOS = {  # figure of ours → (ratio key, naive figure)
    "ours.bytes_per_point": "ratio.bytes_per_point",
    "ours.build_render_s": "ratio.build_render",
    "chromium.ours_s": "ratio.chromium",
}
LABELS = {
    "load_s": "dataset built (s)",
    "points": "points on the map",
    "map_page.cold_s": "map page, first run after sign-in (s)",
    "map_page.rerun_s": "map page rerun, median of 3 (s)",
    "map_page.after_write_s": "map page, first run after a stock receipt (s)",
    "map_page.shipped_bytes": "map component sent by the page (bytes)",
    "map_page.shipped_bytes_per_point": "map component per point (bytes)",
    "ours.bytes": "map HTML (bytes)",
    "ours.bytes_per_point": "map HTML per point (bytes)",
    "ours.build_render_s": "map build + render (s)",
    "naive.bytes": "naive folium HTML (bytes)",
    "naive.bytes_per_point": "naive HTML per point (bytes)",
    "naive.build_render_s": "naive build + render (s)",
    "chromium.ours_s": "markers shown in Chromium (s)",
    "chromium.naive_s": "naive markers shown in Chromium (s)",
    "overview.cold_s": "overview, first run after sign-in (s)",
    "overview.rerun_s": "overview rerun, median of 3 (s)",
    "overview.after_write_s": "overview, first run after a stock receipt (s)",
    "load_postgresql_s": "dataset built in PostgreSQL (s)",
    "rows": "stock rows imported",
    "seconds": "stock import commit (s)",
    "rows_per_s": "stock import rate (rows/s)",
    "rss_mib": "app server RSS, map + overview opened (MiB)",
    "page_p95_s": "OGC API page of 1,000 checkpoints, p95 (s)",
    "page_max_s": "OGC API page of 1,000 checkpoints, slowest (s)",
    "rss_growth_mib": "server RSS growth, first to last page (MiB)",
    "interaction_p50_s": "sessions at once: server time per click, p50 (s)",
    "interaction_p95_s": "sessions at once: server time per click, p95 (s)",
    "interaction_max_s": "sessions at once: server time per click, slowest (s)",
    "one_session_p95_s": "one session alone: server time per click, p95 (s)",
    "ratio_p95": "p95 at once ÷ p95 alone",
    "sign_in_p95_s": "sessions at once: sign-in, p95 (s)",
    "errors": "sessions at once: errors",
    "server_rss_mib": "sessions at once: server RSS at the end (MiB)",
}


def ratio(ours, naive) -> float | None:
    if ours is None or not naive:
        return None
    return round(ours / naive, 4)


def evaluate(figures: dict) -> dict[str, bool | None]:
    """Pass (True), miss (False) or not measured (None) per target."""
    return {
        key: None if figures.get(key) is None else figures[key] <= limit
        for key, limit in TARGETS.items()
    }


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(results: dict) -> str:
    """One line per figure: value, target, pass/fail, ratio ours/naive where it applies."""
    figures, notes, verdicts = results["figures"], results["notes"], results["verdicts"]
    lines = [("figure", "value", "target", "result", "ours/naive")]
    for key in FIGURES:
        dataset, _, rest = key.partition(".")
        if rest.startswith("ratio."):
            continue  # shown in the ratio column
        value = figures.get(key)
        shown = notes.get(key, "—") if value is None else _shown(value)
        limit = TARGETS.get(key)
        verdict = {True: "PASS", False: "FAIL", None: "n/a" if limit else ""}[verdicts.get(key)]
        ratio_key = RATIOS.get(rest)
        ours_naive = figures.get(f"{dataset}.{ratio_key}") if ratio_key else None
        ratio_text = _shown(ours_naive) if ours_naive is not None else ""
        if ratio_key and ours_naive is None and notes.get(f"{dataset}.{ratio_key}"):
            ratio_text = notes[f"{dataset}.{ratio_key}"]
        target = f"< {_shown(limit)}" if limit is not None else ""
        label = LABELS.get(rest, rest)
        lines.append((f"{dataset}: {label}", shown, target, verdict, ratio_text))
    widths = [max(len(row[i]) for row in lines) for i in range(5)]
    text = [
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                  enumerate(zip(row, widths, strict=True)))
        for row in lines
    ]  # fmt: skip
    text.insert(1, "-" * len(text[0]))
    return "\n".join(text)


def machine() -> dict:
    """CPU, cores and memory from /proc, as the figures only mean something on a machine."""
    info = {"platform": platform.platform(), "cores": os.cpu_count()}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(
            (line.split(":", 1)[1].strip() for line in cpu.splitlines() if "model name" in line),
            platform.processor(),
        )
        mem = Path("/proc/meminfo").read_text().splitlines()
        total = next(line for line in mem if line.startswith("MemTotal:"))
        info["ram_mib"] = round(int(total.split()[1]) / 1024)
    except (OSError, StopIteration):  # no /proc (not Linux): the report says so
        info["cpu"] = info.get("cpu") or platform.processor() or "unknown"
        info.setdefault("ram_mib", None)
    return info


def versions(chromium: str) -> dict:
    found: dict[str, str | None] = {"python": sys.version.split()[0]}
    for package in ("streamlit", "folium", "streamlit-folium", "SQLAlchemy", "playwright",
                    "branca", "openpyxl", "psycopg"):  # fmt: skip
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    try:
        done = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=30)
        found["chromium"] = done.stdout.strip() or None
    except OSError:
        found["chromium"] = None
    return found


def source(root: Path) -> dict:
    """The commit measured and whether the tree had uncommitted changes (it often will)."""

    def git(*args):
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": git("rev-parse", "HEAD"), "uncommitted_changes": bool(status)}

"""``python -m prepare bench``: the map, the overview, the import and OGC API paging at
district and province scale, against a naive folium baseline measured in the same run
(README: Scale and speed).

Speed is judged here, by figures and ratios taken on one machine in one run, never by
timed unit tests. A missed target is a result (exit 0); only a step that could not be
measured makes the run fail (exit 1), after the table and JSON are written anyway.
"""

from __future__ import annotations

import gc
import json
import os
import tempfile
import traceback
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from prepare.bench import datasets, report
from prepare.support import CHROMIUM, ROOT, throwaway_database
from registry.kernel.clock import today

DEFAULT_OUT = ROOT / "bench-results" / "bench.json"


@dataclass
class Options:
    size: str = "full"  # a key of datasets.SIZES
    browser: bool = True  # markers in Chromium
    memory: bool = True  # a real server's RSS (needs the browser)
    postgres: str | None = None  # also time the province load into this server
    import_rows: int = 10_000
    naive_cap_s: float = 120
    load_sessions: int = 30  # people at once on the demo district
    load_seconds: float = 90  # how long they click, alone and then together
    out: Path = DEFAULT_OUT


@dataclass
class Run:
    """Figures, details and the reasons a figure is missing, filled step by step."""

    figures: dict = field(default_factory=lambda: dict.fromkeys(report.FIGURES))
    notes: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    def step(self, name: str, keys: tuple[str, ...], measure, *args, **kwargs):
        """Run one measurement; on failure note it against its figures and go on."""
        try:
            return measure(*args, **kwargs)
        except Exception as error:  # any failure is reported against its figures, not fatal
            self.errors[name] = "".join(traceback.format_exception_only(error)).strip()[:500]
            for key in keys:
                self.notes.setdefault(key, f"error in {name}")
            return None

    def skip(self, keys, reason: str) -> None:
        for key in keys:
            self.notes.setdefault(key, reason)


def _pages(run: Run, name: str, url: str, capture: Path) -> None:
    from prepare.bench.pages import measure

    for user, section in (("office", "map_page"), ("leader", "overview")):
        keys = tuple(f"{name}.{section}.{k}" for k in ("cold_s", "rerun_s", "after_write_s"))
        into = capture if section == "map_page" else None
        result = run.step(f"{name} {section} (AppTest)", keys, measure, url, user, capture=into)
        if result is None:
            continue
        run.details.setdefault(name, {})[section] = result
        for key in keys:
            run.figures[key] = result[key.rsplit(".", 1)[1]]
        if section == "map_page":
            run.figures[f"{name}.map_page.shipped_bytes"] = result["component_bytes"]
        if result["exceptions"]:
            run.errors[f"{name} {section}: page raised"] = result["exceptions"][0]


def _html(run: Run, name: str, url: str, capture: Path) -> dict[str, Path]:
    """Our map and the naive one for the dataset: sizes, build times, files to load."""
    from prepare.bench import payload

    prefix = f"{name}."
    call = payload.page_inputs(capture)
    details = run.details.setdefault(name, {})
    details["map_inputs"] = "recorded from the page" if call else "gathered by the bench"
    call = call or payload.bench_inputs(url)
    rows = payload.points(call)
    points = len(rows)
    run.figures[prefix + "points"] = points
    shipped = run.figures[prefix + "map_page.shipped_bytes"]
    if shipped is not None:
        run.figures[prefix + "map_page.shipped_bytes_per_point"] = round(
            shipped / max(points, 1), 2
        )
    details["points"] = {k: len(getattr(call[0][0], k)) for k in payload.POINT_KINDS}
    files = {}
    for kind, build, arg in (("ours", payload.our_map_html, call),
                             ("naive", payload.naive_map_html, rows)):  # fmt: skip
        keys = tuple(prefix + f"{kind}.{k}" for k in ("bytes", "bytes_per_point", "build_render_s"))
        built = run.step(f"{name} {kind} map HTML", keys, payload.timed, build, arg)
        if built is None:
            continue
        html, seconds = built
        gc.collect()  # the naive map's millions of objects, before anything else is timed
        size = len(html.encode())
        values = (size, round(size / max(points, 1), 2), round(seconds, 3))
        run.figures.update(zip(keys, values, strict=True))
        page, dropped = payload.offline(html)
        files[kind] = capture.parent / f"{name}-{kind}.html"
        files[kind].write_text(page, encoding="utf-8")
        details[f"{kind}_dropped_cdn_links"] = dropped
    return files


def _chromium(run: Run, name: str, files: dict[str, Path], cap_s: float) -> None:
    from prepare.bench.browser import chromium, markers_shown, static_server

    points = run.figures[f"{name}.points"]
    with static_server(files["ours"].parent) as base:
        for kind in ("ours", "naive"):
            key = f"{name}.chromium.{kind}_s"
            if kind not in files:
                run.notes.setdefault(key, "no page to load")
                continue

            def measure(kind=kind):
                with chromium() as browser:
                    url = f"{base}/{files[kind].name}"
                    return markers_shown(browser, url, points, naive=kind == "naive", cap_s=cap_s)

            result = run.step(f"{name} {kind} in Chromium", (key,), measure)
            if result is None:
                continue
            run.details[name][f"chromium_{kind}"] = result
            run.figures[key] = result["seconds"]
            if result["seconds"] is None:
                run.notes[key] = f"> {cap_s:g} s"


def _ratios(run: Run, name: str, cap_s: float) -> None:
    f = run.figures
    for ours, ratio_key in report.RATIOS.items():
        naive = ours.replace("ours", "naive")
        key = f"{name}.{ratio_key}"
        f[key] = report.ratio(f[f"{name}.{ours}"], f[f"{name}.{naive}"])
        reason = run.notes.get(f"{name}.{ours}") or run.notes.get(f"{name}.{naive}")
        if f[key] is None and reason:
            run.notes[key] = reason  # a ratio of skipped figures is skipped for the same reason
    ours_s = f[f"{name}.chromium.ours_s"]
    if ours_s is not None and run.notes.get(f"{name}.chromium.naive_s", "").startswith(">"):
        run.notes[f"{name}.ratio.chromium"] = f"< {ours_s / cap_s:.4f}"


def _dataset(run: Run, name: str, url: str, folder: Path, options: Options) -> None:
    capture = folder / f"{name}-map-inputs.pickle"
    _pages(run, name, url, capture)
    files = run.step(f"{name} map rows", (f"{name}.points",), _html, run, name, url, capture)
    keys = tuple(f"{name}.chromium.{kind}_s" for kind in ("ours", "naive"))
    if not options.browser:
        run.skip(keys, "skipped (--no-browser)")
    elif files:
        _chromium(run, name, files, options.naive_cap_s)
    _ratios(run, name, options.naive_cap_s)


def _build(run: Run, folder: Path, options: Options) -> dict[str, str]:
    urls = {name: f"sqlite:///{folder / f'{name}.db'}" for name in report.DATASETS}
    day = today()
    seconds = run.step("district dataset", ("district.load_s",), datasets.demo_district,
                       urls["district"], today=day)  # fmt: skip
    run.figures["district.load_s"] = seconds and round(seconds, 2)
    size = datasets.SIZES[options.size]
    built = run.step("province dataset", ("province.load_s",), datasets.fill_province,
                     urls["province"], size, today=day)  # fmt: skip
    if built:
        run.details["province_counts"], seconds = built
        run.figures["province.load_s"] = round(seconds, 2)
    return {name: url for name, url in urls.items() if run.figures[f"{name}.load_s"]}


def _postgres(run: Run, options: Options) -> None:
    key = "province.load_postgresql_s"
    server = options.postgres
    if not server:
        run.notes[key] = "not asked (--postgres URL)"
        return

    def load():
        with throwaway_database(server, prefix="registry_bench") as url:
            return datasets.fill_province(url, datasets.SIZES[options.size], today=today())[1]

    seconds = run.step("province dataset in PostgreSQL", (key,), load)
    run.figures[key] = seconds and round(seconds, 2)


def _import(run: Run, url: str, rows: int) -> None:
    from prepare.bench.importing import measure

    keys = ("import.rows", "import.seconds", "import.rows_per_s")
    result = run.step("stock import", keys, measure, url, rows, today=today())
    if result:
        run.details["import"] = result
        values = (result["rows"], result["seconds"], result["rows_per_s"])
        run.figures.update(zip(keys, values, strict=True))
        if not result["ok"]:
            run.errors["stock import"] = "the import report was not ok"


def _memory(run: Run, url: str, folder: Path) -> None:
    from prepare.bench.browser import chromium
    from prepare.bench.memory import server_memory

    def measure():
        with chromium() as browser:
            return server_memory(browser, url, folder / "server.log")

    result = run.step("app server memory", ("memory.rss_mib",), measure)
    if result:
        run.details["memory"] = result
        run.figures["memory.rss_mib"] = result["rss_mib"]


LOAD_KEYS = ("load.interaction_p50_s", "load.interaction_p95_s", "load.interaction_max_s",
             "load.one_session_p95_s", "load.ratio_p95", "load.sign_in_p95_s", "load.errors",
             "load.server_rss_mib")  # fmt: skip


def _load(run: Run, url: str, folder: Path, options: Options) -> None:
    from prepare.bench.load import measure

    result = run.step("sessions at once", LOAD_KEYS, measure, url, folder / "load-server.log",
                      sessions=options.load_sessions, seconds=options.load_seconds)  # fmt: skip
    if not result:
        return
    run.details["load"] = result
    many, one = result["many"], result["one"]
    values = (
        many["interaction"]["p50_s"], many["interaction"]["p95_s"], many["interaction"]["max_s"],
        one["interaction"]["p95_s"], result.get("ratio_p95"), many["sign_in"]["p95_s"],
        many["error_count"] + one["error_count"], result["memory"]["rss_mib"],
    )  # fmt: skip
    run.figures.update(zip(LOAD_KEYS, values, strict=True))
    for key, value in zip(LOAD_KEYS, values, strict=True):
        if value is None:
            run.notes[key] = f"no click measured in {options.load_seconds:g} s"


def _ogc(run: Run, url: str, folder: Path) -> None:
    from prepare.bench.ogc import measure

    keys = ("ogc.page_p95_s", "ogc.page_max_s", "ogc.rss_growth_mib")
    result = run.step("OGC API paging", keys, measure, url, folder / "ogc-server.log")
    if result:
        run.details["ogc"] = result
        run.figures.update({key: result[key.partition(".")[2]] for key in keys})


def _ensure_vendor() -> None:
    """The browser pages load the vendored Leaflet; copy it if ``make vendor`` has not."""
    from maps.assets import vendor_assets

    vendor_assets(ROOT / "static" / "vendor")


def run(options: Options) -> dict:
    """Every measurement of the README's speed table, in one run; the results as written to JSON."""
    bench = Run()
    load_before = os.getloadavg()
    if options.browser and not Path(CHROMIUM).exists():
        options.browser = False
        bench.errors["chromium"] = f"no Chromium at {CHROMIUM}"
    if options.browser:
        _ensure_vendor()
    with tempfile.TemporaryDirectory(prefix="registry-bench-") as tmp:
        folder = Path(tmp)
        urls = _build(bench, folder, options)
        for name, url in urls.items():
            _dataset(bench, name, url, folder, options)
        if "district" in urls:
            _load(bench, urls["district"], folder, options)
            _import(bench, urls["district"], options.import_rows)
        if options.browser and options.memory and "province" in urls:
            _memory(bench, urls["province"], folder)
        else:
            bench.skip(("memory.rss_mib",), "skipped (--no-memory or --no-browser)")
        if "province" in urls:
            _ogc(bench, urls["province"], folder)
        _postgres(bench, options)
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "options": {**asdict(options), "out": str(options.out)},
        "size": asdict(datasets.SIZES[options.size]),
        # Other work on the machine skews every figure: the 1/5/15-minute load around the run.
        "machine": {**report.machine(), "load_before": load_before, "load_after": os.getloadavg()},
        "versions": report.versions(CHROMIUM),
        "source": report.source(ROOT),
        "figures": bench.figures,
        "notes": bench.notes,
        "verdicts": report.evaluate(bench.figures),
        "targets": report.TARGETS,
        "details": bench.details,
        "errors": bench.errors,
    }


def main(options: Options) -> int:
    """Measure, print the table, write the JSON; 1 only if a measurement broke."""
    results = run(options)
    machine = results["machine"]
    print(f"bench: {options.size} size, {machine.get('cpu')}, {machine.get('cores')} cores, "
          f"{results['date']}, load before/after {machine['load_before'][0]:.2f}/"
          f"{machine['load_after'][0]:.2f}")  # fmt: skip
    print(report.table(results))
    for step, error in results["errors"].items():
        print(f"error: {step}: {error}")
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"written: {options.out}")
    return 1 if results["errors"] else 0

"""The benchmark harness and ``prepare scale``, on a tiny province.

These check that every figure is measured and reported, never how fast anything is: speed
is judged by ``make bench`` against a baseline measured in the same run.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from prepare.bench import report
from prepare.cli import main
from registry.kernel import db
from registry.kernel.models import Checkpoint, Depot
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.timeout(900)  # the module's one tiny bench run comes first
ROOT = Path(__file__).resolve().parents[2]
BROWSER = os.environ.get("REGISTRY_TEST_BROWSER") == "1"


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """One tiny run in its own process (Playwright cannot nest in this one); JSON, table."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    command = [sys.executable, "-m", "prepare", "bench", "--size", "tiny", "--import-rows", "40",
               "--naive-cap", "30", "--load-sessions", "3", "--load-seconds", "8",
               "--out", str(out)]  # fmt: skip
    if not BROWSER:
        command.append("--no-browser")
    if POSTGRES_URL:
        command += ["--postgres", POSTGRES_URL]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=840)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


def test_every_figure_is_reported(bench):
    results, _ = bench
    assert set(report.FIGURES) <= set(results["figures"])
    assert results["errors"] == {}
    for key, value in results["figures"].items():
        assert value is not None or results["notes"].get(key), f"{key}: no value, no reason"
    for section in ("date", "machine", "versions", "source", "size", "targets", "verdicts"):
        assert results[section], section
    assert results["machine"]["cores"] >= 1 and results["machine"]["ram_mib"] > 0
    assert results["versions"]["streamlit"] and results["versions"]["folium"]
    assert set(results["verdicts"]) == set(report.TARGETS)


def test_payloads_and_pages_are_measured_on_both_datasets(bench):
    figures = bench[0]["figures"]
    for dataset in report.DATASETS:
        assert figures[f"{dataset}.points"] > 0
        for key in ("ours.bytes_per_point", "naive.bytes_per_point",
                    "map_page.shipped_bytes_per_point"):  # fmt: skip
            value = figures[f"{dataset}.{key}"]
            assert isinstance(value, int | float) and value > 0, key
        for key in ("map_page.cold_s", "map_page.rerun_s", "overview.cold_s", "overview.rerun_s"):
            assert figures[f"{dataset}.{key}"] > 0, key
    assert bench[0]["details"]["province"]["map_page"]["title"]
    assert bench[0]["details"]["province"]["map_page"]["exceptions"] == []
    assert bench[0]["details"]["province"]["map_inputs"] == "recorded from the page"


def test_the_naive_baseline_is_measured_in_the_same_run(bench):
    figures = bench[0]["figures"]
    for dataset in report.DATASETS:
        naive = figures[f"{dataset}.naive.bytes_per_point"]
        ours = figures[f"{dataset}.ours.bytes_per_point"]
        assert figures[f"{dataset}.naive.build_render_s"] > 0
        assert figures[f"{dataset}.ratio.bytes_per_point"] == pytest.approx(ours / naive, 1e-3)


def test_import_and_the_province_load_are_measured(bench):
    results = bench[0]
    assert results["figures"]["import.rows"] == 40
    assert results["details"]["import"]["ok"]
    assert results["details"]["province_counts"]["checkpoints"] == 300
    if POSTGRES_URL:
        assert results["figures"]["province.load_postgresql_s"] > 0


def test_chromium_and_memory_when_the_browser_suite_is_on(bench):
    results, _ = bench
    if not BROWSER:
        assert results["notes"]["province.chromium.ours_s"] == "skipped (--no-browser)"
        pytest.skip("browser suite off: set REGISTRY_TEST_BROWSER=1 (CI does)")
    for dataset in report.DATASETS:
        ours = results["details"][dataset]["chromium_ours"]
        assert ours["seconds"] > 0 and ours["method"] == "flag", ours
        assert ours["drawn"] == results["figures"][f"{dataset}.points"]
        assert results["details"][dataset]["chromium_naive"]["seconds"] > 0
        assert ours["blocked"] == 0
    assert results["figures"]["memory.rss_mib"] > 0
    assert results["details"]["memory"]["exceptions_shown"] == 0


def test_the_table_prints_every_target_with_its_verdict(bench):
    results, printed = bench
    assert "ours/naive" in printed and "written:" in printed
    for key, passed in results["verdicts"].items():
        dataset, _, rest = key.partition(".")
        line = next(line for line in printed.splitlines() if report.LABELS[rest] in line
                    and line.startswith(dataset))  # fmt: skip
        assert {True: "PASS", False: "FAIL", None: "n/a"}[passed] in line


def _count(url, model):
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def test_scale_fills_an_empty_database_that_then_passes_check(database_url, monkeypatch, capsys):
    assert main(["scale", "--out", database_url, "--size", "tiny"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["counts"]["depots"] == 60 and printed["seconds"] >= 0
    assert _count(database_url, Checkpoint) == 300
    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    assert main(["check"]) == 0


def test_scale_refuses_a_database_with_depots(database_url, monkeypatch, capsys):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    assert main(["setup"]) == 0
    depots = _count(database_url, Depot)
    assert main(["scale", "--size", "tiny"]) == 2
    assert "already has depots" in capsys.readouterr().err
    assert _count(database_url, Depot) == depots


def test_scale_refuses_every_target_before_filling_any(tmp_path, monkeypatch):
    empty, filled = (f"sqlite:///{tmp_path / name}.db" for name in ("empty", "filled"))
    monkeypatch.setenv("REGISTRY_DATABASE_URL", filled)
    assert main(["setup"]) == 0
    assert main(["scale", "--out", empty, "--postgres-url", filled, "--size", "tiny"]) == 2
    assert _count(empty, Depot) == 0


def test_ogc_paging_is_measured_through_every_checkpoint(bench):
    results, table = bench
    ogc = results["details"]["ogc"]
    assert ogc["features"] == results["size"]["checkpoints"] > 0
    assert ogc["pages"] >= 1 and results["figures"]["ogc.page_p95_s"] > 0
    assert "OGC API page of 1,000 checkpoints" in table


def test_sessions_at_once_are_measured_against_one_alone(bench):
    results, table = bench
    load = results["details"]["load"]
    assert load["one"]["sessions"] == 1 and load["many"]["sessions"] == 3
    assert load["many"]["interaction"]["n"] > 0 and load["many"]["sign_in"]["n"] == 3
    assert results["figures"]["load.errors"] == 0, load["many"]["errors"]
    assert results["figures"]["load.interaction_p95_s"] > 0
    assert "sessions at once: server time per click, p95" in table

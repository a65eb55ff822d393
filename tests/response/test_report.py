"""The duty report and the situation map as of a time: later steps, deployments, dispatches,
broadcasts and level changes stay out; the Word file carries the figures and the map; the
map is A3 at 150 dpi (PNG) or a PDF, with the demo label on a demo event. On both backends."""

from __future__ import annotations

import io

import docx
import pytest
from PIL import Image

from registry.kernel import db, i18n
from registry.kernel.enums import DeploymentStatus, ResponseLevel, TaskStatus
from registry.kernel.models import Event
from registry.response import report, situation_map
from registry.response.situation import situation
from tests.conftest import POSTGRES_URL, open_reference_db
from tests.response.report_data import LATER, MIDWAY, OPENED, TITLE, build_event


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def built(request, tmp_path_factory):
    """(session factory, demo event id, real event id) on each backend, built once."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'registry.db'}"
        yield from _built(url)
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL suite off: set REGISTRY_TEST_POSTGRES_URL (CI does)")
    from prepare.support import throwaway_database

    with throwaway_database(POSTGRES_URL) as url:
        yield from _built(url)


def _built(url):
    factory = open_reference_db(url)
    with db.transaction(factory) as session:
        demo = build_event(session, is_demo=True).event_id
        real = build_event(session, is_demo=False, suffix="（正式）").event_id
    yield factory, demo, real
    factory.kw["bind"].dispose()


@pytest.fixture(scope="module")
def files(built):
    """The demo event's report at LATER in Chinese (drawn once: it takes a second or two)."""
    factory, demo, _ = built
    with factory() as session:
        return report.report(session, demo, LATER, "zh")


def test_the_state_as_of_midway_leaves_out_what_came_later(built):
    factory, demo, _ = built
    with factory() as session:
        state = situation(session, demo, MIDWAY)
    assert state.evacuated == 30  # the 12 moved at 5 h are not counted yet
    assert state.level is ResponseLevel.III  # raised from Ⅳ at 3 h
    assert len(state.tasks) == 2  # the cordon task came at 6 h
    assert state.tasks_by_status == {TaskStatus.PENDING: 1, TaskStatus.EVACUATED: 1}
    assert [(t.status, t.head_count) for t in state.teams] == [
        (DeploymentStatus.ARRIVED, 20),
        (DeploymentStatus.STANDBY, 15),  # set out only at 5 h
    ]
    assert (len(state.teams_sent), state.people_sent) == (1, 20)
    assert [(name, total) for name, _, _, total in state.materials()] == [("编织袋", 500)]
    assert [(b.reached, b.failed) for b in state.broadcasts] == [(2, 1)]
    assert state.terminals_reached == 2
    assert [line.kind for line in state.timeline] == ["opened", "level_raised"]
    sending = [d.name for d in state.depots if d.sending]
    assert sending == ["区防汛物资仓库"]


def test_later_everything_counts_and_drafts_never_do(built):
    factory, demo, _ = built
    with factory() as session:
        state = situation(session, demo, LATER)
        before = situation(session, demo, OPENED - (MIDWAY - OPENED))
    assert state.evacuated == 42
    assert (len(state.teams_sent), state.people_sent) == (2, 35)
    assert dict((n, q) for n, _, _, q in state.materials()) == {"编织袋": 500, "排水泵": 4}
    assert len(state.tasks) == 3 and state.terminals_reached == 3
    assert before.level is ResponseLevel.III  # nothing logged yet: the level it has now
    assert (before.evacuated, before.tasks, before.timeline, before.warnings) == (0, (), (), ())


def test_the_summary_states_the_figures_as_of_the_time(built):
    factory, demo, _ = built
    with factory() as session:
        zh = report.summary(session, demo, MIDWAY, "zh")
        en = report.summary(session, demo, MIDWAY, "en")
    assert zh.startswith("截至2026年7月8日12时，" + TITLE)
    for part in ("已转移群众30人", "出动队伍1支20人", "编织袋500条", "Ⅲ级应急响应", "覆盖终端2个"):
        assert part in zh
    assert "排水泵" not in zh
    assert en.startswith("As of 12:00 on 8 July 2026")
    assert "people evacuated: 30" in en and "Woven sandbag × 500" in en


def test_the_word_report_holds_the_figures_the_tables_and_the_map(files):
    document = docx.Document(io.BytesIO(files.docx))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "值班信息（情况快报）" in text and "截至2026年7月8日16时" in text
    assert "已转移群众42人" in text and "出动队伍2支35人" in text
    assert "响应级别由Ⅳ级提升为Ⅲ级：雨势加大" in text
    assert "【演示数据】" in text
    cells = {c.text for table in document.tables for row in table.rows for c in row.cells}
    assert {"易涝点转移群众", "区防汛抢险队", "DB-1", "500 条", "下穿通道封控"} <= cells
    assert len(document.inline_shapes) == 1  # the situation map
    assert files.is_demo and files.filename_stem == "值班快报-1-20260708-1600"


def test_the_map_is_an_a3_png_at_150_dpi_and_a_pdf(files):
    image = Image.open(io.BytesIO(files.png))
    assert image.format == "PNG" and image.size == (2480, 1754)  # 420 × 297 mm
    assert round(image.info["dpi"][0]) == 150
    assert files.pdf.startswith(b"%PDF")


def _figure_texts(factory, event_id, language="zh"):
    with factory() as session, situation_map.styled():
        state = situation(session, event_id, LATER)
        fig = situation_map.figure(session, state, language)
    return [t.get_text() for t in fig.texts]


@pytest.mark.filterwarnings("ignore:findfont")
def test_a_demo_event_carries_the_demo_label_and_a_real_one_does_not(built, monkeypatch):
    # The figure's texts are what is checked, so the outcome does not hang on this machine's
    # fonts: the map is laid out as for a machine with a CJK font (CI's full run has one).
    monkeypatch.setattr(situation_map, "cjk_font", lambda: situation_map.CJK_FONTS[0])
    factory, demo, real = built
    demo_texts, real_texts = _figure_texts(factory, demo), _figure_texts(factory, real)
    label = i18n.translate("report.map.demo", situation_map.map_language("zh"))
    assert label in demo_texts and label not in real_texts
    assert any(t.startswith("截至 2026-07-08 16:00") for t in demo_texts)
    assert any("Ⅲ级应急响应" in t for t in demo_texts)
    with factory() as session:
        real_report = report.document(session, real, LATER, "en")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(real_report)).paragraphs)
    assert "DEMO" not in text and "Duty report" in text


@pytest.mark.filterwarnings("ignore:Glyph")  # the places' own names stay Chinese
def test_the_map_falls_back_to_english_without_a_cjk_font(built, monkeypatch):
    factory, demo, _ = built
    monkeypatch.setattr(situation_map, "cjk_font", lambda: None)
    assert "DEMO DATA" in _figure_texts(factory, demo)


def test_an_unknown_event_is_a_lookup_error(built):
    factory, _, _ = built
    with factory() as session, pytest.raises(LookupError):
        situation_map.render(session, 10_000, LATER, "zh")


def test_a_dollar_in_a_title_is_drawn_as_typed_not_as_mathtext(built):
    factory, _, real = built
    with db.transaction(factory) as session:
        event = session.get(Event, real)
        kept, event.title = event.title, r"积水$\frac{1$处 & 50%_test"
    try:
        with factory() as session:
            png = situation_map.render(session, real, LATER, "zh")  # mathtext would fail here
        assert png.startswith(b"\x89PNG")
        assert any(r"积水$\frac{1$处" in text for text in _figure_texts(factory, real))
    finally:
        with db.transaction(factory) as session:
            session.get(Event, real).title = kept

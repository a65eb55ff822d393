"""Excel imports on SQLite and PostgreSQL: the committed corpus of good and bad office files,
the templates, the command line, progress reports and a 10,000-row file."""

from __future__ import annotations

import io
import random
import time
import zipfile
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from prepare.cli import main
from prepare.support import throwaway_database
from registry.accounts.users import create_user
from registry.importing import (
    COLUMNS,
    KINDS,
    MAX_FILE_BYTES,
    ImportRefused,
    commit,
    preview,
    template_bytes,
    template_name,
)
from registry.kernel import db, i18n
from registry.kernel.enums import Role
from registry.kernel.errors import ValidationError
from registry.kernel.geo import CoordinateSystem, to_wgs84
from registry.kernel.models import AuditEvent, Base, Checkpoint, Item, StockLot, Team, TeamMember
from registry.kernel.permissions import SYSTEM, Actor
from registry.operations.checks import run_checks
from registry.records import commands as records
from tests.conftest import PASSWORD, POSTGRES_URL, TODAY, open_reference_db
from tests.helpers import depot, locality
from tests.import_corpus import make_corpus as corpus

CORPUS = Path(corpus.__file__).resolve().parent
KIND_OF = {name: kind for name, (kind, _h, _r) in (corpus.GOOD | corpus.BAD).items()}
KIND_OF[corpus.NOT_XLSX] = corpus.NOT_XLSX_KIND
HEADERS = {"stock": corpus.STOCK, "teams": corpus.TEAMS, "members": corpus.MEMBERS,
           "checkpoints": corpus.CHECKPOINTS}  # fmt: skip
GOOD_ROWS = {kind: rows for kind, _h, rows in corpus.GOOD.values()}
KEYS = {kind: [column.key for column in columns] for kind, columns in COLUMNS.items()}

# Every bad file: exactly these (row, column, reason); row None = the whole file.
EXPECTED = {
    "wrong_headers": [(1, "数目", "unknown_column"), (1, "quantity", "missing_column")],
    "missing_required_header": [(1, "locality", "missing_column")],
    "text_in_number": [(3, "quantity", "not_number")],
    "negative_quantity": [(2, "quantity", "not_positive")],
    "absurd_quantity": [(2, "quantity", "too_large")],
    "unknown_item": [(2, "item_name", "unknown_item")],
    "wrong_unit": [(2, "unit", "wrong_unit")],
    "unknown_unit": [(2, "unit", "unknown_unit")],
    "expired_stock": [(2, "expiry_date", "expired")],
    "unknown_depot": [(2, "depot", "unknown_depot")],
    "formula_cell": [(2, "quantity", "formula")],
    "unknown_locality": [(2, "locality", "unknown_locality")],
    "outside_district": [(2, "lon", "outside_district")],
    "swapped_coordinates": [(2, "lon", "swapped_coordinates")],
    "duplicate_rows": [(6, "member_name", "duplicate_row")],
    "future_date": [(2, "last_training_on", "future_date")],
    "malformed_date": [(2, "last_training_on", "not_date")],
    "id_number_column": [(1, "身份证号", "id_number_column")],
    "id_number_value": [(3, "skills", "id_number_value")],
    "other_locality": [(2, "locality", "not_permitted")],
    "empty_file": [(None, None, "no_rows")],
    "not_really_xlsx": [(None, None, "not_xlsx")],
}


def seed(factory) -> dict[str, Actor]:
    """Users of every role (the town official covers 新浦街道) and the depot and team the
    corpus refers to, created through the use-cases."""
    actors = {}
    with db.transaction(factory) as session:
        xinpu = locality(session, "新浦街道").id
        for role in (Role.TOWN, Role.OFFICE, Role.LEADER):
            user = create_user(
                session, SYSTEM, username=f"test-{role}", display_name=str(role), role=role,
                password=PASSWORD, locality_ids=[xinpu] if role is Role.TOWN else [],
            )  # fmt: skip
            actors[role.value] = Actor.from_user(user)
        depot(session, actors["town"], corpus.DEPOT)
        team = {"name": corpus.TEAM, "kind": "comprehensive", "staffing": "part_time"}
        records.create_team(session, actors["town"], {**team, "locality_id": xinpu})
    return actors


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def shared(request, tmp_path_factory):
    """One seeded database per backend for the tests that must leave it unchanged."""
    if request.param == "sqlite":
        database = nullcontext(f"sqlite:///{tmp_path_factory.mktemp('import') / 'registry.db'}")
    elif POSTGRES_URL:
        database = throwaway_database(POSTGRES_URL)
    else:
        pytest.skip("PostgreSQL suite off: set REGISTRY_TEST_POSTGRES_URL (CI does)")
    with database as url:
        factory = open_reference_db(url)
        yield SimpleNamespace(factory=factory, actors=seed(factory))
        factory.kw["bind"].dispose()


@pytest.fixture
def seeded(factory):
    """A fresh seeded database per test, for tests that commit."""
    return SimpleNamespace(factory=factory, actors=seed(factory))


@contextmanager
def rolled_back(factory):
    """A transaction that is always rolled back, so a shared database stays as it was."""
    with factory() as session:
        try:
            yield session
        finally:
            session.rollback()


def table_counts(factory) -> dict[str, int]:
    with factory() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def corpus_file(name: str) -> bytes:
    return (CORPUS / f"{name}.xlsx").read_bytes()


def problems(report) -> list[tuple]:
    return [(p.row, p.column, p.reason) for p in report.problems]


def xlsx(headers: list, rows: list[list]) -> bytes:
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def stock_file(count: int) -> bytes:
    """``count`` receipts into the corpus depot, spread over the catalogue, one lot each."""
    items = [("1020101", "棉被", "床"), ("2020101", "救生衣", "件"), ("3010101", "编织袋", "条"),
             ("1010201", "折叠床", "张"), ("2030101", "排水泵", "台")]  # fmt: skip
    rows = []
    for i in range(count):
        code, name, unit = items[i % len(items)]
        rows.append([corpus.DEPOT, code, name, unit, f"B{i:05d}", 1 + i % 50, None, None, None])
    return xlsx(corpus.STOCK, rows)


# --- the corpus ---------------------------------------------------------------------------


def test_corpus_is_committed_as_make_corpus_makes_it():
    made = corpus.corpus()
    assert made == corpus.corpus(), "make_corpus.py is not deterministic"
    on_disk = {path.name: path.read_bytes() for path in CORPUS.glob("*.xlsx")}
    assert on_disk == made, "run python tests/import_corpus/make_corpus.py"
    assert set(EXPECTED) == set(corpus.BAD) | {corpus.NOT_XLSX}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_refused_naming_row_column_and_reason_and_nothing_is_written(shared, name):
    kind, data, town = KIND_OF[name], corpus_file(name), shared.actors["town"]
    before = table_counts(shared.factory)
    with rolled_back(shared.factory) as session:
        checked = preview(session, town, kind, data, today=TODAY)
    with pytest.raises(ImportRefused) as refused, db.transaction(shared.factory) as session:
        commit(session, town, kind, data, today=TODAY)
    assert problems(checked) == problems(refused.value.report) == EXPECTED[name]
    assert table_counts(shared.factory) == before
    for language in i18n.LANGUAGES:  # every reason has a text in both languages
        for row in refused.value.report.as_rows(language):
            assert "import.reason" not in str(row), row


def test_every_good_file_imports_through_the_use_cases_with_audit_events(seeded):
    factory, town = seeded.factory, seeded.actors["town"]
    reports = {}
    for kind in KINDS:
        with db.transaction(factory) as session:
            reports[kind] = commit(
                session, town, kind, corpus_file(f"good_{kind}"), today=TODAY, filename="x.xlsx"
            )
    assert all(report.committed and report.ok for report in reports.values())
    assert reports["stock"].would_create == {"stock_movements": 5, "stock_lots": 5}
    with factory() as session:
        actions = dict(
            session.execute(
                select(AuditEvent.action, func.count())
                .where(AuditEvent.actor_name == town.username)
                .group_by(AuditEvent.action)
            ).all()
        )
        assert actions == {
            "stock-receive": 5,
            "team-created": 1 + 3,  # the seeded team, then the file's
            "team_member-created": 4,
            "checkpoint-created": 3,
            "depot-created": 1,
            "import-committed": 4,
        }
        lots = {lot.batch: lot for lot in session.scalars(select(StockLot))}
        assert lots["2025-XP-001"].quantity == 200
        assert lots["2025-XP-001"].received_on == date(2025, 5, 20)
        assert lots["2025-XP-002"].received_on == date(2025, 5, 20)  # typed as text
        assert lots["2025-XP-003"].item.name == "救生衣"  # by a code Excel made a number
        assert lots["2025-XP-004"].expiry_date == date(2027, 3, 31)  # 2027年3月31日
        assert lots["2025-XP-005"].received_on == TODAY
        teams = {team.name: team for team in session.scalars(select(Team))}
        assert teams["新浦街道防汛抢险队"].specialties == "flood,rescue"
        assert teams["新浦街道电力抢修分队"].leader_phone == "13805180011"
        assert teams["新浦街道应急志愿服务队"].base_lon is None
        members = session.scalars(select(TeamMember).order_by(TeamMember.id)).all()
        assert (members[0].name, members[0].team.name) == ("李华", corpus.TEAM)
        assert members[1].last_training_on == date(2025, 3, 15)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "import-committed")
        ).first()
        assert reports["stock"].sha256 in event.after and '"rows": 5' in event.after
        assert run_checks(session)["ok"]


def test_gcj02_points_are_converted_to_wgs84(seeded):
    with db.transaction(seeded.factory) as session:
        commit(session, seeded.actors["town"], "checkpoints", corpus_file("good_checkpoints"),
               today=TODAY)  # fmt: skip
        commit(session, seeded.actors["town"], "teams", corpus_file("good_teams"), today=TODAY)
    expected = to_wgs84(119.1952, 34.6045, CoordinateSystem.GCJ02)
    assert expected != (119.1952, 34.6045)
    with seeded.factory() as session:
        point = session.scalar(select(Checkpoint).where(Checkpoint.name == "民主路老旧小区 3 号楼"))
        assert (point.lon, point.lat) == pytest.approx(expected, abs=1e-9)
        wgs = session.scalar(select(Checkpoint).where(Checkpoint.name == "解放路下穿通道"))
        assert (wgs.lon, wgs.lat) == (119.1873, 34.6021)
        team = session.scalar(select(Team).where(Team.name == "新浦街道电力抢修分队"))
        assert (team.base_lon, team.base_lat) == pytest.approx(expected, abs=1e-9)


def test_the_same_file_twice_is_refused_and_known_records_are_duplicates(seeded):
    factory, town = seeded.factory, seeded.actors["town"]
    with db.transaction(factory) as session:
        commit(session, town, "stock", corpus_file("good_stock"), today=TODAY)
        commit(session, town, "teams", corpus_file("good_teams"), today=TODAY)
    with factory() as session:
        again = preview(session, town, "stock", corpus_file("good_stock"), today=TODAY)
        assert problems(again) == [(None, None, "already_imported")]
        # The same teams in a file that differs: each row is a known team.
        changed = xlsx(corpus.TEAMS, [*corpus.TEAM_ROWS[:2], [*corpus.TEAM_ROWS[2][:-1], "无"]])
        known = preview(session, town, "teams", changed, today=TODAY)
        assert problems(known) == [(row, "team", "already_exists") for row in (2, 3, 4)]


# --- roles ----------------------------------------------------------------------------------


def test_roles_follow_the_use_cases_permission_rules(shared):
    data = corpus_file("other_locality")  # one 板浦镇 team among 新浦街道 ones
    with rolled_back(shared.factory) as session:
        office = preview(session, shared.actors["office"], "teams", data, today=TODAY)
        leader = preview(session, shared.actors["leader"], "teams", data, today=TODAY)
    assert office.ok and office.would_create == {"teams": 3}
    assert problems(leader) == [(None, None, "no_permission")]


def test_a_use_case_refusal_names_the_row_and_rolls_everything_back(seeded, monkeypatch):
    real = records.create_team

    def refuse_second(session, actor, data, **kwargs):
        if data["name"] == corpus.TEAM_ROWS[1][0]:
            raise ValidationError("leader_phone: refused for the test", field="leader_phone")
        return real(session, actor, data, **kwargs)

    monkeypatch.setattr(records, "create_team", refuse_second)
    before = table_counts(seeded.factory)
    with pytest.raises(ImportRefused) as refused, db.transaction(seeded.factory) as session:
        commit(session, seeded.actors["town"], "teams", corpus_file("good_teams"), today=TODAY)
    assert problems(refused.value.report) == [(3, "leader_phone", "refused")]
    assert refused.value.report.problems[0].value == "0518-85201234"
    assert table_counts(seeded.factory) == before


# --- file checks ----------------------------------------------------------------------------


def _with_member(data: bytes, name: str, content: bytes, method=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), content, compress_type=method)
    return buffer.getvalue()


def _docx_like() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types><Override ContentType='word'/></Types>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def test_file_size_limit_is_5_mb_and_checked_before_reading(shared):
    assert MAX_FILE_BYTES == 5 * 1024 * 1024
    padding = random.Random(7).randbytes(MAX_FILE_BYTES)  # incompressible
    oversize = _with_member(corpus_file("good_stock"), "xl/media/photo.bin", padding)
    assert len(oversize) > MAX_FILE_BYTES
    with rolled_back(shared.factory) as session:
        report = preview(session, shared.actors["town"], "stock", oversize, today=TODAY)
    assert problems(report) == [(None, None, "file_too_large")]
    assert "5 MB" in report.as_text("zh")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old_format"),
        (_docx_like(), "not_xlsx"),
        (b"PK\x03\x04 truncated", "not_xlsx"),
        ("储备库名称\t数量\n".encode("gbk"), "not_xlsx"),
    ],
    ids=["xls", "docx", "truncated", "gbk-text"],
)
def test_files_that_are_not_xlsx_are_refused_before_openpyxl(shared, data, reason):
    with rolled_back(shared.factory) as session:
        report = preview(session, shared.actors["town"], "stock", data, today=TODAY)
    assert problems(report) == [(None, None, reason)]


def test_zip_bomb_is_refused_by_its_unpacked_size(shared):
    bomb = _with_member(
        corpus_file("good_stock"), "xl/media/zeros.bin", bytes(2_000_000), zipfile.ZIP_DEFLATED
    )
    with rolled_back(shared.factory) as session:
        report = preview(
            session, shared.actors["town"], "stock", bomb, today=TODAY, max_bytes=50_000
        )
    assert problems(report) == [(None, None, "unpacks_too_large")]


# --- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_template_has_the_chinese_headers_and_instructions(kind):
    workbook = load_workbook(io.BytesIO(template_bytes(kind)))
    data, instructions = workbook.worksheets
    assert [cell.value for cell in data[1]] == HEADERS[kind]
    assert data.max_row == 1, "examples belong on the instructions sheet"
    assert data.title == i18n.translate(f"import.kind.{kind}")
    assert template_name(kind).endswith("导入模板.xlsx")
    assert instructions.title == "说明"
    listed = [row[0] for row in instructions.iter_rows(min_row=4, values_only=True)]
    assert listed[: len(HEADERS[kind])] == HEADERS[kind]
    english = load_workbook(io.BytesIO(template_bytes(kind, "en")))
    assert english.worksheets[1].title == "Instructions"
    assert [c.value for c in english.worksheets[0][1]] == [
        column.header("en") for column in COLUMNS[kind]
    ]


def test_risk_level_dropdown_offers_the_chinese_labels():
    sheet = load_workbook(io.BytesIO(template_bytes("checkpoints"))).worksheets[0]
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert '"重大（红）,较大（橙）,一般（黄）,低（蓝）"' in lists


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_filled_in_template_imports(shared, kind, language):
    workbook = load_workbook(io.BytesIO(template_bytes(kind, language)))
    for row in GOOD_ROWS[kind]:
        workbook.worksheets[0].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with rolled_back(shared.factory) as session:
        report = commit(session, shared.actors["town"], kind, buffer.getvalue(), today=TODAY)
        assert report.committed and report.rows == len(GOOD_ROWS[kind])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("重大（红）", "major"), ("重大", "major"), ("major", "major"), ("Major (red)", "major"),
     ("红", "major"), (" 较大 ", "significant"), ("low", "low"), ("一般(黄)", "general")],
)  # fmt: skip
def test_risk_level_accepts_labels_in_both_languages_and_raw_values(shared, typed, stored):
    row = _changed_first(corpus.CHECKPOINT_ROWS, 2, typed)
    with rolled_back(shared.factory) as session:
        commit(session, shared.actors["town"], "checkpoints", xlsx(corpus.CHECKPOINTS, row),
               today=TODAY)  # fmt: skip
        saved = session.scalar(select(Checkpoint).where(Checkpoint.name == row[0][0]))
        assert saved.risk_level.value == stored


@pytest.mark.parametrize(
    ("column", "typed", "reason"),
    [(5, "1,200", None), (5, "１２０", None), (5, 12.5, "not_whole"), (5, 0, "not_positive"),
     (5, True, "not_number"), (7, "2025.5.20", None), (7, "20250520", None),
     (7, "2025年5月20日", None), (7, "2025-02-30", "not_date"), (7, 45800, "not_date"),
     (7, "2026-11-26", "future_date"), (4, " ", "required")],
)  # fmt: skip
def test_cells_are_read_the_way_offices_type_them(shared, column, typed, reason):
    row = _changed_first(corpus.STOCK_ROWS, column, typed)
    with rolled_back(shared.factory) as session:
        report = preview(session, shared.actors["town"], "stock", xlsx(corpus.STOCK, row),
                         today=TODAY)  # fmt: skip
    expected = [] if reason is None else [(2, KEYS["stock"][column], reason)]
    assert problems(report) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_a_formula_is_refused_in_every_column(shared, kind):
    data = xlsx(HEADERS[kind], [["=1+1"] * len(HEADERS[kind])])
    with rolled_back(shared.factory) as session:
        report = preview(session, shared.actors["town"], kind, data, today=TODAY)
    assert sorted(problems(report)) == sorted((2, key, "formula") for key in KEYS[kind])


def _changed_first(rows: list[list], column: int, value) -> list[list]:
    first = list(rows[0])
    first[column] = value
    return [first]


# --- progress and a large file --------------------------------------------------------------


def test_progress_is_reported_every_hundred_rows(shared):
    data, calls = stock_file(250), []
    with rolled_back(shared.factory) as session:
        preview(session, shared.actors["town"], "stock", data, today=TODAY,
                progress=lambda done, total: calls.append((done, total)))  # fmt: skip
        assert calls == [(100, 250), (200, 250), (250, 250)]
        calls.clear()
        commit(session, shared.actors["town"], "stock", data, today=TODAY,
               progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    assert calls == [(n, 500) for n in (100, 200, 300, 400, 500)]


def test_ten_thousand_rows_import_through_the_use_case(seeded, request):
    data = stock_file(10_000)
    started = time.perf_counter()
    with db.transaction(seeded.factory) as session:
        report = commit(session, seeded.actors["town"], "stock", data, today=TODAY)
    elapsed = time.perf_counter() - started
    backend = request.node.callspec.params["database_url"]
    print(f"\n10,000-row stock import on {backend}: {elapsed:.1f} s ({len(data) // 1024} KB)")
    assert report.would_create == {"stock_movements": 10_000, "stock_lots": 10_000}
    with seeded.factory() as session:
        received = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "stock-receive")
        )
        assert received == 10_000
        assert session.scalar(select(func.sum(StockLot.quantity))) == sum(
            1 + i % 50 for i in range(10_000)
        )


# --- the command line -----------------------------------------------------------------------


def test_command_line_import_dry_run_refusal_and_unknown_user(
    seeded, database_url, monkeypatch, capsys
):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    good, bad = str(CORPUS / "good_teams.xlsx"), str(CORPUS / "other_locality.xlsx")
    before = table_counts(seeded.factory)

    assert main(["import", "teams", bad, "--as", "test-town"]) == 2
    printed = capsys.readouterr().out
    assert "未导入" in printed
    assert "2 | 属地 | 板浦镇 | 无权修改：板浦镇 不在你的负责范围内" in printed
    assert main(["import", "teams", good, "--as", "test-town", "--dry-run", "--lang", "en"]) == 0
    assert "ready to import; this will create 3 teams" in capsys.readouterr().out
    assert main(["import", "teams", good, "--as", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err
    assert table_counts(seeded.factory) == before

    assert main(["import", "teams", good, "--as", "test-town"]) == 0
    assert "已导入 3 行" in capsys.readouterr().out
    with seeded.factory() as session:
        assert session.scalar(select(func.count()).select_from(Team)) == 4
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "import-committed"))
        assert '"file": "good_teams.xlsx"' in event.after
    assert main(["import", "teams", good, "--as", "test-town"]) == 2  # the same file again


def test_catalogue_items_are_matched_by_english_name_too(shared):
    with shared.factory() as session:
        quilt = session.scalar(select(Item).where(Item.code == "1020101"))
    row = [corpus.DEPOT, None, quilt.name_en, quilt.unit, "EN-1", 3, None, None, None]
    with rolled_back(shared.factory) as session:
        report = preview(session, shared.actors["town"], "stock", xlsx(corpus.STOCK, [row]),
                         today=TODAY)  # fmt: skip
    assert report.ok, report.as_text("en")

"""Own-format workbooks (issue 18): the corpus of ledgers, rosters and lists as town offices
keep them (``tests/import_corpus/make_own_format.py``) — the header row found below titles,
totals and notes skipped and named, the columns mapped from header words and values, values
read as people write them, item names suggested and remembered once confirmed, a mapping
saved per locality and sheet shape and used for next month's sheet without asking, every
unreadable value named by row and the sheet's own column, nothing written unless every row
is good; the same from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.accounts.users import create_user
from registry.importing import ImportRefused, commit, own_format, preview, saved
from registry.importing.cells import RowCells
from registry.importing.lookups import Lookups
from registry.importing.mapping import fields, known_headers, propose
from registry.importing.reader import mapped_sheet, read_layout
from registry.kernel import db
from registry.kernel.enums import Role
from registry.kernel.errors import PermissionDenied, ValidationError
from registry.kernel.models import AuditEvent, ImportMapping, ItemAlias, StockLot
from registry.kernel.permissions import SYSTEM, Actor
from registry.records import commands as records
from tests.conftest import PASSWORD
from tests.helpers import XINPU_POINT, item, locality
from tests.import_corpus import make_own_format as corpus

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((corpus.TARGET / "expected.json").read_text(encoding="utf-8"))
TODAY = date(2026, 12, 5)
NOVEMBER, DECEMBER = "xinpu_stock_2026_11.xlsx", "xinpu_stock_2026_12.xlsx"


def _file(name: str) -> bytes:
    return (corpus.TARGET / name).read_bytes()


def _table(name: str):
    table, problems = read_layout(_file(name), known_headers(EXPECTED[name]["kind"]))
    assert table is not None, problems
    return table


@pytest.fixture
def town(factory):
    """新浦街道's official, with the depots and the team the corpus names."""
    with db.transaction(factory) as session:
        xinpu = locality(session, corpus.TOWN).id
        user = create_user(
            session,
            SYSTEM,
            username="xinpu",
            display_name="新浦",
            role=Role.TOWN,
            password=PASSWORD,
            locality_ids=[xinpu],
        )
        actor = Actor.from_user(user)
        for name, address in ((corpus.DEPOT, corpus.ADDRESS), (corpus.DEPOT_2, corpus.ADDRESS_2)):
            records.create_depot(
                session,
                actor,
                {
                    "name": name,
                    "level": "town",
                    "locality_id": xinpu,
                    "address": address,
                    "lon": XINPU_POINT[0],
                    "lat": XINPU_POINT[1],
                },
            )
        records.create_team(
            session,
            actor,
            {
                "name": corpus.TEAM,
                "kind": "comprehensive",
                "staffing": "part_time",
                "locality_id": xinpu,
            },
        )
    return actor


def _confirm(factory, actor, suggestions: dict[str, str]) -> None:
    with db.transaction(factory) as session:
        for written, meant in suggestions.items():
            saved.confirm_alias(session, actor, written, item(session, meant).id)


def _counts(factory) -> tuple[int, int]:
    with factory() as session:
        return (
            session.scalar(select(func.count()).select_from(StockLot)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def test_the_corpus_is_committed_as_its_generator_makes_it():
    made = corpus.corpus()
    on_disk = {path.name: path.read_bytes() for path in corpus.TARGET.iterdir()}
    assert on_disk == made, "run python tests/import_corpus/make_own_format.py"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_table_is_found_below_titles_and_totals_and_notes_are_named(name):
    expected, table = EXPECTED[name], _table(name)
    assert table.sheet == expected["sheet"]
    assert table.header_row == expected["header_row"]
    assert {str(s.row): s.reason for s in table.skipped} == expected["skipped"]
    assert len(table.rows) == expected["data_rows"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_columns_are_proposed_from_their_words_and_values(factory, name):
    expected = EXPECTED[name]
    with factory() as session:
        recognised = own_format.recognise(session, SYSTEM, expected["kind"], _file(name))
    assert recognised.layout is not None and recognised.saved is None
    assert recognised.proposal.columns == expected["mapping"]
    unmapped = [header for header, field in expected["mapping"].items() if field is None]
    assert sorted(recognised.proposal.unmapped) == sorted(unmapped)  # listed, never dropped


def _parsed(look: Lookups, kind: str, row, field: str):
    """A cell as the import reads it, in the corpus's terms (names for depots and items,
    stored values for choices)."""
    cells = RowCells(row, [], lenient=True)
    if field == "depot":
        found = look.depot(cells, "depot")
        return found.name if found else None
    if field in {"item_name", "item_code"}:
        found = look.item(cells, "item_code", "item_name")
        return None if found is None else found.name if field == "item_name" else found.code
    if field == "expiry_date" and "expiry_date" not in row.values:
        derived = own_format.stock_rows.ledger_expiry(cells, look)
        return derived and derived.isoformat()
    column = next(c for c in fields(kind) if c.key == field)
    value = own_format.read_value(cells, column)
    return list(value) if isinstance(value, tuple) else value


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_values_are_read_as_people_write_them(factory, town, name):
    expected = EXPECTED[name]
    _confirm(factory, town, expected["suggestions"])
    rows = {row.number: row for row in mapped_sheet(_table(name), expected["mapping"]).rows}
    with factory() as session:
        look = Lookups(session, town, TODAY, "zh", own_format=True)
        for value in expected["values"]:
            found = _parsed(look, expected["kind"], rows[value["row"]], value["field"])
            assert found == value["value"], (value, found)


GOOD = sorted(name for name, expected in EXPECTED.items() if not expected["bad"])


@pytest.mark.parametrize("name", GOOD)
def test_every_good_layout_imports_once_its_mapping_and_names_are_confirmed(factory, town, name):
    expected = EXPECTED[name]
    _confirm(factory, town, expected["suggestions"])
    with db.transaction(factory) as session:
        report = commit(
            session, town, expected["kind"], _file(name), today=TODAY, columns=expected["mapping"]
        )
    assert report.ok and report.committed, report.as_text("zh")
    assert report.rows == expected["data_rows"]
    assert sum(report.would_create.values()) >= expected["data_rows"]


def test_item_names_are_suggested_confirmed_once_and_remembered(factory, town):
    columns = EXPECTED[NOVEMBER]["mapping"]
    with factory() as session:
        refused = preview(session, town, "stock", _file(NOVEMBER), today=TODAY, columns=columns)
    assert not refused.ok
    assert {w: name for w, (_, name) in refused.suggestions.items()} == EXPECTED[NOVEMBER][
        "suggestions"
    ]
    assert {p.reason for p in refused.problems} == {"item_suggestion"}
    assert "救生衣（成人）" in refused.as_text("zh") and "是否指“救生衣”" in refused.as_text("zh")
    _confirm(factory, town, EXPECTED[NOVEMBER]["suggestions"])
    with factory() as session:
        assert preview(session, town, "stock", _file(NOVEMBER), today=TODAY, columns=columns).ok
        december = preview(
            session,
            town,
            "stock",
            _file(DECEMBER),
            today=TODAY,
            columns=EXPECTED[DECEMBER]["mapping"],
        )
        aliases = session.scalars(select(ItemAlias.written)).all()
    assert sorted(aliases) == sorted(EXPECTED[NOVEMBER]["suggestions"])
    assert set(december.suggestions) == {"折叠行军床"}  # 救生衣（成人） is remembered


def test_the_second_months_ledger_imports_with_no_mapping_step(factory, town):
    """Confirm November's proposed mapping once; December's sheet of the same shape comes
    with the saved mapping, and imports."""
    with factory() as session:
        november = own_format.recognise(session, town, "stock", _file(NOVEMBER))
    with db.transaction(factory) as session:
        saved.save_mapping(
            session, town, "stock", november.layout.headers, november.proposal.columns, "新浦月报"
        )
    _confirm(
        factory, town, {**EXPECTED[NOVEMBER]["suggestions"], **EXPECTED[DECEMBER]["suggestions"]}
    )
    with db.transaction(factory) as session:
        commit(session, town, "stock", _file(NOVEMBER), today=TODAY, columns=november.columns)
    with factory() as session:
        december = own_format.recognise(session, town, "stock", _file(DECEMBER))
    assert december.saved is not None and december.saved.name == "新浦月报"
    assert december.columns == EXPECTED[DECEMBER]["mapping"]
    with db.transaction(factory) as session:
        report = commit(
            session, town, "stock", _file(DECEMBER), today=TODAY, columns=december.columns
        )
    assert report.ok and report.rows == EXPECTED[DECEMBER]["data_rows"]
    assert "batch_from_production" in report.notes
    assert "批次号按生产日期生成" in report.as_text("zh")  # the derived batch is said


def test_the_office_finds_a_towns_mapping_but_another_town_does_not(factory, town):
    with factory() as session:
        table = own_format.recognise(session, town, "stock", _file(NOVEMBER)).layout
    with db.transaction(factory) as session:
        saved.save_mapping(
            session, town, "stock", table.headers, EXPECTED[NOVEMBER]["mapping"], "新浦月报"
        )
        other = create_user(
            session,
            SYSTEM,
            username="banpu",
            display_name="板浦",
            role=Role.TOWN,
            password=PASSWORD,
            locality_ids=[locality(session, "板浦镇").id],
        )
        office = create_user(
            session,
            SYSTEM,
            username="office1",
            display_name="办",
            role=Role.OFFICE,
            password=PASSWORD,
        )
        banpu, office = Actor.from_user(other), Actor.from_user(office)
    with factory() as session:
        assert saved.saved_for(session, office, "stock", table.headers) is not None
        assert saved.saved_for(session, banpu, "stock", table.headers) is None


@pytest.mark.parametrize(
    ("change", "reason", "named"),
    [
        ({"存放地点": None}, "mapping_missing", "储备库："),
        ({"序号": "quantity"}, "mapping_twice", "数量："),
        ({"责任人": "colour"}, "mapping_unknown_field", "colour："),
    ],
)
def test_a_broken_mapping_is_refused_naming_the_field_and_not_saved(
    factory, town, change, reason, named
):
    columns = {**EXPECTED[NOVEMBER]["mapping"], **change}
    headers = _table(NOVEMBER).headers
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        saved.save_mapping(session, town, "stock", headers, columns, "坏的")
    assert refused.value.params["reason"].code == reason
    assert refused.value.render("zh").startswith(named)
    with factory() as session:
        assert (
            preview(session, town, "stock", _file(NOVEMBER), today=TODAY, columns=columns)
            .problems[0]
            .reason
            == reason
        )
        assert session.scalar(select(func.count()).select_from(ImportMapping)) == 0


def test_a_leader_cannot_save_a_mapping_or_an_alias(factory, town):
    with db.transaction(factory) as session:
        user = create_user(
            session,
            SYSTEM,
            username="lead",
            display_name="领导",
            role=Role.LEADER,
            password=PASSWORD,
        )
        leader = Actor.from_user(user)
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        saved.save_mapping(
            session, leader, "stock", _table(NOVEMBER).headers, EXPECTED[NOVEMBER]["mapping"], "x"
        )
    with pytest.raises(PermissionDenied), db.transaction(factory) as session:
        saved.confirm_alias(session, leader, "棉被（加厚）", item(session, "棉被").id)


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["bad"]))
def test_unreadable_values_are_named_by_row_and_the_sheets_own_column_and_nothing_is_written(
    factory, town, name
):
    expected = EXPECTED[name]
    _confirm(factory, town, expected["suggestions"])
    before = _counts(factory)
    with pytest.raises(ImportRefused) as refused, db.transaction(factory) as session:
        commit(
            session, town, expected["kind"], _file(name), today=TODAY, columns=expected["mapping"]
        )
    report = refused.value.report
    rows = report.as_rows("zh")
    found = {
        (int(r["行"]), r["列"], p.reason)
        for r, p in zip(rows, report.sorted_problems(), strict=True)
    }
    assert found == {(b["row"], b["column"], b["reason"]) for b in expected["bad"]}
    assert _counts(factory) == before


def test_our_template_is_still_read_as_the_template(factory):
    template = (ROOT / "tests" / "import_corpus" / "good_stock.xlsx").read_bytes()
    with factory() as session:
        assert own_format.recognise(session, SYSTEM, "stock", template).layout is None


def test_the_first_rows_are_shown_as_they_would_be_imported(factory, town):
    with factory() as session:
        found = own_format.recognise(session, town, "stock", _file(NOVEMBER))
        rows = own_format.sample(
            session, town, "stock", found.layout, found.columns, today=TODAY, language="zh"
        )
    assert [row["row"] for row in rows] == [4, 5, 6, 7, 8]
    first = rows[0]
    assert first["quantity"] == 300 and first["production_date"] == "2026-03-21"
    assert first["batch"] == "20260321"  # no batch column: the production date names the lot


# --- the command line ---------------------------------------------------------------------


def _prepare(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prepare", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "REGISTRY_DATABASE_URL": url},
        timeout=300,
    )


def test_the_command_line_proposes_then_imports_with_the_mapping(
    factory, town, database_url, tmp_path
):
    path = str(corpus.TARGET / NOVEMBER)
    before = _counts(factory)
    proposed = _prepare(database_url, "import", "stock", path, "--as", "xinpu", "--propose-mapping")
    assert proposed.returncode == 0, proposed.stderr
    found = json.loads(proposed.stdout)
    assert found["header_row"] == 3 and found["columns"] == EXPECTED[NOVEMBER]["mapping"]
    assert {"row": 14, "reason": "total"} in found["skipped"]
    assert _counts(factory) == before  # proposing writes nothing
    mapping = tmp_path / "mapping.json"
    mapping.write_text(proposed.stdout, encoding="utf-8")
    aliases = [f"--alias={w}={m}" for w, m in EXPECTED[NOVEMBER]["suggestions"].items()]
    done = _prepare(
        database_url,
        "import",
        "stock",
        path,
        "--as",
        "xinpu",
        "--mapping",
        str(mapping),
        "--save-mapping",
        "新浦月报",
        *aliases,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert _counts(factory)[0] > before[0]
    again = _prepare(
        database_url,
        "import",
        "stock",
        str(corpus.TARGET / DECEMBER),
        "--as",
        "xinpu",
        "--alias=折叠行军床=折叠床",
    )
    assert again.returncode == 0, again.stdout + again.stderr  # the saved mapping, no step


def _sheet(rows: list[list]) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    data = BytesIO()
    book.save(data)
    return data.getvalue()


def test_two_columns_with_one_header_stay_two_columns():
    """负责人 联系电话 … 监测人 联系电话: the second is numbered and mapped on its own."""
    data = _sheet([
        ["隐患点名称", "隐患类别", "风险等级", "所在镇街", "经度", "纬度", "负责人", "联系电话",
         "监测人", "联系电话"],
        ["朝阳路涵洞", "城市内涝点", "较大", "新浦街道", 119.19, 34.606, "王立新", "13905180001",
         "赵海", "13905180002"],
    ])  # fmt: skip
    table, _ = read_layout(data, known_headers("checkpoints"))
    found = propose("checkpoints", table)
    assert found.columns["联系电话"] == "responsible_phone"
    assert found.columns["联系电话（2）"] == "monitor_phone"
    row = mapped_sheet(table, found.columns).rows[0]
    assert row.values["responsible_phone"] == "13905180001"
    assert row.values["monitor_phone"] == "13905180002"


MAGNITUDES = [("3万", 30000), ("5千", 5000), ("1.5万", 15000), ("300床", 300), ("三百", 300)]


@pytest.mark.parametrize(("written", "read"), MAGNITUDES)
def test_magnitudes_are_numbers_not_units(written, read):
    from registry.importing.cells import _as_number

    assert _as_number(written, lenient=True) == read


def test_a_depot_named_by_an_address_two_depots_share_is_refused_as_ambiguous(factory, town):
    with db.transaction(factory) as session:
        records.create_depot(session, town, {
            "name": "新浦街道朝阳储备点", "level": "town", "locality_id": town_locality(session),
            "address": corpus.ADDRESS_2, "lon": XINPU_POINT[0], "lat": XINPU_POINT[1],
        })  # fmt: skip
    _confirm(factory, town, EXPECTED[NOVEMBER]["suggestions"])
    with factory() as session:
        report = preview(session, town, "stock", _file(NOVEMBER), today=TODAY,
                         columns=EXPECTED[NOVEMBER]["mapping"])  # fmt: skip
    ambiguous = [p for p in report.problems if p.reason == "ambiguous_name"]
    assert ambiguous and all(p.value == corpus.ADDRESS_2 for p in ambiguous)


def town_locality(session) -> int:
    return locality(session, corpus.TOWN).id


def test_only_the_office_repoints_an_alias_another_town_confirmed(factory, town):
    _confirm(factory, town, {"编织袋（大）": "编织袋"})
    with pytest.raises(ValidationError) as refused, db.transaction(factory) as session:
        saved.confirm_alias(session, town, "编织袋（大）", item(session, "麻袋").id)
    assert "编织袋" in refused.value.render("zh")
    with db.transaction(factory) as session:
        user = create_user(session, SYSTEM, username="office2", display_name="办",
                           role=Role.OFFICE, password=PASSWORD)  # fmt: skip
        saved.confirm_alias(
            session, Actor.from_user(user), "编织袋（大）", item(session, "麻袋").id
        )
    with factory() as session:
        assert session.scalars(select(ItemAlias.item_id)).one() == item(session, "麻袋").id
        changed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "item_alias-confirmed")
            .order_by(AuditEvent.id.desc())
        ).first()  # fmt: skip
    assert "编织袋" in changed.before and "麻袋" in changed.after

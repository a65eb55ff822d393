"""The Excel 导入 page with an office's own ledger (issue 18): the mapping step with the header
row found, rows skipped and the first rows as they would be imported; confirming saves the
mapping, the item names the catalogue lacks are confirmed on the page, the import commits;
next month's ledger of the same shape goes straight to the check."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.kernel import db
from registry.kernel.models import ImportMapping, ItemAlias, Locality, StockLot, User
from registry.kernel.permissions import Actor
from registry.records import commands as records
from tests.conftest import sign_in
from tests.helpers import XINPU_POINT
from tests.import_corpus import make_own_format as corpus

PAGE = "app_pages/imports.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _factory(url: str):
    return db.make_session_factory(db.make_engine(url))


def _depots(url: str) -> None:
    """The depots the corpus names, in the demo's 新浦街道, registered by its official."""
    factory = _factory(url)
    with db.transaction(factory) as session:
        actor = Actor.from_user(session.scalar(select(User).where(User.username == "xinpu")))
        xinpu = session.scalar(select(Locality.id).where(Locality.name == corpus.TOWN))
        for name, address in ((corpus.DEPOT, corpus.ADDRESS), (corpus.DEPOT_2, corpus.ADDRESS_2)):
            records.create_depot(session, actor, {
                "name": name, "level": "town", "locality_id": xinpu, "address": address,
                "lon": XINPU_POINT[0], "lat": XINPU_POINT[1],
            })  # fmt: skip
    factory.kw["bind"].dispose()


def _count(url: str, model) -> int:
    factory = _factory(url)
    with factory() as session:
        found = session.scalar(select(func.count()).select_from(model))
    factory.kw["bind"].dispose()
    return found


def _upload(app, name: str):
    data = (corpus.TARGET / name).read_bytes()
    app.file_uploader(key="imports.file.stock").set_value((name, data, XLSX))
    return app.run()


def _button(app, label: str):
    return next(b for b in app.button if b.label == label)


def test_a_town_ledger_is_mapped_once_confirmed_and_imported(app, demo_url):
    _depots(demo_url)
    sign_in(app, "xinpu")
    app.switch_page(PAGE).run()
    _upload(app, "xinpu_stock_2026_11.xlsx")
    assert not app.exception
    assert any("第 3 行找到表头" in i.value for i in app.info)
    assert any(
        "第 14 行（合计）" in c.value and "第 15 行（备注/签字）" in c.value for c in app.caption
    )
    shown = {box.label.split("（")[0]: box.value for box in app.selectbox if "（" in box.label}
    assert shown["存放地点"] == "depot" and shown["序号"] is None and shown["数量"] == "quantity"
    preview = app.dataframe[0].value
    assert preview["批次号"].iloc[0] == "20260321"  # derived from the production date
    lots_before = _count(demo_url, StockLot)

    _button(app, "确认列对应并检查数据").click().run()
    assert not app.exception
    assert _count(demo_url, ImportMapping) == 1
    assert any(box.label == "救生衣（成人） → 救生衣" for box in app.checkbox)
    _button(app, "确认以上物资名称对应关系并重新检查").click().run()
    assert _count(demo_url, ItemAlias) == 2
    assert any("批次号按生产日期生成" in c.value for c in app.caption)
    _button(app, "确认导入").click().run()
    assert not app.exception
    assert any("已导入" in s.value for s in app.success), [s.value for s in app.success]
    assert _count(demo_url, StockLot) > lots_before

    _upload(app, "xinpu_stock_2026_12.xlsx")  # next month: no mapping step
    assert any("已使用保存的列对应" in i.value for i in app.info)
    assert not any(b.label == "确认列对应并检查数据" for b in app.button)
    assert any(box.label == "折叠行军床 → 折叠床" for box in app.checkbox)  # only the new name

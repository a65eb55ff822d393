"""The 预警 page: the office imports a CAP message or enters a warning by hand; a refused
message says why; town officials and leaders read the list only."""

from __future__ import annotations

from registry.kernel.enums import WarningLevel
from tests.conftest import sign_in
from tests.response.test_warnings import cap, square_around

LATER = "2099-07-08T20:00:00+08:00"
PAGE = "app_pages/warnings.py"


def open_page(app, username: str):
    sign_in(app, username)
    return app.switch_page(PAGE).run()


def import_file(app, data: bytes):
    app.file_uploader(key="warn.file").set_value(("warning.xml", data, "text/xml"))
    app.run()
    app.button(key="warn.import_run").click().run()
    return app


def test_the_office_imports_a_message_and_sees_it_in_force(app):
    open_page(app, "office")
    import_file(app, cap(identifier="page-1", expires=LATER))
    assert not app.exception and not app.error
    assert any("海州区气象台发布暴雨黄色预警信号" in m.value for m in app.markdown)
    assert any("生效中" in m.value for m in app.markdown)
    assert [s.value for s in app.success] == ["预警已导入。"]  # the office sees it was done


def test_a_foreign_message_is_refused_with_the_reason(app):
    open_page(app, "office")
    import_file(app, cap(identifier="page-2", expires=LATER, area=square_around(118.78, 32.06)))
    assert any("不在海州区范围内" in e.value for e in app.error)
    assert not any("page-2" in m.value for m in app.markdown)


def test_a_warning_entered_by_hand(app):
    open_page(app, "office")
    app.text_input[0].input("电话通知：海州区暴雨橙色预警")
    app.multiselect[0].set_value([1])
    app.selectbox[1].set_value(WarningLevel.ORANGE)
    next(b for b in app.button if b.label == "登记预警").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("电话通知：海州区暴雨橙色预警" in m.value for m in app.markdown)
    assert [s.value for s in app.success] == ["预警已登记。"]


def test_a_town_official_reads_but_cannot_register(app):
    open_page(app, "xinpu")
    assert not app.exception
    assert not [b for b in app.button if b.key == "warn.import_run"]
    assert app.title[0].value == "预警"

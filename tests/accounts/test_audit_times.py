"""The audit log shows each event in China Standard Time (stored as UTC) and every action
by its label."""

from datetime import timedelta

from sqlalchemy import select

from registry.kernel import db
from registry.kernel.models import AuditEvent
from tests.accounts.test_admin_pages import AUDIT_PAGE, audit_table, open_page


def newest_event(url: str) -> AuditEvent:
    engine = db.make_engine(url)
    try:
        with db.make_session_factory(engine)() as session:
            return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    finally:
        engine.dispose()


def test_the_audit_log_shows_times_in_china_standard_time(app, demo_url):
    open_page(app, "office", AUDIT_PAGE)
    event = newest_event(demo_url)  # the office's own sign-in
    shown = audit_table(app).iloc[0]
    assert shown["时间（北京时间）"] == f"{event.at + timedelta(hours=8):%Y-%m-%d %H:%M:%S}"
    assert shown["操作"] == "登录"


def test_every_demo_event_is_shown_by_its_label(app):
    open_page(app, "office", AUDIT_PAGE)
    actions = set(audit_table(app)["操作"])
    assert not {a for a in actions if "-" in a or "_" in a}, actions  # no raw codes

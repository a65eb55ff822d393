"""User text is shown as text: a note, a name or a file name that looks like Markdown never
becomes a link or an image (a remote image loads from anywhere; a disguised link phishes).

The AppTests store a Markdown link and a remote image through the core, open the pages and
read every element Streamlit renders as Markdown (bodies, headings, alerts, captions, widget,
expander and tab labels, radio options, image captions)."""

from __future__ import annotations

import re

from page_helpers.ui import plain
from registry.accounts import users as accounts
from registry.fieldwork import rectifications
from registry.kernel import db
from registry.kernel.enums import RectificationStatus
from registry.kernel.models import Plan, Rectification, User
from registry.kernel.permissions import Actor
from registry.plans import commands as plans
from tests.conftest import sign_in

EVIL = "[x](http://evil) ![t](http://evil/t.png)"
MARKDOWN_FIELDS = {"body", "label", "caption", "text"}  # strings Streamlit parses as Markdown


def unescaped(text: str) -> str:
    """``text`` without its backslash escapes: what Markdown may still read as syntax."""
    return re.sub(r"\\.", "", text, flags=re.DOTALL)


def is_live(text: str) -> bool:
    bare = unescaped(text)
    return "](" in bare or "![" in bare or "<http" in bare


def markdown_strings(proto) -> list[str]:
    """The strings of an element's message that Streamlit renders as Markdown, nested ones too
    (an expander's label, an image's caption); a radio's options are Markdown as well."""
    found = []
    for field, value in proto.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, str):
                radio_option = field.name == "options" and type(proto).__name__ == "Radio"
                if field.name in MARKDOWN_FIELDS or radio_option:
                    found.append(item)
            elif hasattr(item, "ListFields"):
                found.extend(markdown_strings(item))
    return found


def rendered(app) -> tuple[list[str], list[str]]:
    """(the Markdown strings of the page, its plain st.text values)."""
    markdown, text = [], []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            if getattr(node, "type", None) == "text":
                text.append(proto.body)
            else:
                markdown.extend(markdown_strings(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return markdown, text


def assert_shown_as_text(app, count: int = 1) -> None:
    """No link or image from user text, and the text itself shown ``count`` times at least."""
    assert not app.exception
    markdown, text = rendered(app)
    live = [m for m in markdown if "evil" in m and is_live(m)]
    assert not live, live
    shown = sum(EVIL in t for t in text) + sum(plain(EVIL) in m for m in markdown)
    assert shown >= count, (markdown, text)


def as_user(url: str, username: str, change) -> None:
    engine = db.make_engine(url)
    factory = db.make_session_factory(engine)
    with db.transaction(factory) as session:
        user = session.query(User).filter_by(username=username).one()
        change(session, Actor.from_user(user))
    engine.dispose()


def first(url: str, model, **where):
    engine = db.make_engine(url)
    with db.make_session_factory(engine)() as session:
        found = session.query(model).filter_by(**where).order_by(model.id).first()
    engine.dispose()
    return found


def test_plain_escapes_every_markdown_character_and_keeps_the_text():
    escaped = plain(EVIL + "\n# $x$ :red[y] <http://evil> 中文")
    assert not is_live(escaped)
    assert not re.search(r"[\[\]()!#$:<>]", unescaped(escaped))
    assert unescaped(escaped) == unescaped(plain(EVIL + "\n# $x$ :red[y] <http://evil> 中文"))
    assert re.sub(r"\\(.)", r"\1", plain(EVIL)) == EVIL  # nothing lost but the escapes
    assert plain("第一行\n第二行") == "第一行  \n第二行"  # a line break stays one


def test_rectification_notes_and_plan_show_as_text(app, demo_url):
    rect = first(demo_url, Rectification, status=RectificationStatus.RECTIFYING)

    def write(session, office):
        updated = rectifications.update_plan(
            session, office, rect.id, rect.version, plan_text=EVIL, responsible_person=EVIL
        )
        rectifications.submit_for_recheck(
            session, office, rect.id, updated.version, note=EVIL, evidence=EVIL
        )

    as_user(demo_url, "office", write)
    sign_in(app, "office")
    app.switch_page("app_pages/rectifications.py").run()
    app.selectbox(key="rect.pick").set_value(rect.id).run()
    assert_shown_as_text(app, count=4)  # plan, responsible person, note, evidence


def test_plan_title_and_fields_show_as_text(app, demo_url):
    plan = first(demo_url, Plan, title="海州区防汛抗旱应急预案")
    as_user(
        demo_url,
        "office",
        lambda s, office: plans.update_plan_details(
            s, office, plan.id, plan.version, {"title": EVIL, "hazards": EVIL}
        ),
    )
    sign_in(app, "office")
    app.switch_page("app_pages/plans.py").run()
    app.selectbox(key="plan.choose").select(plan.id).run()
    assert_shown_as_text(app)  # the title as the heading


def test_a_display_name_shows_as_text_in_the_sidebar_and_the_account_page(app, demo_url):
    def rename(session, admin):
        leader = session.query(User).filter_by(username="leader").one()
        accounts.update_user(
            session, admin, leader.id, leader.version, display_name=EVIL,
            role=leader.role.value, locality_ids=[p.id for p in leader.localities], phone=None,
        )  # fmt: skip

    as_user(demo_url, "admin", rename)
    sign_in(app, "leader")
    app.switch_page("app_pages/account.py").run()
    assert_shown_as_text(app, count=2)  # signed in as …, in the sidebar and on the page

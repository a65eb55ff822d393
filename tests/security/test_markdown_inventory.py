"""User text on the inventory page is shown as text: a batch name that looks like Markdown
never becomes a link or an image (issue 12, item 10). The teams page shows its user text
(names, skills, phones, equipment) only in inputs, option lists and tables, which Streamlit
does not parse as Markdown."""

from __future__ import annotations

from datetime import timedelta

from registry.kernel.clock import today
from registry.records import stock
from tests.helpers import item
from tests.security.test_stale_forms import as_office, open_page

EVIL = "[x](http://evil) ![t](http://evil/t.png)"


def test_a_batch_name_in_the_issue_suggestion_shows_as_text(app, demo_url):
    open_page(app, "xinpu", "inventory")
    depot_id = app.selectbox(key="inv.depot").value
    quilt = {}

    def receive(session, office) -> None:
        quilt["id"] = item(session, "棉被").id
        stock.receive(
            session, office, depot_id, quilt["id"], 5, batch=EVIL, reason="入库",
            today=today(), expiry_date=today() + timedelta(days=1),
        )  # fmt: skip

    as_office(demo_url, receive)
    app.run()
    app.selectbox(key="inv.issue_item").set_value(quilt["id"]).run()

    captions = [c.value for c in app.caption]
    assert not app.exception
    assert any("evil" in c for c in captions), captions  # the suggestion names the batch
    assert not any(EVIL in c for c in captions), captions  # but never as live Markdown

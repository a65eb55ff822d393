"""Two app instances on one PostgreSQL database behind Debian's nginx, configured by the
committed deploy/nginx/registry.conf: a town official works through the proxy, the change
shows through the other instance, the serving instance is stopped and the official carries on
through the proxy, still signed in; nothing saved is lost and ``check`` passes; disabling the
official then ends the sign-in on both instances at the next click."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from prepare.support import (
    ROOT,
    app_server_command,
    free_port,
    throwaway_database,
    wait_healthy,
    wait_listening,
)
from registry.accounts import users as accounts
from registry.demo import DEMO_PASSWORD
from registry.kernel import db
from registry.kernel.models import StockLot, User
from registry.kernel.permissions import SYSTEM
from registry.operations.checks import run_checks
from tests.browser.conftest import MAP_TITLE, sign_in, wait_for_app
from tests.conftest import POSTGRES_URL
from tests.nginx_site import site_config

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.environ.get("REGISTRY_TEST_NGINX") != "1" or not POSTGRES_URL:
        pytest.skip("cluster suite off: needs REGISTRY_TEST_NGINX=1 and PostgreSQL (CI has both)")
    with throwaway_database(POSTGRES_URL) as url:
        yield from _cluster(tmp_path_factory.mktemp("cluster"), url)


def _cluster(tmp: Path, url: str):
    """Two app servers on the database at ``url`` behind nginx; stopped afterwards."""
    env = {**os.environ, "REGISTRY_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "prepare", "setup"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    ports = [free_port(), free_port()]
    servers = {}
    for port in ports:
        log = (tmp / f"app-{port}.log").open("w")
        servers[port] = subprocess.Popen(
            app_server_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    https = free_port()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    conf = site_config(
        tmp,
        upstreams=(ports[0], ports[1]),
        https=https,
        http=free_port(),
        http_extra=f"log_format upstream '$request_uri $upstream_addr';\n"
        f"  access_log {tmp}/access.log upstream;",
    )
    proxy = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"])
    try:
        for port, process in servers.items():
            wait_healthy(f"http://127.0.0.1:{port}", process)
        wait_listening(https, proxy)
        yield {"url": url, "proxy": f"https://127.0.0.1:{https}", "servers": servers, "tmp": tmp}
    finally:
        proxy.terminate()
        proxy.wait(timeout=20)
        for process in servers.values():
            process.terminate()
            process.wait(timeout=20)


def _serving_port(tmp: Path) -> int:
    """The instance nginx sends this browser to (ip_hash: one for all its requests), from
    the access log's last proxied request (a WebSocket is logged only when it closes)."""
    lines = (tmp / "access.log").read_text().splitlines()
    proxied = [line for line in lines if "127.0.0.1:" in line.split(" ")[-1]]
    return int(proxied[-1].rsplit(":", 1)[1].split(",")[-1].strip())


def _receive(page, batch: str) -> None:
    page.get_by_role("link", name="储备库库存").click()
    wait_for_app(page)
    page.get_by_role("heading", name="储备库库存").wait_for(timeout=30_000)
    page.get_by_label("批次号").fill(batch)
    page.get_by_label("数量").first.fill("37")
    page.get_by_role("button", name="入库").last.click()
    page.get_by_text("入库已登记").wait_for(timeout=30_000)


def _lots(url: str, *batches: str) -> list[str]:
    engine = db.make_engine(url)
    with engine.connect() as connection:
        found = connection.scalars(select(StockLot.batch).where(StockLot.batch.in_(batches)))
        found = sorted(found)
    engine.dispose()
    return found


def test_two_instances_behind_nginx_share_everything_and_survive_one_stopping(cluster, browser):
    first, second = f"CL-{uuid.uuid4().hex[:6]}", f"CL-{uuid.uuid4().hex[:6]}"
    proxied = browser.new_context(ignore_https_errors=True, locale="zh-CN")
    page = proxied.new_page()
    sign_in(page, cluster["proxy"], "xinpu", DEMO_PASSWORD)
    _receive(page, first)
    serving = _serving_port(cluster["tmp"])
    other = next(port for port in cluster["servers"] if port != serving)

    direct = browser.new_context(locale="zh-CN").new_page()  # the other instance, no proxy
    sign_in(direct, f"http://127.0.0.1:{other}", "xinpu", DEMO_PASSWORD)
    direct.get_by_role("link", name="储备库库存").click()
    wait_for_app(direct)
    direct.get_by_role("tab", name="调拨").click()
    direct.get_by_role("combobox", name="批次", exact=True).last.click()
    direct.keyboard.type(first)
    direct.get_by_role("option").filter(has_text=first).wait_for(timeout=30_000)

    cluster["servers"][serving].terminate()  # the instance serving the official goes down
    cluster["servers"][serving].wait(timeout=20)
    page.goto(cluster["proxy"])  # the proxy sends the browser to the instance still up
    # ... where the sign-in carries on: the cookie's session lives in the shared database.
    page.get_by_role("heading", name=MAP_TITLE).wait_for(timeout=60_000)
    assert "/auth/sign-in" not in page.url
    wait_for_app(page)
    _receive(page, second)
    assert _serving_port(cluster["tmp"]) == other
    assert _lots(cluster["url"], first, second) == sorted([first, second])
    engine = db.make_engine(cluster["url"])
    with db.make_session_factory(engine)() as session:
        assert run_checks(session)["ok"]
    # An administrator disables the official: both browsers, on both paths, are signed out
    # at their next click.
    with db.transaction(db.make_session_factory(engine)) as session:
        xinpu = session.scalar(select(User.id).where(User.username == "xinpu"))
        accounts.set_active(session, SYSTEM, xinpu, False)
    engine.dispose()
    direct.keyboard.press("Escape")  # close the batch list left open above
    for browser_page in (page, direct):
        browser_page.get_by_role("link", name="一张图").click()
        browser_page.wait_for_url("**/auth/sign-in**", timeout=60_000)
    proxied.close()

"""What the test suites and ``python -m prepare bench`` share to run the app for real: free
ports and waiting for a server, the app server's command line, headless Chromium kept
offline, and a throwaway PostgreSQL database.

It lives in ``prepare/`` because the benchmark is a command of its own and must not depend
on ``tests/``; the tests import it from here (as they already import ``prepare.cli``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("REGISTRY_TEST_CHROMIUM", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Debian's Chromium, headless, in a container, with nothing that phones home."""
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def free_port() -> int:
    """A free local TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def app_server_command(port: int) -> list[str]:
    """``streamlit run`` of the app server (``server.py``: pages and HTTP routes) on
    127.0.0.1:``port``, headless; run it in ``ROOT``."""
    return [
        sys.executable, "-m", "streamlit", "run", "server.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def wait_healthy(url: str, process: subprocess.Popen[Any], timeout: float = 120) -> None:
    """Until the app's health check (database reachable, migrations current) answers; fails
    at once if the server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("app server did not become healthy")


def wait_listening(port: int, process: subprocess.Popen[Any], timeout: float = 30) -> None:
    """Until something accepts connections on ``port`` (e.g. nginx); fails at once if
    ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


def local_only(context: Any) -> list[str]:
    """Abort every request of a Playwright browser context beyond localhost; returns the
    list of what was blocked, so a caller can prove a page needs no network."""
    blocked: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", guard)
    return blocked


@contextmanager
def throwaway_database(server_url: str, prefix: str = "registry_test") -> Iterator[str]:
    """A uniquely named, empty PostgreSQL database on the server of ``server_url``; its URL
    is yielded and the database dropped afterwards, even while still connected to."""
    base = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


class AppTestBrowser:
    """What a browser sends with the pages' WebSocket, for AppTest (which has no browser):
    its cookies, read by the pages through ``st.context.cookies``."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.headers: list[tuple[str, str]] = []
        self.remote_ip: str | None = "127.0.0.1"


def apptest_browser(set_attribute: Any = setattr) -> AppTestBrowser:
    """A browser for the AppTests of this process: Streamlit's client context lookup answers
    with it (``set_attribute`` may be pytest's ``monkeypatch.setattr``)."""
    from streamlit.runtime import context

    browser = AppTestBrowser()
    set_attribute(context, "_get_client_context", lambda: browser)
    return browser


def demo_session_token(url: str, username: str, password: str) -> str:
    """Sign ``username`` in through the core and open a session, as the sign-in route does;
    returns the cookie's token."""
    from registry.accounts.sessions import open_session
    from registry.accounts.users import authenticate
    from registry.kernel import db
    from registry.kernel.clock import utcnow
    from registry.kernel.settings import load_settings

    settings = load_settings()
    factory = db.make_session_factory(db.make_engine(url))
    try:
        signed_in = authenticate(factory, username, password, settings)
        with db.transaction(factory) as session:
            return open_session(session, signed_in, settings, utcnow())
    finally:
        factory.kw["bind"].dispose()

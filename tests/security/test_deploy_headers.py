"""The nginx site (issue 12, item 12): the usual security headers on every answer, no version
in the Server header, and request, session and connection limits per client address. The
configuration is read as text always; with REGISTRY_TEST_NGINX=1 Debian's nginx runs the
committed site in front of a tiny local upstream and the real answers are checked."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from prepare.support import free_port
from tests.nginx_site import NGINX_CONF, site_config

ONE_YEAR = 365 * 24 * 3600
STREAM = "/_stcore/stream"  # Streamlit's WebSocket: one request per new browser session


def _directives() -> str:
    """The site without its comments."""
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text("utf-8"))


def _tls_server(text: str) -> str:
    """The text of the server block that listens with TLS."""
    start = text.index("listen 443 ssl")
    return text[text.rindex("server {", 0, start) :]


def test_the_site_hides_the_nginx_version_and_sets_the_security_headers_on_every_answer():
    text = _directives()
    assert text.count("server_tokens off;") == text.count("server {")  # every server block
    tls = _tls_server(text)
    hsts = re.search(r'add_header Strict-Transport-Security "max-age=(\d+)([^"]*)" always;', tls)
    assert hsts and int(hsts[1]) >= ONE_YEAR and "includeSubDomains" in hsts[2]
    assert "add_header X-Frame-Options SAMEORIGIN always;" in tls  # folium maps are iframes
    assert "add_header Content-Security-Policy \"frame-ancestors 'self'\" always;" in tls
    assert not re.search(r"add_header[^;]*script-src", text)  # Streamlit's scripts must run
    assert "add_header X-Content-Type-Options nosniff always;" in tls
    assert "add_header Referrer-Policy strict-origin-when-cross-origin always;" in tls
    for location in re.findall(r"location [^{]*\{[^}]*\}", tls):
        assert "add_header" not in location, "add_header in a location drops the server's"


def test_the_site_limits_requests_new_sessions_and_connections_per_address():
    text = _directives()
    assert re.search(r"limit_req_zone \$binary_remote_addr zone=registry_requests:\S+ rate=", text)
    assert re.search(r"limit_req_zone \$registry_new_session zone=registry_sessions:\S+", text)
    assert "limit_conn_zone $binary_remote_addr zone=registry_connections:" in text
    tls = _tls_server(text)
    assert re.search(r"limit_req zone=registry_requests burst=\d+ nodelay;", tls)
    assert re.search(r"limit_req zone=registry_sessions burst=\d+ nodelay;", tls)
    assert re.search(r"limit_conn registry_connections \d+;", tls)
    assert "limit_req_status 429;" in tls and "limit_conn_status 429;" in tls


# --- the site run by nginx --------------------------------------------------------------


class _Upstream(BaseHTTPRequestHandler):
    """Stands in for a Streamlit instance: 200 for a page, 404 for /missing, and 101 for a
    WebSocket upgrade."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.close_connection = True
            return
        body = b"ok"
        self.send_response(404 if self.path == "/missing" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        """Silent: the test reads answers, not the upstream's access log."""


@pytest.fixture(scope="module")
def proxy(tmp_path_factory) -> Iterator[dict[str, int]]:
    if os.environ.get("REGISTRY_TEST_NGINX") != "1":
        pytest.skip("nginx suite off: set REGISTRY_TEST_NGINX=1 (CI does)")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (.ci/run installs Debian's)")
    tmp = tmp_path_factory.mktemp("nginx-headers")
    upstream = ThreadingHTTPServer(("127.0.0.1", free_port()), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    ports = {"https": free_port(), "http": free_port()}
    port = upstream.server_address[1]
    conf = site_config(tmp, upstreams=(port, port), https=ports["https"], http=ports["http"])
    process = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"])
    try:
        _wait_listening(ports["https"], process, tmp)
        yield ports
    finally:
        process.terminate()
        process.wait(timeout=20)
        upstream.shutdown()


def _wait_listening(port: int, process: subprocess.Popen, tmp: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((tmp / "error.log").read_text())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("nginx did not start listening")


def _https(port: int, client: str = "127.0.0.1") -> http.client.HTTPSConnection:
    """A connection from ``client``, a loopback address: each test that floods the proxy
    comes from its own address, so that the limits it exhausts are its own."""
    return http.client.HTTPSConnection(
        "127.0.0.1",
        port,
        context=ssl._create_unverified_context(),
        timeout=10,
        source_address=(client, 0),
    )


def _get(connection: http.client.HTTPConnection, path: str, **headers: str):
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    return response


@pytest.mark.parametrize("path", ["/", "/missing", "/healthz"])
def test_nginx_sends_the_security_headers_on_pages_errors_and_the_health_check(proxy, path):
    response = _get(_https(proxy["https"]), path)
    assert response.status == (404 if path == "/missing" else 200)
    hsts = response.getheader("Strict-Transport-Security")
    assert int(re.search(r"max-age=(\d+)", hsts)[1]) >= ONE_YEAR and "includeSubDomains" in hsts
    assert response.getheader("X-Frame-Options") == "SAMEORIGIN"
    assert response.getheader("Content-Security-Policy") == "frame-ancestors 'self'"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert response.getheader("Server") == "nginx"  # no version


def test_nginx_redirects_plain_http_without_telling_its_version(proxy):
    response = _get(http.client.HTTPConnection("127.0.0.1", proxy["http"], timeout=10), "/")
    assert response.status == 301
    assert response.getheader("Server") == "nginx"


def test_nginx_lets_a_page_load_through_and_refuses_a_flood_from_one_address(proxy):
    connection = _https(proxy["https"], "127.0.0.2")
    statuses = [_get(connection, "/static/app.js").status for _ in range(600)]
    assert statuses[:100] == [200] * 100  # a page and its scripts, loaded at once
    assert 429 in statuses


def test_nginx_passes_websockets_and_refuses_a_flood_of_new_sessions(proxy):
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}  # fmt: skip
    statuses = [
        _get(_https(proxy["https"], "127.0.0.3"), STREAM, **upgrade).status for _ in range(60)
    ]
    assert statuses[:10] == [101] * 10  # the browser's WebSocket still goes through
    assert 429 in statuses

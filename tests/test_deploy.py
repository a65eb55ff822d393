"""The deployment files are real: Streamlit's production settings, and an nginx
configuration that Debian's nginx accepts (with a throwaway certificate for its TLS
placeholders)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from registry.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx" / "registry.conf"


def test_streamlit_production_settings():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    server = config["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True  # CORS protection: no cross-origin access
    assert server["maxUploadSize"] > Settings().document_max_mb  # a 30 MB plan fits
    assert config["browser"]["gatherUsageStats"] is False


def test_nginx_passes_websockets_and_uploads():
    text = NGINX_CONF.read_text("utf-8")
    assert "ip_hash;" in text  # sticky sessions
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "client_max_body_size 40m;" in text
    assert "/_stcore/health" in text


def test_nginx_accepts_the_configuration(tmp_path):
    if os.environ.get("REGISTRY_TEST_NGINX") != "1":
        pytest.skip("nginx suite off: set REGISTRY_TEST_NGINX=1 (CI does)")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (
        NGINX_CONF.read_text("utf-8")
        .replace("/etc/ssl/registry/fullchain.pem", str(certificate))
        .replace("/etc/ssl/registry/privkey.pem", str(key))
    )
    (tmp_path / "registry.conf").write_text(site, "utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; include {tmp_path}/registry.conf; }}\n",
        "utf-8",
    )
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr

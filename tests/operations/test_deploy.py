"""The deployment files are real: Streamlit's production settings, and an nginx
configuration that Debian's nginx accepts (with a throwaway certificate for its TLS
placeholders)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib

import pytest

from registry.kernel.settings import Settings
from tests.nginx_site import NGINX_CONF, ROOT, site_config


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
    assert "proxy_set_header Host $http_host;" in text  # the port too: same-origin checks
    assert "/_stcore/health" not in text  # /healthz is the app's own, proxied as it is


def test_nginx_accepts_the_configuration(tmp_path):
    if os.environ.get("REGISTRY_TEST_NGINX") != "1":
        pytest.skip("nginx suite off: set REGISTRY_TEST_NGINX=1 (CI does)")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    conf = site_config(tmp_path)
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr

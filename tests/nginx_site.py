"""The committed nginx site, made runnable in a test folder: a throwaway certificate, the
test's own ports and upstreams, and a minimal nginx.conf around it."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx" / "registry.conf"


def site_config(
    tmp: Path,
    *,
    upstreams: tuple[int, int] | None = None,
    https: int | None = None,
    http: int | None = None,
    http_extra: str = "access_log off;",
) -> Path:
    """Write ``tmp/nginx.conf`` including the site; ports left None stay as committed."""
    certificate, key = tmp / "fullchain.pem", tmp / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (
        NGINX_CONF.read_text("utf-8")
        .replace("/etc/ssl/registry/fullchain.pem", str(certificate))
        .replace("/etc/ssl/registry/privkey.pem", str(key))
    )
    if upstreams:
        site = site.replace("127.0.0.1:8501", f"127.0.0.1:{upstreams[0]}")
        site = site.replace("127.0.0.1:8502", f"127.0.0.1:{upstreams[1]}")
    if http:
        site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
    if https:
        site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    (tmp / "registry.conf").write_text(site, "utf-8")
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
        f"http {{\n  {http_extra}\n"
        f"  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;\n"
        f"  include {tmp}/registry.conf;\n}}\n",
        "utf-8",
    )
    return conf

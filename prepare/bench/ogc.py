"""OGC API – Features at province scale: a real app server (``streamlit run server.py``, as
deployed) read over HTTP with an API token, every checkpoint paged through 1,000 at a time
by following ``next``, timing each page and reading the server's memory from /proc as it
goes. Flat memory means the last page costs the server no more than the first."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import httpx

from prepare.bench.memory import app_server, rss_mib
from registry.accounts import tokens
from registry.kernel import db
from registry.kernel.clock import utcnow
from registry.kernel.permissions import SYSTEM

PAGE = 1000
COLLECTION = "checkpoints"


def _token(database_url: str) -> str:
    """A district read-only token for the run (the database is thrown away afterwards)."""
    factory = db.make_session_factory(db.make_engine(database_url))
    with db.transaction(factory) as session:
        _, plain = tokens.create_token(
            session, SYSTEM, name="bench", scope="read", locality_ids=[], district=True,
            now=utcnow(),
        )  # fmt: skip
    factory.kw["bind"].dispose()
    return plain


def _walk(url: str, token: str, pid: int) -> dict:
    """Every page of the collection; seconds per page, features read and the server's RSS
    after the first page and at the end."""
    seconds: list[float] = []
    features = 0
    after_first = None
    following: str | None = f"{url}/ogc/collections/{COLLECTION}/items?limit={PAGE}"
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        while following:
            started = time.perf_counter()
            response = client.get(following)
            response.raise_for_status()
            body = response.json()
            seconds.append(time.perf_counter() - started)
            features += body["numberReturned"]
            if after_first is None:
                after_first = rss_mib(pid)["rss_mib"]
            following = next((k["href"] for k in body["links"] if k["rel"] == "next"), None)
    end = rss_mib(pid)["rss_mib"]
    ordered = sorted(seconds)
    return {
        "pages": len(seconds),
        "features": features,
        "page_median_s": round(statistics.median(ordered), 3),
        "page_p95_s": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 3),
        "page_max_s": round(ordered[-1], 3),
        "rss_after_first_mib": after_first,
        "rss_end_mib": end,
        "rss_growth_mib": round(end - (after_first or end), 1),
    }


def measure(database_url: str, log_path: Path) -> dict:
    """Start the app server on the database and page through every checkpoint."""
    token = _token(database_url)
    with app_server(database_url, log_path) as (url, pid):
        return _walk(url, token, pid)

"""Bearer headers for the open-interface tests (OGC API, JSON API) on the app server's
database: a district read-only and a district read-write token."""

from __future__ import annotations

import pytest

from tests.helpers import api_token, bearer


@pytest.fixture
def reader(http):
    return bearer(api_token("read")[1])


@pytest.fixture
def writer(http):
    return bearer(api_token("write")[1])

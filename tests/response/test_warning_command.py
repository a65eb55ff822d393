"""``python -m prepare warning FILE``: exit 0 and the warning registered, exit 2 with the
reason in the user's language and nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from prepare.support import ROOT
from registry.kernel import db
from registry.kernel.models import EarlyWarning
from tests.response.test_warnings import cap, square_around

LATER = "2099-07-08T20:00:00+08:00"  # still in force whenever the suite runs


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('warning-cli') / 'registry.db'}"
    subprocess.run([sys.executable, "-m", "prepare", "setup", "--no-demo"], cwd=ROOT, check=True,
                   capture_output=True, env={"REGISTRY_DATABASE_URL": url, "PATH": ""})  # fmt: skip
    return url


def run(database: str, path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prepare", "warning", str(path), *extra],
        cwd=ROOT, capture_output=True, text=True, env={"REGISTRY_DATABASE_URL": database},
    )  # fmt: skip


def registered(database: str) -> int:
    engine = db.make_engine(database)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(EarlyWarning))
    engine.dispose()
    return count


def test_a_message_is_registered(database, tmp_path):
    path = tmp_path / "warning.xml"
    path.write_bytes(cap(identifier="cli-1", expires=LATER))
    done = run(database, path)
    assert done.returncode == 0, done.stderr
    assert "已登记" in done.stdout and "新浦街道" in done.stdout
    assert registered(database) == 1


def test_a_foreign_message_is_refused_with_the_reason_and_nothing_written(database, tmp_path):
    path = tmp_path / "nanjing.xml"
    path.write_bytes(cap(identifier="cli-2", expires=LATER, area=square_around(118.78, 32.06)))
    before = registered(database)
    refused = run(database, path)
    assert refused.returncode == 2
    assert "不在海州区范围内" in refused.stderr
    english = run(database, path, "--lang", "en")
    assert "outside Haizhou District" in english.stderr
    assert registered(database) == before


def test_a_missing_file_is_refused(database, tmp_path):
    assert run(database, tmp_path / "nothing.xml").returncode == 2

"""The documentation stays true: every setting is in the README's settings table with its
default, and every repository path the docs and docstrings cite exists."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from registry.kernel.settings import Settings, environment_name

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def settings_table() -> dict[str, str]:
    """Environment variable → default column of the README's settings table."""
    section = README[README.index("## Settings") : README.index("## Administrators")]
    rows = re.findall(r"^\| `(REGISTRY_[A-Z_]+)` \| ([^|]+) \|", section, re.M)
    return {name: default.strip().strip("`") for name, default in rows}


def test_every_setting_is_in_the_readme_with_its_default():
    table = settings_table()
    for field in fields(Settings):
        name = environment_name(field.name)
        assert name in table, f"{name} is missing from the README's settings table"
        if isinstance(field.default, bool):
            assert table[name] == str(field.default).lower(), name
        elif isinstance(field.default, int | str) and field.name != "database_url":
            assert table[name] == str(field.default), name


def test_the_readme_names_no_setting_that_does_not_exist():
    known = {environment_name(f.name) for f in fields(Settings)}
    assert set(settings_table()) <= known


FOLDERS = "registry|app_pages|page_helpers|prepare|maps|tests|docs|deploy"
CITED = re.compile(rf"(?<![\w/.-])((?:{FOLDERS})/[\w/.@-]+)")


def test_paths_cited_in_the_docs_and_docstrings_exist():
    sources = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    for package in ("registry", "app_pages", "page_helpers", "prepare", "maps", "tests"):
        sources += (ROOT / package).rglob("*.py")
    missing = []
    for source in sources:
        for cited in CITED.findall(source.read_text("utf-8")):
            path = cited.rstrip(".,:;)`'\"")
            if any(ch in path for ch in "*<{") or path.endswith("/"):
                continue
            if not (ROOT / path).exists():
                missing.append(f"{source.relative_to(ROOT)} cites {path}")
    assert missing == []

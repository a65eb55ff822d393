"""Both catalogues complete: same keys, every enum labelled, every key the pages use exists."""

import json
import re
from enum import StrEnum
from pathlib import Path

from registry.kernel import enums, i18n

ROOT = Path(__file__).resolve().parents[2]
KEY_PATTERN = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")


def test_catalogues_have_the_same_keys_and_no_empty_text():
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert set(zh) == set(en)
    assert all(value.strip() for value in [*zh.values(), *en.values()])


def test_every_enum_member_has_a_label_in_both_languages():
    members = [
        m
        for obj in vars(enums).values()
        if isinstance(obj, type) and issubclass(obj, StrEnum) and obj is not StrEnum
        for m in obj
    ]
    for language in i18n.LANGUAGES:
        for member in members:
            key = f"enum.{type(member).__name__}.{member.value}"
            assert key in i18n.catalogue(language), key


def test_every_key_used_by_the_app_exists():
    sources = [
        ROOT / "streamlit_app.py",
        *sorted((ROOT / "app_pages").glob("*.py")),
        *sorted((ROOT / "page_helpers").glob("*.py")),
    ]
    used = {key for path in sources for key in KEY_PATTERN.findall(path.read_text("utf-8"))}
    assert used, "the scan found no keys: the pattern is broken"
    missing = used - set(i18n.catalogue("zh"))
    assert not missing, missing


def test_chinese_is_the_default_and_english_differs():
    assert i18n.translate("nav.map") == "一张图"
    assert i18n.translate("nav.map", "en") == "District map"
    assert i18n.label(enums.RiskLevel.MAJOR) == "重大（红）"
    refused = i18n.translate("login.failed", "en", count=5, minutes=15)
    assert (
        refused.startswith("Sign-in failed: wrong username or password") and "15 minutes" in refused
    )


def test_each_key_lives_in_one_file_and_both_languages_have_the_same_files():
    names = {lang: [p.name for p in i18n.catalogue_files(lang)] for lang in i18n.LANGUAGES}
    assert names["zh"] == names["en"] != []
    for language in i18n.LANGUAGES:
        seen: dict[str, str] = {}
        for path in i18n.catalogue_files(language):
            for key in json.loads(path.read_text("utf-8")):
                assert key not in seen, f"{key} in {seen.get(key)} and {path.name}"
                seen[key] = path.name

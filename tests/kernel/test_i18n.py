"""Both catalogues complete: same keys, every enum labelled, every key the pages use exists."""

import ast
import json
import re
from enum import StrEnum
from pathlib import Path

from registry.fieldwork import rectifications
from registry.kernel import enums, i18n
from registry.kernel.enums import AuditAction, AuditEntity
from registry.kernel.permissions import Action
from registry.plans import commands as plan_commands

ROOT = Path(__file__).resolve().parents[2]
KEY_PATTERN = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")


def test_catalogues_have_the_same_keys_and_no_empty_text():
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert set(zh) == set(en)
    assert all(value.strip() for value in [*zh.values(), *en.values()])


def _in_both_languages(keys) -> None:
    keys = set(keys)
    assert keys, "nothing to check: the scan is broken"
    for language in i18n.LANGUAGES:
        missing = keys - set(i18n.catalogue(language))
        assert not missing, (language, sorted(missing))


def test_every_enum_member_has_a_label_in_both_languages():
    members = [
        m
        for obj in [*vars(enums).values(), Action]
        if isinstance(obj, type) and issubclass(obj, StrEnum) and obj is not StrEnum
        for m in obj
    ]
    _in_both_languages(i18n.label_key(member) for member in members)


def test_every_audit_action_and_entity_has_a_label_in_both_languages():
    _in_both_languages(f"audit.action.{action.value}" for action in AuditAction)
    _in_both_languages(f"audit.entity.{entity.value}" for entity in AuditEntity)
    assert i18n.label(AuditAction.PLAN_ISSUED) == "印发预案"
    assert i18n.label(AuditEntity.PLAN, "en") == "Plan"


def _sources(*folders: str) -> list[ast.Module]:
    paths = sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))
    return [ast.parse(path.read_text("utf-8")) for path in paths]


def test_every_refusal_key_in_the_code_exists_in_both_languages():
    """Refusals are raised with literal keys (``"error.required"``) or return them from a
    helper (the document checks): every such literal has its text."""
    _in_both_languages(
        node.value
        for tree in _sources("registry", "prepare")
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"error(\.[a-z_]+)+", node.value)
    )


def _field_default(function: ast.FunctionDef) -> str | None:
    """The default of a ``field`` parameter (``field: str = "photos"``)."""
    arguments = function.args
    pairs = [
        *zip(
            arguments.args[len(arguments.args) - len(arguments.defaults) :],
            arguments.defaults,
            strict=True,
        ),
        *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
    ]
    return next((_literal(d) for a, d in pairs if a.arg == "field"), None)


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def test_every_field_a_refusal_names_has_a_label_in_both_languages():
    """``field="..."``, a ``field`` parameter's default and the field argument of the checks
    (``validation.text(value, "title")``) name an input; pages show its label ``field.<name>``."""
    trees = _sources("registry")  # where refusals are raised
    functions = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    position = {
        f.name: [a.arg for a in f.args.args].index("field")
        for f in functions
        if "field" in [a.arg for a in f.args.args]
    }
    names = {_field_default(f) for f in functions}
    for call in (n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.Call)):
        names |= {_literal(k.value) for k in call.keywords if k.arg == "field"}
        called = getattr(call.func, "attr", getattr(call.func, "id", None))
        if called in position and len(call.args) > position[called]:
            names.add(_literal(call.args[position[called]]))
    names.discard(None)
    assert {"responsible_person", "title", "photos", "quantity"} <= names
    _in_both_languages(f"field.{name}" for name in names)


def test_words_built_into_refusals_exist_in_both_languages():
    plan_actions = [*plan_commands.TRANSITIONS, "record_filing", "record_drill", "add_document"]
    _in_both_languages(plan_commands._action_term(a).key for a in [*plan_actions, "edit"])
    _in_both_languages(
        t.key for t in (plan_commands.AFTER_ISSUE, plan_commands.AFTER_PREVIOUS_ISSUE)
    )
    _in_both_languages(f"rect.action.{step}" for step in rectifications.STEP_AUDIT)


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

"""Refusals are a message key with parameters: a page shows them in the reader's language
with the input's label; ``str()`` stays the English text of logs and the command line."""

from datetime import date

import pytest

from registry.kernel import validation
from registry.kernel.enums import AuditEntity, RiskLevel, Role
from registry.kernel.errors import (
    PermissionDenied,
    RegistryError,
    StaleRecord,
    Term,
    ValidationError,
)
from registry.kernel.permissions import Action, Actor, require
from tests.conftest import sign_in


def refusal(check, *args, **kwargs) -> RegistryError:
    with pytest.raises(RegistryError) as refused:
        check(*args, **kwargs)
    return refused.value


def test_a_chinese_user_reads_a_chinese_refusal_naming_the_field_by_its_label():
    error = refusal(validation.text, "  ", "responsible_person")
    assert (error.key, error.field, error.params) == ("error.required", "responsible_person", {})
    assert error.message("zh") == "整改责任人：必填"
    assert error.message("en") == "Responsible person: required"


def test_the_english_text_keeps_the_field_name_and_the_old_wording():
    assert str(refusal(validation.text, "", "responsible_person")) == "responsible_person: required"
    assert str(refusal(validation.quantity, "x")) == "quantity: not a number: 'x'"
    assert str(refusal(validation.text, "x" * 9, "name", max_len=8)) == (
        "name: longer than 8 characters"
    )
    outside = refusal(validation.point_in_district, 116.4, 39.9)
    assert str(outside) == "location: (116.400000, 39.900000) lies outside Haizhou District"
    assert "不在海州区范围内" in outside.message("zh") and outside.message("zh").startswith("位置")


def test_enum_parameters_show_their_labels_to_people_and_their_values_in_logs():
    error = refusal(validation.choice, "purple", RiskLevel, "risk_level")
    assert str(error).endswith("is not one of major, significant, general, low")
    assert "重大（红）、" in error.message("zh") and error.message("zh").startswith("风险等级")


def test_a_refusal_inside_a_refusal_is_rendered_in_the_same_language():
    inner = ValidationError("error.required", field="batch")
    outer = ValidationError("error.line", field="batch", row=2, line=3, reason=inner)
    assert str(outer) == "line 3: batch: required"
    assert outer.message("zh") == "第 3 行：批次：必填"


def test_terms_and_entities_are_named_in_the_readers_language():
    error = ValidationError(
        "error.not_found", field="id", entity=AuditEntity.CAMPAIGN, id=7, step=Term("x", "y")
    )
    assert str(error) == "campaign 7 does not exist"
    assert error.message("zh") == "专项检查 7 不存在"


def test_a_permission_refusal_names_the_action_in_chinese():
    leader = Actor(user_id=1, username="leader", role=Role.LEADER)
    error = refusal(require, leader, Action.MANAGE_USERS)
    assert isinstance(error, PermissionDenied)
    assert str(error) == "leader (leader) may not manage_users"
    assert error.message("zh") == "leader（区领导（只读））无权管理用户"


def test_a_stale_record_keeps_its_changes_and_dates_show_in_iso_form():
    stale = StaleRecord("error.stale_record", {"name": ("a", "b")}, entity=AuditEntity.DEPOT,
                        id=3, expected=1, current=2)  # fmt: skip
    assert stale.changes == {"name": ("a", "b")}
    assert "储备库 3" in stale.message("zh")
    future = refusal(validation.not_future, date(2031, 1, 2), "held_on", date(2030, 1, 1))
    assert str(future) == "held_on: 2031-01-02 is in the future"


def test_an_unknown_field_name_is_shown_as_it_came():
    assert ValidationError("error.required", field="某列").message("zh") == "某列：必填"


def test_a_form_refusal_is_shown_in_chinese_with_the_fields_label(app):
    sign_in(app, "xinpu")
    app.switch_page("app_pages/account.py").run()
    app.text_input(key="account.old").input(_demo_password())
    app.text_input(key="account.new").input("short")
    next(b for b in app.button if b.label == "修改密码").click()
    app.run()
    assert [e.value for e in app.error] == ["密码：至少 10 个字符"]


def _demo_password() -> str:
    from registry.demo import DEMO_PASSWORD

    return DEMO_PASSWORD

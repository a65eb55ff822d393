"""Settings from secrets.toml arrive typed (TOML booleans and integers), from the environment
as text: both must mean the same."""

from registry.kernel.settings import load_settings


def test_toml_false_turns_a_setting_off():
    settings = load_settings(
        environ={}, secrets={"password_sign_in": False, "oidc_provider": "unified"}
    )
    assert settings.password_sign_in is False
    assert settings.oidc_provider == "unified"


def test_toml_true_and_integers_are_kept():
    settings = load_settings(environ={}, secrets={"password_sign_in": True, "lockout_minutes": 20})
    assert settings.password_sign_in is True
    assert settings.lockout_minutes == 20


def test_the_environment_overrides_secrets():
    settings = load_settings(
        environ={"REGISTRY_PASSWORD_SIGN_IN": "0"}, secrets={"password_sign_in": True}
    )
    assert settings.password_sign_in is False

"""The guard and st.login's identity cookies, at the HTTP level (the whole flow against a real
provider is tests/browser/test_oidc.py): an identity left in the browser while a registry
session is live is deleted, so it cannot sign the browser back in after the sign-out."""

from tests.conftest import post_sign_in
from web.client import COOKIE

PAGE = {"Accept": "text/html", "Sec-Fetch-Dest": "document"}


def test_a_leftover_identity_is_deleted_while_signed_in(http):
    token = post_sign_in(http, "xinpu").cookies[COOKIE]
    http.cookies.clear()
    cookies = f"{COOKIE}={token}; _streamlit_user=left-over; _streamlit_user_tokens=left-over"
    response = http.get(
        "/some-page?x=1", headers={**PAGE, "Cookie": cookies}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/some-page?x=1"  # same page, still signed in
    deleted = [c for c in response.headers.get_list("set-cookie") if "Max-Age=0" in c]
    assert {c.split("=", 1)[0] for c in deleted} == {"_streamlit_user", "_streamlit_user_tokens"}
    assert not any(c.startswith(f"{COOKIE}=") for c in response.headers.get_list("set-cookie"))

    again = http.get("/some-page?x=1", headers={**PAGE, "Cookie": f"{COOKIE}={token}"},
                     follow_redirects=False)  # fmt: skip
    assert again.status_code == 404  # through the guard to the (missing) page


def test_without_a_session_a_forged_identity_signs_nobody_in(http, monkeypatch):
    from web import state

    monkeypatch.setenv("REGISTRY_OIDC_PROVIDER", "unified")
    state.settings.cache_clear()
    response = http.get(
        "/", headers={**PAGE, "Cookie": "_streamlit_user=forged"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/sign-in?")
    assert COOKIE not in response.cookies  # the cookie's signature is not the app's


def test_the_organisation_button_leads_nowhere_without_a_provider(http):
    assert "/auth/sign-in/organisation" not in http.get("/auth/sign-in").text
    assert http.get("/auth/sign-in/organisation", follow_redirects=False).status_code == 404

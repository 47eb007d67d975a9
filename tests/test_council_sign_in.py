"""Council sign-in (OpenID Connect) against a real provider on 127.0.0.1 (the npm package oidc-provider,
run by tests/oidc/provider.mjs) and the real server: matched, unknown and invited people, tampered state,
nonce and signature, password sign-in off, and signing out at the provider too."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import func, select

from config import ConfigError, load_config
from forum.extensions import db
from forum.models import AuditEvent, Invitation, InvitationState, Participant, User
from forum.services.accounts import find_agency, find_user
from forum.services.administration import set_user_active
from forum.services.invitations import invite
from tests.conftest import LiveServer, csrf_token_from
from tests.oidc_support import (  # noqa: F401 - fixtures
    CLIENT_ID,
    METRICS_TOKEN,
    council_fixture,
    council_only_fixture,
)

pytestmark = [pytest.mark.oidc, pytest.mark.security]


@pytest.fixture
def staff(people):
    people.user("chair@example.org", name="Cara Chair")
    people.user("nurse@example.org", agency="Community Health", name="Nina Nurse")
    people.agency("Leeds Housing")
    return people.forum("RF-OIDC", title="Family forum, Armley")


def signed_in_as(http: requests.Session, server: LiveServer) -> str | None:
    page = http.get(f"{server.url}/", timeout=10, allow_redirects=False)
    if page.status_code != 200:
        return None
    start = page.text.index("Signed in as ") + len("Signed in as ")
    return page.text[start : page.text.index("<", start)].strip()


def audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_matched_account_signs_in_with_pkce_state_and_nonce(council, staff):
    provider, server = council
    http = requests.Session()
    login_page = http.get(f"{server.url}/login", timeout=10)
    assert (
        "Sign in with Leeds City Council account" in login_page.text and 'name="password"' in login_page.text
    )
    # Signing out is a form whose redirect goes on to the provider: the CSP lets it, and only it.
    assert f"form-action 'self' {provider.issuer};" in login_page.headers["Content-Security-Policy"]
    response = provider.sign_in(server, "nurse", http)  # the council says Nurse@Example.org, "Nina N."
    assert response.status_code == 200 and response.url == f"{server.url}/"
    assert signed_in_as(http, server) == "Nina Nurse (Community Health)"  # the account's own name
    [authorize, token] = [entry for entry in provider.log() if entry["kind"] in ("authorize", "token")]
    assert authorize["code_challenge_method"] == "S256" and len(authorize["code_challenge"]) >= 43
    assert authorize["state"] and authorize["nonce"] and "email" in authorize["scope"].split()
    assert token["has_code_verifier"] and token["grant_type"] == "authorization_code"
    [event] = audit("auth.sign_in")
    assert event.actor_id == find_user("nurse@example.org").id and event.detail["method"] == "oidc"


def test_an_unknown_email_is_refused_and_gets_no_account(council, staff):
    provider, server = council
    http = requests.Session()
    response = provider.sign_in(server, "stranger", http)
    assert response.status_code == 401 and "There is no account here" in response.text
    assert signed_in_as(http, server) is None
    assert find_user("stranger@example.org") is None
    [failure] = audit("auth.sign_in_failed")
    assert failure.detail == {"ip": "127.0.0.1", "method": "oidc", "reason": "unknown"}
    assert "stranger" not in str(failure.detail) and "stranger" not in server.log()
    metrics = requests.get(
        f"{server.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    ).text
    assert 'forum_sign_in_failures_total{method="oidc"} 1.0' in metrics


def test_an_unverified_email_or_a_deactivated_account_is_refused(council, staff):
    provider, server = council
    http = requests.Session()
    response = provider.sign_in(server, "nurse-unverified", http)
    assert response.status_code == 401 and "did not confirm your email address" in response.text
    assert signed_in_as(http, server) is None

    set_user_active(find_user("nurse@example.org").id, False, find_user("chair@example.org"))
    db.session.commit()  # the live server reads it
    http = requests.Session()  # the council remembers who signed in there: a fresh browser
    response = provider.sign_in(server, "nurse", http)
    assert response.status_code == 401 and "Your account here is deactivated." in response.text
    assert signed_in_as(http, server) is None
    assert [event.detail["reason"] for event in audit("auth.sign_in_failed")] == ["unverified", "inactive"]


def test_an_invited_person_gets_an_account_through_the_invitation_and_lands_in_the_forum(council, staff):
    provider, server = council
    chair = find_user("chair@example.org")
    invitation, _token = invite(
        staff.id, "hana@example.org", "observer", chair, agency_id=find_agency("Leeds Housing").id
    )
    db.session.commit()
    http = requests.Session()
    response = provider.sign_in(server, "hana", http)
    assert response.status_code == 200 and response.url == f"{server.url}/forums/{staff.id}"
    assert signed_in_as(http, server) == "Hana Housing (Leeds Housing)"
    db.session.expire_all()
    hana = find_user("hana@example.org")
    participant = db.session.scalar(select(Participant).where(Participant.user_id == hana.id))
    assert participant.forum_id == staff.id and participant.role.value == "observer"
    assert db.session.get(Invitation, invitation.id).state == InvitationState.ACCEPTED
    # The invitation is used up: signing in again matches the account it made, nothing new.
    again = provider.sign_in(server, "hana-renamed")  # the same address, another name at the council
    assert again.url == f"{server.url}/" and "Signed in as Hana Housing" in again.text
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.email == "hana@example.org")) == 1
    )


def forged_state(callback: str) -> str:
    """The callback URL the provider sent the browser to, with its state edited."""
    parts = urlsplit(callback)
    query = [
        (name, "forged-" + value if name == "state" else value) for name, value in parse_qsl(parts.query)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.mark.parametrize(
    ("account", "edit_callback", "reason"),
    [
        ("nurse", forged_state, "MismatchingStateError"),  # the browser brings back another state
        ("nurse-nonce", None, "InvalidClaimError"),  # an ID token minted for another request
        ("nurse-forged", None, "BadSignatureError"),  # an ID token the provider did not sign
    ],
    ids=["state", "nonce", "signature"],
)
def test_a_tampered_state_nonce_or_signature_is_refused(council, staff, account, edit_callback, reason):
    provider, server = council
    http = requests.Session()
    response = provider.sign_in(server, account, http, edit_callback=edit_callback)
    assert response.status_code == 401, response.text[:300]
    assert "did not complete" in response.text
    assert f"council sign-in refused: {reason}" in server.log()
    assert signed_in_as(http, server) is None
    assert audit("auth.sign_in") == []


def test_a_callback_replayed_or_forged_is_refused(council, staff):
    provider, server = council
    http = requests.Session()
    response = provider.sign_in(server, "nurse", http)
    assert response.url == f"{server.url}/"
    callback = next(
        hop.headers["Location"] for hop in response.history if "/callback" in hop.headers.get("Location", "")
    )
    again = requests.Session().get(callback, timeout=10)  # another browser, with the same code and state
    assert again.status_code == 401
    replay = http.get(callback, timeout=10)  # the same browser: the state was used up
    assert replay.status_code == 401
    assert len(audit("auth.sign_in")) == 1


def test_signing_out_ends_the_session_here_and_at_the_provider(council, staff):
    provider, server = council
    http = requests.Session()
    page = provider.sign_in(server, "nurse", http)
    copied = requests.Session()
    copied.cookies.update(http.cookies)
    asked = http.post(f"{server.url}/logout", data={"csrf_token": csrf_token_from(page.text)}, timeout=10)
    assert (
        asked.url.startswith(f"{provider.issuer}/session/end?")
        and "Sign out of the test council?" in asked.text
    )
    [ended] = [entry for entry in provider.log() if entry["kind"] == "end_session"]
    assert ended["client_id"] == CLIENT_ID and ended["post_logout_redirect_uri"] == f"{server.url}/login"
    assert signed_in_as(http, server) is None and signed_in_as(copied, server) is None  # ended here already
    response = provider.confirm_sign_out(http, asked)
    assert response.url.startswith(f"{server.url}/login") and "You have signed out." in response.text
    # Signed out at the council too: signing in again asks who you are.
    assert provider.asks_who(provider.sign_in(server, None, http))


def test_with_password_sign_in_off_the_password_form_is_refused(council_only, staff, app):
    provider, server = council_only
    http = requests.Session()
    page = http.get(f"{server.url}/login", timeout=10)
    assert 'name="password"' not in page.text and "Sign in with Leeds City Council account" in page.text
    refused = http.post(
        f"{server.url}/login",
        data={
            "email": "nurse@example.org",
            "password": "correct-horse-battery-staple",
            "csrf_token": csrf_token_from(page.text),
        },
        timeout=10,
    )
    assert refused.status_code == 403 and "Sign-in with a password is turned off here." in refused.text
    assert signed_in_as(http, server) is None and audit("auth.sign_in") == []
    # An invitation's set-up page offers the council's sign-in, not a password.
    app.config["SECRET_KEY"] = (server.instance_dir / "secret_key").read_text().strip()  # the server's
    _invitation, token = invite(
        staff.id, "hana@example.org", "contributor", None, agency_id=find_agency("Leeds Housing").id
    )
    db.session.commit()
    set_up = requests.get(f"{server.url}/invitations/{token}", timeout=10)
    assert 'name="password"' not in set_up.text and "Sign in with Leeds City Council account" in set_up.text
    assert provider.sign_in(server, "nurse", http).url == f"{server.url}/"


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"OIDC_ISSUER": "https://login.example.gov.uk"}, "must be set together"),
        ({"OIDC_CLIENT_ID": "x", "OIDC_CLIENT_SECRET": "y"}, "must be set together"),
        ({"PASSWORD_SIGN_IN": "false"}, "nobody can sign in"),
        ({"PASSWORD_SIGN_IN": "maybe"}, "must be true or false"),
        ({"METRICS_ALLOWED_ADDRESSES": "10.0.0.0/8,not-an-address"}, "must list addresses or networks"),
    ],
)
def test_the_server_refuses_to_start_with_half_a_sign_in_setup(monkeypatch, environment, message):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config("testing")


def test_without_oidc_settings_there_is_no_council_sign_in(client):
    assert "Sign in with" not in client.get("/login").text
    assert client.get("/login/council").status_code == 404
    assert client.get("/login/council/callback?code=x&state=y").status_code == 404

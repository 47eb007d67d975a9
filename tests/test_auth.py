"""Sign-in, sign-out and who may open which forum."""

import pytest

from forum.models import AuditEvent
from tests.conftest import PASSWORD, sign_in


@pytest.fixture
def forum(people):
    people.user("chair@example.org")
    people.user("school@example.org", agency="Northfield School")
    people.user("outsider@example.org", agency="Housing")
    people.user("admin@example.org", agency="Council", admin=True)
    return people.forum("RF-1", **{"school@example.org": "contributor"})


def test_sign_in_page_has_labelled_fields(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<label class="govuk-label" for="email">Email address</label>' in page
    assert '<label class="govuk-label" for="password">Password</label>' in page
    assert ">Sign in</button>" in page


def test_sign_in_lists_my_forums_and_sign_out(client, forum):
    response = sign_in(client, "school@example.org")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "RF-1" in page and "Contributor" in page
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302  # back to sign-in


def test_wrong_password_and_unknown_account_get_the_same_message(client, forum):
    wrong = sign_in(client, "school@example.org", "not-the-password-at-all")
    unknown = sign_in(client, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    message = "Enter a correct email address and password."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_sign_in_is_audited(app, client, forum):
    sign_in(client, "school@example.org", "wrong-password-here")
    sign_in(client, "school@example.org")
    actions = [event.action for event in AuditEvent.query.order_by(AuditEvent.id)]
    assert actions[-2:] == ["auth.sign_in_failed", "auth.sign_in"]


def test_my_forums_lists_only_my_forums(client, forum, people):
    people.forum("RF-2", chair="outsider@example.org")
    sign_in(client, "school@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "RF-1" in page and "RF-2" not in page


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("chair@example.org", 200),
        ("school@example.org", 200),
        ("outsider@example.org", 404),
        ("admin@example.org", 404),  # administrators read versions and the audit trail, not the room
    ],
)
def test_forum_page_only_for_participants(client, forum, email, status):
    sign_in(client, email)
    assert client.get(f"/forums/{forum.id}").status_code == status


def test_forum_page_needs_sign_in(client, forum):
    response = client.get(f"/forums/{forum.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_forum_is_404(client, forum):
    sign_in(client, "chair@example.org")
    assert client.get("/forums/999").status_code == 404


def test_next_parameter_cannot_leave_the_site(client, forum):
    response = client.post(
        "/login?next=//evil.example/x", data={"email": "school@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_deactivated_user_is_signed_out(app, client, forum):
    from forum.extensions import db
    from forum.services.accounts import find_user

    sign_in(client, "school@example.org")
    assert client.get("/").status_code == 200
    find_user("school@example.org").active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_every_page_has_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"

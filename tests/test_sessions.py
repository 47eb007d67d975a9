"""Session limits and sign-in throttling."""

from datetime import timedelta

import pytest
import requests

from tests.conftest import PASSWORD, csrf_token_from, sign_in

pytestmark = pytest.mark.security


@pytest.fixture
def member(people):
    people.user("chair@example.org")
    return people.forum("RF-1")


def test_idle_session_is_signed_out(app, client, member):
    sign_in(client, "chair@example.org")
    assert client.get("/").status_code == 200
    app.config["SESSION_IDLE_MINUTES"] = 0
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    app.config["SESSION_IDLE_MINUTES"] = 30
    assert client.get("/").status_code == 302  # really signed out, not just redirected once


def test_absolute_lifetime_ends_session(app, client, member):
    sign_in(client, "chair@example.org")
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=0)
    assert client.get("/").status_code == 302


def test_extend_keeps_session_and_page_carries_idle_time(client, member):
    sign_in(client, "chair@example.org")
    page = client.get("/").get_data(as_text=True)
    assert 'data-session-idle-seconds="1800"' in page and "Stay signed in" in page
    assert client.post("/session/extend").get_json() == {"ok": True, "idle_seconds": 1800}


def test_session_cookie_flags(client, member):
    response = sign_in(client, "chair@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_repeated_failures_lock_the_account_temporarily(live_server, people):
    people.user("school@example.org", agency="School")
    http = requests.Session()
    url = live_server.url + "/login"

    def attempt(password):
        token = csrf_token_from(http.get(url, timeout=10).text)
        data = {"email": "school@example.org", "password": password, "csrf_token": token}
        return http.post(url, data=data, timeout=10, allow_redirects=False)

    statuses = [attempt("wrong-password-number-x").status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = attempt(PASSWORD)
    assert locked.status_code == 429 and "Too many attempts" in locked.text
    # Another account from the same address is not locked out.
    people.user("health@example.org", agency="Health")
    token = csrf_token_from(http.get(url, timeout=10).text)
    other = http.post(
        url,
        data={"email": "health@example.org", "password": PASSWORD, "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )
    assert other.status_code == 302


def test_a_copied_cookie_stops_working_when_its_session_signs_out(app, client, member, people):
    from forum.extensions import db
    from forum.models import EndedSession

    sign_in(client, "chair@example.org")
    other_device = app.test_client()
    sign_in(other_device, "chair@example.org")
    copy = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    copy.set_cookie(cookie.key, cookie.value)
    assert copy.get("/").status_code == 200, "the copy works while its session is live"

    assert client.post("/logout").status_code == 302
    response = copy.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert copy.get("/").status_code == 302
    assert other_device.get("/").status_code == 200, "the user's other session goes on"
    assert db.session.query(EndedSession).count() == 1


def test_a_copied_cookie_stops_working_when_its_session_times_out(app, client, member):
    sign_in(client, "chair@example.org")
    copy = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    copy.set_cookie(cookie.key, cookie.value)
    app.config["SESSION_IDLE_MINUTES"] = 0
    assert client.get("/").status_code == 302  # the idle limit ends the session
    app.config["SESSION_IDLE_MINUTES"] = 30
    assert copy.get("/").status_code == 302, "a copy refreshed elsewhere must not outlive the session"


def test_ended_sessions_older_than_the_session_lifetime_are_forgotten(app, people):
    from datetime import UTC, datetime

    from forum.extensions import db
    from forum.models import EndedSession
    from forum.services.accounts import browser_session_ended, end_browser_session

    user = people.user("old@example.org")
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.add(
        EndedSession(user_id=user.id, session_key="1.0", ended_at=datetime.now(UTC) - 2 * lifetime)
    )
    db.session.commit()
    assert browser_session_ended(user.id, "1.0")
    end_browser_session(user.id, "2.0", lifetime)
    db.session.commit()
    assert not browser_session_ended(user.id, "1.0") and browser_session_ended(user.id, "2.0")
    end_browser_session(user.id, "2.0", lifetime)  # ending it twice is harmless
    db.session.commit()
    assert not browser_session_ended(user.id, None)

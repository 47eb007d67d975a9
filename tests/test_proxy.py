"""Behind one trusted reverse proxy (TRUSTED_PROXIES=1, as the deploy docs set for nginx), the sign-in
limit and the audit trail see the client's address, not the proxy's."""

import pytest
import requests
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEvent
from tests.conftest import LiveServer, csrf_token_from

pytestmark = pytest.mark.security


def failed_sign_in(server: LiveServer, forwarded_for: str, n: int) -> int:
    http = requests.Session()
    token = csrf_token_from(http.get(server.url + "/login", timeout=10).text)
    response = http.post(
        server.url + "/login",
        data={"email": f"nobody{n}@example.org", "password": "wrong password!", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=10,
    )
    return response.status_code


def test_the_sign_in_limit_and_the_audit_trail_see_the_address_the_proxy_forwards(
    app, database_path, tmp_path
):
    instance = tmp_path / "proxied"
    instance.mkdir()
    server = LiveServer(database_path, instance, env={"TRUSTED_PROXIES": "1"}).start()
    try:
        # A client's own X-Forwarded-For is not trusted: nginx appends the real address last.
        first = [failed_sign_in(server, "198.51.100.1, 203.0.113.5", n) for n in range(20)]
        over = failed_sign_in(server, "203.0.113.5", 20)
        other = failed_sign_in(server, "203.0.113.9", 21)
    finally:
        server.stop()
    assert set(first) == {401}
    assert over == 429, "the per-address limit did not apply to the forwarded address"
    assert other == 401, "another client behind the same proxy was limited: the limit is the proxy's"
    db.session.rollback()
    addresses = {
        event.detail.get("ip")
        for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed"))
    }
    assert addresses == {"203.0.113.5", "203.0.113.9"}, addresses

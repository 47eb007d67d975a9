"""The development demo: an administrator, enough agencies for a realistic forum, full addresses."""

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Agency, Forum, User
from forum.services.demo import DEMO_PASSWORD, DEMO_REFERENCE
from tests.conftest import sign_in

pytestmark = pytest.mark.operations


def test_seed_demo_creates_an_administrator_agencies_and_a_forum_and_prints_full_addresses(
    app, runner, client, monkeypatch
):
    app.config["SEED_DEMO"] = True
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104 - only printed
    monkeypatch.setenv("PORT", "8123")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    forum = db.session.scalar(select(Forum).where(Forum.reference == DEMO_REFERENCE))
    assert "Open http://127.0.0.1:8123/login" in result.output
    assert f"http://127.0.0.1:8123/forums/{forum.id}" in result.output
    assert "admin@example.org" in result.output and DEMO_PASSWORD in result.output
    assert db.session.scalar(select(func.count()).select_from(Agency)) >= 6
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    assert admin.is_admin
    agencies = {participant.user.agency.name for participant in forum.participants}
    assert len(agencies) >= 6 and forum.scheduled_at is not None and forum.presenting_agency is not None

    again = runner.invoke(args=["seed-demo"])  # a second `make run` changes nothing
    assert again.exit_code == 0 and again.output == result.output
    assert db.session.scalar(select(func.count()).select_from(Forum)) == 1

    assert sign_in(client, "admin@example.org", DEMO_PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_seed_demo_uses_the_public_address_when_configured(app, runner):
    app.config["SEED_DEMO"] = True
    app.config["SERVER_PUBLIC_URL"] = "https://forum.example.test/"
    result = runner.invoke(args=["seed-demo"])
    assert "Open https://forum.example.test/login" in result.output
    assert "https://forum.example.test/forums/" in result.output


def test_seed_demo_refuses_outside_development(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "development" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0

"""The administrators' CLI: each command's success and each refusal, with nothing changed."""

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Agency, Forum, Participant, User
from forum.services.accounts import find_user
from tests.conftest import PASSWORD


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (Agency, User, Forum, Participant)
    )


def test_agency_create(runner):
    result = runner.invoke(args=["agency", "create", "Leeds Housing"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Agency.name)) == "Leeds Housing"


def test_agency_create_refuses_duplicate(runner, people):
    people.agency("Leeds Housing")
    before = counts()
    result = runner.invoke(args=["agency", "create", "leeds housing"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: Agency 'leeds housing' already exists."]
    assert counts() == before


def test_user_create_reads_password_from_stdin(runner, people):
    people.agency("Health")
    result = runner.invoke(
        args=[
            "user",
            "create",
            "Nurse@Example.org",
            "--name",
            "Jo Nurse",
            "--agency",
            "Health",
            "--admin",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = find_user("nurse@example.org")
    assert user.full_name == "Jo Nurse" and user.is_admin and user.agency.name == "Health"
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["dup@example.org", "--agency", "Health"], PASSWORD, "already exists"),
        (["new@example.org", "--agency", "Nowhere"], PASSWORD, "Unknown agency"),
        (["new@example.org", "--agency", "Health"], "short", "too weak"),
        (["new@example.org", "--agency", "Health"], "aaaaaaaaaaaaaaaa", "too weak"),
        (["not-an-email", "--agency", "Health"], PASSWORD, "not valid"),
    ],
)
def test_user_create_refusals(runner, people, args, password, message):
    people.user("dup@example.org", agency="Health")
    before = counts()
    result = runner.invoke(
        args=["user", "create", args[0], "--name", "Some One", *args[1:], "--password-stdin"],
        input=password + "\n",
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0]
    assert counts() == before


def test_forum_create_prints_path_last(runner, people):
    people.user("chair@example.org")
    result = runner.invoke(
        args=["forum", "create", "RF-2026-01", "--title", "Family A", "--chair", "chair@example.org"]
    )
    assert result.exit_code == 0, result.output
    forum = db.session.scalar(select(Forum))
    assert result.output.strip().splitlines()[-1] == f"/forums/{forum.id}"
    assert [p.role.value for p in forum.participants] == ["chair"]
    assert [p["name"] for p in forum.template["panels"]][0] == "Presenting"


@pytest.mark.parametrize(
    ("reference", "chair", "message"),
    [
        ("RF-1", "chair@example.org", "already exists"),
        ("RF-9", "nobody@example.org", "Unknown user"),
        ("<script>", "chair@example.org", "Reference must be"),
    ],
)
def test_forum_create_refusals(runner, people, reference, chair, message):
    people.user("chair@example.org")
    people.forum("RF-1")
    before = counts()
    result = runner.invoke(args=["forum", "create", reference, "--title", "T", "--chair", chair])
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert counts() == before


def test_forum_add_participant(runner, people):
    people.user("chair@example.org")
    people.user("school@example.org", agency="School")
    forum = people.forum("RF-1")
    result = runner.invoke(
        args=["forum", "add-participant", str(forum.id), "school@example.org", "--role", "observer"]
    )
    assert result.exit_code == 0, result.output
    roles = {p.user.email: p.role.value for p in forum.participants}
    assert roles == {"chair@example.org": "chair", "school@example.org": "observer"}


@pytest.mark.parametrize(
    ("forum_id", "email", "role", "message"),
    [
        ("999", "school@example.org", "contributor", "Unknown forum"),
        (None, "nobody@example.org", "contributor", "Unknown user"),
        (None, "school@example.org", "boss", "Unknown role"),
        (None, "chair@example.org", "observer", "A forum needs a chair"),  # the last chair (as on Manage)
    ],
)
def test_forum_add_participant_refusals(runner, people, forum_id, email, role, message):
    people.user("chair@example.org")
    people.user("school@example.org", agency="School")
    forum = people.forum("RF-1")
    before = counts()
    result = runner.invoke(
        args=["forum", "add-participant", forum_id or str(forum.id), email, "--role", role]
    )
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert counts() == before


def test_a_role_changed_from_the_command_line_reaches_the_room_as_from_the_manage_page(runner, people):
    """One rule for a participant's role (issue 15): `flask forum add-participant` changing a role
    tells the live room, once stored, exactly as the Manage page does (it used not to)."""
    from forum.services.signals import participation_changed

    people.user("chair@example.org")
    people.user("school@example.org", agency="School")
    forum = people.forum("RF-1", **{"school@example.org": "contributor"})
    school = find_user("school@example.org")
    heard = []

    def told(_sender, **fields):
        stored = db.session.scalar(
            select(Participant.role).where(Participant.forum_id == forum.id, Participant.user_id == school.id)
        )
        heard.append((fields, stored.value))

    participation_changed.connect(told)
    try:
        result = runner.invoke(
            args=["forum", "add-participant", str(forum.id), "school@example.org", "--role", "observer"]
        )
    finally:
        participation_changed.disconnect(told)
    assert result.exit_code == 0, result.output
    assert heard == [({"forum_id": forum.id, "user_id": school.id, "role": "observer"}, "observer")]

"""Invitations against the real server: single use, expiry, tampering, withdrawal, email, the CLI."""

import re
import socketserver
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pytest
import requests
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Agency, AuditEvent, Forum, Invitation, InvitationState, Participant, Stage, User
from forum.services.accounts import find_user
from forum.services.invitations import INVITATION, invite
from forum.services.scheduling import LIVE, LOCKED, UNDER_REVIEW, UPCOMING, is_written_input, my_forums
from forum.services.signed_links import sign
from forum.services.stages import start_forum
from tests.conftest import csrf_token_from, sign_in

pytestmark = pytest.mark.admin

NEW_PASSWORD = "my-own-long-passphrase"


@pytest.fixture
def forum(people):
    """Forum RF-1 chaired by chair@example.org, with a contributor; agencies to choose from."""
    people.user("chair@example.org", name="Cara Chair")
    people.user("school@example.org", agency="Northfield Primary School")
    people.agency("Leeds Housing")
    return people.forum("RF-1", **{"school@example.org": "contributor"})


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (User, Participant, Invitation)
    )


def housing_id() -> int:
    return db.session.scalar(select(Agency.id).where(Agency.name == "Leeds Housing"))


def chair_invites(live_server, forum, email: str, role: str = "contributor") -> str:
    """The chair invites someone through the real manage page; the link shown to pass on."""
    chair = live_server.session("chair@example.org")
    page = chair.get(f"{live_server.url}/forums/{forum.id}/manage")
    assert page.status_code == 200
    response = chair.post(
        f"{live_server.url}/forums/{forum.id}/invitations",
        data={**one_person(email, role), "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 200, response.text[:300]
    return re.search(r'id="invitation-link-1" type="text" readonly value="([^"]+)"', response.text)[1]


def one_person(email: str, role: str = "contributor", agency_id: int | None = None) -> dict:
    """The invitation form with one person filled in (the chair chooses Leeds Housing by default)."""
    agency = agency_id if agency_id is not None else housing_id()
    return {"people-0-email": email, "people-0-agency_id": str(agency), "people-0-role": role}


def set_up_account(live_server, link: str, name: str = "Hana Housing", http=None) -> requests.Response:
    """Follow the link as a new person and set up an account through the real form."""
    http = http or requests.Session()
    page = http.get(link)
    if page.status_code != 200:
        return page
    return http.post(
        link,
        data={
            "full_name": name,
            "agency_id": housing_id(),
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
        allow_redirects=False,
    )


def refusal_code(response: requests.Response) -> str:
    return re.search(r'data-refusal="([a-z_]+)"', response.text)[1]


def test_invitation_is_accepted_once_and_only_once(live_server, forum):
    link = chair_invites(live_server, forum, "Hana.Housing@Example.org")
    assert link.startswith(live_server.url + "/invitations/")
    newcomer = requests.Session()
    response = set_up_account(live_server, link, http=newcomer)
    assert response.status_code == 302 and response.headers["Location"] == f"/forums/{forum.id}"
    assert newcomer.get(f"{live_server.url}/forums/{forum.id}").status_code == 200  # signed in, in the forum

    person = find_user("hana.housing@example.org")
    assert person.full_name == "Hana Housing" and person.agency.name == "Leeds Housing"
    participant = db.session.scalar(select(Participant).where(Participant.user_id == person.id))
    assert participant.forum_id == forum.id and participant.role.value == "contributor"
    invitation = db.session.scalar(select(Invitation))
    assert invitation.state == InvitationState.ACCEPTED and invitation.accepted_by == person.id

    before = counts()
    again = set_up_account(live_server, link, name="Someone Else")
    assert again.status_code == 410 and refusal_code(again) == "used"
    assert "already been used" in again.text
    assert newcomer.get(link).status_code == 410  # not even its own user can use it twice
    assert counts() == before


def test_two_people_racing_with_one_link_create_one_account(live_server, forum):
    link = chair_invites(live_server, forum, "race@example.org")
    sessions = [requests.Session() for _ in range(4)]
    pages = [http.get(link) for http in sessions]
    agency_id = housing_id()

    def accept(i: int) -> int:
        data = {
            "full_name": f"Racer {i}",
            "agency_id": agency_id,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token_from(pages[i].text),
        }
        return sessions[i].post(link, data=data, allow_redirects=False).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(accept, range(4)))
    assert statuses.count(302) == 1, statuses
    assert all(status in (400, 410) for status in statuses if status != 302), statuses
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.email == "race@example.org")) == 1
    )


def test_expired_invitation_is_refused_and_changes_nothing(live_server, forum):
    link = chair_invites(live_server, forum, "late@example.org")
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    before = counts()
    response = set_up_account(live_server, link)
    assert response.status_code == 410 and refusal_code(response) == "expired"
    assert "This invitation has expired. Ask the chair to invite you again." in response.text
    assert counts() == before


def test_tampered_links_are_refused(live_server, forum, app):
    link = chair_invites(live_server, forum, "tamper@example.org")
    app.config["SECRET_KEY"] = (live_server.instance_dir / "secret_key").read_text().strip()  # the server's
    invitation = db.session.scalar(select(Invitation))
    base = link.rsplit("/", 1)[0]
    token = link.rsplit("/", 1)[1]
    payload, signature = token.rsplit(".", 1)
    forged = [
        f"{payload}.{signature[:-2]}{'AB' if signature[-2:] != 'AB' else 'CD'}",  # signature changed
        sign(INVITATION, invitation.id, "a-guessed-secret"),  # validly signed, wrong secret
        "not-a-token-at-all",
    ]
    app.config["SECRET_KEY"] = "another-deployment's-key"
    forged.append(sign(INVITATION, invitation.id, "x"))  # signed with someone else's key
    before = counts()
    for token in forged:
        response = set_up_account(live_server, f"{base}/{token}")
        assert response.status_code == 400, token
        assert refusal_code(response) == "tampered"
        assert "This invitation link is not valid." in response.text
    assert counts() == before
    assert set_up_account(live_server, link).status_code == 302  # the real link still works


def test_withdrawn_invitation_is_refused(live_server, forum):
    link = chair_invites(live_server, forum, "withdrawn@example.org", role="observer")
    invitation = db.session.scalar(select(Invitation))
    chair = live_server.session("chair@example.org")
    page = chair.get(f"{live_server.url}/forums/{forum.id}/manage")
    assert 'data-state="pending"' in page.text and "withdrawn@example.org" in page.text
    response = chair.post(
        f"{live_server.url}/forums/{forum.id}/invitations/{invitation.id}/withdraw",
        data={"csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 200 and 'data-state="withdrawn"' in response.text
    before = counts()
    refused = set_up_account(live_server, link)
    assert refused.status_code == 410 and refusal_code(refused) == "withdrawn"
    assert "The chair has withdrawn this invitation." in refused.text
    assert counts() == before


def test_a_person_with_an_account_just_joins(live_server, forum, people):
    people.user("nurse@example.org", agency="Health", name="Nia Nurse")
    link = chair_invites(live_server, forum, "nurse@example.org", role="observer")

    anonymous = requests.Session()
    page = anonymous.get(link)
    assert page.status_code == 200 and "Sign in to join forum RF-1" in page.text
    assert "Set up your account" not in page.text

    other = live_server.session("school@example.org")
    wrong = other.get(link)
    assert wrong.status_code == 403 and refusal_code(wrong) == "other_account"

    nurse = live_server.session("nurse@example.org")
    page = nurse.get(link)
    assert "Join forum RF-1" in page.text
    joined = nurse.post(link, data={"csrf_token": csrf_token_from(page.text)}, allow_redirects=False)
    assert joined.status_code == 302 and joined.headers["Location"] == f"/forums/{forum.id}"
    participant = db.session.scalar(
        select(Participant).where(Participant.user_id == find_user("nurse@example.org").id)
    )
    assert participant.role.value == "observer"
    assert nurse.get(link).status_code == 410


def test_only_the_chair_invites_and_manages(live_server, forum):
    contributor = live_server.session("school@example.org")
    page = contributor.get(f"{live_server.url}/forums/{forum.id}/manage")
    assert page.status_code == 404  # as for a forum that does not exist
    response = contributor.post(
        f"{live_server.url}/forums/{forum.id}/invitations",
        data={**one_person("x@example.org", "chair"), "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 404
    assert counts()[2] == 0


def test_invitation_form_errors_link_to_their_fields(client, forum):
    sign_in(client, "chair@example.org")
    response = client.post(f"/forums/{forum.id}/invitations", data=one_person(""))
    assert response.status_code == 400
    assert '<a href="#people-0-email">Enter an email address</a>' in response.text
    response = client.post(f"/forums/{forum.id}/invitations", data=one_person("school@example.org"))
    assert (
        response.status_code == 400
        and '<a href="#people-0-email">Person 1: school@example.org already takes part in this forum.</a>'
        in response.text
    )
    assert counts()[2] == 0


def test_new_account_form_errors_change_nothing(client, forum):
    _invitation, token = invite(forum.id, "new@example.org", "contributor", None)
    db.session.commit()
    before = counts()
    response = client.post(
        f"/invitations/{token}",
        data={"full_name": "", "agency_id": "0", "password": "short", "confirm": "other"},
    )
    assert response.status_code == 400
    for field_id in ("full_name", "agency_id", "confirm"):
        assert f'<a href="#{field_id}">' in response.text
    weak = client.post(
        f"/invitations/{token}",
        data={"full_name": "New Person", "agency_id": housing_id(), "password": "short", "confirm": "short"},
    )
    assert weak.status_code == 400 and '<a href="#password">Password is too weak' in weak.text
    assert counts() == before
    assert db.session.scalar(select(Invitation.state)) == InvitationState.PENDING


class SmtpSink(socketserver.ThreadingTCPServer):
    """A tiny SMTP server that keeps every message it is sent."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages: list[bytes] = []
        super().__init__(("127.0.0.1", 0), SmtpHandler)


class SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                body = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.messages.append(body)
                self.wfile.write(b"250 kept\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()
    sink.server_close()


def test_invitation_is_emailed_when_smtp_is_configured(client, forum, app, smtp_sink):
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.server_address[1], MAIL_SENDER="rf@example.org"
    )
    sign_in(client, "chair@example.org")
    response = client.post(f"/forums/{forum.id}/invitations", data=one_person("mail@example.org", "observer"))
    assert response.status_code == 200 and "Invitations sent" in response.text
    assert 'id="invitation-link-1"' not in response.text  # the chair is not shown the link
    [raw] = smtp_sink.messages
    message = message_from_bytes(raw)
    assert message["To"] == "mail@example.org" and "RF-1" in message["Subject"]
    link = re.search(r"(http://localhost/invitations/\S+)", message.get_payload(decode=True).decode())[1]
    client.post("/logout")
    page = client.get(link.removeprefix("http://localhost"))
    assert page.status_code == 200 and "Set up your account" in page.text
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "invitation.email")) == 1


def test_without_smtp_or_when_sending_fails_the_chair_is_shown_the_link(client, forum, app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    sign_in(client, "chair@example.org")
    response = client.post(f"/forums/{forum.id}/invitations", data=one_person("mail@example.org", "observer"))
    assert "Some emails could not be sent." in response.text and 'id="invitation-link-1"' in response.text


def test_cli_invite_prints_the_link(runner, forum, app):
    app.config["SERVER_PUBLIC_URL"] = "https://forum.example.gov.uk"
    result = runner.invoke(
        args=[
            "forum",
            "invite",
            str(forum.id),
            "Cli@Example.org",
            "--role",
            "observer",
            "--agency",
            "leeds housing",
        ]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == f"Invited cli@example.org as observer to forum {forum.id}; the link works once:"
    assert lines[-1].startswith("https://forum.example.gov.uk/invitations/")
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role.value, invitation.invited_by) == (
        "cli@example.org",
        "observer",
        None,
    )
    assert round((invitation.expires_at - invitation.created_at).total_seconds()) == 7 * 24 * 3600
    assert invitation.agency.name == "Leeds Housing"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999", "a@example.org", "--role", "observer"], "Error: Unknown forum 999."),
        (
            ["{forum}", "not-an-email", "--role", "observer"],
            "Error: Email address 'not-an-email' is not valid",
        ),
        (["{forum}", "a@example.org", "--role", "king"], "Error: Unknown role 'king'"),
        (
            ["{forum}", "school@example.org", "--role", "observer"],
            "Error: school@example.org already takes part",
        ),
        (
            ["{forum}", "a@example.org", "--role", "observer", "--days", "90"],
            "Error: An invitation lasts between",
        ),
        (
            ["{forum}", "a@example.org", "--role", "observer", "--agency", "Nowhere"],
            "Error: Unknown agency 'Nowhere'.",
        ),
    ],
)
def test_cli_invite_refuses_bad_input_with_one_line_and_changes_nothing(runner, forum, args, message):
    before = counts()
    result = runner.invoke(args=["forum", "invite", *[a.format(forum=forum.id) for a in args]])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith(message), result.output
    assert counts() == before


def test_my_forums_groups_and_search(client, forum, people):
    now = datetime.now(UTC)
    upcoming = people.forum("RF-2026-UP", chair="chair@example.org")
    upcoming.scheduled_at = now + timedelta(days=3)
    locked = people.forum("RF-2025-LOCK", chair="chair@example.org")
    locked.stage = Stage.LOCKED
    db.session.commit()
    from forum.models.version import PlanVersion

    start_forum(forum.id, find_user("chair@example.org"))  # RF-1 is live: its chair started it
    reviewed = people.forum("RF-2025-REV", chair="chair@example.org")
    reviewed.stage = Stage.PLAN
    chair = find_user("chair@example.org")
    db.session.add(
        PlanVersion(forum_id=reviewed.id, number=1, locked_by=chair.id, canonical_json=b"{}", sha256="0" * 64)
    )
    db.session.commit()

    groups = my_forums(chair).groups
    assert [f.reference for f, _ in groups[UPCOMING]] == ["RF-2026-UP"]
    assert [f.reference for f, _ in groups[LOCKED]] == ["RF-2025-LOCK"]
    assert [f.reference for f, _ in groups[UNDER_REVIEW]] == ["RF-2025-REV"]
    assert [f.reference for f, _ in groups[LIVE]] == ["RF-1"]  # started, though never scheduled
    assert [f.reference for f, _ in my_forums(chair, "2025").groups[LOCKED]] == ["RF-2025-LOCK"]
    assert my_forums(chair, "2025").count == 2

    sign_in(client, "chair@example.org")
    page = client.get("/?q=rf-2026").text
    assert 'id="group-upcoming"' in page and "RF-2026-UP" in page and "RF-1<" not in page
    assert "RF-2025-LOCK" not in page
    page = client.get("/").text
    for group in ("upcoming", "live", "under_review", "locked"):
        assert f'id="group-{group}"' in page


def test_written_input_is_decided_by_whether_the_chair_has_started_the_forum(forum):
    assert is_written_input(forum.id)  # not started yet, whatever its schedule
    forum.scheduled_at = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()
    assert is_written_input(forum.id)  # its time has passed, but the chair has not started it
    start_forum(forum.id, find_user("chair@example.org"))
    assert not is_written_input(forum.id)


def test_chair_creates_schedules_and_manages_participants(client, forum, people):
    people.user("police@example.org", agency="Police")
    sign_in(client, "chair@example.org")
    duplicate = client.post("/forums/new", data={"reference": "RF-1", "title": "Again"})
    assert duplicate.status_code == 400
    assert '<a href="#reference">A forum with reference RF-1 already exists.</a>' in duplicate.text
    time_only = client.post("/forums/new", data={"reference": "RF-9", "title": "T", "at": "09:30"})
    assert '<a href="#at">Enter a date as well as a time</a>' in time_only.text

    response = client.post(
        "/forums/new",
        data={
            "reference": "RF-2026-031",
            "title": "Family forum, Armley",
            "day": "2026-07-01",
            "at": "09:30",
            "presenting_agency_id": housing_id(),
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Forum).where(Forum.reference == "RF-2026-031"))
    stored = (
        created.scheduled_at.replace(tzinfo=UTC)
        if created.scheduled_at.tzinfo is None
        else created.scheduled_at
    )
    assert stored == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 09:30 British Summer Time
    assert created.presenting_agency.name == "Leeds Housing"
    manage = client.get(response.headers["Location"]).text
    assert 'value="2026-07-01"' in manage and 'value="09:30"' in manage

    chair_participant = created.participants[0]
    refused = client.post(
        f"/forums/{created.id}/participants/{chair_participant.id}/role",
        data={f"p{chair_participant.id}-role": "observer"},
    )
    assert refused.status_code == 302
    db.session.refresh(chair_participant)
    assert chair_participant.role.value == "chair"  # the last chair stays chair

    from forum.services.forums import add_participant

    police = add_participant(created.id, "police@example.org", "observer")
    db.session.commit()  # set-up is stored, as the edge would store it
    client.post(
        f"/forums/{created.id}/participants/{police.id}/role", data={f"p{police.id}-role": "contributor"}
    )
    db.session.refresh(police)
    assert police.role.value == "contributor"
    assert client.post(f"/forums/{created.id}/participants/{police.id}/remove").status_code == 302
    db.session.expire_all()
    assert [p.user.email for p in db.session.get(Forum, created.id).participants] == ["chair@example.org"]

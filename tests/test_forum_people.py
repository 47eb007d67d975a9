"""Bringing a forum's people in at once: several invitations in one form, statuses, copying and
resending links, and adding people who already have an account."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Agency, AuditEvent, Invitation, InvitationState, Participant, User
from forum.services.accounts import find_user
from forum.services.administration import set_user_active
from tests.conftest import csrf_token_from, sign_in

pytestmark = pytest.mark.admin

PASSPHRASE = "my-own-long-passphrase"


@pytest.fixture
def forum(people):
    """Forum RF-9, chaired by Cara Chair, on Friday 27 March 2026 at 09:30 UK time (GMT, so 09:30 UTC)."""
    people.user("chair@example.org", name="Cara Chair")
    people.user("nurse@example.org", agency="Community Health", name="Nina Nurse")
    people.user("officer@example.org", agency="West Yorkshire Police", name="Olu Officer")
    people.user("gone@example.org", agency="West Yorkshire Police", name="Nico Gone")
    for agency in ("Leeds Housing", "Northfield Primary School", "Youth Justice Service"):
        people.agency(agency)
    forum = people.forum("RF-9", title="Family forum, Armley")
    forum.scheduled_at = datetime(2026, 3, 27, 9, 30, tzinfo=UTC)  # GMT in March before the clocks change
    db.session.commit()
    return forum


def agency_id(name: str) -> int:
    return db.session.scalar(select(Agency.id).where(Agency.name == name))


def rows(*people: tuple[str, str, str]) -> dict:
    """The invitation form's fields for (email, agency name, role) rows; "" agency: not chosen."""
    data = {}
    for index, (email, agency, role) in enumerate(people):
        data[f"people-{index}-email"] = email
        data[f"people-{index}-agency_id"] = str(agency_id(agency) if agency else 0)
        data[f"people-{index}-role"] = role
    return data


def invitations() -> list[Invitation]:
    db.session.expire_all()
    return list(db.session.scalars(select(Invitation).order_by(Invitation.id)))


def links_of(html: str) -> dict[str, str]:
    """email -> link, from the page shown after inviting."""
    found = re.findall(r'data-invitation="([^"]+)".*?readonly value="([^"]+)"', html, re.S)
    return dict(found)


def test_the_chair_invites_three_people_at_once_and_each_joins_once_in_the_chosen_agency(live_server, forum):
    chair = live_server.session("chair@example.org")
    page = chair.get(f"{live_server.url}/forums/{forum.id}/manage")
    data = rows(
        ("hana@example.org", "Leeds Housing", "contributor"),
        ("", "", "contributor"),  # an empty row is left out
        ("Sam.School@Example.org", "Northfield Primary School", "contributor"),
        ("yusuf@example.org", "Youth Justice Service", "observer"),
    )
    response = chair.post(
        f"{live_server.url}/forums/{forum.id}/invitations",
        data={**data, "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 200 and "Invitations ready" in response.text
    links = links_of(response.text)
    assert sorted(links) == ["hana@example.org", "sam.school@example.org", "yusuf@example.org"]
    made = invitations()
    assert [(i.email, i.agency.name, i.role.value, i.state.value) for i in made] == [
        ("hana@example.org", "Leeds Housing", "contributor", "pending"),
        ("sam.school@example.org", "Northfield Primary School", "contributor", "pending"),
        ("yusuf@example.org", "Youth Justice Service", "observer", "pending"),
    ]

    # The manage page lists each one's status, with the same link to copy again.
    page = chair.get(f"{live_server.url}/forums/{forum.id}/manage")
    assert page.text.count('data-state="pending"') == 3
    for link in links.values():
        assert f'data-copy="{link}"' in page.text

    # Hana's page shows the forum; her agency is the chair's choice, not hers to pick.
    newcomer = requests.Session()
    set_up = newcomer.get(links["hana@example.org"])
    assert set_up.status_code == 200 and 'name="agency_id"' not in set_up.text
    for shown in ("Family forum, Armley", "Friday 27 March 2026", "09:30", "Cara Chair", "Leeds Housing"):
        assert shown in set_up.text, shown
    form = {
        "full_name": "Hana Housing",
        "agency_id": str(agency_id("Youth Justice Service")),  # a forged choice is ignored
        "password": PASSPHRASE,
        "confirm": PASSPHRASE,
        "csrf_token": csrf_token_from(set_up.text),
    }
    joined = newcomer.post(links["hana@example.org"], data=form, allow_redirects=False)
    assert joined.status_code == 302 and joined.headers["Location"] == f"/forums/{forum.id}"
    db.session.expire_all()
    assert find_user("hana@example.org").agency.name == "Leeds Housing"

    # Single use still holds, and the other two links are untouched.
    again = requests.get(links["hana@example.org"], timeout=10)
    assert again.status_code == 410 and "already been used" in again.text
    assert [i.state.value for i in invitations()] == ["accepted", "pending", "pending"]
    page = chair.get(f"{live_server.url}/forums/{forum.id}/manage")
    assert page.text.count('data-state="pending"') == 2 and page.text.count('data-state="accepted"') == 1
    assert f'data-copy="{links["hana@example.org"]}"' not in page.text  # used: nothing to copy


@pytest.mark.parametrize(
    ("invitees", "field", "message"),
    [
        (
            [
                ("a@example.org", "Leeds Housing", "contributor"),
                ("A@example.org", "Leeds Housing", "observer"),
            ],
            "people-1-email",
            "Person 2: a@example.org is in the list twice.",
        ),
        (
            [("a@example.org", "Leeds Housing", "contributor"), ("b@example.org", "", "contributor")],
            "people-1-agency_id",
            "Choose the agency person 2 represents",
        ),
        (
            [("a@example.org", "Leeds Housing", "contributor"), ("nurse@example.org", "Leeds Housing", "x")],
            "people-1-role",
            "Not a valid choice.",
        ),
        (
            [("not an address", "Leeds Housing", "contributor")],
            "people-0-email",
            "Person 1: Email address &#39;not an address&#39; is not valid",
        ),
        ([("", "", "contributor")], "people-0-email", "Enter an email address"),
    ],
)
def test_one_bad_row_refuses_the_whole_form_with_its_error_on_the_field(
    client, forum, invitees, field, message
):
    sign_in(client, "chair@example.org")
    response = client.post(f"/forums/{forum.id}/invitations", data=rows(*invitees))
    assert response.status_code == 400
    assert f'<a href="#{field}">{message}' in response.text
    assert f'id="{field}-error"' in response.text
    assert invitations() == []


def test_an_inactive_account_or_a_participant_in_the_list_refuses_all(client, forum):
    sign_in(client, "chair@example.org")
    client.post(f"/forums/{forum.id}/participants", data={"user_id": find_user("nurse@example.org").id})
    set_user_active(find_user("gone@example.org").id, False, find_user("chair@example.org"))
    db.session.commit()
    for taken in ("nurse@example.org", "gone@example.org"):
        response = client.post(
            f"/forums/{forum.id}/invitations",
            data=rows(
                ("new@example.org", "Leeds Housing", "contributor"), (taken, "Leeds Housing", "observer")
            ),
        )
        assert response.status_code == 400 and "Person 2: " in response.text
    assert invitations() == []


def test_resend_gives_a_new_link_that_lasts_again_and_the_old_link_stops(live_server, forum):
    chair = live_server.session("chair@example.org")
    page = chair.get(f"{live_server.url}/forums/{forum.id}/manage")
    token = csrf_token_from(page.text)
    created = chair.post(
        f"{live_server.url}/forums/{forum.id}/invitations",
        data={**rows(("late@example.org", "Leeds Housing", "contributor")), "csrf_token": token},
    )
    old_link = links_of(created.text)["late@example.org"]
    invitation = invitations()[0]
    invitation.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    page = chair.get(f"{live_server.url}/forums/{forum.id}/manage")
    assert 'data-state="expired"' in page.text and f'data-copy="{old_link}"' not in page.text
    assert requests.get(old_link, timeout=10).status_code == 410

    resent = chair.post(
        f"{live_server.url}/forums/{forum.id}/invitations/{invitation.id}/resend", data={"csrf_token": token}
    )
    assert resent.status_code == 200 and "Invitation sent again" in resent.text
    new_link = links_of(resent.text)["late@example.org"]
    assert new_link != old_link
    assert requests.get(new_link, timeout=10).status_code == 200
    assert requests.get(old_link, timeout=10).status_code == 400  # the old secret no longer matches
    db.session.expire_all()
    assert invitations()[0].expires_at.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(days=6)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("invitation.%")))
    assert list(actions) == ["invitation.create", "invitation.resend"]

    # An accepted or withdrawn invitation is not resent.
    chair.post(
        f"{live_server.url}/forums/{forum.id}/invitations/{invitation.id}/withdraw",
        data={"csrf_token": token},
    )
    refused = chair.post(
        f"{live_server.url}/forums/{forum.id}/invitations/{invitation.id}/resend", data={"csrf_token": token}
    )
    assert "Only an invitation nobody has used or withdrawn can be sent again." in refused.text
    assert invitations()[0].state == InvitationState.WITHDRAWN


def test_people_with_an_account_are_found_by_name_or_email_and_added(client, forum):
    sign_in(client, "chair@example.org")
    by_name = client.get(f"/forums/{forum.id}/manage?q=nina")
    assert "Nina Nurse" in by_name.text and "Olu Officer" not in by_name.text
    by_email = client.get(f"/forums/{forum.id}/manage?q=OFFICER@")
    assert "Olu Officer" in by_email.text and "West Yorkshire Police" in by_email.text
    assert "data-search-empty" in client.get(f"/forums/{forum.id}/manage?q=cara").text  # already in it
    wildcard = client.get(f"/forums/{forum.id}/manage?q=%25_")
    assert "data-search-empty" in wildcard.text  # % and _ are letters here, not patterns
    short = client.get(f"/forums/{forum.id}/manage?q=n")
    assert '<a href="#q">Enter at least 2 letters of a name or email address.</a>' in short.text

    nina = find_user("nurse@example.org")
    added = client.post(
        f"/forums/{forum.id}/participants",
        data={"user_id": nina.id, "role": "observer"},
        follow_redirects=True,
    )
    assert "Nina Nurse (Community Health) is added as observer." in added.text
    participant = db.session.scalar(select(Participant).where(Participant.user_id == nina.id))
    assert participant.role.value == "observer"
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "forum.participant_add")) == 1
    assert "data-search-empty" in client.get(f"/forums/{forum.id}/manage?q=nina").text  # now in the forum

    twice = client.post(f"/forums/{forum.id}/participants", data={"user_id": nina.id}, follow_redirects=True)
    assert "Nina Nurse already takes part in this forum." in twice.text
    gone = find_user("gone@example.org")
    set_user_active(gone.id, False, find_user("chair@example.org"))
    db.session.commit()
    assert "Nico Gone" not in client.get(f"/forums/{forum.id}/manage?q=nico").text
    refused = client.post(
        f"/forums/{forum.id}/participants", data={"user_id": gone.id}, follow_redirects=True
    )
    assert "There is no such active account." in refused.text
    assert client.post(f"/forums/{forum.id}/participants", data={"user_id": "x"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/forums/{forum}/manage?q=nina"),
        ("post", "/forums/{forum}/participants"),
        ("post", "/forums/{forum}/invitations"),
        ("post", "/forums/{forum}/invitations/1/resend"),
    ],
)
def test_only_the_chair_searches_adds_invites_and_resends(client, forum, method, path):
    sign_in(client, "officer@example.org")
    data = {"user_id": find_user("nurse@example.org").id, **rows(("x@example.org", "Leeds Housing", "chair"))}
    response = getattr(client, method)(path.format(forum=forum.id), data=data)
    assert response.status_code == 404  # the same answer as for a forum that does not exist
    assert "Nina Nurse" not in response.text
    assert invitations() == [] and db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_the_sign_in_page_of_an_invitation_for_an_existing_account_shows_the_forum(client, forum):
    sign_in(client, "chair@example.org")
    created = client.post(
        f"/forums/{forum.id}/invitations", data=rows(("nurse@example.org", "Community Health", "contributor"))
    )
    link = links_of(created.text)["nurse@example.org"].removeprefix("http://localhost")
    client.post("/logout")
    page = client.get(link)
    assert page.status_code == 200 and "Sign in to join forum RF-9" in page.text
    for shown in ("Family forum, Armley", "Friday 27 March 2026", "09:30", "Cara Chair"):
        assert shown in page.text, shown
    assert db.session.scalar(select(func.count()).select_from(User)) == 4

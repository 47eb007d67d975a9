"""In headless Chromium: a chair invites a new person, who follows the link, sets up an account and lands in the forum."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Invitation, InvitationState, Participant
from forum.services.accounts import find_user
from tests.a11y import assert_no_violations
from tests.browser import browsers_fixture, chromium_fixture, open_room  # noqa: F401 - fixtures

pytestmark = [pytest.mark.admin, pytest.mark.browser]


def test_chair_invites_a_new_person_who_sets_up_an_account_and_lands_in_the_forum(browsers, people):
    people.user("chair@example.org", name="Cara Chair")
    people.agency("Leeds Housing")
    forum = people.forum("RF-2026-007", title="Family forum, Armley")

    chair = browsers.signed_in("chair@example.org")
    chair.get_by_role("link", name="Manage RF-2026-007").click()
    expect(chair.get_by_role("heading", name="Family forum, Armley")).to_be_visible()
    person = chair.get_by_role("group", name="Person 1")
    person.get_by_label("Email address").fill("Hana.Housing@example.org")
    person.get_by_label("Agency they represent").select_option(label="Leeds Housing")
    person.get_by_label("Role in this forum").select_option("contributor")
    chair.get_by_role("button", name="Send invitations").click()
    expect(chair.get_by_role("heading", name="Invitations ready")).to_be_visible()
    link = chair.get_by_label("Invitation link for hana.housing@example.org").input_value()
    assert re.fullmatch(rf"{re.escape(browsers.base_url)}/invitations/[\w.-]+", link), link

    newcomer = browsers.page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Set up your account")).to_be_visible()
    assert_no_violations(newcomer)
    # Sending the form empty shows an error summary whose links lead to the fields.
    newcomer.get_by_role("button", name="Set up account and join").click()
    summary = newcomer.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your full name")
    summary.get_by_role("link", name="Enter your full name").click()
    expect(newcomer.get_by_label("Full name")).to_be_focused()
    expect(newcomer.get_by_label("Your agency")).to_have_count(0)  # the chair chose it: Leeds Housing
    assert_no_violations(newcomer)

    newcomer.get_by_label("Full name").fill("Hana Housing")
    newcomer.get_by_label("Password", exact=True).fill("a-long-and-private-passphrase")
    newcomer.get_by_label("Confirm the password").fill("a-long-and-private-passphrase")
    newcomer.get_by_role("button", name="Set up account and join").click()

    expect(newcomer).to_have_url(f"{browsers.base_url}/forums/{forum.id}")
    expect(newcomer.get_by_role("heading", name="Family forum, Armley")).to_be_visible()
    expect(newcomer.get_by_text("Signed in as Hana Housing (Leeds Housing)")).to_be_visible()
    open_room(newcomer, f"/forums/{forum.id}")  # the live room joins: a real participant now

    db.session.expire_all()
    person = find_user("hana.housing@example.org")
    participant = db.session.scalar(select(Participant).where(Participant.user_id == person.id))
    assert (participant.forum_id, participant.role.value) == (forum.id, "contributor")
    assert db.session.scalar(select(Invitation.state)) == InvitationState.ACCEPTED

    # The chair now sees the invitation accepted and the new participant.
    chair.goto(f"/forums/{forum.id}/manage")
    expect(chair.locator('[data-state="accepted"]')).to_have_count(1)
    expect(chair.get_by_role("cell", name="Hana Housing", exact=True)).to_be_visible()
    assert_no_violations(chair)

    # The link is single-use: following it again shows a clear refusal.
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
    expect(newcomer.get_by_text("This invitation has already been used.")).to_be_visible()

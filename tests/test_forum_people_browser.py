"""In headless Chromium: a chair invites three people at once, copies a link, adds an existing
account, and an invitee sees what the forum is; axe-clean at desktop, laptop and phone sizes."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from forum.extensions import db
from tests.a11y import assert_no_violations, small_targets
from tests.browser import browsers_fixture, chromium_fixture, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.admin, pytest.mark.browser]

VIEWPORTS = {"1280": (1280, 800), "1366": (1366, 768), "390": (390, 844)}
INVITEES = [
    ("hana@example.org", "Leeds Housing", "Contributor"),
    ("sam.school@example.org", "Northfield Primary School", "Contributor"),
    ("yusuf@example.org", "Youth Justice Service", "Observer"),
]


@pytest.fixture
def forum(people):
    people.user("chair@example.org", name="Cara Chair")
    people.user("nurse@example.org", agency="Community Health", name="Nina Nurse")
    for agency in ("Leeds Housing", "Northfield Primary School", "Youth Justice Service"):
        people.agency(agency)
    forum = people.forum("RF-2026-031", title="Family forum, Armley")
    forum.scheduled_at = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    db.session.commit()
    return forum


def shots_dir(tmp_path: Path) -> Path:
    """Where screenshots go: SCREENSHOT_DIR if set (to look at them), else the test's own folder."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_chair_invites_three_people_at_once_copies_a_link_and_adds_an_account(browsers, forum, tmp_path):
    shots = shots_dir(tmp_path)
    chair = browsers.page(viewport={"width": 1280, "height": 800})
    chair.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(chair, "chair@example.org")
    chair.goto(f"/forums/{forum.id}/manage")
    assert_no_violations(chair)

    # One person's row sits on one line at desktop width.
    person_1 = chair.get_by_role("group", name="Person 1")
    boxes = [
        person_1.get_by_label(label).bounding_box() for label in ("Email address", "Agency they represent")
    ]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2 and boxes[1]["x"] > boxes[0]["x"] + boxes[0]["width"]

    # Sending a person without an agency names the field, and nothing is created.
    person_1.get_by_label("Email address").fill("hana@example.org")
    chair.get_by_role("button", name="Send invitations").click()
    summary = chair.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the agency person 1 represents")
    summary.get_by_role("link", name="Choose the agency person 1 represents").click()
    expect(chair.get_by_role("group", name="Person 1").get_by_label("Agency they represent")).to_be_focused()
    assert_no_violations(chair)

    for number, (email, agency, role) in enumerate(INVITEES, start=1):
        row = chair.get_by_role("group", name=f"Person {number}")
        row.get_by_label("Email address").fill(email)
        row.get_by_label("Agency they represent").select_option(label=agency)
        row.get_by_label("Role in this forum").select_option(label=role)
    chair.get_by_role("group", name="Person 3").screenshot(path=shots / "invite-row-1280.png")
    chair.screenshot(path=shots / "invite-form-1280.png", full_page=True)
    chair.get_by_role("button", name="Send invitations").click()

    expect(chair.get_by_role("heading", name="Invitations ready")).to_be_visible()
    links = {
        email: chair.get_by_label(f"Invitation link for {email}").input_value() for email, _a, _r in INVITEES
    }
    assert all(link.startswith(f"{browsers.base_url}/invitations/") for link in links.values())
    chair.get_by_role("button", name="Copy link for sam.school@example.org").click()
    expect(chair.get_by_role("button", name="Copied for sam.school@example.org")).to_be_visible()
    assert chair.evaluate("navigator.clipboard.readText()") == links["sam.school@example.org"]
    expect(chair.locator("[data-copy-status]")).to_have_text("Link copied.")
    chair.get_by_role("button", name="Copy all links").click()
    copied = chair.evaluate("navigator.clipboard.readText()")
    assert all(f"{email}: {link}" in copied for email, link in links.items())
    assert_no_violations(chair)
    chair.screenshot(path=shots / "invitations-ready-1280.png", full_page=True)

    # Back on the forum's page: three pending invitations, each with its link to copy again.
    chair.get_by_role("link", name="Back to forum RF-2026-031").click()
    expect(chair.locator('[data-state="pending"]')).to_have_count(3)
    chair.get_by_role("button", name="Copy link for yusuf@example.org").click()
    assert chair.evaluate("navigator.clipboard.readText()") == links["yusuf@example.org"]

    # Someone who already has an account is found by name and added at once.
    chair.get_by_label("Name or email address").fill("nina")
    chair.get_by_role("button", name="Search", exact=True).click()
    expect(chair.get_by_role("cell", name="Community Health")).to_be_visible()
    chair.get_by_label("Role of Nina Nurse").select_option("observer")
    chair.get_by_role("button", name="Add Nina Nurse").click()
    expect(chair.get_by_text("Nina Nurse (Community Health) is added as observer.")).to_be_visible()
    assert_no_violations(chair)

    for name, (width, height) in VIEWPORTS.items():
        chair.set_viewport_size({"width": width, "height": height})
        chair.goto(f"/forums/{forum.id}/manage")
        assert_no_violations(chair)
        no_sideways_scroll(chair)
        small = [target for target in small_targets(chair) if not target.startswith("a ")]  # links: inline
        assert not small, small
        chair.screenshot(path=shots / f"manage-{name}.png", full_page=True)

    # Hana opens her link on a phone: the forum's title, date, time and chair, and her agency.
    hana = browsers.page(viewport={"width": 390, "height": 844})
    hana.goto(links["hana@example.org"])
    expect(hana.get_by_role("heading", name="Set up your account")).to_be_visible()
    facts = hana.locator("[data-invitation-forum]")
    for shown in ("Family forum, Armley (RF-2026-031)", "Friday 4 December 2026", "10:00", "Cara Chair"):
        expect(facts).to_contain_text(shown)
    expect(facts).to_contain_text("Leeds Housing")
    expect(hana.get_by_label("Your agency")).to_have_count(0)
    assert_no_violations(hana)
    no_sideways_scroll(hana)
    hana.screenshot(path=shots / "invitation-390.png", full_page=True)

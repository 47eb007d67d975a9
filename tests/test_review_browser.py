"""In Chromium: reopen for review -> How did the plan go? -> lock version 2 -> compare the versions, axe-clean."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.services.accounts import find_user
from forum.services.agreement import accept_lead, set_stance
from forum.services.lock import lock_plan
from forum.services.plan import add_goal
from forum.services.progress import record_progress
from forum.services.stages import set_stage
from tests.a11y import assert_no_violations
from tests.browser import browsers_fixture, chromium_fixture, open_room  # noqa: F401
from tests.lock_factories import CHAIR, HEALTH, SCHOOL, forum_with_people, make_lockable, write_text

pytestmark = [pytest.mark.progress, pytest.mark.browser, pytest.mark.a11y]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/progress-shots"))


def test_reopen_review_lock_version_two_and_compare(browsers, people):
    setup = forum_with_people(people)
    make_lockable(setup)
    fid = setup.forum_id
    lock_plan(fid, setup.chair)
    record_progress(fid, setup.teacher, 1, "on_track", "Met J at the gate four days out of five.")
    db.session.commit()  # set-up is stored, as the edge would store it
    SHOTS.mkdir(parents=True, exist_ok=True)

    # The chair reopens the locked plan for review in the room; the room leads to the review.
    chair = open_room(browsers.signed_in(CHAIR), f"/forums/{fid}")
    chair.get_by_role("button", name="Reopen for review").click()
    chair.get_by_role("textbox", name="Reason for reopening").fill("Review meeting in September")
    chair.get_by_role("button", name="Reopen for review").click()
    expect(chair.locator("[data-stage-label]")).to_have_text("Stage 4 of 6: Plan")
    chair.locator("[data-review-link]").get_by_role("link", name="How did the plan go?").click()

    expect(chair.get_by_role("heading", name="How did the plan go?", level=1)).to_be_visible()
    expect(chair.locator("table")).to_contain_text("Met J at the gate four days out of five.")
    assert_no_violations(chair)
    goal = chair.get_by_role("group", name=re.compile("^Goal 1: J gets to school on time"))
    goal.get_by_role("radio", name="Partly").check()
    goal.get_by_role("textbox", name="Note on goal 1 (optional)").fill("On time most days; Mondays are hard.")
    chair.get_by_role("button", name="Save the review of the goals").click()
    expect(chair.locator(".govuk-notification-banner--success")).to_contain_text(
        "The review of the goals is saved"
    )
    expect(goal.get_by_role("radio", name="Partly")).to_be_checked()
    chair.screenshot(path=str(SHOTS / "review-1280.png"), full_page=True)
    assert_no_violations(chair)

    # The group changes the plan and agrees again (through the services, as other tests do in the room).
    nurse = find_user(HEALTH)
    new_goal = add_goal(fid, nurse)
    write_text(fid, nurse.id, new_goal.root_name, "J plays for the school team.")
    set_stage(fid, setup.chair, "agree", confirm=True)  # freezes the new draft as the proposal
    accept_lead(fid, nurse)
    for email in (CHAIR, HEALTH, SCHOOL):
        set_stance(fid, find_user(email), "agree", None)
    db.session.commit()

    # The chair locks version 2 in the room and follows it to the comparison.
    open_room(chair, f"/forums/{fid}")
    chair.get_by_role("button", name="Lock the plan").click()
    expect(chair.locator("[data-locked-version]")).to_contain_text("Version 2 locked")
    chair.get_by_role("link", name=re.compile("See version 2")).click()
    expect(chair.get_by_role("heading", name="Agreed plan, version 2")).to_be_visible()
    assert_no_violations(chair)
    chair.get_by_role("link", name="What changed since version 1").click()
    expect(chair.get_by_role("heading", name="What changed from version 1 to version 2")).to_be_visible()
    goals = chair.get_by_role("table", name="Goals")
    expect(goals).to_contain_text("J plays for the school team.")
    expect(goals).to_contain_text("Added")
    for width, height in ((1280, 800), (1366, 768), (390, 844)):
        chair.set_viewport_size({"width": width, "height": height})
        chair.screenshot(path=str(SHOTS / f"compare-{width}.png"), full_page=True)
        assert chair.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), width
        assert_no_violations(chair)
    assert browsers.console_errors == []

"""The agreed record in headless Chromium: agreement on a frozen proposal through a whole cycle, the
chair starting the forum, attribution, removal that is seen and undone, and listening as activity."""

import os
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from forum.extensions import db
from forum.models.version import PlanVersion
from forum.services.agreement import nominate_lead
from forum.services.audit import record
from forum.services.entries import add_entry
from forum.services.plan import add_action, add_goal, set_action, set_review_date
from tests.a11y import assert_no_violations
from tests.browser import Browsers, browsers_fixture, chromium_fixture, entry_box, open_room  # noqa: F401
from tests.conftest import LiveServer
from tests.lock_factories import CHAIR, HEALTH, OBSERVER, SCHOOL, forum_with_people, write_text

pytestmark = [pytest.mark.record, pytest.mark.browser]

# Screenshots to look at (not kept in the repository): $SCREENSHOT_DIR, else the temp directory.
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.gettempdir()) / "forum-screenshots"
VIEWPORTS = [(1280, 800), (1366, 768), (390, 844)]


def stage_is(page: Page, label: str) -> None:
    """The room is at this stage; someone who was typing follows the "go there" bar to its work."""
    expect(page.locator("[data-stage-label]")).to_have_text(label)
    go_there = page.locator("[data-follow-go]")
    if go_there.is_visible():
        go_there.click()


def move(chair: Page, stage: str) -> None:
    """Next stage, confirmed in the page."""
    chair.get_by_role("button", name=re.compile(r"^Next stage")).click()
    chair.get_by_role("button", name=f"Yes, move to {stage}").click()


def shoot(page: Page, name: str) -> None:
    """Screenshots of the page as it is now at the three widths, and no horizontal scrolling."""
    size = page.viewport_size
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=False)
    page.set_viewport_size(size)


def plan_ready(setup) -> int:
    """Everything a lock needs but the stances: a goal, a complete action, review date, lead nominated."""
    fid = setup.forum_id
    goal = add_goal(fid, setup.nurse)
    write_text(fid, setup.nurse.id, goal.root_name, "J gets to school on time.")
    action = add_action(fid, setup.teacher, goal=goal.id)
    write_text(fid, setup.teacher.id, action.what_root, "Meet J at the gate.")
    write_text(fid, setup.teacher.id, action.measure_root, "J is in by 8:45 four days a week.")
    set_action(
        fid, setup.chair, action.id, {"owner": setup.teacher.id, "due": date.today() + timedelta(days=14)}
    )
    set_review_date(fid, setup.chair, date.today() + timedelta(days=90))
    write_text(fid, setup.chair.id, "hypothesis", "Late nights keep J from school.")
    nominate_lead(fid, setup.chair, setup.nurse.id)
    db.session.commit()  # stored (services only flush) before the live server reads it
    return action.id


def record_agree(page: Page) -> None:
    go_there = page.locator("[data-follow-go]")  # who was typing when the room moved follows it now
    if go_there.is_visible():
        go_there.click()
    page.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Record stance").click()


def test_agree_go_back_change_an_action_come_forward_and_lock_the_proposal(browsers, people):
    setup = forum_with_people(people)
    plan_ready(setup)
    path = f"/forums/{setup.forum_id}"
    chair = open_room(browsers.signed_in(CHAIR), path)
    nurse = open_room(browsers.signed_in(HEALTH), path)
    teacher = open_room(browsers.signed_in(SCHOOL), path)
    for number, stage in ((2, "Hypothesis"), (3, "Prioritise"), (4, "Plan")):
        move(chair, stage)
        stage_is(chair, f"Stage {number} of 6: {stage}")
    stage_is(teacher, "Stage 4 of 6: Plan")

    # Agree freezes the draft: the proposal's hash and contents; everyone agrees to it.
    move(chair, "Agree")
    stage_is(teacher, "Stage 5 of 6: Agree")
    first = nurse.locator("[data-proposal-hash]").get_attribute("data-proposal-hash")
    expect(teacher.locator("[data-proposal]")).to_contain_text(f"Agencies agree to proposal {first[:12]}")
    expect(teacher.locator("[data-proposal]")).to_contain_text("1 action")
    expect(entry_box(teacher, 1, "Plan")).not_to_be_editable()
    nurse.get_by_role("button", name="Accept being lead worker").click()
    for page in (chair, nurse, teacher):
        record_agree(page)
    expect(chair.locator("[data-lock-blockers]")).to_have_text(
        "Everything needed to lock the plan is in place."
    )

    # Back to Plan: a contributor changes the action; forward again makes a new proposal.
    chair.get_by_role("button", name="Previous stage: back to Plan").click()
    stage_is(teacher, "Stage 4 of 6: Plan")
    what = teacher.get_by_role("textbox", name="What will be done")
    expect(what).to_be_editable()
    what.focus()
    teacher.keyboard.press("Control+End")
    teacher.keyboard.type(" On Fridays too.")
    expect(teacher.locator("[data-status]")).to_have_text("Saved")
    expect(chair.get_by_role("textbox", name="What will be done")).to_have_value(
        "Meet J at the gate. On Fridays too."
    )
    move(chair, "Agree")
    stage_is(nurse, "Stage 5 of 6: Agree")
    second = nurse.locator("[data-proposal-hash]").get_attribute("data-proposal-hash")
    assert second != first
    for agency in ("Children's Social Care", "Health", "School"):
        row = nurse.locator(f'[data-stance-agency="{agency}"]')
        expect(row).to_contain_text("Agree")
        expect(row).to_contain_text("Given to an earlier draft: not counted")
    expect(nurse.locator("[data-lead-status]")).to_contain_text("accepted an earlier draft")
    expect(chair.locator("[data-lock-blockers]")).to_contain_text("Given to an earlier draft, so not counted")
    assert_no_violations(nurse)
    shoot(nurse, "agree-earlier-draft")

    # Recorded again on this proposal, the lock stores exactly it.
    nurse.get_by_role("button", name="Accept being lead worker").click()
    for page in (chair, nurse, teacher):
        record_agree(page)
    expect(nurse.locator('[data-stance-current="false"]')).to_have_count(0)
    expect(chair.locator("[data-lock-blockers]")).to_have_text(
        "Everything needed to lock the plan is in place."
    )
    chair.get_by_role("button", name="Lock the plan").click()
    stage_is(teacher, "Stage 6 of 6: Locked")
    expect(teacher.locator("[data-locked-version]")).to_contain_text(second)
    db.session.rollback()
    version = db.session.query(PlanVersion).filter_by(forum_id=setup.forum_id).one()
    assert version.proposal_sha256 == second
    chair.get_by_role("link", name=re.compile("See version 1")).click()
    expect(chair.locator("[data-version-proposal]")).to_have_text(second)
    expect(chair.get_by_text("added by Tom Teacher, School", exact=False).first).to_be_visible()


def test_start_attribution_and_removal_seen_and_undone(browsers, people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    path = f"/forums/{fid}"
    chair = open_room(browsers.signed_in(CHAIR), path)
    nurse = open_room(browsers.signed_in(HEALTH), path)
    teacher = open_room(browsers.signed_in(SCHOOL), path)
    started = teacher.locator("[data-forum-started]")
    expect(started).to_have_text(re.compile("has not started"))
    expect(teacher.get_by_role("button", name="Start the forum")).to_have_count(0)  # chair only
    expect(entry_box(teacher, 1, "Perpetuating").locator("xpath=..")).to_contain_text("written input")
    assert_no_violations(chair)
    shoot(chair, "not-started")
    chair.get_by_role("button", name="Start the forum").click()
    expect(started).to_have_text(re.compile("The forum started at"))
    expect(chair.get_by_role("button", name="Start the forum")).to_be_hidden()

    # The teacher writes an entry, the nurse edits it: both are named, and the nurse is shown typing.
    teacher.get_by_role("region", name="Protective", exact=True).get_by_role(
        "button", name=re.compile("^Add")
    ).click()
    box = teacher.locator("textarea.forum-entry__text:focus")
    box.type("Loves football on Saturdays.")
    expect(teacher.locator("[data-status]")).to_have_text("Saved")
    theirs = entry_box(nurse, 1, "Protective")
    expect(theirs).to_have_value("Loves football on Saturdays.")
    expect(teacher.locator(".forum-entry", has=entry_box(teacher, 1, "Protective"))).not_to_contain_text(
        "written input"
    )
    theirs.focus()
    nurse.keyboard.press("Control+End")
    nurse.keyboard.type(" (and Sundays)")
    entry = teacher.locator(".forum-entry", has=entry_box(teacher, 1, "Protective"))
    expect(entry).to_contain_text("Nia Nurse is typing")
    expect(entry).to_contain_text("added by Tom Teacher (School) · edited by Nia Nurse (Health)")
    expect(entry).not_to_contain_text("is typing", timeout=8000)  # only while updates arrive

    # The nurse removes the teacher's entry: asked first; the teacher is told and restores it.
    nurse.locator(".forum-entry", has=theirs).locator("[data-entry-menu]").click()
    nurse.locator(".forum-entry", has=theirs).get_by_role("button", name=re.compile("^Remove")).click()
    expect(nurse.get_by_text("Remove Tom Teacher’s entry (School)?")).to_be_focused()
    shoot(nurse, "remove-confirm")
    nurse.get_by_role("button", name="Yes, remove it").click()
    notice = teacher.locator("[data-removal-notice]")
    expect(notice).to_contain_text(
        "Nia Nurse (Health) removed your entry “Loves football on Saturdays. (and Sundays)”"
    )
    removed = chair.locator("[data-removed-entry]")
    expect(removed).to_contain_text("Added by Tom Teacher (School). Removed by Nia Nurse (Health) on")
    expect(removed.get_by_role("button", name=re.compile("^Restore"))).to_be_visible()  # the chair may
    assert_no_violations(teacher)
    teacher.locator("[data-removal-notice]").scroll_into_view_if_needed()
    shoot(teacher, "removal-notice")
    notice.get_by_role("button", name="Restore it").click()
    expect(entry_box(chair, 1, "Protective")).to_have_value("Loves football on Saturdays. (and Sundays)")
    expect(notice).to_have_count(0)
    expect(chair.locator("[data-removed-entry]")).to_have_count(0)
    assert_no_violations(chair)


@pytest.fixture
def idle_server(app, database_path, tmp_path):
    """The real server with a one-minute idle timeout."""
    instance = tmp_path / "idle-instance"
    instance.mkdir()
    server = LiveServer(database_path, instance, env={"SESSION_IDLE_MINUTES": "1"}).start()
    yield server
    server.stop()


def test_an_observer_who_only_watches_stays_signed_in_and_a_hidden_page_idles_out(
    chromium, idle_server, people
):
    setup = forum_with_people(people)
    browsers = Browsers(chromium, idle_server.url)
    try:
        observer = open_room(browsers.signed_in(OBSERVER), f"/forums/{setup.forum_id}")
        add_entry(setup.forum_id, setup.nurse, "protective")
        db.session.commit()
        observer.wait_for_timeout(80_000)  # longer than SESSION_IDLE_MINUTES, without a key or a click
        expect(observer).to_have_url(re.compile(f"/forums/{setup.forum_id}$"))
        expect(observer.locator("[data-status]")).to_have_text("Saved")
        observer.reload()
        expect(entry_box(observer, 1, "Protective")).to_be_visible()  # still signed in, still in the room

        hidden = browsers.signed_in(OBSERVER)
        open_room(hidden, f"/forums/{setup.forum_id}")
        hidden.evaluate(
            "Object.defineProperty(document, 'visibilityState', {get: () => 'hidden'});"
            "document.dispatchEvent(new Event('visibilitychange'))"
        )
        hidden.wait_for_url(re.compile("/login"), timeout=80_000)
        hidden.goto(f"/forums/{setup.forum_id}")
        expect(hidden).to_have_url(re.compile("/login"))
    finally:
        browsers.close()
    assert not [e for e in browsers.console_errors if "pageerror" in e], browsers.console_errors


def test_the_audit_page_fits_a_1280_window_and_passes_axe(browsers, people):
    people.user("admin@example.org", admin=True)
    setup = forum_with_people(people)
    long_detail = {"entries": list(range(10_000, 10_060)), "note": "x" * 300}
    record("priorities.confirm", actor_id=setup.chair.id, forum_id=setup.forum_id, **long_detail)
    db.session.commit()
    page = browsers.signed_in("admin@example.org")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/admin/audit")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    box = page.locator("table.forum-audit").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    assert_no_violations(page)
    shoot(page, "audit")


def test_priorities_start_in_vote_order_and_follow_the_votes_until_the_chair_moves_one(browsers, people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    third = add_entry(fid, setup.teacher, "perpetuating")
    write_text(fid, setup.teacher.id, third.root_name, "No bedtime routine.")
    path = f"/forums/{fid}"
    chair = open_room(browsers.signed_in(CHAIR), path)
    nurse = open_room(browsers.signed_in(HEALTH), path)
    teacher = open_room(browsers.signed_in(SCHOOL), path)
    for number, stage in ((2, "Hypothesis"), (3, "Prioritise")):
        move(chair, stage)
        stage_is(chair, f"Stage {number} of 6: {stage}")
    labels = chair.locator(".forum-priority label")
    late, missed, routine = (
        "Late nights make mornings hard.",
        "Missed lessons mean J avoids school.",
        "No bedtime routine.",
    )
    expect(labels).to_have_text([f"{late} (0 votes)", f"{missed} (0 votes)", f"{routine} (0 votes)"])

    # The chair is already looking at the list when the votes arrive: it follows them.
    stage_is(nurse, "Stage 3 of 6: Prioritise")
    nurse.get_by_role("button", name=f"Vote for: {routine}", exact=True).click()
    nurse.get_by_role("button", name=f"Vote for: {missed}", exact=True).click()
    teacher.get_by_role("button", name=f"Vote for: {missed}", exact=True).click()
    expect(labels).to_have_text([f"{missed} (2 votes)", f"{routine} (1 vote)", f"{late} (0 votes)"])
    assert_no_violations(chair)

    # Once the chair moves one, their order stays; Order by votes puts ties in panel order.
    chair.get_by_role("button", name=f"Move down: {missed}").click()
    expect(labels).to_have_text([f"{routine} (1 vote)", f"{missed} (2 votes)", f"{late} (0 votes)"])
    teacher.get_by_role("button", name=f"Vote for: {late}", exact=True).click()
    expect(labels).to_have_text([f"{routine} (1 vote)", f"{missed} (2 votes)", f"{late} (1 vote)"])
    chair.get_by_role("button", name="Order by votes").click()
    expect(labels).to_have_text([f"{missed} (2 votes)", f"{late} (1 vote)", f"{routine} (1 vote)"])

"""The facilitated forum in headless Chromium: a chair and a contributor run a short forum to the lock."""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser import browsers_fixture, chromium_fixture, entry_box, open_room  # noqa: F401
from tests.lock_factories import HEALTH, forum_with_people, make_lockable

pytestmark = [pytest.mark.lock, pytest.mark.browser]

CHAIR = "chair@example.org"
NURSE = "jo.nurse@example.org"
AXE_TAGS = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']"


@pytest.fixture
def forum(people):
    """A forum chaired by children's social care with a Health contributor."""
    people.user(CHAIR, agency="Children's Social Care", name="Ada Chair")
    people.user(NURSE, agency="Health", name="Jo Nurse")
    return people.forum("RF-1", chair=CHAIR, **{NURSE: "contributor"})


def add_entry(page: Page, panel: str, text: str) -> None:
    """Add an entry to a 6Ps panel and type its text."""
    page.get_by_role("region", name=panel, exact=True).get_by_role("button", name=re.compile(r"^Add")).click()
    box = page.locator("textarea.forum-entry__text:focus")
    expect(box).to_have_count(1)
    box.type(text)


def stage_is(page: Page, label: str) -> None:
    """The room is at this stage; someone who was typing follows the "go there" bar to its work."""
    expect(page.locator("[data-stage-label]")).to_have_text(label)
    go_there = page.locator("[data-follow-go]")
    if go_there.is_visible():
        go_there.click()


def next_stage(chair: Page, follower: Page, stage: str, number: int) -> None:
    """Next stage asks in the page first; confirming moves everyone."""
    chair.get_by_role("button", name=re.compile(r"^Next stage")).click()
    label = f"Stage {number} of 6: {stage}"
    expect(chair.get_by_role("heading", name=f"Move everyone to {label}?")).to_be_focused()
    chair.get_by_role("button", name=f"Yes, move to {stage}").click()
    stage_is(chair, label)
    stage_is(follower, label)


def no_axe_violations(page: Page) -> None:
    """axe-core on the room's content (WCAG 2.0-2.2 A and AA)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(url="/static/build/axe.min.js")
    result = page.evaluate(
        f"() => axe.run({{include: [['main']]}}, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})"
    )
    assert result["violations"] == [], [
        (v["id"], [(n["target"], n["failureSummary"]) for n in v["nodes"]]) for v in result["violations"]
    ]


def fits_a_phone(page: Page) -> None:
    """At 320 px wide the room needs no horizontal scrolling."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size(size)


def test_chair_and_contributor_run_a_forum_to_the_lock(browsers, forum):
    chair = open_room(browsers.signed_in(CHAIR), forum.path)
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    stage_is(nurse, "Stage 1 of 6: Gather")
    expect(nurse.get_by_role("button", name=re.compile(r"^Next stage"))).to_have_count(0)  # chair only

    # Gather: a perpetuating factor and a starting idea for the plan.
    add_entry(nurse, "Perpetuating", "Rent arrears worry the family.")
    add_entry(chair, "Plan", "Weekly school check-in")
    expect(entry_box(chair, 1, "Perpetuating")).to_have_value("Rent arrears worry the family.")
    expect(nurse.locator("[data-status]")).to_have_text("Saved")

    # Hypothesis: one co-edited text; Previous stage goes back without asking.
    next_stage(chair, nurse, "Hypothesis", 2)
    hypothesis = nurse.get_by_role("textbox", name="The hypothesis")
    hypothesis.type("Money worries keep the family from school routines.")
    expect(chair.get_by_role("textbox", name="The hypothesis")).to_have_value(
        "Money worries keep the family from school routines."
    )
    chair.get_by_role("button", name="Previous stage: back to Gather").click()
    stage_is(nurse, "Stage 1 of 6: Gather")
    next_stage(chair, nurse, "Hypothesis", 2)

    # Prioritise: both vote, the tally is live, the chair confirms the priority.
    next_stage(chair, nurse, "Prioritise", 3)
    nurse.get_by_role("button", name="Vote for: Rent arrears worry the family.", exact=True).click()
    expect(nurse.locator("[data-votes-left]")).to_have_text("You have 2 of 3 votes left.")
    chair.get_by_role("button", name="Vote for: Rent arrears worry the family.", exact=True).click()
    expect(nurse.locator("[data-tally]")).to_have_text("2 votes")
    chair.get_by_role("checkbox", name="Rent arrears worry the family. (2 votes)").check()
    chair.get_by_role("button", name="Confirm priorities").click()
    expect(nurse.locator("[data-confirmed-priorities] li")).to_have_text(["Rent arrears worry the family."])

    # Plan: a goal from the Plan panel's idea, an action with owner and date, review date.
    next_stage(chair, nurse, "Plan", 4)
    chair.get_by_role("button", name="Use as goal: Weekly school check-in").click()
    goal = nurse.get_by_role("textbox", name="Goal 1")
    expect(goal).to_have_value("Weekly school check-in")
    chair.get_by_role("button", name="Add an action").click()
    what = chair.get_by_role("textbox", name="What will be done")
    expect(what).to_be_focused()
    what.type("Nurse visits to plan a budget.")
    chair.get_by_label("Who will do it").select_option(label="Jo Nurse (Health)")
    chair.get_by_label("By when").fill("2026-07-03")
    chair.get_by_role("textbox", name="How we will know").type("A budget is in place.")
    chair.get_by_label("Priority it addresses").select_option(
        label="Priority 1: Rent arrears worry the family."
    )
    chair.get_by_label("Review date").fill("2026-09-15")
    nurse.get_by_role("textbox", name="How the family will be told").type("Jo tells mum at the next visit.")
    expect(nurse.get_by_label("Who will do it")).to_have_value(re.compile(r"^\d+$"))
    expect(nurse.get_by_label("By when")).to_have_value("2026-07-03")
    expect(nurse.locator("[data-review-date]")).to_have_text("Review on 15 September 2026.")
    expect(chair.get_by_role("textbox", name="How we will know")).to_have_value("A budget is in place.")
    expect(nurse.get_by_role("textbox", name="What will be done")).to_have_value(
        "Nurse visits to plan a budget."
    )

    # The nurse loses the connection and keeps typing; meanwhile the chair moves to Agree, which
    # freezes the draft: back online, the nurse's edit is refused, reported, and its text kept.
    nurse.evaluate("window.forumRoom.disconnect()")
    expect(nurse.locator("[data-status]")).to_have_text("Reconnecting…")
    nurse.locator("[data-stage-tab='gather']").click()  # the 6Ps are Gather's work: one tab away
    offline = entry_box(nurse, 1, "Perpetuating")
    offline.focus()
    nurse.keyboard.press("Control+End")
    nurse.keyboard.type(" Typed offline.")
    chair.get_by_role("button", name=re.compile(r"^Next stage")).click()
    chair.get_by_role("button", name="Yes, move to Agree").click()
    stage_is(chair, "Stage 5 of 6: Agree")
    nurse.evaluate("window.forumRoom.connect()")
    stage_is(nurse, "Stage 5 of 6: Agree")
    problem = nurse.locator(".forum-problem", has_text="Your change was not saved")
    expect(problem).to_contain_text("frozen")
    expect(problem.locator("[data-refused-text]")).to_have_value(
        "Rent arrears worry the family. Typed offline."
    )
    expect(offline).not_to_be_editable()
    expect(entry_box(chair, 1, "Perpetuating")).to_have_value("Rent arrears worry the family.")
    problem.get_by_role("button", name=re.compile("^Dismiss")).click()

    # Agree: the chair nominates the nurse; a lock now is refused with every reason listed.
    chair.get_by_label("Nominate the lead worker").select_option(label="Jo Nurse (Health)")
    chair.get_by_role("button", name="Nominate", exact=True).click()
    expect(nurse.locator("[data-lead-status]")).to_have_text(
        "Jo Nurse (Health) is nominated and has not accepted yet."
    )
    chair.get_by_role("button", name="Lock the plan").click()
    refusal = chair.locator("[data-lock-refusal] .govuk-error-summary")
    expect(refusal).to_be_focused()
    expect(refusal).to_contain_text("The lead worker has not accepted this proposal yet.")
    expect(refusal).to_contain_text("No stance yet from: Children's Social Care, Health.")

    nurse.get_by_role("button", name="Accept being lead worker").click()
    expect(chair.locator("[data-lead-status]")).to_contain_text(
        "Jo Nurse (Health), accepted this proposal on"
    )

    # Stances: a concern needs a reason (a GOV.UK error summary says so first).
    nurse.get_by_label("Agree with concerns").check()
    nurse.get_by_role("button", name="Record stance").click()
    expect(nurse.get_by_role("link", name=re.compile("Give a reason"))).to_be_visible()
    nurse.get_by_role("textbox", name="Reason").fill("Housing is not in the room.")
    nurse.get_by_role("button", name="Record stance").click()
    chair.get_by_label("Agree", exact=True).check()
    chair.get_by_role("button", name="Record stance").click()
    for page in (chair, nurse):
        expect(page.locator('[data-stance-agency="Health"]')).to_contain_text("Agree with concerns")
        expect(page.locator('[data-stance-agency="Health"]')).to_contain_text("Housing is not in the room.")
        expect(page.locator('[data-stance-agency="Children\'s Social Care"]')).to_contain_text("Agree")
    chair.locator('[data-principle="strength_focused"]').get_by_label("Yes").check()
    chair.get_by_role("button", name="Record answer: Is the plan strength-focused?").click()
    expect(nurse.locator("[data-principles]")).to_contain_text("Yes")
    expect(chair.locator("[data-lock-blockers]")).to_have_text(
        "Everything needed to lock the plan is in place."
    )
    no_axe_violations(chair)
    fits_a_phone(chair)

    chair.get_by_role("button", name="Lock the plan").click()

    stage_is(chair, "Stage 6 of 6: Locked")
    locked = chair.locator("[data-locked-version]")
    expect(locked).to_contain_text("Version 1 locked")
    expect(locked).to_contain_text("Jo Nurse (Health)")
    expect(locked).to_contain_text(re.compile(r"SHA-256\s*[0-9a-f]{64}"))
    expect(locked.get_by_role("link", name=re.compile("See version 1"))).to_have_attribute(
        "href", f"/forums/{forum.id}/versions/1"
    )
    expect(entry_box(chair, 1, "Perpetuating")).not_to_be_editable()
    expect(chair.get_by_role("button", name=re.compile(r"^Add entry"))).to_have_count(0)
    no_axe_violations(chair)
    fits_a_phone(chair)

    stage_is(nurse, "Stage 6 of 6: Locked")
    expect(nurse.locator("[data-locked-version]")).to_contain_text("Version 1 locked")
    expect(offline).not_to_be_editable()
    expect(chair.get_by_role("region", name="Perpetuating", exact=True).get_by_role("textbox")).to_have_value(
        "Rent arrears worry the family."
    )

    # The version page (downloads live there) shows the lead worker.
    chair.get_by_role("link", name=re.compile("See version 1")).click()
    expect(chair.get_by_role("heading", name="Agreed plan, version 1")).to_be_visible()
    expect(chair.locator(".govuk-summary-list")).to_contain_text("Jo Nurse (Health)")


def test_objection_override_reopen_timer_and_chair_handover(browsers, people):
    """An objection needs the chair's override reason; reopening for review; the timer; a new chair."""
    setup = forum_with_people(people)
    make_lockable(setup)  # ends in Agree
    path = f"/forums/{setup.forum_id}"
    chair = open_room(browsers.signed_in(CHAIR), path)
    nurse = open_room(browsers.signed_in(HEALTH), path)
    stage_is(nurse, "Stage 5 of 6: Agree")

    # The stage timer is kept by the server and shown to everyone.
    chair.get_by_role("button", name="Start timer").click()
    expect(nurse.locator("[data-timer-state]")).to_have_text("(running)")
    expect(nurse.locator("[data-timer]")).not_to_have_text("0:00", timeout=4000)
    chair.get_by_role("button", name="Pause timer").click()
    expect(nurse.locator("[data-timer-state]")).to_have_text("(paused)")

    # Health objects, by keyboard alone.
    nurse.get_by_role("radio", name="Object").focus()
    nurse.keyboard.press("Space")
    reason = nurse.get_by_role("textbox", name="Reason")
    expect(reason).to_be_visible()
    reason.focus()
    nurse.keyboard.type("The plan leaves housing out.")
    nurse.keyboard.press("Tab")
    expect(nurse.get_by_role("button", name="Record stance")).to_be_focused()
    nurse.keyboard.press("Enter")
    expect(chair.locator('[data-stance-agency="Health"]')).to_contain_text("Object")

    # The lock is refused until the chair records why it goes ahead anyway.
    chair.get_by_role("button", name="Lock the plan").click()
    refusal = chair.locator("[data-lock-refusal] .govuk-error-summary")
    expect(refusal).to_be_focused()
    refusal.get_by_role("link").click()
    override = chair.get_by_role("textbox", name="Reason to lock despite the objection")
    expect(override).to_be_focused()
    override.fill("Housing joins at the review; the family wants to start now.")
    chair.get_by_role("button", name="Lock the plan").click()
    expect(nurse.locator("[data-locked-version]")).to_contain_text("Version 1 locked")
    expect(nurse.locator("[data-locked-version]")).to_contain_text("Housing joins at the review")
    expect(nurse.get_by_role("button", name="Reopen for review")).to_have_count(0)  # chair only

    # Reopen for review: a reason is needed; everyone is back in Plan, editing again.
    chair.get_by_role("button", name="Reopen for review").click()
    expect(chair.get_by_role("link", name="Give the reason for reopening")).to_be_visible()
    chair.get_by_role("textbox", name="Reason for reopening").fill("Review meeting")
    chair.get_by_role("button", name="Reopen for review").click()
    stage_is(nurse, "Stage 4 of 6: Plan")
    expect(nurse.get_by_text("Reopened from version 1 for review: Review meeting")).to_be_visible()
    goal = nurse.get_by_role("textbox", name="Goal 1")
    expect(goal).to_be_editable()
    goal.type(" Every day.")
    expect(chair.get_by_role("textbox", name="Goal 1")).to_have_value("J gets to school on time. Every day.")
    # Announcements are gathered for a moment before they are read out: wait (bounded) for them.
    deadline = time.monotonic() + 10
    announced = ""
    while "The forum was reopened for review" not in announced and time.monotonic() < deadline:
        nurse.wait_for_timeout(100)
        announced = " ".join(nurse.evaluate("window.forumRoom.announcements()"))
    assert "The plan was locked as version 1 (by Cara Chair)" in announced
    assert "The forum was reopened for review (by Cara Chair)" in announced
    fits_a_phone(nurse)

    # The chair hands over to the nurse, who gets the chair's controls.
    chair.get_by_label("Hand the chair to").select_option(label="Nia Nurse (Health)")
    chair.get_by_role("button", name="Hand over the chair").click()
    expect(nurse.get_by_role("heading", name="Chair's controls")).to_be_visible()
    expect(chair.get_by_role("heading", name="Chair's controls")).to_be_hidden()
    expect(chair.locator("[data-chair-line]")).to_have_text(
        "Chair: Nia Nurse (Health) · Your role: contributor"
    )

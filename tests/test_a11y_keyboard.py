"""Keyboard only: a contributor signs in, joins, adds and edits an entry, votes and records a stance.

The contributor's page gets no clicks, no fill() and no focus() calls: only Tab, Shift+Tab, Enter,
Space and typing through page.keyboard. At every stop the focused element must show a visible
focus indicator and must not be hidden behind the sticky stage line (WCAG 2.4.7, 2.4.11).
The chair and a teacher act from their own real Socket.IO clients.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.a11y import FOCUS_PROBLEM
from tests.browser import TIMEOUT_MS, chromium_fixture  # noqa: F401
from tests.room_driver import RoomDriver

pytestmark = [pytest.mark.a11y, pytest.mark.browser]

CHAIR = "ada.chair@example.org"
NURSE = "jo.nurse@example.org"
TEACHER = "sam.teacher@example.org"
MAX_PRESSES = 120  # a bound on every walk through the page


class KeyboardUser:
    """Moves through a page with Tab / Shift+Tab only, checking the focus at every stop."""

    def __init__(self, page: Page):
        self.page = page
        self.stops = 0

    def check_focus(self) -> None:
        problem = self.page.evaluate(FOCUS_PROBLEM)
        assert problem is None, f"focus problem: {problem}"

    def tab_to(self, target: Locator, backwards: bool = False) -> None:
        """Press Tab (or Shift+Tab) until target has the focus; every element passed must show focus."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(MAX_PRESSES):
            self.page.keyboard.press(key)
            self.stops += 1
            if self.page.evaluate("document.activeElement === document.body"):
                continue  # wrapped round past the end of the page
            self.check_focus()
            if target.evaluate("element => element === document.activeElement"):
                return
        raise AssertionError(f"{target} not reached in {MAX_PRESSES} presses of {key}")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)


@pytest.fixture
def room(people, live_server) -> Iterator[RoomDriver]:
    """RF-KEYS: Ada chairs; Jo (Health) and Sam (School) contribute; Sam has written two entries."""
    people.user(CHAIR, agency="Children's Social Care", name="Ada Chair")
    people.user(NURSE, agency="Health", name="Jo Nurse")
    people.user(TEACHER, agency="School", name="Sam Teacher")
    forum = people.forum("RF-KEYS", chair=CHAIR, **{NURSE: "contributor", TEACHER: "contributor"})
    driver = RoomDriver(live_server, forum.id)
    driver.join(CHAIR)
    driver.join(TEACHER)
    driver.add_entry(TEACHER, "perpetuating", "Late nights on the phone make mornings hard.")
    driver.add_entry(TEACHER, "presenting", "J has missed 14 school days this term.")
    yield driver
    driver.close()


@pytest.fixture
def page(chromium, live_server) -> Iterator[Page]:
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def test_contributor_does_everything_by_keyboard_alone(page, room):
    keys = KeyboardUser(page)

    # Sign in.
    page.goto("/login")
    keys.tab_to(page.get_by_label("Email address"))
    keys.type(NURSE)
    keys.tab_to(page.get_by_label("Password"))
    keys.type("correct-horse-battery-staple")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="My forums")).to_be_visible()

    # Join: follow the forum's link from My forums.
    keys.tab_to(page.get_by_role("link", name="RF-KEYS"))
    keys.press("Enter")
    expect(page.locator("[data-status]")).to_have_text("Saved")

    # Add an entry to Protective: the new entry takes the focus; type into it.
    keys.tab_to(page.get_by_role("button", name="Add entry to Protective"))
    keys.press("Enter")
    new_entry = page.get_by_role("textbox", name="Entry 1 in Protective, added by Jo Nurse (Health)")
    expect(new_entry).to_be_focused()
    keys.check_focus()
    keys.type("Grandmother collects J on Fridays.")
    expect(page.locator("[data-status]")).to_have_text("Saved")

    # Edit the teacher's entry in Perpetuating (it comes before Protective: go back with Shift+Tab).
    teachers = page.get_by_role("textbox", name=re.compile(r"^Entry 1 in Perpetuating"))
    keys.tab_to(teachers, backwards=True)
    keys.press("Control+End")
    keys.type(" The phone now stays downstairs.")
    expect(page.locator("[data-status]")).to_have_text("Saved")
    teacher = room.clients[TEACHER]
    expected = {
        "Grandmother collects J on Fridays.",
        "Late nights on the phone make mornings hard. The phone now stays downstairs.",
    }
    for _ in range(50):
        if expected <= set(teacher.texts().values()):
            break
        page.wait_for_timeout(100)
    assert expected <= set(teacher.texts().values()), teacher.texts()

    # The chair moves the room to Prioritise; the nurse votes (the voting list is above the panels).
    room.stage(CHAIR, "hypothesis")
    room.stage(CHAIR, "prioritise")
    expect(page.locator("[data-stage-label]")).to_have_text("Stage 3 of 6: Prioritise")
    # The nurse was typing, so the room waits for her: the bar at the top takes her there.
    keys.tab_to(page.get_by_role("button", name="go there: Prioritise"), backwards=True)
    keys.press("Enter")
    vote = page.get_by_role("button", name=re.compile(r"^Vote for: Late nights"))
    keys.tab_to(vote, backwards=True)
    keys.press("Enter")
    perpetuating = next(e for e in teacher.entries if e["panel"] == "perpetuating")
    expect(page.locator(f"[data-tally='{perpetuating['id']}']")).to_have_text("1 vote")
    expect(page.get_by_text("Your vote")).to_be_visible()
    keys.check_focus()  # the focus moved to Remove vote, not lost to the page

    # The chair confirms the priorities and moves on to Agree; the nurse records Health's stance.
    room.call(CHAIR, "priorities:confirm", entries=[perpetuating["id"]])
    room.stage(CHAIR, "plan")
    room.stage(CHAIR, "agree")
    expect(page.locator("[data-stage-label]")).to_have_text("Stage 5 of 6: Agree")
    keys.tab_to(page.get_by_role("radio", name="Agree", exact=True))
    keys.press("Space")
    expect(page.get_by_role("radio", name="Agree", exact=True)).to_be_checked()
    keys.tab_to(page.get_by_role("button", name="Record stance"))
    keys.press("Enter")
    expect(page.locator("[data-stance-agency='Health']")).to_contain_text("Agree")
    assert keys.stops > 10


def test_a_phone_reaches_any_panels_add_entry_within_10_tab_presses_through_the_jump_list(chromium, room):
    """From the top of the room on a 390x844 phone: skip link, the jump list, the panel's Add entry."""
    context = chromium.new_context(base_url=room.live_server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email address").fill(NURSE)
        page.get_by_label("Password").fill("correct-horse-battery-staple")
        page.get_by_role("button", name="Sign in").click()
        for panel in ("Plan", "Presenting", "Protective"):
            page.goto(f"/forums/{room.forum_id}")
            expect(page.locator("[data-status]")).to_have_text("Saved")
            keys = KeyboardUser(page)
            keys.tab_to(page.get_by_role("link", name="Skip to main content"))
            keys.press("Enter")
            keys.tab_to(
                page.get_by_role("navigation", name="Jump to").get_by_role("link", name=panel, exact=True)
            )
            keys.press("Enter")
            add = page.get_by_role("button", name=f"Add entry to {panel}")
            keys.tab_to(add)
            print(f"Add entry to {panel}: {keys.stops} Tab presses from the top")
            assert keys.stops <= 10, f"Add entry to {panel} took {keys.stops} Tab presses"
            box = add.bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844
    finally:
        context.close()

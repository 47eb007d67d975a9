"""The live room in headless Chromium: axe-core at every stage, a phone's width, print, screenshots.

The room's state is made the way people make it: entries, votes, stances and the lock are socket
events sent by real Socket.IO clients (tests/room_driver.py) while the pages watch in Chromium.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.a11y import FOCUS_PROBLEM, NOTHING_FOCUSED, assert_no_violations, small_targets
from tests.browser import SCREENSHOTS, TIMEOUT_MS, chromium_fixture, open_room, sign_in  # noqa: F401
from tests.conftest import LiveServer, People, module_server
from tests.room_driver import RoomDriver

pytestmark = [pytest.mark.a11y, pytest.mark.browser]

CHAIR = "ada.chair@example.org"
NURSE = "jo.nurse@example.org"
TEACHER = "sam.teacher@example.org"
OBSERVER = "olu.observer@example.org"
PHONE = {"width": 320, "height": 640}
LAPTOP = {"width": 1280, "height": 800}


@dataclass
class RoomSite:
    server: LiveServer
    forums: dict
    chromium: Browser
    contexts: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def page(self, email: str, forum: str, viewport: dict = LAPTOP) -> Page:
        """A person's own browser, signed in, with the forum's room open and joined."""
        context = self.chromium.new_context(base_url=self.server.url, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        # Printed, so that a failing test shows why a page did not connect (pytest shows its output).
        page.on("console", lambda m: m.type == "error" and print("console error:", m.text))
        sign_in(page, email)
        return open_room(page, f"/forums/{self.forums[forum]}")


@pytest.fixture(scope="module")
def site(migrated_database, tmp_path_factory, chromium: Browser) -> Iterator[RoomSite]:
    def seed() -> dict:
        people = People()
        people.user(CHAIR, agency="Children's Social Care", name="Ada Chair")
        people.user(NURSE, agency="Health", name="Jo Nurse")
        people.user(TEACHER, agency="School", name="Sam Teacher")
        people.user(OBSERVER, agency="Housing", name="Olu Observer")
        roles = {NURSE: "contributor", TEACHER: "contributor", OBSERVER: "observer"}
        return {
            reference: people.forum(reference, chair=CHAIR, title="Support for J and family", **roles).id
            for reference in ("RF-STAGES", "RF-GATHER")
        }

    with module_server(migrated_database, tmp_path_factory, "a11y-room", seed) as (server, forums):
        opened = RoomSite(server, forums, chromium)
        try:
            yield opened
        finally:
            for context in opened.contexts:
                context.close()
    assert not opened.errors, opened.errors


@pytest.fixture
def driver(site) -> Iterator[Callable[[str], RoomDriver]]:
    """Socket clients for a forum of the site; disconnected at the end of the test."""
    drivers = []

    def for_forum(reference: str) -> RoomDriver:
        drivers.append(RoomDriver(site.server, site.forums[reference]))
        return drivers[-1]

    yield for_forum
    for opened in drivers:
        opened.close()


@pytest.fixture(scope="module")
def gathered(site: RoomSite) -> Iterator[Page]:
    """RF-GATHER with entries from School, the teacher typing, an observer present; the nurse's page."""
    room = RoomDriver(site.server, site.forums["RF-GATHER"])
    try:
        room.join(TEACHER)
        room.join(OBSERVER)
        nurse = site.page(NURSE, "RF-GATHER")
        for panel, text in [
            ("presenting", "J has missed 14 school days this term, mostly Mondays."),
            ("presenting", "Arguments at home most evenings; neighbours have called the police twice."),
            ("predisposing", "Dad left when J was 8; J moved school twice since."),
            ("perpetuating", "Late nights on the phone make mornings hard."),
            ("protective", "Grandmother collects J from school on Fridays and J trusts her."),
            ("plan", "Meet J at the school gate each morning."),
        ]:
            room.add_entry(TEACHER, panel, text)
        entry = room.add_entry(TEACHER, "perpetuating", "Missed lessons mean J avoids school.")
        room.call(TEACHER, "focus", entry=entry)
        # "Is typing" follows the updates arriving: the teacher has just written each entry.
        expect(nurse.locator(f"#forum-entry-{entry}-typing")).to_have_text("Sam Teacher is typing")
        expect(nurse.locator(".forum-presence")).to_contain_text("Olu Observer")
        yield nurse
    finally:
        room.close()


def test_screenshots_of_the_room_at_1280_and_320_pixels(gathered):
    page = gathered
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for name, viewport in (("room-1280.png", LAPTOP), ("room-320.png", PHONE)):
        page.set_viewport_size(viewport)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=SCREENSHOTS / name, full_page=True, animations="disabled", caret="initial")
        assert (SCREENSHOTS / name).stat().st_size > 10_000
    page.set_viewport_size(LAPTOP)


_COVERED = """(selector) => {
  const element = document.querySelector(selector)
  const box = element.getBoundingClientRect()
  if (box.top < 0 || box.bottom > window.innerHeight || box.left < 0 || box.right > window.innerWidth) {
    return 'off screen'
  }
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2)
  return hit && (element.contains(hit) || hit.contains(element)) ? null : `covered by ${hit && hit.outerHTML.slice(0, 80)}`
}"""


def test_room_on_a_phone_is_one_column_without_sideways_scrolling_and_keeps_stage_and_timer_in_view(
    gathered,
):
    page = gathered
    page.set_viewport_size(PHONE)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        panels = page.locator(".forum-panel").evaluate_all(
            "panels => panels.map(p => { const b = p.getBoundingClientRect(); return [b.left, b.width] })"
        )
        assert len(panels) == 6 and len({tuple(round(v) for v in p) for p in panels}) == 1, panels
        assert small_targets(page, "body") == []
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height > 3 * PHONE["height"]  # long enough for the checks below to mean something
        for y in range(0, height, PHONE["height"] // 2):
            page.evaluate("y => window.scrollTo(0, y)", y)
            for selector in ("[data-stage-label]", "[data-timer]"):
                assert page.evaluate(_COVERED, selector) is None, (selector, "scrolled to", y)
    finally:
        page.evaluate("window.scrollTo(0, 0)")
        page.set_viewport_size(LAPTOP)


def test_room_print_stylesheet_hides_controls_and_keeps_the_content(gathered):
    page = gathered
    page.emulate_media(media="print")
    try:
        shown = page.evaluate(
            """() => [...document.querySelectorAll('main :is(button, .govuk-button, [data-presence])')]
                 .filter(e => e.getClientRects().length).map(e => e.textContent.trim())"""
        )
        assert shown == [], f"controls still shown in print: {shown}"
        expect(page.get_by_role("region", name="Perpetuating")).to_contain_text("Sam Teacher (School)")
        texts = page.locator("textarea.forum-entry__text").evaluate_all("boxes => boxes.map(b => b.value)")
        assert "Missed lessons mean J avoids school." in texts
        expect(page.locator("textarea.forum-entry__text").first).to_be_visible()
        expect(page.locator(".forum-banner--marking")).to_be_visible()
    finally:
        page.emulate_media(media="screen")


def check_room(page: Page, what: str) -> None:
    """axe-core on the whole room page, and every visible control at least 24 by 24 pixels."""
    expect(page.locator("[data-status]")).to_have_text("Saved")
    assert_no_violations(page)
    assert small_targets(page, "body") == [], f"targets under 24x24 px in the room ({what})"


def test_room_passes_axe_at_every_stage_with_entries_votes_stances_and_locked(site, driver):
    room = driver("RF-STAGES")
    for email in (CHAIR, TEACHER, OBSERVER):
        room.join(email)
    nurse = site.page(NURSE, "RF-STAGES")
    chair = site.page(CHAIR, "RF-STAGES")
    pages = {"contributor": nurse, "chair": chair}
    stage_label = nurse.locator("[data-stage-label]")

    late = room.add_entry(TEACHER, "perpetuating", "Late nights on the phone make mornings hard.")
    missed = room.add_entry(TEACHER, "perpetuating", "Missed lessons mean J avoids school.")
    idea = room.add_entry(TEACHER, "plan", "Meet J at the school gate each morning.")
    room.add_entry(TEACHER, "protective", "Grandmother collects J on Fridays.")
    room.call(TEACHER, "focus", entry=late)
    expect(nurse.locator(".forum-entry__typing:not([hidden])").first).to_have_text("Sam Teacher is typing")
    for who, page in pages.items():
        check_room(page, f"gather, {who}")

    room.stage(CHAIR, "hypothesis")
    room.call(CHAIR, "timer:start")
    room.write(TEACHER, "hypothesis", "Late nights and missed lessons keep J away from school.")
    expect(stage_label).to_have_text("Stage 2 of 6: Hypothesis")
    for who, page in pages.items():
        check_room(page, f"hypothesis, {who}")

    room.stage(CHAIR, "prioritise")
    room.call(TEACHER, "vote:add", entry=late)
    room.call(TEACHER, "vote:add", entry=missed)
    room.call(CHAIR, "vote:add", entry=late)
    expect(nurse.locator(f"[data-tally='{late}']")).to_have_text("2 votes")
    for who, page in pages.items():
        check_room(page, f"prioritise with votes, {who}")
    room.call(CHAIR, "priorities:confirm", entries=[late, missed])

    room.stage(CHAIR, "plan")
    goal = room.call(TEACHER, "goal:add", from_entry=idea)
    action = room.call(TEACHER, "action:add", from_entry=idea, goal=goal["goal"])
    teacher_id = next(p["user"] for p in room.clients[TEACHER].presence if p["name"] == "Sam Teacher")
    due = (date.today() + timedelta(days=14)).isoformat()
    room.call(TEACHER, "action:set", action=action["action"], owner=teacher_id, due=due, priority=late)
    room.write(TEACHER, action["measure_root"], "J is in by 8:45 four days a week.")
    room.call(CHAIR, "review:set", date=(date.today() + timedelta(days=90)).isoformat())
    room.write(CHAIR, "family_communication", "Jo visits Mum on Friday to talk it through.")
    expect(stage_label).to_have_text("Stage 4 of 6: Plan")
    for who, page in pages.items():
        check_room(page, f"plan with a goal and an action, {who}")

    room.stage(CHAIR, "agree")
    nurse_id = next(p["user"] for p in room.clients[TEACHER].presence if p["name"] == "Jo Nurse")
    room.call(CHAIR, "lead:nominate", user=nurse_id)
    room.call(TEACHER, "stance:set", stance="agree_with_concerns", reason="School needs the GP letter first.")
    room.call(CHAIR, "stance:set", stance="agree")
    expect(nurse.locator("[data-stances]")).to_contain_text("Agree with concerns")
    expect(nurse.get_by_role("button", name="Accept being lead worker")).to_be_visible()
    for who, page in pages.items():
        check_room(page, f"agree with stances and a nomination, {who}")

    # Stance form errors are shown the GOV.UK way, and pass too.
    nurse.get_by_role("button", name="Record stance").click()
    expect(nurse.locator("[data-stances] ~ .forum-stance-form .govuk-error-summary")).to_be_focused()
    href = nurse.locator(".forum-stance-form .govuk-error-summary a").get_attribute("href")
    expect(nurse.locator(f"input[type=radio]{href}")).to_have_count(1)  # the summary links to the field
    assert_no_violations(nurse)

    nurse.get_by_role("button", name="Accept being lead worker").click()
    expect(nurse.locator("[data-lead-status]")).to_contain_text("accepted")
    nurse.get_by_role("radio", name="Agree", exact=True).check()
    nurse.get_by_role("button", name="Record stance").click()
    expect(nurse.locator("[data-stance-agency='Health']")).to_contain_text("Agree")
    room.call(CHAIR, "lock")
    expect(stage_label).to_have_text("Stage 6 of 6: Locked")
    expect(nurse.locator("[data-version-link]")).to_be_visible()
    for who, page in pages.items():
        check_room(page, f"locked, {who}")
    expect(nurse.get_by_role("button", name="Add entry to Presenting")).to_be_hidden()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["320px", "1280px"])
def test_tabbing_through_the_room_both_ways_never_hides_the_focus(gathered, viewport):
    page = gathered
    page.set_viewport_size(viewport)
    try:
        for key in ("Tab", "Shift+Tab"):
            page.evaluate("window.focusStops = new Set()")
            for _ in range(80):  # more than the room's ~35 stops: round the page and back
                page.keyboard.press(key)
                problem = page.evaluate(FOCUS_PROBLEM)
                if problem == NOTHING_FOCUSED:
                    continue  # the page itself, between the last element and the first
                assert problem is None, f"{key} at {viewport['width']}px: {problem}"
            reached = page.evaluate("window.focusStops.size")
            assert reached > 25, f"{key} reached only {reached} elements"
    finally:
        page.evaluate("window.scrollTo(0, 0)")
        page.set_viewport_size(LAPTOP)

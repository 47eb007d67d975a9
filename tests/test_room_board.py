"""The room as a facilitated meeting, in headless Chromium, with a realistic forum (30 entries of
about 80 characters over six panels, 5 actions, 6 agencies): the board of each stage fits 2.5
screens, present mode fits a shared screen at a readable size, everyone follows the chair.

Sizes are measured in the page (bounding boxes, scrollHeight, computed font sizes), never guessed.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import board_support as forum_data
from tests.a11y import assert_no_violations
from tests.browser import SCREENSHOTS, TIMEOUT_MS, chromium_fixture, open_room, sign_in  # noqa: F401
from tests.conftest import LiveServer, People, module_server
from tests.room_driver import RoomDriver

pytestmark = [pytest.mark.browser, pytest.mark.a11y]

LAPTOP = {"width": 1280, "height": 800}
WIDE = {"width": 1920, "height": 1080}
SMALL_LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
CHAIR = forum_data.CHAIR
TEACHER = forum_data.CONTRIBUTORS[0][0]
HEALTH = forum_data.CONTRIBUTORS[1][0]
OBSERVER = forum_data.OBSERVER


@dataclass
class Site:
    server: LiveServer
    forum_id: int
    chromium: Browser
    contexts: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def page(self, email: str, viewport: dict = LAPTOP, present: bool = False) -> Page:
        context = self.chromium.new_context(base_url=self.server.url, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        sign_in(page, email)
        return open_room(page, f"/forums/{self.forum_id}{'?present' if present else ''}")


@pytest.fixture(scope="module")
def site(migrated_database, tmp_path_factory, chromium: Browser) -> Iterator[Site]:
    def seed() -> int:
        people = People()
        forum_data.make_people(people)
        return people.forum(
            "RF-2026-031", chair=CHAIR, title="Support for J and family", **forum_data.roles()
        ).id

    with module_server(migrated_database, tmp_path_factory, "room-board", seed) as (server, forum_id):
        opened = Site(server, forum_id, chromium)
        try:
            yield opened
        finally:
            for context in opened.contexts:
                context.close()
    assert not opened.errors, opened.errors


@pytest.fixture(scope="module")
def room(site) -> Iterator[RoomDriver]:
    driver = RoomDriver(site.server, site.forum_id)
    driver.join(CHAIR)
    yield driver
    driver.close()


def page_height(page: Page) -> int:
    page.wait_for_timeout(300)
    return page.evaluate("document.documentElement.scrollHeight")


FITS_ENTRIES = """(min) => {
  const boxes = [...document.querySelectorAll('[data-present-entry]')]
  const out = []
  for (const e of boxes) {
    const b = e.getBoundingClientRect()
    const size = parseFloat(getComputedStyle(e).fontSize)
    if (b.top < 0 || b.left < 0 || b.bottom > innerHeight || b.right > innerWidth || size < min) {
      out.push(`${e.textContent.slice(0, 30)}: ${Math.round(b.top)}..${Math.round(b.bottom)} ${size}px`)
    }
  }
  return {count: boxes.length, out, size: boxes.length ? getComputedStyle(boxes[0]).fontSize : null}
}"""


def shoot(page: Page, name: str, viewport: dict) -> None:
    """A screenshot of what the viewport shows, for docs/screenshots (looked at before release)."""
    page.set_viewport_size(viewport)
    page.wait_for_timeout(400)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, animations="disabled", caret="initial")


def check_present(site: Site, stage: str, expect_entries: int) -> None:
    """Present mode at 1280x800 and 1920x1080: every entry inside the viewport, type >= 16 / 20 px."""
    present = site.page(CHAIR, LAPTOP, present=True)
    expect(present.locator("[data-present-view]")).to_have_attribute("data-stage", stage)
    for viewport, minimum in ((LAPTOP, 16), (WIDE, 20)):
        present.set_viewport_size(viewport)
        present.wait_for_timeout(500)
        result = present.evaluate(FITS_ENTRIES, minimum)
        assert result["count"] == expect_entries, result
        assert result["out"] == [], (stage, viewport, result)
        assert present.evaluate("document.documentElement.scrollHeight") <= viewport["height"], (
            stage,
            viewport,
        )
        print(f"present {stage} {viewport['width']}: {result['count']} entries at {result['size']}")
    assert_no_violations(present)
    if stage == "gather":
        shoot(present, "present-gather-1920.png", WIDE)
        shoot(present, "present-gather-1280.png", LAPTOP)
    present.context.close()
    site.contexts.remove(present.context)


def check_length(page: Page, stage: str) -> None:
    """The participant's page at 1280x800 is at most 2.5 screens long."""
    page.set_viewport_size(LAPTOP)
    height = page_height(page)
    print(f"{stage}: page {height} px at 1280x800")
    assert height <= 2.5 * LAPTOP["height"], f"{stage}: the page is {height} px long"


@pytest.fixture(scope="module")
def pages(site, room) -> dict:
    room.call(CHAIR, "forum:start")
    ids = forum_data.gather(room)
    opened = {
        "chair": site.page(CHAIR),
        "contributor": site.page(TEACHER),
        "observer": site.page(OBSERVER),
        "phone": site.page(HEALTH, PHONE),
    }
    opened["ids"] = ids
    return opened


def check_axe(pages: dict, stage: str) -> None:
    for who in ("chair", "contributor", "observer", "phone"):
        # Joined ("Not saved" stays on the author's page after a refused edit, by design).
        expect(pages[who].locator("[data-status]")).to_have_text(re.compile("^(Saved|Not saved)$"))
        # From the top: axe counts a link half under the sticky stage line as a small target.
        pages[who].evaluate("window.scrollTo(0, 0)")
        assert_no_violations(pages[who])


def test_gather_is_a_compact_board_and_present_mode_fits_it(site, pages):
    contributor = pages["contributor"]
    expect(contributor.locator(".forum-entry")).to_have_count(30)
    check_length(contributor, "gather")
    check_axe(pages, "gather")
    check_present(site, "gather", 30)
    shoot(pages["chair"], "room-gather-chair-1280.png", LAPTOP)
    shoot(pages["chair"], "room-gather-chair-1366.png", SMALL_LAPTOP)
    shoot(pages["phone"], "room-gather-phone.png", PHONE)


def test_phone_stage_bar_is_at_most_64_px(pages):
    phone = pages["phone"]
    height = phone.locator("[data-stage-bar]").evaluate("e => e.getBoundingClientRect().height")
    print(f"phone stage bar: {height} px")
    assert height <= 64
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_stage_change_brings_the_contributor_to_the_new_work_or_shows_go_there(site, room, pages):
    contributor, phone = pages["contributor"], pages["phone"]
    contributor.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    # The health visitor is typing in an entry: the room does not pull them away.
    phone.get_by_role("textbox", name="Entry 1 in Protective", exact=False).click()
    forum_data.hypothesis(room)
    heading = contributor.get_by_role("heading", name="Hypothesis: what keeps it going")
    expect(heading).to_be_focused()
    assert heading.evaluate(
        "e => { const b = e.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight }"
    )
    expect(contributor.locator("[data-announcer]")).to_contain_text(
        "The room moved to Stage 2 of 6: Hypothesis"
    )
    bar = phone.locator("[data-follow]")
    expect(bar).to_contain_text("The room moved to Hypothesis — go there")
    assert bar.evaluate(
        "e => { const b = e.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight }"
    )
    expect(phone.get_by_role("textbox", name="Entry 1 in Protective", exact=False)).to_be_focused()
    bar.get_by_role("button", name="go there: Hypothesis").click()
    expect(phone.get_by_role("heading", name="Hypothesis: what keeps it going")).to_be_focused()
    expect(bar).to_be_hidden()

    check_length(contributor, "hypothesis")
    check_axe(pages, "hypothesis")
    check_present(site, "hypothesis", 10)
    shoot(pages["chair"], "room-hypothesis-chair-1280.png", LAPTOP)


def test_everyone_sees_who_is_writing_in_a_shared_text_and_where(room, pages):
    contributor = pages["contributor"]
    room.write(HEALTH, "hypothesis", " Mornings matter most.")
    credit = contributor.locator("[data-credit='hypothesis']")
    expect(credit).to_contain_text("Priya Health Visitor is typing")
    expect(credit).to_contain_text("writing after “…mentor. Mornings matter most.”")
    box = contributor.get_by_role("textbox", name="The hypothesis")
    expect(box).to_have_class(re.compile("forum-text--others-typing"))
    entry = pages["ids"]["protective"][0]
    room.write(TEACHER, f"entry:{entry}", " Most weeks.")
    card = pages["chair"].locator(f".forum-entry[data-entry='{entry}']")
    expect(card.locator(".forum-entry__typing")).to_have_text("Alex Teacher is typing")
    expect(card.locator(".forum-entry__typing-where")).to_contain_text(
        "writing after “…more often. Most weeks.”"
    )


def test_prioritise_board(site, room, pages):
    forum_data.prioritise(room, pages["ids"])
    expect(pages["contributor"].locator("[data-stage-label]")).to_have_text("Stage 3 of 6: Prioritise")
    check_length(pages["contributor"], "prioritise")
    check_axe(pages, "prioritise")
    check_present(site, "prioritise", 5)
    shoot(pages["chair"], "room-prioritise-chair-1280.png", LAPTOP)


def test_plan_board_with_five_actions(site, room, pages):
    pages["plan"] = forum_data.plan(room, pages["ids"])
    contributor = pages["contributor"]
    expect(contributor.locator("[data-stage-label]")).to_have_text("Stage 4 of 6: Plan")
    expect(contributor.locator(".forum-action")).to_have_count(5)
    check_length(contributor, "plan")
    check_axe(pages, "plan")
    check_present(site, "plan", 0)
    shoot(pages["chair"], "room-plan-chair-1280.png", LAPTOP)


IN_VIEW = "e => { const b = e.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight && b.width > 0 }"


def test_a_spotlight_reaches_every_participant_and_the_present_view(site, room, pages):
    chair = pages["chair"]
    present = site.page(CHAIR, WIDE, present=True)
    action = pages["plan"]["actions"][2]
    for page in (pages["contributor"], pages["observer"], pages["phone"]):
        page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    chair.get_by_role("button", name="Spotlight: action 3").click()
    for who in ("contributor", "observer", "phone"):
        spot = pages[who].locator(f".forum-action[data-action='{action}'].forum-spotlight")
        expect(spot).to_contain_text("Spotlight")
        pages[who].wait_for_timeout(300)
        assert spot.evaluate(IN_VIEW), f"the spotlight is not in the {who}'s view"
    shown = present.locator(f"[data-present-action='{action}'].forum-present__spot")
    expect(shown).to_be_visible()
    assert shown.evaluate(IN_VIEW)
    shoot(present, "present-plan-spotlight-1920.png", WIDE)
    chair.get_by_role("button", name="Clear spotlight").click()
    for page in (pages["contributor"], present):
        expect(page.locator(".forum-spotlight, .forum-present__spot")).to_have_count(0)
    present.context.close()
    site.contexts.remove(present.context)


def test_agree_board_and_the_nominee_sees_accept(site, room, pages):
    phone = pages["phone"]  # Priya Health Visitor, the nominee
    phone.evaluate("window.scrollTo(0, 0)")
    forum_data.agree(room)
    accept = phone.get_by_role("button", name="Accept being lead worker")
    expect(accept).to_be_visible()
    phone.wait_for_timeout(600)
    assert accept.evaluate(IN_VIEW), "the Accept button is not in the nominee's view"
    request = phone.locator("[data-request='nomination']")
    expect(request).to_contain_text("You are nominated as lead worker")
    assert request.evaluate(IN_VIEW), "the nomination notice is not in the nominee's view"
    check_length(pages["contributor"], "agree")
    check_axe(pages, "agree")
    check_present(site, "agree", 0)
    shoot(pages["chair"], "room-agree-chair-1280.png", LAPTOP)


def test_a_refused_edit_is_shown_in_view_of_its_author(room, pages):
    contributor = pages["contributor"]
    room.stage(CHAIR, "plan")
    expect(contributor.locator("[data-stage-label]")).to_have_text("Stage 4 of 6: Plan")
    what = contributor.get_by_role("textbox", name="What will be done").nth(4)
    what.click()
    contributor.evaluate("window.forumRoom.disconnect()")
    expect(contributor.locator("[data-status]")).to_have_text("Reconnecting…")
    contributor.keyboard.press("Control+End")
    contributor.keyboard.type(" Typed offline.")
    room.stage(CHAIR, "agree")
    contributor.evaluate("window.forumRoom.connect()")
    problem = contributor.locator(".forum-problem", has_text="Your change was not saved")
    expect(problem).to_be_visible()
    contributor.wait_for_timeout(300)
    assert problem.evaluate(IN_VIEW), "the refused edit's notice is not in its author's view"
    expect(contributor.locator("[data-follow]")).to_contain_text("go there")
    shoot(contributor, "room-refused-edit-1280.png", LAPTOP)
    problem.get_by_role("button", name="Dismiss", exact=False).click()


def test_locked_room_and_present_mode(site, room, pages):
    phone = pages["phone"]
    expect(phone.get_by_role("button", name="Accept being lead worker")).to_be_visible()
    phone.get_by_role("button", name="Accept being lead worker").click()
    expect(pages["chair"].locator("[data-lead-status]")).to_contain_text("accepted this proposal")
    for email, _n, _a in forum_data.PEOPLE:
        room.call(email, "stance:set", stance="agree")
    room.call(CHAIR, "lock")
    expect(pages["contributor"].locator("[data-stage-label]")).to_have_text("Stage 6 of 6: Locked")
    check_axe(pages, "locked")
    check_present(site, "locked", 30)
    shoot(pages["chair"], "room-locked-chair-1280.png", LAPTOP)

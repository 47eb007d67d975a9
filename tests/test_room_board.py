"""The room as a facilitated meeting, in headless Chromium, with a realistic forum (30 entries of
about 80 characters over six panels, 5 actions, 6 agencies): the board of each stage fits 2.5
screens, present mode fits a shared screen at a readable size, everyone follows the chair.

Sizes are measured in the page (bounding boxes, scrollHeight, computed font sizes), never guessed.
"""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Page, expect

from forum.extensions import db
from tests import board_support as forum_data
from tests.a11y import assert_no_violations
from tests.browser import TIMEOUT_MS, chromium_fixture, open_room, sign_in  # noqa: F401
from tests.conftest import ROOT, LiveServer, People, make_app
from tests.room_driver import RoomDriver

pytestmark = [pytest.mark.browser, pytest.mark.a11y]

SCREENSHOTS = ROOT / "docs" / "screenshots"
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
    base = tmp_path_factory.mktemp("room-board")
    path = base / "forum.db"
    shutil.copyfile(migrated_database, path)
    (base / "instance").mkdir()
    app = make_app(path)
    with app.app_context():
        people = People()
        forum_data.make_people(people)
        forum = people.forum("RF-2026-031", chair=CHAIR, title="Support for J and family", **forum_data.roles())
        server = LiveServer(path, base / "instance").start()
        opened = Site(server, forum.id, chromium)
        try:
            yield opened
        finally:
            for context in opened.contexts:
                context.close()
            server.stop()
            db.session.remove()
            db.engine.dispose()
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


def test_explore(site, room):
    room.call(CHAIR, "forum:start")
    ids = forum_data.gather(room)
    chair = site.page(CHAIR)
    teacher = site.page(TEACHER)
    present = site.page(CHAIR, LAPTOP, present=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chair.screenshot(path="/tmp/room-gather-chair.png", full_page=True)
    teacher.screenshot(path="/tmp/room-gather-teacher.png", full_page=True)
    teacher.screenshot(path="/tmp/room-gather-teacher-top.png")
    present.screenshot(path="/tmp/room-gather-present.png")
    print("gather teacher height", page_height(teacher), "chair", page_height(chair))
    print(teacher.evaluate("""() => [...document.querySelectorAll('.forum-header, .forum-room-title, .forum-top, .forum-jump, .forum-stage-tabs, .forum-chair-bar, .forum-presence-line, [data-gather-title], .forum-panel, .forum-removed-section, .govuk-footer, .forum-entry')].slice(0, 16).map(e => e.className.split(' ')[0] + ':' + Math.round(e.getBoundingClientRect().top + scrollY) + '+' + Math.round(e.getBoundingClientRect().height))"""))
    print(teacher.evaluate("""() => { const e = document.querySelector('.forum-entry'); return [...e.children].map(c => c.className + ':' + Math.round(c.getBoundingClientRect().width) + 'x' + Math.round(c.getBoundingClientRect().height)).concat([getComputedStyle(e.querySelector('textarea')).lineHeight, getComputedStyle(e.querySelector('textarea')).paddingTop]) }"""))
    print("present", present.evaluate("[getComputedStyle(document.querySelector('.forum-present')).fontSize, document.documentElement.scrollHeight]"))

"""Plan progress and My actions in headless Chromium: record progress, see errors, axe-clean at three sizes."""

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from forum.extensions import db
from forum.services.lock import lock_plan
from forum.services.plan import add_action, set_action
from forum.services.progress import today_in_london
from tests.a11y import assert_no_violations
from tests.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, chromium_fixture, sign_in  # noqa: F401
from tests.conftest import LiveServer, People, make_app
from tests.lock_factories import OBSERVER, SCHOOL, agree_on_it, forum_with_people, make_draft, write_text

pytestmark = [pytest.mark.progress, pytest.mark.browser, pytest.mark.a11y]

VIEWPORTS = [(1280, 800), (1366, 768), (390, 844)]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/progress-shots"))


@pytest.fixture(scope="module")
def site(migrated_database, tmp_path_factory) -> Iterator[tuple[LiveServer, int]]:
    base = tmp_path_factory.mktemp("progress-browser")
    path = base / "forum.db"
    shutil.copyfile(migrated_database, path)
    (base / "instance").mkdir()
    app = make_app(path)
    with app.app_context():
        setup = forum_with_people(People(), "RF-2026-PROGRESS")
        make_draft(setup)
        action = add_action(setup.forum_id, setup.chair)
        write_text(setup.forum_id, setup.chair.id, action.what_root, "Send the attendance letter home.")
        set_action(
            setup.forum_id,
            setup.chair,
            action.id,
            {"owner": setup.teacher.id, "due": today_in_london() - timedelta(days=2)},
        )
        agree_on_it(setup)
        lock_plan(setup.forum_id, setup.chair)
        db.session.commit()  # set-up is stored, as the edge would store it
        server = LiveServer(path, base / "instance").start()
        try:
            yield server, setup.forum_id
        finally:
            server.stop()
            db.session.remove()
            db.engine.dispose()


def _page(chromium: Browser, server: LiveServer, who: str, size: tuple[int, int]) -> Page:
    context = chromium.new_context(base_url=server.url, viewport={"width": size[0], "height": size[1]})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, who)
    return page


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_owner_records_progress_and_sees_it_in_the_log(site, chromium, size):
    server, forum_id = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(chromium, server, SCHOOL, size)
    page.goto(f"/forums/{forum_id}/progress")
    expect(page.get_by_role("heading", name="Plan progress", level=1)).to_be_visible()
    page.screenshot(path=str(SHOTS / f"plan-progress-before-{size[0]}.png"), full_page=True)
    assert_no_violations(page)
    _no_horizontal_scroll(page)
    form = page.locator("form").filter(has_text="Record progress on action 1")
    form.get_by_label("Status").select_option("on_track")
    note = f"Met J at the gate on Monday ({size[0]})."
    form.get_by_label("Note (optional)").fill(note)
    form.get_by_role("button", name="Save progress").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Progress on action 1 recorded"
    )
    expect(page.locator("#action-1 .forum-progress-log li").first).to_contain_text(note)
    expect(page.locator("#action-1 .forum-progress-log li").first).to_contain_text("On track")
    page.screenshot(path=str(SHOTS / f"plan-progress-{size[0]}.png"), full_page=True)
    assert_no_violations(page)

    # Too long a note: an error summary that leads to the field, and nothing recorded.
    form = page.locator("form").filter(has_text="Record progress on action 1")
    form.get_by_label("Note (optional)").fill("x" * 1001)
    form.get_by_role("button", name="Save progress").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error: ")
    link = page.locator(".govuk-error-summary__list a")
    assert link.get_attribute("href") == "#action-1-note"
    described = page.locator("#action-1-note").get_attribute("aria-describedby")
    assert "action-1-note-error" in described.split()
    page.screenshot(path=str(SHOTS / f"plan-progress-error-{size[0]}.png"), full_page=False)
    assert_no_violations(page)

    page.goto("/my-actions")
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("Send the attendance letter home.")
    expect(rows.first).to_contain_text("Overdue")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / f"my-actions-{size[0]}.png"), full_page=True)
    assert_no_violations(page)
    page.context.close()


def test_observer_reads_progress_without_a_form(site, chromium):
    server, forum_id = site
    page = _page(chromium, server, OBSERVER, (1280, 800))
    page.goto(f"/forums/{forum_id}/progress")
    expect(page.get_by_role("heading", name="Plan progress", level=1)).to_be_visible()
    assert page.locator("form[action*='/progress/']").count() == 0
    assert_no_violations(page)
    page.context.close()

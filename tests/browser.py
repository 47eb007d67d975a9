"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API, for browser tests."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import has_app_context
from playwright.sync_api import Browser, Page, expect, sync_playwright

from forum.extensions import db
from tests.conftest import PASSWORD

# Where the room's screenshots go: docs/screenshots/ when asked (`make screenshots`), else a scratch
# folder, so that running the tests leaves the working tree as it was.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "forum-screenshots")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 10_000  # every Playwright wait in these tests is bounded by this

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module", name="chromium")
def chromium_fixture() -> Iterator[Browser]:
    """One headless Chromium per test module.

    Playwright's sync API keeps an asyncio loop running on this thread while it is open, so it is
    closed after each module: later asyncio-based socket tests need the thread's loop free.
    """
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Browsers:
    """Opens a separate browser context (own cookies) per person; closes them all at the end."""

    def __init__(self, chromium: Browser, base_url: str):
        self.chromium = chromium
        self.base_url = base_url
        self.contexts = []
        self.console_errors: list[str] = []

    def page(self, viewport=None) -> Page:
        if has_app_context():
            db.session.commit()  # what the test set up is stored before the server reads it
        context = self.chromium.new_context(
            base_url=self.base_url, viewport=viewport or {"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )
        return page

    def signed_in(self, email: str, password: str = PASSWORD) -> Page:
        """A page signed in through the real sign-in form."""
        page = self.page()
        sign_in(page, email, password)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the sign-in form, and wait to land on a signed-in page."""
    if has_app_context():
        db.session.commit()  # what the test set up is stored before the server reads it
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture(name="browsers")
def browsers_fixture(chromium, live_server) -> Iterator[Browsers]:
    """Browser contexts against the live server; fails the test on any script error in a page."""
    opened = Browsers(chromium, live_server.url)
    yield opened
    opened.close()
    assert not [e for e in opened.console_errors if "pageerror" in e], opened.console_errors


def open_room(page: Page, forum_path: str) -> Page:
    """Open a forum page and wait until the live room has joined and everything is saved."""
    page.goto(forum_path)
    expect(page.locator("[data-status]")).to_have_text("Saved")
    return page


def entry_box(page: Page, number: int, panel: str):
    """The text box of entry `number` in a panel, found by its accessible name.

    Also while its panel is not on the board (a later stage shows its own work): the room keeps it.
    """
    return page.get_by_role("textbox", name=f"Entry {number} in {panel},", exact=False, include_hidden=True)


def open_entry_menu(page: Page, number: int, panel: str) -> None:
    """Open the small per-card menu (Move up, Move down, Remove) of entry `number` in a panel."""
    toggle = page.get_by_role("button", name=f"Options for entry {number} in {panel}")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def room_status(page: Page) -> str:
    """The save state the room client reports right now (no display delay)."""
    return page.evaluate("window.forumRoom.status()")

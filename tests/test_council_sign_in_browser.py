"""In headless Chromium: the council's sign-in button, the provider's round trip, and the refusal page,
axe-clean, at desktop and phone sizes."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.a11y import assert_no_violations
from tests.browser import TIMEOUT_MS, chromium_fixture  # noqa: F401 - fixture
from tests.oidc_support import council_fixture  # noqa: F401 - fixture

pytestmark = [pytest.mark.oidc, pytest.mark.browser]


@pytest.fixture
def staff(people):
    people.user("nurse@example.org", agency="Community Health", name="Nina Nurse")


def test_a_person_signs_in_with_the_council_button_and_a_stranger_is_refused(
    chromium, council, staff, tmp_path
):
    provider, server = council
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 800), (390, 844)):
        context = chromium.new_context(base_url=server.url, viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto("/login")
        button = page.get_by_role("link", name="Sign in with Leeds City Council account")
        expect(button).to_be_visible()
        expect(page.get_by_role("heading", name="Or sign in with a password")).to_be_visible()
        assert_no_violations(page)
        page.screenshot(path=shots / f"login-council-{width}.png", full_page=True)

        provider.next_login("stranger@example.org")
        button.click()
        expect(page.get_by_role("heading", name="You are not signed in")).to_be_visible()
        expect(page.locator("[data-refusal]")).to_contain_text("There is no account here")
        assert_no_violations(page)
        page.screenshot(path=shots / f"council-refused-{width}.png", full_page=True)

        provider.next_login("nurse@example.org")
        page.get_by_role("link", name="Back to sign in").click()
        page.get_by_role("link", name="Sign in with Leeds City Council account").click()
        expect(page.get_by_text("Signed in as Nina Nurse (Community Health)")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You have signed out.")).to_be_visible()
        assert page.url.startswith(f"{server.url}/login")  # back from the provider's end-session
        context.close()
    ended = [entry for entry in provider.log() if entry["kind"] == "end_session"]
    assert len(ended) == 2

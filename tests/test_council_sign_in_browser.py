"""In headless Chromium: the council's sign-in button, the round trip through the council's sign-in page
(the npm oidc-provider on 127.0.0.1, tests/oidc/provider.mjs), the refusal page, and signing out at the
council too, axe-clean, at desktop and phone sizes."""

import os
from pathlib import Path
from urllib.parse import urlsplit

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
    hosts = set()
    for width, height in ((1280, 800), (390, 844)):
        context = chromium.new_context(base_url=server.url, viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
        page = context.new_page()
        page.goto("/login")
        button = page.get_by_role("link", name="Sign in with Leeds City Council account")
        expect(button).to_be_visible()
        expect(page.get_by_role("heading", name="Or sign in with a password")).to_be_visible()
        assert_no_violations(page)
        page.screenshot(path=shots / f"login-council-{width}.png", full_page=True)

        button.click()  # to the council's own sign-in page
        page.get_by_label("Account").fill("stranger")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="You are not signed in")).to_be_visible()
        expect(page.locator("[data-refusal]")).to_contain_text("There is no account here")
        assert_no_violations(page)
        page.screenshot(path=shots / f"council-refused-{width}.png", full_page=True)

        context.clear_cookies()  # someone else at this computer: the council forgets the stranger
        page.get_by_role("link", name="Back to sign in").click()
        page.get_by_role("link", name="Sign in with Leeds City Council account").click()
        page.get_by_label("Account").fill("nurse")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as Nina Nurse (Community Health)")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Yes, sign me out").click()  # at the council's end-session page
        expect(page.get_by_text("You have signed out.")).to_be_visible()
        assert page.url.startswith(f"{server.url}/login")  # back from the provider's end-session
        context.close()
    ended = [entry for entry in provider.log() if entry["kind"] == "end_session"]
    assert len(ended) == 2
    # The browser went to this app and the council's provider, both on this machine, and nowhere else.
    assert hosts == {server.url.removeprefix("http://"), provider.issuer.removeprefix("http://")}

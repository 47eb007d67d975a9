"""axe-core (WCAG 2.0/2.1/2.2 A and AA) on every page type of the site, in headless Chromium.

One real eventlet server and one seeded database serve the whole module, so each page costs one
navigation and one axe run. Pages that show form errors get them by submitting the real form.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import text

from forum.extensions import db
from forum.services.accounts import find_user
from forum.services.administration import issue_password_link
from forum.services.entries import add_entry
from forum.services.forums import add_participant
from forum.services.invitations import invite
from forum.services.lock import lock_plan, reopen
from forum.services.scheduling import schedule_forum
from forum.services.stages import start_forum
from forum.services.templates import DEFAULT_TEMPLATE
from tests.a11y import assert_no_violations
from tests.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, chromium_fixture, sign_in  # noqa: F401
from tests.conftest import LiveServer, People, module_server
from tests.lock_factories import CHAIR, HEALTH, forum_with_people, make_lockable, write_text

pytestmark = [pytest.mark.a11y, pytest.mark.browser]

ADMIN = "admin@example.org"
OUTSIDER = "outsider@example.org"
NEWCOMER = "new.person@example.org"


@dataclass
class Site:
    """The seeded live server and what the page tests need to find in it."""

    server: LiveServer
    ids: dict = field(default_factory=dict)
    contexts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.server.url + path


def _locked(people: People, reference: str) -> int:
    """A forum with entries, a plan, a lead worker and stances, locked as version 1 by its chair."""
    setup = forum_with_people(people, reference)
    make_lockable(setup)
    lock_plan(setup.forum_id, setup.chair)
    db.session.commit()  # set-up is stored, as the edge would store it
    return setup.forum_id


def _seed(people: People) -> dict:
    """Forums in every group of My forums, a locked version, a tampered version, links to follow."""
    ids = {}
    people.user(ADMIN, agency="Children's Social Care", name="Ada Admin", admin=True)
    ids["locked"] = _locked(people, "RF-2026-LOCKED")
    ids["review"] = _locked(people, "RF-2026-REVIEW")
    chair = find_user(CHAIR)
    reopen(ids["review"], chair, "Review meeting: school attendance has changed.")
    db.session.commit()  # set-up is stored, as the edge would store it
    ids["tampered"] = _locked(people, "RF-2026-TAMPERED")
    # The stored bytes of version 1 no longer match its hash: viewing it fails the integrity check.
    db.session.execute(
        text("UPDATE plan_versions SET canonical_json = CAST(:bytes AS BLOB) WHERE forum_id = :forum"),
        {"bytes": b'{"tampered": true}', "forum": ids["tampered"]},
    )
    db.session.commit()

    live = people.forum(
        "RF-2026-LIVE", chair=CHAIR, title="Support for J and family", **{HEALTH: "contributor"}
    )
    ids["live"] = live.id
    start_forum(live.id, chair)  # the chair has started it: My forums lists it as live
    entry = add_entry(live.id, find_user(HEALTH), "presenting")
    write_text(live.id, find_user(HEALTH).id, entry.root_name, "Missing school on Mondays.")
    upcoming = schedule_forum(
        "RF-2026-NEXT", "Support for K", datetime.now(UTC) + timedelta(days=10), None, chair, DEFAULT_TEMPLATE
    )
    ids["upcoming"] = upcoming.id
    add_participant(upcoming.id, HEALTH, "contributor")

    people.user(OUTSIDER, agency="Housing", name="Oli Outsider")
    _invitation, ids["invitation"] = invite(live.id, NEWCOMER, "contributor", chair)
    ids["password_link"] = issue_password_link(find_user(OUTSIDER).id, find_user(ADMIN))
    db.session.commit()  # set-up is stored, as the edge would store it
    return ids


@pytest.fixture(scope="module")
def site(migrated_database, tmp_path_factory, chromium: Browser) -> Iterator[Site]:
    """The real server on a database seeded once for the module; one browser context per person."""
    served = module_server(migrated_database, tmp_path_factory, "a11y-pages", lambda: _seed(People()))
    with served as (server, ids):
        opened = Site(server, ids)
        try:
            yield opened
        finally:
            for context in opened.contexts.values():
                context.close()


def _context(site: Site, chromium: Browser, who: str | None) -> BrowserContext:
    """The browser context of one person (None: nobody signed in), signed in once per module."""
    if who not in site.contexts:
        context = chromium.new_context(base_url=site.server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        site.contexts[who] = context
        if who is not None:
            page = context.new_page()
            sign_in(page, who)
            page.close()
    return site.contexts[who]


@pytest.fixture
def visit(site: Site, chromium: Browser) -> Iterator[Callable[[str | None, str, int], Page]]:
    """Open a path as someone, check the HTTP status, and fail the test on any script error."""
    pages = []
    errors = []

    def open_page(who: str | None, path: str, status: int = 200) -> Page:
        page = _context(site, chromium, who).new_page()
        pages.append(page)
        page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
        page.on(
            "console", lambda m: m.type == "error" and "status of" not in m.text and errors.append(m.text)
        )
        response = page.goto(path)
        assert response is not None and response.status == status, (path, response and response.status)
        return page

    yield open_page
    for page in pages:
        page.close()
    assert not errors, errors


def _submit(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()


def assert_error_summary_links_to_fields(page: Page) -> list[str]:
    """Every link in the error summary points at a form control on the page; following it focuses it."""
    hrefs = page.locator(".govuk-error-summary__list a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs, "the error summary lists no problems"
    for href in hrefs:
        assert href.startswith("#") and len(href) > 1, href
        tag = page.evaluate("id => document.getElementById(id)?.tagName ?? null", href[1:])
        assert tag in ("INPUT", "SELECT", "TEXTAREA"), f"{href} does not point at a form field ({tag})"
        described = page.evaluate(
            "id => document.getElementById(id).getAttribute('aria-describedby') || ''", href[1:]
        )
        assert f"{href[1:]}-error" in described.split(), f"{href} field is not described by its error message"
    # The summary takes focus on load (GOV.UK Frontend); its first link then moves focus to its field.
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == hrefs[0][1:]
    return hrefs


def test_the_check_fails_on_a_violation(visit):
    # An unlabelled field and low-contrast text, added to a good page, must fail the check.
    page = visit(None, "/login")
    page.evaluate(
        """() => {
          const main = document.querySelector('main')
          main.append(Object.assign(document.createElement('input'), {id: 'bad-field'}))
          const faint = Object.assign(document.createElement('p'), {id: 'faint', textContent: 'faint'})
          faint.style.color = '#bbb'  // CSSOM, which the CSP allows (an inline style attribute it blocks)
          main.append(faint)
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        assert_no_violations(page)
    assert "label (critical) at #bad-field" in str(failure.value)
    assert "color-contrast (serious) at #faint" in str(failure.value)


# ---- pages nobody needs to be signed in for ----


def test_sign_in_page(visit):
    assert_no_violations(visit(None, "/login"))


def test_sign_in_with_errors_links_each_error_to_its_field(visit):
    page = visit(None, "/login")
    _submit(page, "Sign in")
    assert assert_error_summary_links_to_fields(page) == ["#email", "#password"]
    assert page.title().startswith("Error: ")
    assert_no_violations(page)

    # A refused sign-in (wrong password) is a form-level error: it links to the first field.
    page.get_by_label("Email address").fill(OUTSIDER)
    page.get_by_label("Password").fill("not the password")
    _submit(page, "Sign in")
    hrefs = page.locator(".govuk-error-summary__list a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs == ["#email"], hrefs
    assert_no_violations(page)


def test_accessibility_statement(visit):
    assert_no_violations(visit(None, "/accessibility"))
    assert_no_violations(visit(HEALTH, "/accessibility"))


def test_invitation_accept_form(visit, site):
    page = visit(None, f"/invitations/{site.ids['invitation']}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_violations(page)
    _submit(page, page.locator("main form button[type=submit]").inner_text().strip())
    assert_error_summary_links_to_fields(page)
    assert_no_violations(page)


def test_invitation_refused_link(visit):
    page = visit(None, "/invitations/not-a-real-invitation", status=400)
    expect(page.get_by_role("heading", level=1)).to_have_text("This invitation cannot be used")
    assert_no_violations(page)


def test_set_password_link_page(visit, site):
    assert_no_violations(visit(None, f"/account/set-password/{site.ids['password_link']}"))


def test_not_found_page(visit):
    page = visit(None, "/no-such-page", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_no_violations(page)
    assert_no_violations(visit(HEALTH, "/no-such-page", status=404))


# ---- signed-in pages ----


def test_my_forums_in_several_groups(visit):
    page = visit(CHAIR, "/")
    captions = page.locator("caption").all_inner_texts()
    assert len(captions) >= 4, captions  # upcoming, live, under review, locked
    assert_no_violations(page)


def test_forbidden_page(visit, site):
    page = visit(OUTSIDER, "/admin/users/", status=403)  # forum pages answer 404 to outsiders
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")
    assert_no_violations(page)


def test_server_error_page_for_a_version_failing_its_integrity_check(visit, site):
    # A real failure, not a test-only route: the stored version's bytes no longer match their hash.
    page = visit(CHAIR, f"/forums/{site.ids['tampered']}/versions/1", status=500)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, there is a problem with the service")
    assert_no_violations(page)


def test_version_history_and_version_page(visit, site):
    assert_no_violations(visit(CHAIR, f"/forums/{site.ids['review']}/versions"))
    page = visit(HEALTH, f"/forums/{site.ids['locked']}/versions/1")
    expect(page.get_by_role("link", name="PDF", exact=False).first).to_be_visible()
    assert_no_violations(page)


def test_account_password_page_and_its_errors(visit):
    page = visit(HEALTH, "/account/password")
    assert_no_violations(page)
    _submit(page, page.locator("main form button[type=submit]").inner_text().strip())
    assert_error_summary_links_to_fields(page)
    assert_no_violations(page)


def test_forum_management_pages(visit, site):
    assert_no_violations(visit(CHAIR, "/forums/new"))
    assert_no_violations(visit(CHAIR, f"/forums/{site.ids['live']}/manage"))


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/agencies", "/admin/users/", "/admin/template", "/admin/audit"],
)
def test_administration_page(visit, path):
    assert_no_violations(visit(ADMIN, path))


def test_administration_user_and_agency_edit_pages(visit):
    page = visit(ADMIN, "/admin/users/")
    page.get_by_role("link", name="Manage Oli Outsider").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Oli Outsider")
    assert_no_violations(page)
    page = visit(ADMIN, "/admin/agencies")
    page.get_by_role("link", name="Rename Housing").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_violations(page)


@pytest.mark.parametrize(
    ("path", "button"),
    [
        ("/admin/users/new", "Create account"),
        ("/admin/agencies", "Add agency"),
        ("/admin/template", "Save template"),
    ],
)
def test_administration_form_errors_link_to_fields(visit, path, button):
    page = visit(ADMIN, path)
    if path == "/admin/template":
        page.locator("main input[name='panels-2-name']").fill("")
    _submit(page, button)
    assert_error_summary_links_to_fields(page)
    assert page.title().startswith("Error: ")
    assert_no_violations(page)


def test_invitation_join_page_when_signed_in(visit, site, people_for_join):
    page = visit(people_for_join, f"/invitations/{site.ids['join_invitation']}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_violations(page)


@pytest.fixture
def people_for_join(site) -> str:
    """Someone with an account, invited to the live forum: the invitation asks them to join."""
    if "join_invitation" not in site.ids:
        _invitation, site.ids["join_invitation"] = invite(
            site.ids["live"], OUTSIDER, "observer", find_user(CHAIR)
        )
        db.session.commit()  # the server reads it
    return OUTSIDER

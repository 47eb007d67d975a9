"""In Chromium: fast typing is never refused or lost, and text refused for good is taken out of the
room's document and kept only in the author's notice, before and after reconnecting (issue 14)."""

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import DocumentUpdate
from forum.services.forums import add_participant
from tests.browser import Browsers, chromium_fixture, entry_box, open_room, room_status  # noqa: F401
from tests.conftest import LiveServer
from tests.test_acknowledged_edits import stored_text
from tests.test_browser_room import CHAIR, NURSE, add_entry, forum  # noqa: F401

pytestmark = pytest.mark.browser

TYPED = "The family moved twice this year and J changed school each time; " * 3


@pytest.fixture
def throttled(app, chromium, database_path, tmp_path):
    """Browsers against a server that allows 5 events a second in bursts of 10."""
    instance = tmp_path / "throttled"
    instance.mkdir()
    env = {"SOCKET_EVENTS_PER_SECOND": "5", "SOCKET_EVENTS_BURST": "10"}
    server = LiveServer(database_path, instance, env=env).start()
    opened = Browsers(chromium, server.url)
    yield opened, server
    opened.close()
    server.stop()
    assert not [e for e in opened.console_errors if "pageerror" in e], opened.console_errors


def saved(page) -> None:
    """Wait until the room client has nothing unsaved (the pill shows "Saved" a moment early)."""
    deadline = time.monotonic() + 30
    while room_status(page) != "Saved" and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert room_status(page) == "Saved"


def test_fast_typing_is_neither_refused_nor_lost_when_the_server_throttles(throttled, forum):  # noqa: F811
    browsers, _server = throttled
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    chair = open_room(browsers.signed_in(CHAIR), forum.path)
    box = add_entry(nurse, "Presenting")
    box.press_sequentially(TYPED, delay=5)  # about 200 keys a second, far over the server's 5 events
    saved(nurse)
    expect(entry_box(chair, 1, "Presenting")).to_have_value(TYPED, timeout=20_000)
    expect(nurse.get_by_role("alert")).to_have_count(0)
    entry_id = int(box.get_attribute("data-entry"))
    assert stored_text(forum.id, f"entry:{entry_id}") == TYPED
    db.session.rollback()
    updates = db.session.scalar(select(db.func.count()).select_from(DocumentUpdate))
    assert updates < len(TYPED) / 2, f"{updates} updates for {len(TYPED)} keys: typing was not merged"


def test_text_refused_after_a_role_change_is_kept_in_a_notice_and_gone_from_the_room(
    throttled,
    forum,  # noqa: F811
):
    browsers, server = throttled
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    chair = open_room(browsers.signed_in(CHAIR), forum.path)
    box = add_entry(nurse, "Protective")
    box.press_sequentially("Grandmother visits.", delay=20)
    saved(nurse)
    entry_id = int(box.get_attribute("data-entry"))

    add_participant(forum.id, NURSE, "observer")  # as the chair's Manage page would, mid-sentence
    db.session.commit()
    nurse.keyboard.insert_text(" REFUSED WORDS")  # one edit (a paste, or keys typed while one is in flight)

    problem = nurse.get_by_role("alert")
    expect(problem).to_contain_text("Your change was not saved")
    kept = nurse.locator("[data-refused-text]")
    expect(kept.first).to_have_value("Grandmother visits. REFUSED WORDS")
    expect(box).to_have_value("Grandmother visits.")
    expect(entry_box(chair, 1, "Protective")).to_have_value("Grandmother visits.")

    server.kill()
    server.start()
    expect(nurse.locator("[data-status]")).not_to_have_text("Reconnecting…", timeout=20_000)
    nurse.wait_for_timeout(6_000)  # a re-sync interval: nothing refused comes back
    expect(entry_box(nurse, 1, "Protective")).to_have_value("Grandmother visits.")
    expect(entry_box(chair, 1, "Protective")).to_have_value("Grandmother visits.")
    expect(kept.first).to_have_value("Grandmother visits. REFUSED WORDS")
    assert stored_text(forum.id, f"entry:{entry_id}") == "Grandmother visits."

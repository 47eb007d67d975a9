"""The live room in headless Chromium: co-editing, attribution, adding, observers, refusals, reconnecting."""

import re
import time

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Forum, Stage
from forum.services.accounts import find_user
from forum.services.stages import start_forum
from tests.a11y import assert_no_violations
from tests.browser import (  # noqa: F401
    browsers_fixture,
    chromium_fixture,
    entry_box,
    open_entry_menu,
    open_room,
    room_status,
)

pytestmark = pytest.mark.browser

CHAIR = "chair@example.org"
NURSE = "jo.nurse@example.org"
TEACHER = "sam.teacher@example.org"
OBSERVER = "olu.observer@example.org"


@pytest.fixture
def forum(people):
    """A forum chaired by children's social care, with Health and School contributors and an observer."""
    people.user(CHAIR, agency="Children's Social Care", name="Ada Chair")
    people.user(NURSE, agency="Health", name="Jo Nurse")
    people.user(TEACHER, agency="School", name="Sam Teacher")
    people.user(OBSERVER, agency="Housing", name="Olu Observer")
    forum = people.forum(
        "RF-1", chair=CHAIR, **{NURSE: "contributor", TEACHER: "contributor", OBSERVER: "observer"}
    )
    start_forum(forum.id, find_user(CHAIR))  # live: entries are not written input
    db.session.commit()  # set-up is stored (services only flush) before the live server reads it
    return forum


def add_entry(page, panel: str):
    """Press the panel's Add button and return the (focused) new text box."""
    page.get_by_role("region", name=panel).get_by_role("button", name=re.compile(r"^Add")).click()
    box = page.locator("textarea.forum-entry__text:focus")
    expect(box).to_have_count(1)
    return box


def test_room_shell_has_six_named_regions_and_add_buttons(browsers, forum):
    page = open_room(browsers.signed_in(CHAIR), forum.path)
    for panel in ("Presenting", "Predisposing", "Precipitating", "Perpetuating", "Protective", "Plan"):
        region = page.get_by_role("region", name=panel)
        expect(region).to_be_visible()
        expect(region.get_by_role("button", name=f"Add entry to {panel}")).to_be_visible()
    expect(page.locator(".forum-presence")).to_contain_text("Ada Chair (you), Children's Social Care, chair")


@pytest.mark.a11y
def test_add_focuses_new_entry_with_visible_attribution(browsers, forum):
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    chair = open_room(browsers.signed_in(CHAIR), forum.path)

    box = add_entry(nurse, "Protective")
    expect(box).to_have_accessible_name("Entry 1 in Protective, added by Jo Nurse (Health)")
    expect(entry_box(nurse, 1, "Protective")).to_be_focused()
    protective = nurse.get_by_role("region", name="Protective")
    expect(protective.locator(".forum-entry__author")).to_have_text("added by Jo Nurse (Health)")
    expect(protective.locator(".forum-entry__author")).to_be_visible()

    # The chair sees the new entry, attributed by the server, and hears it announced once.
    chair_box = entry_box(chair, 1, "Protective")
    expect(chair_box).to_have_accessible_name("Entry 1 in Protective, added by Jo Nurse (Health)")
    expect(chair.locator("[data-announcer]")).to_have_text("Health added an entry to Protective.")
    box.type("Grandmother collects him from school.")
    expect(chair_box).to_have_value("Grandmother collects him from school.")
    expect(nurse.locator("[data-status]")).to_have_text("Saved")

    # 37 keystrokes reach the chair's screen reader as one summary, not one per keystroke.
    deadline = time.monotonic() + 10
    edits = []
    while not edits and time.monotonic() < deadline:
        chair.wait_for_timeout(200)
        edits = [text for text in chair.evaluate("window.forumRoom.announcements()") if "edited" in text]
    chair.wait_for_timeout(1000)  # room for a (wrong) second announcement to show up
    edits = [text for text in chair.evaluate("window.forumRoom.announcements()") if "edited" in text]
    assert edits == ["Jo Nurse edited entry 1 in Protective."]
    added = [text for text in chair.evaluate("window.forumRoom.announcements()") if "added" in text]
    assert added == ["Health added an entry to Protective."]  # once, however many updates followed


def test_two_people_typing_in_one_entry_converge_and_late_joiner_sees_it(browsers, forum):
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    chair = open_room(browsers.signed_in(CHAIR), forum.path)
    nurse_box = add_entry(nurse, "Protective")
    nurse_box.type("Seed.")
    chair_box = entry_box(chair, 1, "Protective")
    expect(chair_box).to_have_value("Seed.")

    # Nurse types at the start while the chair types at the end, keystrokes interleaved
    # without waiting for either to arrive at the other.
    chair_box.focus()
    chair.keyboard.press("Control+End")
    nurse_box.focus()
    nurse.keyboard.press("Control+Home")
    start, end = "Nan visits weekly. ", " School says attendance is up."
    for index in range(max(len(start), len(end))):
        if index < len(start):
            nurse.keyboard.type(start[index])
        if index < len(end):
            chair.keyboard.type(end[index])
    expected = start + "Seed." + end
    expect(nurse_box).to_have_value(expected)
    expect(chair_box).to_have_value(expected)

    # Both now type at the very same place (the end): the texts still end the same.
    nurse.keyboard.press("Control+End")
    a, b = "abcdefghij", "0123456789"
    for x, y in zip(a, b, strict=True):
        nurse.keyboard.type(x)
        chair.keyboard.type(y)
    expect(nurse.locator("[data-status]")).to_have_text("Saved")
    expect(chair.locator("[data-status]")).to_have_text("Saved")
    expect(chair_box).to_have_value(re.compile(re.escape(expected) + ".{20}$"))
    expect(nurse_box).to_have_value(re.compile(re.escape(expected) + ".{20}$"))  # each may lag the other
    final = nurse_box.input_value()
    expect(chair_box).to_have_value(final)
    assert sorted(final[len(expected) :]) == sorted(a + b)

    # Each saw the other typing.
    assert room_status(nurse) == room_status(chair) == "Saved"

    teacher = open_room(browsers.signed_in(TEACHER), forum.path)
    late_box = entry_box(teacher, 1, "Protective")
    expect(late_box).to_have_value(final)
    expect(late_box).to_have_accessible_name(
        "Entry 1 in Protective, added by Jo Nurse (Health) · edited by Ada Chair (Children's Social Care)"
    )
    expect(teacher.locator(".forum-presence")).to_contain_text("Jo Nurse, Health, contributor")


def test_observer_sees_everything_but_cannot_type_or_add(browsers, forum):
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    add_entry(nurse, "Presenting").type("Missing school on Mondays.")
    observer = open_room(browsers.signed_in(OBSERVER), forum.path)

    box = entry_box(observer, 1, "Presenting")
    expect(box).to_have_value("Missing school on Mondays.")
    expect(box).not_to_be_editable()
    expect(observer.get_by_role("button", name=re.compile(r"^(Add|Remove|Move)"))).to_have_count(0)
    box.focus()
    observer.keyboard.type("observer text")
    observer.keyboard.press("Control+z")
    expect(box).to_have_value("Missing school on Mondays.")
    expect(entry_box(nurse, 1, "Presenting")).to_have_value("Missing school on Mondays.")
    assert room_status(observer) == "Saved"


def test_typing_marker_presence_remove_and_move_by_keyboard(browsers, forum):
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    chair = open_room(browsers.signed_in(CHAIR), forum.path)
    expect(nurse.locator(".forum-presence")).to_contain_text("Ada Chair, Children's Social Care, chair")
    add_entry(nurse, "Plan").type("First idea")
    add_entry(nurse, "Plan").type("Second idea")

    # "Is typing" means the chair's changes to that entry are arriving (not merely its focus).
    entry_box(chair, 1, "Plan").focus()
    chair.keyboard.press("End")
    chair.keyboard.type("!")
    chair.keyboard.press("Backspace")
    expect(nurse.locator(".forum-entry", has_text="Entry 1").locator(".forum-entry__typing")).to_have_text(
        "Ada Chair is typing"
    )

    # Move entry 2 up with the keyboard: the focus stays on the moved entry's buttons.
    open_entry_menu(nurse, 2, "Plan")
    move_up = nurse.get_by_role("button", name="Move up entry 2 in Plan")
    move_up.focus()
    nurse.keyboard.press("Enter")
    expect(entry_box(nurse, 1, "Plan")).to_have_value("Second idea")
    expect(entry_box(chair, 1, "Plan")).to_have_value("Second idea")
    expect(nurse.get_by_role("button", name="Move down entry 1 in Plan")).to_be_focused()

    nurse.get_by_role("button", name="Remove entry 1 in Plan").focus()
    nurse.keyboard.press("Enter")
    expect(chair.get_by_role("region", name="Plan").get_by_role("textbox")).to_have_count(1)
    expect(entry_box(chair, 1, "Plan")).to_have_value("First idea")
    expect(entry_box(nurse, 1, "Plan")).to_be_focused()


def test_undo_and_redo_revert_only_my_own_changes(browsers, forum):
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    chair = open_room(browsers.signed_in(CHAIR), forum.path)
    nurse_box = add_entry(nurse, "Perpetuating")
    nurse_box.type("Rent arrears.")
    chair_box = entry_box(chair, 1, "Perpetuating")
    expect(chair_box).to_have_value("Rent arrears.")
    chair_box.focus()
    chair.keyboard.press("Control+End")
    chair.keyboard.type(" Noisy flat.")
    expect(nurse_box).to_have_value("Rent arrears. Noisy flat.")

    chair.keyboard.press("Control+z")
    expect(chair_box).to_have_value("Rent arrears.")
    expect(nurse_box).to_have_value("Rent arrears.")
    chair.keyboard.press("Control+Shift+Z")
    expect(nurse_box).to_have_value("Rent arrears. Noisy flat.")
    chair.keyboard.press("Control+z")
    chair.keyboard.press("Control+z")  # nothing more of the chair's to undo
    expect(nurse_box).to_have_value("Rent arrears.")
    expect(chair_box).to_have_value("Rent arrears.")


def test_edit_refused_when_locked_is_reported_with_the_text_kept(browsers, forum, app):
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    box = add_entry(nurse, "Presenting")
    box.type("Saved words.")
    expect(nurse.locator("[data-status]")).to_have_text("Saved")

    db.session.get(Forum, forum.id).stage = Stage.LOCKED
    db.session.commit()
    nurse.keyboard.insert_text(" Late words")  # one edit, refused as a whole

    problem = nurse.get_by_role("alert")
    expect(problem).to_contain_text("Your change was not saved")
    expect(problem).to_contain_text("locked")
    kept = nurse.locator("[data-refused-text]")
    expect(kept).to_have_value("Saved words. Late words")
    expect(kept).not_to_be_editable()
    expect(nurse.locator("[data-status]")).to_have_text("Not saved")
    expect(box).not_to_be_editable()


def test_typing_while_server_is_down_is_sent_after_reconnecting(browsers, forum, live_server):
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    chair = open_room(browsers.signed_in(CHAIR), forum.path)
    box = add_entry(nurse, "Predisposing")
    box.type("Before.")
    expect(entry_box(chair, 1, "Predisposing")).to_have_value("Before.")

    live_server.kill()
    expect(nurse.locator("[data-status]")).to_have_text("Reconnecting…")
    box.type(" Typed while offline.")
    live_server.start()

    expect(nurse.locator("[data-status]")).to_have_text("Saved", timeout=20_000)
    expect(entry_box(chair, 1, "Predisposing")).to_have_value("Before. Typed while offline.", timeout=20_000)
    late = open_room(browsers.signed_in(TEACHER), forum.path)
    expect(entry_box(late, 1, "Predisposing")).to_have_value("Before. Typed while offline.")


@pytest.mark.a11y
def test_room_with_entries_passes_axe_and_fits_a_phone(browsers, forum, live_server):
    nurse = open_room(browsers.signed_in(NURSE), forum.path)
    chair = open_room(browsers.signed_in(CHAIR), forum.path)
    add_entry(nurse, "Presenting").type("Not sleeping.")
    add_entry(nurse, "Presenting").type("Arguments at home.")
    entry_box(chair, 2, "Presenting").focus()  # the chair types: the nurse's page shows a typing marker
    chair.keyboard.press("End")
    chair.keyboard.type("!")
    chair.keyboard.press("Backspace")
    expect(nurse.get_by_text("Ada Chair is typing")).to_be_visible()

    assert_no_violations(nurse)  # the whole page: header, navigation and footer included

    nurse.set_viewport_size({"width": 320, "height": 800})
    assert nurse.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

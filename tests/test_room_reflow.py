"""A chair's room reflows into a 320 px screen even with long names and agencies (WCAG 1.4.10)."""

import pytest
from playwright.sync_api import expect

from tests.browser import browsers_fixture, chromium_fixture, open_room  # noqa: F401
from tests.room_driver import RoomDriver

pytestmark = [pytest.mark.browser, pytest.mark.a11y]

CHAIR = "chair@example.org"


def test_the_chairs_room_does_not_scroll_sideways_at_320_px_with_a_long_agency_name(browsers, people):
    people.user(CHAIR, agency="Children's Social Care", name="Ada Chair")
    people.user(
        "head@example.org",
        agency="Northfield Primary School and Nursery Academy Trust",
        name="Alexandra Montgomery-Fitzgerald",
    )
    forum = people.forum("RF-WIDE", chair=CHAIR, **{"head@example.org": "contributor"})
    page = open_room(browsers.signed_in(CHAIR), forum.path)
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_timeout(300)
    handover = page.get_by_label("Hand the chair to")
    assert handover.count() == 1, "the chair's handover control is not on the page"
    box = handover.bounding_box()
    widest = page.evaluate("document.scrollingElement.scrollWidth")
    assert widest <= 320, f"the page is {widest} px wide at 320 px"
    assert box is not None and box["x"] + box["width"] <= 320, box


LONG_AGENCY = "Northfield Primary School and Nursery Academy Trust of Leeds"  # 60 characters
LONG_PERSON = "Alexandra Montgomery-Fitzgerald-Okonkwo-Van Der Berg-Smithso"  # 60 characters
LONG_CHAIR_AGENCY = "Leeds City Council Children and Families Social Work Service"
LONG_CHAIR = "Bartholomew Featherstonehaugh-Cholmondeley-Worthington Chair"


def test_no_stage_scrolls_sideways_at_320_px_for_the_chair_or_a_contributor_with_long_names(
    browsers, people, live_server
):
    assert len(LONG_AGENCY) == len(LONG_PERSON) == len(LONG_CHAIR_AGENCY) == len(LONG_CHAIR) == 60
    people.user(CHAIR, agency=LONG_CHAIR_AGENCY, name=LONG_CHAIR)
    people.user("head@example.org", agency=LONG_AGENCY, name=LONG_PERSON)
    forum = people.forum("RF-LONG", chair=CHAIR, **{"head@example.org": "contributor"})
    room = RoomDriver(live_server, forum.id)
    try:
        room.join(CHAIR)
        room.join("head@example.org")
        room.call(CHAIR, "forum:start")
        perpetuating = room.add_entry("head@example.org", "perpetuating", "Late nights " * 8)
        room.add_entry(CHAIR, "plan", "Meet J at the gate " * 4)
        pages = {
            "chair": open_room(browsers.signed_in(CHAIR), forum.path),
            "contributor": open_room(browsers.signed_in("head@example.org"), forum.path),
        }
        for page in pages.values():
            page.set_viewport_size({"width": 320, "height": 640})
        head = next(p["user"] for p in room.clients[CHAIR].presence if p["name"] == LONG_PERSON)
        steps = {
            "gather": lambda: None,
            "hypothesis": lambda: room.write(CHAIR, "hypothesis", "Money worries " * 10),
            "prioritise": lambda: room.call("head@example.org", "vote:add", entry=perpetuating),
            "plan": lambda: room.call(
                CHAIR, "action:set", action=room.call(CHAIR, "action:add")["action"], owner=head
            ),
            "agree": lambda: room.call(CHAIR, "lead:nominate", user=head),
        }
        for stage, step in steps.items():
            if stage != "gather":
                room.stage(CHAIR, stage)
            step()
            for who, page in pages.items():
                expect(page.locator("[data-stage-label]")).to_contain_text(stage.capitalize())
                page.wait_for_timeout(300)
                widest = page.evaluate("document.scrollingElement.scrollWidth")
                assert widest <= 320, f"{stage}, {who}: the page is {widest} px wide at 320 px"
    finally:
        room.close()

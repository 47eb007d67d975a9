"""A chair's room reflows into a 320 px screen even with long names and agencies (WCAG 1.4.10)."""

import pytest

from tests.browser import browsers_fixture, chromium_fixture, open_room  # noqa: F401

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

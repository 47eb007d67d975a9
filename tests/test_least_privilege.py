"""Refusals that reveal nothing and accept nothing stray; administrators are not participants (issue 15)."""

import asyncio

import pytest
from pycrdt import Doc, Text
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import DocumentUpdate
from forum.services.entries import add_entry
from forum.services.forums import add_participant
from tests.live_clients import RoomClient, b64
from tests.lock_factories import forum_with_people, make_lockable
from tests.test_lock_live import run

pytestmark = pytest.mark.security

ADMIN = "admin@example.org"


def main_of(html: str) -> str:
    """The page's <main> element: what it says, without the session details around it."""
    return html[html.index("<main") : html.index("</main>")]


def update_creating(root: str) -> str:
    doc = Doc()
    doc[root] = Text("stray")
    return b64(doc.get_update())


def test_roots_and_focus_of_entries_that_are_not_the_forums_are_refused(live_server, people):
    setup = forum_with_people(people)
    other = people.forum("RF-OTHER", chair="chair@example.org")
    foreign = add_entry(other.id, setup.chair, "presenting").id
    own = add_entry(setup.forum_id, setup.nurse, "presenting").id
    db.session.commit()  # set-up is stored, as the edge would store it
    fid = setup.forum_id

    async def scenario():
        nurse = RoomClient(live_server.url, live_server.session("nurse@example.org"), forum_id=fid)
        nurse.headers["Origin"] = live_server.url
        await nurse.connect()
        assert (await nurse.join())["ok"]
        replies = {}
        for root in (f"entry:{foreign}", "entry:999999", "goal:999999", "action:999999:what"):
            replies[root] = await nurse.call("update", {"forum": fid, "update": update_creating(root)})
        replies["own"] = await nurse.call("update", {"forum": fid, "update": update_creating(f"entry:{own}")})
        replies["focus"] = await nurse.call("focus", {"forum": fid, "entry": foreign})
        replies["own focus"] = await nurse.call("focus", {"forum": fid, "entry": own})
        await nurse.disconnect()
        return replies

    before = db.session.scalar(select(func.count()).select_from(DocumentUpdate))
    replies = run(scenario)
    for root in (f"entry:{foreign}", "entry:999999", "goal:999999", "action:999999:what"):
        assert replies[root]["error"]["code"] == "bad_update", (root, replies[root])
    assert replies["own"]["ok"] and replies["own focus"]["ok"]
    assert replies["focus"]["error"]["code"] == "not_found"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DocumentUpdate)) == before + 1


@pytest.mark.parametrize("path", ["", "/manage", "/versions", "/versions/1", "/versions/1/download/pdf"])
def test_every_forum_route_answers_outsiders_as_if_the_forum_did_not_exist(live_server, people, path):
    setup = forum_with_people(people)
    make_lockable(setup)
    people.user(ADMIN, agency="Council", name="Ann Admin", admin=True)
    people.user("outsider@example.org", agency="Police", name="Otto Outsider")
    for email in (ADMIN, "outsider@example.org"):
        http = live_server.session(email)
        existing = http.get(f"{live_server.url}/forums/{setup.forum_id}{path}", timeout=10)
        missing = http.get(f"{live_server.url}/forums/{setup.forum_id + 999}{path}", timeout=10)
        assert existing.status_code == missing.status_code == 404, (email, existing.status_code)
        assert main_of(existing.text) == main_of(missing.text)  # the page around it carries session times


def test_an_administrator_who_is_not_a_participant_cannot_manage_invite_join_or_download(live_server, people):
    setup = forum_with_people(people)
    make_lockable(setup)
    people.user(ADMIN, agency="Council", name="Ann Admin", admin=True)
    fid = setup.forum_id
    admin = live_server.session(ADMIN)
    page = admin.get(f"{live_server.url}/admin/", timeout=10)
    assert page.status_code == 200  # still an administrator
    invited = admin.post(
        f"{live_server.url}/forums/{fid}/invitations",
        data={"email": ADMIN, "role": "chair"},
        timeout=10,
    )
    assert invited.status_code in (400, 404)  # no CSRF token to be had from a page it may not see

    async def join():
        client = RoomClient(live_server.url, admin, origin=live_server.url, forum_id=fid)
        await client.connect()
        reply = await client.join()
        await client.disconnect()
        return reply

    assert asyncio.run(join())["error"]["code"] == "forbidden"
    add_participant(fid, ADMIN, "observer")  # once a participant, the forum is theirs to read
    db.session.commit()
    assert admin.get(f"{live_server.url}/forums/{fid}/versions", timeout=10).status_code == 200
    assert admin.get(f"{live_server.url}/forums/{fid}/manage", timeout=10).status_code == 404
    add_participant(fid, ADMIN, "chair")
    db.session.commit()
    assert admin.get(f"{live_server.url}/forums/{fid}/manage", timeout=10).status_code == 200

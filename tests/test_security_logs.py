"""Application logs carry no personal data and no entry text: a whole flow on the real server."""

import asyncio

import pytest
import requests

from forum.extensions import db
from forum.services.agreement import nominate_lead, set_stance
from tests.conftest import csrf_token_from
from tests.live_clients import RoomClient, eventually
from tests.lock_factories import forum_with_people, make_draft

pytestmark = pytest.mark.security

TYPED = ["Mum works nights at the bakery", "Jay's nan lives on Elm Road", "Bruise noticed on Tuesday"]


def test_a_whole_flow_leaves_no_names_emails_or_text_in_the_server_log(live_server, people):
    setup = forum_with_people(people, "RF-LOGS")
    make_draft(setup)
    nominate_lead(setup.forum_id, setup.chair, setup.nurse.id)
    forum_id = setup.forum_id
    # A failed sign-in, with an email that exists and one that does not.
    for email in ("nurse@example.org", "nobody.known@example.org"):
        http = requests.Session()
        token = csrf_token_from(http.get(live_server.url + "/login", timeout=10).text)
        http.post(live_server.url + "/login", data={"email": email, "password": "wrong", "csrf_token": token})

    async def scenario():
        chair = RoomClient(live_server.url, live_server.session("chair@example.org"), origin=live_server.url)
        nurse = RoomClient(live_server.url, live_server.session("nurse@example.org"), origin=live_server.url)
        for client in (chair, nurse):
            await client.connect()
            assert (await client.join(forum_id))["ok"]
        entry = (await nurse.call("entry:add", {"forum": forum_id, "panel": "protective"}))["entry"]["id"]
        for text in TYPED:
            await nurse.type(entry, text + ". ")
        await eventually(lambda: TYPED[-1] in chair.texts().get(f"entry:{entry}", ""))
        await chair.call("stage:set", {"forum": forum_id, "stage": "agree", "confirm": True})
        await nurse.call("lead:accept", {"forum": forum_id})
        await chair.call("stance:set", {"forum": forum_id, "stance": "agree"})
        set_stance(forum_id, setup.teacher, "agree", None)  # School, not in the room
        db.session.commit()
        await nurse.call("stance:set", {"forum": forum_id, "stance": "object", "reason": TYPED[0]})
        await nurse.call("stance:set", {"forum": forum_id, "stance": "agree"})
        await chair.call("focus", {"forum": forum_id, "entry": entry})
        locked = await chair.call("lock", {"forum": forum_id, "override_reason": TYPED[1]})
        await nurse.call("update", {"forum": forum_id, "update": "!!"})  # a refusal
        for client in (chair, nurse):
            await client.disconnect()
        return locked

    locked = asyncio.run(asyncio.wait_for(scenario(), 90))
    assert locked["ok"], locked
    live_server.session("chair@example.org").get(
        live_server.url + f"/forums/{forum_id}/versions/1", timeout=10
    )

    log = live_server.log()
    assert "Rethink Forum listening" in log, "the log was not captured"
    secrets = [*TYPED, "Late nights", "Meet J", "Nia Nurse", "Cara Chair", "Tom Teacher", "Olu Observer"]
    secrets += ["chair@example.org", "nurse@example.org", "nobody.known@example.org", "example.org"]
    leaked = [secret for secret in secrets if secret.lower() in log.lower()]
    assert not leaked, f"the server log holds personal data or text: {leaked}\n{log[-3000:]}"


def test_a_refused_origin_is_not_written_to_the_log_as_it_arrived(live_server, people):
    forum_id = forum_with_people(people, "RF-ORIGIN").forum_id
    origin = "https://attacker-chosen-text.example"

    async def attempt():
        client = RoomClient(live_server.url, live_server.session("nurse@example.org"), origin=origin)
        try:
            await client.connect(timeout=5)
        except Exception:  # refused: the point of the test
            return False
        await client.disconnect()
        return True

    assert not asyncio.run(asyncio.wait_for(attempt(), 30)), "a foreign origin was let in"
    assert forum_id
    log = live_server.log()
    assert "origin that is not allowed was refused" in log, log[-2000:]
    assert "attacker-chosen-text" not in log

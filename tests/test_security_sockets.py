"""Per-connection limits and withdrawn access on the live room, against the real server."""

import asyncio

import pytest

from forum.extensions import socketio
from forum.live.connections import Connection
from forum.models import Participant
from forum.realtime.limits import ConnectionGuard, TokenBucket
from forum.realtime.namespace import REGISTRY_KEY
from forum.realtime.schemas import NAMESPACE
from tests import security_support
from tests.conftest import sign_in
from tests.live_clients import b64, eventually
from tests.security_support import post_form, room_client, run, server_errors

module_app = security_support.module_app
module_server = security_support.module_server
module_people = security_support.module_people

pytestmark = pytest.mark.security


@pytest.fixture(scope="module")
def forum_id(module_people) -> int:
    people = module_people
    people.user("chair@example.org", name="Cara Chair")
    people.user("nurse@example.org", agency="Health", name="Nina Nurse")
    people.user("teacher@example.org", agency="Education", name="Tess Teacher")
    people.user("flood@example.org", agency="Police", name="Fred Flood")
    forum = people.forum(
        "RF-SEC",
        **{
            "nurse@example.org": "contributor",
            "teacher@example.org": "contributor",
            "flood@example.org": "contributor",
        },
    )
    return forum.id


# The guard on its own, with a fake clock


def test_token_bucket_allows_a_burst_then_the_rate():
    bucket = TokenBucket(rate=10, burst=5, updated=0.0)
    assert [bucket.take(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.take(0.1)  # one token back after 1/10 s
    assert not bucket.take(0.1)


def test_guard_cuts_off_after_repeated_abusive_refusals_within_the_window():
    now = [0.0]
    guard = ConnectionGuard(rate=100, burst=100, max_refusals=3, window=10, clock=lambda: now[0])
    a, b = Connection("a", 1), Connection("b", 2)
    assert not guard.refused(a, "locked")  # an ordinary refusal does not count
    assert not guard.refused(a, "invalid")
    assert not guard.refused(a, "too_large")
    now[0] = 11.0  # the first two are out of the window now
    assert not guard.refused(a, "invalid")
    assert not guard.refused(a, "bad_update")
    assert guard.refused(a, "rate_limited")  # third within 10 s: cut off, once
    assert not guard.refused(a, "invalid")
    assert not guard.admit(a), "a cut-off connection is refused until it is gone"
    assert guard.admit(b), "other connections are not affected"


def test_a_disconnect_leaves_no_per_socket_state_anywhere(app, client, people):
    """One record per socket (user, browser session, forums, limits), forgotten in one call."""
    people.user("chair@example.org")
    forum = people.forum("RF-STATE")
    sign_in(client, "chair@example.org")
    sockets = [socketio.test_client(app, namespace=NAMESPACE, flask_test_client=client) for _ in range(2)]
    for socket in sockets:
        assert socket.emit("join", {"forum": forum.id, "sv": ""}, namespace=NAMESPACE, callback=True)["ok"]
        socket.emit("focus", {"forum": forum.id, "entry": None}, namespace=NAMESPACE, callback=True)
    rooms = app.extensions[REGISTRY_KEY]
    assert len(rooms.connections) == 2 and forum.id in rooms.rooms
    assert all(c.limits is not None and c.forums == {forum.id} for c in rooms.connections.of_user(1))
    for socket in sockets:
        socket.disconnect(namespace=NAMESPACE)
    assert len(rooms.connections) == 0
    assert rooms.sids_of(1) == set()
    assert forum.id not in rooms.rooms, "an empty room stays loaded"


# Against the real server


def test_a_flooder_is_cut_off_while_others_keep_editing(module_server, forum_id):
    async def scenario():
        nurse = room_client(module_server, "nurse@example.org", forum_id)
        teacher = room_client(module_server, "teacher@example.org", forum_id)
        flooder = room_client(module_server, "flood@example.org", forum_id, reconnect=False)
        for client in (nurse, teacher, flooder):
            await client.connect()
            assert (await client.join())["ok"]
        entry = (await nurse.call("entry:add", {"forum": forum_id, "panel": "presenting"}))["entry"]["id"]
        await eventually(lambda: any(e["id"] == entry for e in flooder.entries))
        # The flooder sends 1,000 valid events as fast as it can, without waiting for answers.
        started = asyncio.get_running_loop().time()
        for n in range(1000):
            await flooder.sio.emit("focus", {"forum": forum_id, "entry": entry}, namespace="/forum")
            if n % 50 == 0:
                await asyncio.sleep(0)
        cut_off = await eventually(lambda: not flooder.sio.connected, timeout=15)
        print(f"flooder cut off after {asyncio.get_running_loop().time() - started:.2f} s")
        # Everyone else carries on: the nurse types, the teacher receives it.
        await nurse.type(entry, " Nurse typed after the flood.")
        received = await eventually(
            lambda: "Nurse typed after the flood." in teacher.texts().get(f"entry:{entry}", "")
        )
        still = nurse.sio.connected and teacher.sio.connected
        await nurse.disconnect()
        await teacher.disconnect()
        if flooder.sio.connected:
            await flooder.disconnect()
        return cut_off, received, still

    cut_off, received, still = run(scenario())
    assert cut_off, "the flooding connection was not disconnected"
    assert still, "other connections were disconnected too"
    assert received, "the room stopped relaying to others during the flood"
    assert not server_errors(module_server.log()), module_server.log()[-3000:]


def test_a_client_sending_garbage_repeatedly_is_disconnected_and_an_occasional_mistake_is_not(
    module_server, forum_id
):
    async def scenario():
        careless = room_client(module_server, "teacher@example.org", forum_id, reconnect=False)
        hostile = room_client(module_server, "flood@example.org", forum_id, reconnect=False)
        for client in (careless, hostile):
            await client.connect()
            assert (await client.join())["ok"]
        answers = []
        for _ in range(5):  # a few mistakes, then normal work: stays connected
            answers.append(await careless.call("update", {"forum": forum_id, "update": "not base64!"}))
        assert (await careless.call("facilitation:get", {"forum": forum_id}))["ok"]
        for _ in range(40):
            if not hostile.sio.connected:
                break
            try:
                answers.append(await hostile.call("entry:add", {"forum": "garbage"}, timeout=5))
            except Exception:  # the disconnect arrives instead of an acknowledgement
                break
        await eventually(lambda: not hostile.sio.connected, timeout=10)
        result = careless.sio.connected, hostile.sio.connected, answers
        await careless.disconnect()
        return result

    careless_connected, hostile_connected, answers = run(scenario())
    assert careless_connected, "five malformed events in a row disconnected a client"
    assert not hostile_connected, "forty malformed events in a row did not disconnect the client"
    assert all(answer["ok"] is False and answer["error"]["code"] == "invalid" for answer in answers)
    assert len(answers) >= 5 + 15


def test_an_unknown_event_is_refused_with_an_error_acknowledgement(module_server, forum_id):
    async def scenario():
        client = room_client(module_server, "nurse@example.org", forum_id)
        await client.connect()
        reply = await client.call("drop:tables", {"forum": forum_id})
        await client.disconnect()
        return reply

    reply = run(scenario())
    assert reply["ok"] is False and reply["error"]["code"] == "invalid"
    assert "drop" not in reply["error"]["message"], "the event name must not be echoed back"


# Withdrawn access closes sockets at once


def test_sign_out_closes_that_sessions_sockets_and_not_the_other_devices(module_server, forum_id):
    async def scenario():
        laptop = room_client(module_server, "nurse@example.org", forum_id, reconnect=False)
        tablet = room_client(module_server, "nurse@example.org", forum_id, reconnect=False)
        laptop_http = module_server.session("nurse@example.org")
        laptop.cookie = "; ".join(f"{c.name}={c.value}" for c in laptop_http.cookies)
        for client in (laptop, tablet):
            await client.connect()
            assert (await client.join())["ok"]
        response = await asyncio.to_thread(post_form, laptop_http, module_server.url, "/logout")
        assert response.status_code == 200
        closed = await eventually(lambda: not laptop.sio.connected, timeout=5)
        tablet_ok = (
            tablet.sio.connected and (await tablet.call("facilitation:get", {"forum": forum_id}))["ok"]
        )
        await tablet.disconnect()
        return closed, tablet_ok

    closed, tablet_ok = run(scenario())
    assert closed, "the signed-out session's socket stayed open"
    assert tablet_ok, "the same user's other session was closed too"


def _participant_id(forum_id: int, email: str) -> int:
    from forum.extensions import db
    from forum.services.accounts import find_user

    db.session.rollback()
    user = find_user(email)
    return db.session.query(Participant).filter_by(forum_id=forum_id, user_id=user.id).one().id


def test_a_role_change_reaches_the_room_at_once_and_the_next_edit_is_refused(module_server, forum_id):
    participant = _participant_id(forum_id, "teacher@example.org")

    async def scenario():
        chair_http = module_server.session("chair@example.org")
        teacher = room_client(module_server, "teacher@example.org", forum_id)
        states = []

        async def on_facilitation(state):
            states.append(state)

        teacher.sio.on("facilitation", on_facilitation, namespace="/forum")
        await teacher.connect()
        assert (await teacher.join())["ok"]
        response = await asyncio.to_thread(
            post_form,
            chair_http,
            module_server.url,
            f"/forums/{forum_id}/participants/{participant}/role",
            {f"p{participant}-role": "observer"},
        )
        assert response.status_code == 200, response.status_code

        def told() -> bool:
            mine = [p for p in teacher.presence if p["name"] == "Tess Teacher"]
            roles = [
                p["role"]
                for state in states[-1:]
                for p in state["participants"]
                if p["name"] == "Tess Teacher"
            ]
            return bool(mine) and mine[0]["role"] == "observer" and roles == ["observer"]

        updated = await eventually(told, timeout=5)
        reply = await teacher.call("update", {"forum": forum_id, "update": b64(b"\x00\x00")})
        await teacher.disconnect()
        return updated, reply

    updated, reply = run(scenario())
    assert updated, "presence and facilitation state did not show the new role"
    assert reply["ok"] is False and reply["error"]["code"] == "forbidden"


def test_removal_from_a_forum_closes_the_sockets_in_that_forum_and_rejoining_is_refused(
    module_server, forum_id
):
    participant = _participant_id(forum_id, "flood@example.org")

    async def scenario():
        chair_http = module_server.session("chair@example.org")
        removed = room_client(module_server, "flood@example.org", forum_id, reconnect=False)
        await removed.connect()
        assert (await removed.join())["ok"]
        response = await asyncio.to_thread(
            post_form, chair_http, module_server.url, f"/forums/{forum_id}/participants/{participant}/remove"
        )
        assert response.status_code == 200
        closed = await eventually(lambda: not removed.sio.connected, timeout=5)
        again = room_client(module_server, "flood@example.org", forum_id, reconnect=False)
        await again.connect()
        join = await again.join()
        await again.disconnect()
        return closed, join

    closed, join = run(scenario())
    assert closed, "the removed participant's socket stayed open"
    assert join["ok"] is False and join["error"]["code"] == "forbidden"

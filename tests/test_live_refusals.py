"""What the live room refuses, each with a clear error and nothing changed."""

import asyncio
import base64

import pytest
import socketio
from pycrdt import Doc, Map, Text
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEvent, DocumentUpdate, Entry
from tests.live_clients import RoomClient, b64
from tests.stored import document_texts


def seeded_forum(people) -> int:
    people.user("chair@example.org", agency="Children's Social Care", name="Cara Chair")
    people.user("nurse@example.org", agency="Health", name="Nina Nurse")
    people.user("watcher@example.org", agency="Education", name="Wes Watcher")
    people.user("outsider@example.org", agency="Police", name="Otto Outsider")
    forum = people.forum("RF-REF", **{"nurse@example.org": "contributor", "watcher@example.org": "observer"})
    return forum.id


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def client_for(live_server, email: str | None, forum_id: int, origin: str | None = None) -> RoomClient:
    http = live_server.session(email) if email else None
    return RoomClient(live_server.url, http, origin=origin or live_server.url, forum_id=forum_id)


def refused_with(reply: dict, code: str) -> bool:
    return reply.get("ok") is False and reply["error"]["code"] == code and reply["error"]["message"]


def test_connections_without_session_or_from_a_foreign_origin_are_refused(live_server, people):
    forum_id = seeded_forum(people)

    async def attempt(client: RoomClient) -> bool:
        try:
            await client.connect(timeout=5)
        except socketio.exceptions.ConnectionError:
            return False
        await client.disconnect()
        return True

    async def scenario():
        return (
            await attempt(client_for(live_server, None, forum_id)),
            await attempt(
                client_for(live_server, "nurse@example.org", forum_id, origin="https://evil.example")
            ),
            await attempt(client_for(live_server, "nurse@example.org", forum_id)),
        )

    no_session, foreign_origin, signed_in = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert not no_session, "a connection without a session was accepted"
    assert not foreign_origin, "a connection from a foreign Origin was accepted"
    assert signed_in, "the control connection (session, own origin) was refused"


def test_non_participants_observers_and_bad_payloads_are_refused_and_change_nothing(live_server, people):
    forum_id = seeded_forum(people)

    async def scenario():
        chair = client_for(live_server, "chair@example.org", forum_id)
        await chair.connect()
        assert (await chair.join())["ok"]
        entry = (await chair.call("entry:add", {"forum": forum_id, "panel": "protective"}))["entry"]
        await chair.type(entry["id"], "Grandmother visits daily")
        before = (chair.texts(), count(DocumentUpdate), count(Entry))

        outsider = client_for(live_server, "outsider@example.org", forum_id)
        await outsider.connect()
        outsider_join = await outsider.join()
        outsider_update = await outsider.call("update", {"forum": forum_id, "update": b64(b"\x00\x00")})

        watcher = client_for(live_server, "watcher@example.org", forum_id)
        await watcher.connect()
        watcher_join = await watcher.join()
        await watcher.type(entry["id"], " (observer edit)")
        watcher_add = await watcher.call("entry:add", {"forum": forum_id, "panel": "plan"})

        def update_of(change) -> str:
            doc = Doc()
            change(doc)
            return b64(doc.get_update())

        stray_root = update_of(lambda doc: doc.__setitem__("settings", Map({"x": 1})))
        fid = forum_id
        cases = [
            ("join", {"forum": "seven"}, "invalid"),
            ("join", [forum_id], "invalid"),
            ("join", "hello", "invalid"),
            ("update", {"update": b64(b"\x00\x00")}, "invalid"),
            ("update", {"forum": fid, "update": "not base64 at all!"}, "invalid"),
            ("update", {"forum": fid, "update": 42}, "invalid"),
            ("update", {"forum": fid, "update": b64(b"\x00\x00"), "author": 1}, "invalid"),
            ("update", {"forum": fid, "update": "A" * (300 * 1024)}, "too_large"),
            ("update", {"forum": fid, "update": b64(b"garbage!!")}, "bad_update"),
            ("update", {"forum": fid, "update": b64(b"\x01\x01\x05")}, "bad_update"),
            ("update", {"forum": fid, "update": stray_root}, "bad_update"),
            ("update", {"forum": fid + 1, "update": b64(b"\x00\x00")}, "not_joined"),
            ("entry:add", {"forum": fid, "panel": "nonsense"}, "not_found"),
            ("entry:add", {"forum": fid, "panel": "plan", "author": {"name": "Someone Else"}}, "invalid"),
            ("entry:add", {"forum": fid, "panel": "plan", "agency": "Police"}, "invalid"),
            ("entry:add", {"forum": True, "panel": "plan"}, "invalid"),
            ("entry:remove", {"forum": fid, "entry": 999}, "not_found"),
            ("entry:move", {"forum": fid, "entry": entry["id"], "direction": "sideways"}, "invalid"),
            ("focus", {"forum": fid, "entry": -1}, "invalid"),
            ("join", {"forum": fid, "sv": b64(b"\xff\xff\xff")}, "bad_update"),
        ]
        answers = [(event, payload, code, await chair.call(event, payload)) for event, payload, code in cases]
        after = (chair.texts(), count(DocumentUpdate), count(Entry))
        stored = document_texts(forum_id)
        for client in (chair, outsider, watcher):
            await client.disconnect()
        return dict(
            before=before,
            after=after,
            stored=stored,
            entry=entry,
            outsider_join=outsider_join,
            outsider_update=outsider_update,
            watcher_join=watcher_join,
            watcher_refused=[r["reply"] for r in watcher.refused],
            watcher_add=watcher_add,
            answers=answers,
        )

    result = asyncio.run(asyncio.wait_for(scenario(), 90))
    assert refused_with(result["outsider_join"], "forbidden"), result["outsider_join"]
    assert refused_with(result["outsider_update"], "not_joined"), result["outsider_update"]
    assert result["watcher_join"]["ok"] and result["watcher_join"]["me"]["role"] == "observer"
    assert len(result["watcher_refused"]) == 1 and refused_with(result["watcher_refused"][0], "forbidden")
    assert refused_with(result["watcher_add"], "forbidden"), result["watcher_add"]
    wrong = [
        (e, str(p)[:80], code, reply)
        for e, p, code, reply in result["answers"]
        if not refused_with(reply, code)
    ]
    assert not wrong, wrong
    assert result["before"] == result["after"], "a refused event changed something"
    assert result["stored"] == {f"entry:{result['entry']['id']}": "Grandmother visits daily"}


def test_a_failing_handler_answers_server_error_and_logs_no_personal_data(live_server, people):
    """The one error handler: an unexpected failure is acknowledged as server_error, logged by id only."""
    forum_id = seeded_forum(people)

    async def scenario():
        nurse = client_for(live_server, "nurse@example.org", forum_id)
        await nurse.connect()
        reply = await nurse.join()
        # Break the database under the server: the next entry:add cannot be stored.
        db.session.execute(db.text("ALTER TABLE entries RENAME TO entries_gone"))
        db.session.commit()
        try:
            failed = await nurse.call("entry:add", {"forum": forum_id, "panel": "plan"})
        finally:
            db.session.execute(db.text("ALTER TABLE entries_gone RENAME TO entries"))
            db.session.commit()
        await nurse.disconnect()
        return reply, failed

    reply, failed = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert reply["ok"]
    assert refused_with(failed, "server_error"), failed
    log = live_server.log()
    assert "entry:add" in log and "Nina" not in log and "nurse@example.org" not in log


@pytest.mark.parametrize("role", ["chair", "contributor"])
def test_writers_can_type_and_their_update_is_audited_without_text(live_server, people, role):
    people.user("chair@example.org", name="Cara Chair")
    people.user("nurse@example.org", agency="Health", name="Nina Nurse")
    forum_id = people.forum("RF-W", **{"nurse@example.org": "contributor"}).id
    email = "chair@example.org" if role == "chair" else "nurse@example.org"

    async def scenario():
        client = client_for(live_server, email, forum_id)
        await client.connect()
        await client.join()
        entry = (await client.call("entry:add", {"forum": forum_id, "panel": "presenting"}))["entry"]
        await client.type(entry["id"], "secret words")
        await client.disconnect()
        return entry, client

    entry, client = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert len(client.acked) == 1 and not client.refused
    db.session.rollback()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.update")).all()
    assert [event.detail["roots"] for event in events] == [[f"entry:{entry['id']}"]]
    assert all("secret" not in str(event.detail) for event in events)
    assert base64.b64encode(b"secret") not in str(events).encode()
    assert document_texts(forum_id) == {f"entry:{entry['id']}": "secret words"}
    assert Text  # pycrdt's Text is what the roots are

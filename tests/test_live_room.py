"""The live room against the real eventlet server with real asyncio Socket.IO clients."""

import asyncio
import random

import pytest
from pycrdt import Doc
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEvent, DocumentUpdate, Entry
from tests.live_clients import RoomClient, eventually
from tests.stored import document_texts, stored

PANELS = ["presenting", "predisposing", "precipitating", "perpetuating", "protective", "plan"]
AGENCIES = ["Health", "Education", "Police", "Housing"]


def contributors(people, count: int) -> tuple[int, list[str]]:
    """A forum chaired by chair@example.org with count contributors; its id and their emails."""
    people.user("chair@example.org", agency="Children's Social Care", name="Cara Chair")
    emails = [f"person{i}@example.org" for i in range(count)]
    for i, email in enumerate(emails):
        people.user(email, agency=AGENCIES[i % len(AGENCIES)], name=f"Person {i}")
    forum = people.forum("RF-LIVE", **dict.fromkeys(emails, "contributor"))
    return forum.id, emails


def database_texts(forum_id: int) -> dict[str, str]:
    """The document as the server persisted it, rebuilt from the database in a fresh Doc."""
    db.session.rollback()
    return document_texts(forum_id)


async def connected(live_server, email: str, forum_id: int) -> RoomClient:
    client = RoomClient(
        live_server.url, live_server.session(email), origin=live_server.url, forum_id=forum_id
    )
    await client.connect()
    reply = await client.join()
    assert reply["ok"], reply
    return client


def test_twenty_clients_typing_converge_with_the_database(live_server, people):
    forum_id, emails = contributors(people, 20)

    async def scenario():
        clients = await asyncio.gather(*(connected(live_server, email, forum_id) for email in emails))
        shared = (await clients[0].call("entry:add", {"forum": forum_id, "panel": "presenting"}))["entry"]
        own = []
        for i, client in enumerate(clients):
            reply = await client.call("entry:add", {"forum": forum_id, "panel": PANELS[i % len(PANELS)]})
            assert reply["ok"], reply
            own.append(reply["entry"]["id"])

        async def typist(i: int, client: RoomClient):
            rng = random.Random(i)
            for n in range(12):
                if n % 2 == 0:
                    length = len(client.texts().get(f"entry:{shared['id']}", ""))
                    await client.type(shared["id"], chr(ord("a") + i % 26), index=rng.randint(0, length))
                else:
                    await client.type(own[i], f"{i}-{n};")

        await asyncio.gather(*(typist(i, client) for i, client in enumerate(clients)))
        assert all(not client.refused and not client.unsaved for client in clients)
        expected = database_texts(forum_id)
        await eventually(lambda: all(client.texts() == expected for client in clients), 20)
        snapshot = [client.texts() for client in clients]
        for client in clients:
            await client.disconnect()
        return expected, snapshot, own, shared

    expected, snapshot, own, shared = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert all(texts == expected for texts in snapshot), "clients did not converge with the database"
    assert len(expected[f"entry:{shared['id']}"]) == 20 * 6
    for i, entry_id in enumerate(own):
        assert expected[f"entry:{entry_id}"] == "".join(f"{i}-{n};" for n in range(1, 12, 2))
    assert db.session.scalar(select(db.func.count(DocumentUpdate.id))) == 20 * 12
    updates = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.update")).all()
    assert len(updates) == 20 * 12
    assert all(event.detail["roots"] and "text" not in event.detail for event in updates)


def not_stored(forum_id: int, updates: set[bytes]) -> int:
    """How many of these updates the stored document lacks (whether in the log or compacted)."""
    db.session.rollback()
    in_store = stored(forum_id).doc().get_update()
    lacking = 0
    for update in updates:
        probe = Doc()
        probe.apply_update(in_store)
        before = probe.get_update()
        probe.apply_update(update)
        lacking += probe.get_update() != before
    return lacking


def test_acknowledged_updates_survive_sigkill_and_clients_reconnect(live_server, people):
    forum_id, emails = contributors(people, 6)

    async def scenario():
        clients = await asyncio.gather(*(connected(live_server, email, forum_id) for email in emails))
        shared = (await clients[0].call("entry:add", {"forum": forum_id, "panel": "presenting"}))["entry"][
            "id"
        ]
        own = [
            (await c.call("entry:add", {"forum": forum_id, "panel": "plan"}))["entry"]["id"] for c in clients
        ]
        typed = [[] for _ in clients]
        stop = asyncio.Event()

        async def typist(i: int, client: RoomClient):
            n = 0
            while not stop.is_set():
                chunk = f"{i}.{n};"
                typed[i].append(chunk)
                await client.type(own[i], chunk, timeout=2)
                await client.type(shared, chr(ord("a") + i), index=0, timeout=2)
                n += 1
                await asyncio.sleep(0.01)

        typists = [asyncio.create_task(typist(i, client)) for i, client in enumerate(clients)]
        await asyncio.sleep(0.7)
        live_server.kill()
        acked_before_kill = {update for client in clients for update in client.acked}
        missing_after_kill = not_stored(forum_id, acked_before_kill)
        await asyncio.sleep(0.5)  # clients keep typing into their documents while the server is down
        live_server.start()
        rejoined = await eventually(lambda: all(client.joined.is_set() for client in clients), 20)
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*typists)
        for client in clients:  # anything still unanswered goes again; updates are idempotent
            await client.join()
        expected = database_texts(forum_id)
        converged = await eventually(lambda: all(client.texts() == expected for client in clients), 20)
        result = dict(
            acked_before_kill=len(acked_before_kill),
            missing_after_kill=missing_after_kill,
            unsaved=sum(len(client.unsaved) for client in clients),
            rejoined=rejoined,
            converged=converged,
            acked_missing_at_end=not_stored(forum_id, {u for c in clients for u in c.acked}),
            refused=[r["reply"] for c in clients for r in c.refused],
        )
        for client in clients:
            await client.disconnect()
        return result, expected, typed, own

    result, expected, typed, own = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert result["acked_before_kill"] > 0, result
    assert result["missing_after_kill"] == 0, result
    assert result["unsaved"] > 0, "the kill did not interrupt any typing: the test proved nothing"
    assert result["rejoined"] and result["converged"], result
    assert result["acked_missing_at_end"] == 0 and not result["refused"], result
    for i, entry_id in enumerate(own):  # everything typed, also while the server was down, is kept
        assert expected[f"entry:{entry_id}"] == "".join(typed[i]), i


def test_entries_are_attributed_by_the_server_and_kept_in_order(live_server, people):
    people.user("chair@example.org", agency="Children's Social Care", name="Cara Chair")
    people.user("nurse@example.org", agency="Health", name="Nina Nurse")
    forum_id = people.forum("RF-E", **{"nurse@example.org": "contributor"}).id

    async def scenario():
        chair = await connected(live_server, "chair@example.org", forum_id)
        nurse = await connected(live_server, "nurse@example.org", forum_id)
        forged = await nurse.call("entry:add", {"forum": forum_id, "panel": "protective", "author": 1})
        added = [
            (await client.call("entry:add", {"forum": forum_id, "panel": "protective"}))["entry"]
            for client in (nurse, chair, nurse)
        ]
        await nurse.call("focus", {"forum": forum_id, "entry": added[0]["id"]})
        moved = await chair.call(
            "entry:move", {"forum": forum_id, "entry": added[2]["id"], "direction": "up"}
        )
        edge = await chair.call("entry:move", {"forum": forum_id, "entry": added[0]["id"], "direction": "up"})
        removed = await nurse.call("entry:remove", {"forum": forum_id, "entry": added[0]["id"]})
        await eventually(lambda: len(chair.entries) == 2 and any(p["editing"] for p in chair.presence), 10)
        state = dict(chair_view=chair.entries, presence=chair.presence, nurse_view=nurse.entries)
        for client in (chair, nurse):
            await client.disconnect()
        return forged, added, moved, edge, removed, state

    forged, added, moved, edge, removed, state = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert forged["ok"] is False and forged["error"]["code"] == "invalid"
    assert [{k: v for k, v in entry["author"].items() if k != "user"} for entry in added] == [
        {"name": "Nina Nurse", "agency": "Health"},
        {"name": "Cara Chair", "agency": "Children's Social Care"},
        {"name": "Nina Nurse", "agency": "Health"},
    ]
    assert [entry["position"] for entry in added] == [0, 1, 2]
    assert moved["ok"] and edge["ok"] and removed["ok"]
    # After: [n0, n2, c1] → n0 removed → [n2, c1] with contiguous positions.
    assert [(e["id"], e["position"]) for e in state["chair_view"]] == [
        (added[2]["id"], 0),
        (added[1]["id"], 1),
    ]
    assert state["nurse_view"] == state["chair_view"]
    assert {p["name"]: p["editing"] for p in state["presence"]} == {
        "Cara Chair": None,
        "Nina Nurse": added[0]["id"],
    }
    db.session.rollback()
    rows = db.session.scalars(select(Entry).order_by(Entry.id)).all()
    assert len(rows) == 3 and rows[0].removed_at is not None  # soft removal
    assert [row.author.email for row in rows] == [
        "nurse@example.org",
        "chair@example.org",
        "nurse@example.org",
    ]
    assert all(row.agency_id == row.author.agency_id for row in rows)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.forum_id == forum_id)).all()
    assert {"forum.join", "entry.add", "entry.move", "entry.remove", "forum.leave"} <= set(actions)


def test_compaction_keeps_the_document_and_a_locked_forum_refuses_updates(app, people):
    """In-process: the store compacts into a snapshot, and reloads the same document from it."""
    from pycrdt import Doc, Text

    from forum.live.room import accept_update
    from forum.live.rooms import Rooms
    from forum.models import DocumentSnapshot, Forum, Stage
    from forum.services import ServiceError
    from forum.services.entries import add_entry

    chair = people.user("chair@example.org")
    forum_id = people.forum("RF-C").id
    root = add_entry(forum_id, chair, "presenting").root_name  # a root must name one of the forum's entries
    rooms = Rooms(compact_every=5)
    live = rooms.room(forum_id)
    author = Doc()
    text = author.get(root, type=Text)
    for n in range(12):
        state = author.get_state()
        text += f"{n},"
        accept_update(live, chair.id, author.get_update(state))
    assert db.session.scalar(select(db.func.count(DocumentSnapshot.id))) == 1
    assert db.session.scalar(select(db.func.count(DocumentUpdate.id))) == 2
    expected = {root: "".join(f"{n}," for n in range(12))}
    assert document_texts(forum_id) == expected
    assert Rooms().room(forum_id).doc.get(root, type=Text).to_py() == expected[root]

    db.session.get(Forum, forum_id).stage = Stage.LOCKED
    db.session.commit()
    state = author.get_state()
    text += "after lock"
    with pytest.raises(ServiceError) as refused:
        accept_update(live, chair.id, author.get_update(state))
    assert refused.value.code == "locked"
    assert str(live.doc.get(root, type=Text)) == expected[root]
    assert document_texts(forum_id) == expected


def test_a_long_log_is_compacted_when_the_room_loads_it(app, people):
    """Snapshot on load (issue 19): a log written without compaction (as by an older server) is
    replaced by one snapshot the first time a room loads it; the document is unchanged."""
    from pycrdt import Doc, Text
    from sqlalchemy import insert

    from forum.live.rooms import Rooms
    from forum.models import DocumentSnapshot

    people.user("chair@example.org")
    forum_id = people.forum("RF-LONG").id
    author = Doc()
    text = author.get("hypothesis", type=Text)
    rows = []
    watch = author.observe(
        lambda event: rows.append({"forum_id": forum_id, "user_id": None, "data": event.update})
    )
    for n in range(30):
        text.insert(len(text), "abc"[n % 3])
    author.unobserve(watch)
    db.session.execute(insert(DocumentUpdate), rows)
    db.session.commit()

    loaded = Rooms(compact_every=10).room(forum_id)
    assert str(loaded.doc.get("hypothesis", type=Text)) == str(text)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(DocumentUpdate.id))) == 0
    assert db.session.scalar(select(db.func.count(DocumentSnapshot.id))) == 1
    assert document_texts(forum_id) == {"hypothesis": str(text)}
    assert Rooms(compact_every=10).room(forum_id).updates_since_snapshot == 0

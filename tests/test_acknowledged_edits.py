"""Nothing acknowledged is hidden or lost, and nothing refused for good is stored later (issue 14).

Each scenario runs against the real eventlet server with real Socket.IO clients that behave as the
protocol says: a refusal for good (`forbidden`, `locked`) is answered by a naive client that keeps
its document and later sends everything the server lacks, refused text included, as an old or
hostile client would; the server must refuse that text again.
"""

import asyncio
import base64

import pytest
from pycrdt import Doc, Text, get_update
from sqlalchemy import select

from forum.extensions import db
from forum.live.updates import read_var_uint
from forum.models import DocumentUpdate, FrozenClient
from forum.services.forums import add_participant
from tests.conftest import LiveServer
from tests.live_clients import RoomClient, eventually
from tests.lock_factories import CHAIR, HEALTH, OBSERVER, SCHOOL, forum_with_people, make_lockable
from tests.stored import stored
from tests.test_lock_live import connected, run

pytestmark = pytest.mark.lock

COMPACT_EVERY = 20
BURST = 10


@pytest.fixture
def tight_server(app, database_path, tmp_path):
    """The real server with a small event burst and frequent compaction."""
    instance = tmp_path / "tight-instance"
    instance.mkdir()
    env = {
        "SOCKET_EVENTS_BURST": str(BURST),
        "SOCKET_EVENTS_PER_SECOND": "5",
        "SOCKET_MAX_REFUSALS": "1000",
        "DOCUMENT_COMPACT_EVERY": str(COMPACT_EVERY),
    }
    server = LiveServer(database_path, instance, env=env).start()
    yield server
    server.stop()


def lacking(doc: Doc, updates) -> int:
    """How many of these updates hold items that doc does not have.

    Asked of the update's difference from doc's state (not by applying it: an update that builds on
    a missing one would wait unseen in a probe and look held).
    """
    state = doc.get_state()
    return sum(1 for update in updates if read_var_uint(get_update(update, state), 0)[0])


def stored_doc(forum_id: int) -> Doc:
    db.session.rollback()
    return stored(forum_id).doc()


def stored_text(forum_id: int, root: str) -> str:
    doc = stored_doc(forum_id)
    return str(doc.get(root, type=Text)) if root in doc else ""


def keystroke(client: RoomClient, root: str, char: str) -> bytes:
    """One character typed at the end of a root, as the update a browser would send."""
    text = client.doc.get(root, type=Text)
    before = client.doc.get_state()
    text.insert(len(text), char)
    return client.doc.get_update(before)


def test_a_burst_then_more_typing_leaves_every_acknowledged_character_visible_and_stored(
    tight_server, people
):
    setup = forum_with_people(people)
    fid = setup.forum_id
    root = f"entry:{setup.plan_entries[0]}"

    async def scenario():
        typist = await connected(tight_server, HEALTH, fid)
        watcher = await connected(tight_server, SCHOOL, fid)
        burst = [keystroke(typist, root, chr(ord("a") + n)) for n in range(16)]
        await asyncio.gather(*(typist.send(update) for update in burst))
        rate_limited = sum(r["reply"]["error"]["code"] == "rate_limited" for r in typist.refused)
        await asyncio.sleep(1.2)  # the bucket refills a little: the next three are let in
        for char in "XYZ":
            await typist.send(keystroke(typist, root, char))
        settled = await eventually(lambda: not typist._rejoin or typist._rejoin.done(), 20)
        acked = list(typist.acked)
        seen_live = await eventually(lambda: lacking(watcher.doc, acked) == 0, 10)
        joiner = await connected(tight_server, CHAIR, fid)
        fresh = lacking(joiner.doc, acked)
        for n in range(COMPACT_EVERY + 2):  # enough accepted updates for a compaction
            await asyncio.sleep(0.25)
            await watcher.send(keystroke(watcher, root, str(n % 10)))
        for client in (typist, watcher, joiner):
            await client.disconnect()
        return rate_limited, settled, acked, seen_live, fresh

    rate_limited, settled, acked, seen_live, fresh = run(scenario, 120)
    assert rate_limited >= 1, "the burst was not throttled: the scenario proved nothing"
    assert settled
    assert seen_live, "an acknowledged update is not visible to another client in the room"
    assert fresh == 0, "an acknowledged update is not in what a fresh joiner is sent"
    db.session.rollback()
    snapshots = db.session.scalar(select(db.func.count()).select_from(DocumentUpdate))
    assert snapshots < COMPACT_EVERY + 2 + len(acked), "no compaction happened: the scenario proved nothing"
    assert lacking(stored_doc(fid), acked) == 0, "an acknowledged update is gone from the database"
    text = stored_text(fid, root)
    assert "XYZ" in text and all(chr(ord("a") + n) in text for n in range(16)), text


def test_text_refused_forbidden_is_never_stored_after_a_role_change_and_rejoin(live_server, people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    root = f"entry:{setup.plan_entries[0]}"

    async def scenario():
        nurse = await connected(live_server, HEALTH, fid)
        ok_before = await nurse.send(keystroke(nurse, root, " Agreed"))
        add_participant(fid, HEALTH, "observer")
        db.session.commit()
        refused = await nurse.send(keystroke(nurse, root, " SECRET-FORBIDDEN"))
        add_participant(fid, HEALTH, "contributor")
        db.session.commit()
        rejoin = await nurse.join()  # a naive client sends everything the server lacks
        later = await nurse.send(keystroke(nurse, root, " more"))
        await eventually(lambda: not nurse._rejoin or nurse._rejoin.done(), 10)
        fresh = RoomClient(live_server.url, live_server.session(HEALTH), origin=live_server.url, forum_id=fid)
        await fresh.connect()
        await fresh.join()
        again = await fresh.send(keystroke(fresh, root, " fresh start"))
        for client in (nurse, fresh):
            await client.disconnect()
        return ok_before, refused, rejoin, later, again, nurse.refused

    ok_before, refused, rejoin, later, again, refusals = run(scenario)
    assert ok_before["ok"] and rejoin["ok"]
    assert refused["error"]["code"] == "forbidden"
    codes = [r["reply"]["error"]["code"] for r in refusals]
    assert codes[0] == "forbidden" and set(codes[1:]) == {"already_refused"}, codes
    # What builds on the refused text cannot integrate without it; its re-sync is refused again.
    assert later["error"]["code"] in ("out_of_sync", "already_refused")
    assert again["ok"], again
    text = stored_text(fid, root)
    assert "SECRET-FORBIDDEN" not in text and "more" not in text, text
    assert text.endswith(" Agreed fresh start"), text
    db.session.rollback()
    assert db.session.scalar(select(FrozenClient.code).where(FrozenClient.forum_id == fid)) == "forbidden"


def test_text_refused_locked_is_never_stored_after_a_reopen_and_rejoin(live_server, people):
    setup = forum_with_people(people)
    make_lockable(setup)
    fid = setup.forum_id

    async def scenario():
        chair = await connected(live_server, CHAIR, fid)
        nurse = await connected(live_server, HEALTH, fid)
        assert (await chair.call("lock", {"forum": fid}))["ok"]
        refused = await nurse.edit("hypothesis", " LOCKED-OUT TEXT")
        assert (await chair.call("reopen", {"forum": fid, "reason": "Review"}))["ok"]
        await nurse.join()  # the naive resend of what the server lacks
        after_reopen = await nurse.edit("hypothesis", " built on it")
        await eventually(lambda: not nurse._rejoin or nurse._rejoin.done(), 10)
        for client in (chair, nurse):
            await client.disconnect()
        return refused, after_reopen, nurse.refused

    refused, after_reopen, refusals = run(scenario)
    assert refused["error"]["code"] == "locked"
    assert after_reopen["error"]["code"] in ("out_of_sync", "already_refused")
    assert {r["reply"]["error"]["code"] for r in refusals} == {"locked", "already_refused"}
    text = stored_text(fid, "hypothesis")
    assert "LOCKED-OUT" not in text and "built on it" not in text
    assert text == "Late nights keep J from school."


def test_an_observer_is_refused_and_a_sync_returns_what_the_client_lacks(live_server, people):
    setup = forum_with_people(people)
    fid = setup.forum_id
    root = f"entry:{setup.plan_entries[0]}"

    async def scenario():
        watcher = await connected(live_server, OBSERVER, fid)
        nurse = await connected(live_server, HEALTH, fid)
        assert (await nurse.send(keystroke(nurse, root, " plus")))["ok"]
        behind = Doc()
        reply = await watcher.call(
            "sync", {"forum": fid, "sv": base64.b64encode(behind.get_state()).decode()}
        )
        bad = await watcher.call("sync", {"forum": fid, "sv": "!!"})
        stranger = await watcher.call("sync", {"forum": fid + 1, "sv": ""})
        for client in (watcher, nurse):
            await client.disconnect()
        return reply, bad, stranger

    reply, bad, stranger = run(scenario)
    doc = Doc()
    doc.apply_update(base64.b64decode(reply["update"]))
    assert str(doc.get(root, type=Text)) == "Meet J at the gate each morning. plus"
    assert reply["sv"]
    assert bad["error"]["code"] == "invalid"
    assert stranger["error"]["code"] == "not_joined"

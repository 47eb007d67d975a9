"""Scale-out: two real server processes sharing one PostgreSQL database and one Redis.

Each test gets a fresh PostgreSQL database (created, migrated, dropped) and a flushed Redis
database; both servers are `python wsgi.py` with DATABASE_URL, REDIS_URL and the same SECRET_KEY.
"""

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from forum.extensions import db
from forum.models import Participant
from forum.models.version import PlanVersion
from forum.services.entries import add_entry
from forum.services.forums import add_participant
from forum.services.lock import lock_plan
from tests.conftest import ROOT, People
from tests.live_clients import eventually
from tests.lock_factories import (
    CHAIR,
    HEALTH,
    SCHOOL,
    agree_on_it,
    forum_with_people,
    make_draft,
    make_lockable,
)
from tests.scale_support import (
    Balancer,
    flushed_redis,
    fresh_database,
    joined,
    port_open,
    scale_app,
    server,
    unreachable,
)
from tests.stored import document_texts

pytestmark = pytest.mark.scale


def run(scenario, timeout: float = 90):
    """Run an async scenario on its own thread's event loop, bounded."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(asyncio.wait_for(scenario(), timeout))).result()


@pytest.fixture
def cluster(tmp_path):
    """A migrated PostgreSQL database, a flushed Redis, an app bound to both, and two servers."""
    reason = unreachable()
    if reason:
        pytest.skip(reason)
    with fresh_database() as database_url:
        redis_url = flushed_redis()
        app = scale_app(database_url)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            channel = f"rethink-forum-test-{uuid.uuid4().hex[:8]}"
            servers = [server(database_url, redis_url, channel, tmp_path / name) for name in "ab"]
            try:
                for each in servers:
                    each.start()
                yield app, servers[0], servers[1]
            finally:
                for each in servers:
                    each.stop()
                db.session.remove()
                db.engine.dispose()


def stored_texts(forum_id: int) -> dict[str, str]:
    db.session.rollback()
    return {name: text for name, text in document_texts(forum_id).items() if name.startswith("entry:")}


def test_clients_on_two_processes_co_edit_one_entry_and_converge_with_the_database(cluster):
    app, a, b = cluster
    setup = forum_with_people(People())
    entry = add_entry(setup.forum_id, setup.nurse, "presenting")
    root = entry.root_name
    fid = setup.forum_id
    sessions = {email: a.session(email) for email in (CHAIR, HEALTH, SCHOOL)}
    placement = [(a, CHAIR), (a, HEALTH), (b, SCHOOL), (b, CHAIR), (b, HEALTH)]

    async def scenario():
        clients = [await joined(srv.url, sessions[email], fid) for srv, email in placement]
        # Presence is the whole room on both processes: three people, whichever process they are on.
        assert await eventually(lambda: all(len(c.presence) == 3 for c in clients), timeout=10), [
            c.presence for c in clients
        ]

        async def typist(number, client):
            for word in range(15):
                assert (await client.edit(root, f"<{number}.{word}>"))["ok"]

        await asyncio.gather(*(typist(n, c) for n, c in enumerate(clients)))
        expected = {f"<{n}.{w}>" for n in range(len(clients)) for w in range(15)}
        converged = await eventually(
            lambda: (
                len({c.text(root) for c in clients}) == 1
                and all(piece in clients[0].text(root) for piece in expected)
            ),
            timeout=20,
        )
        assert converged, [c.text(root) for c in clients]
        # Each process's own document caught up too: a fresh join on each gets the same text.
        late = [await joined(srv.url, sessions[SCHOOL], fid) for srv in (a, b)]
        final = [c.text(root) for c in clients + late]
        for client in clients + late:
            await client.disconnect()
        return final

    final = run(scenario)
    assert len(set(final)) == 1
    assert stored_texts(fid)[root] == final[0]


def test_a_freeze_on_one_process_stops_edits_on_the_other_at_once(cluster):
    """Agree freezes the draft (the lock then stores it): an edit sent on the other process as soon
    as the move is acknowledged is refused, and the proposal locked is what was stored before."""
    app, a, b = cluster
    setup = forum_with_people(People())
    make_draft(setup)
    fid = setup.forum_id
    root = f"entry:{setup.plan_entries[0]}"

    async def scenario():
        chair = await joined(a.url, a.session(CHAIR), fid)
        nurse = await joined(b.url, b.session(HEALTH), fid)
        assert (await nurse.edit(root, " Before the lock."))["ok"]
        frozen = await chair.call("stage:set", {"forum": fid, "stage": "agree", "confirm": True})
        after = await nurse.edit(root, " After the lock.")  # sent as soon as the move is acknowledged
        told = await eventually(lambda: nurse.state is not None and nurse.state["stage"] == "agree", 10)
        await chair.disconnect()
        await nurse.disconnect()
        return frozen, after, told

    frozen, after, told = run(scenario)
    assert frozen["ok"], frozen
    assert not after["ok"] and after["error"]["code"] == "frozen", after
    assert told  # the other process's room heard the new stage through Redis
    agree_on_it(setup)
    lock_plan(fid, setup.chair)
    db.session.commit()  # set-up is stored, as the edge would store it
    assert stored_texts(fid)[root].endswith("Before the lock.")
    version = db.session.scalar(select(PlanVersion).where(PlanVersion.forum_id == fid))
    assert "Before the lock." in version.canonical_json.decode() and b"After the lock" not in (
        version.canonical_json
    )


def test_killing_one_process_moves_its_clients_to_the_other_with_nothing_lost(cluster):
    app, a, b = cluster
    setup = forum_with_people(People())
    entry = add_entry(setup.forum_id, setup.nurse, "presenting")
    root, fid = entry.root_name, setup.forum_id
    sessions = {email: a.session(email) for email in (CHAIR, HEALTH, SCHOOL)}

    async def scenario():
        balancer = await Balancer([a.port, b.port]).start()  # prefers a while it is up
        moving = [await joined(balancer.url, sessions[email], fid) for email in (CHAIR, HEALTH)]
        staying = await joined(b.url, sessions[SCHOOL], fid)
        everyone = [*moving, staying]
        for round_number in range(5):
            for number, client in enumerate(everyone):
                assert (await client.edit(root, f"[{number}.{round_number}]"))["ok"]
        a.kill()
        assert not port_open(a.port)
        # Typing goes on while the clients find the other process: kept, then sent on re-join.
        for round_number in range(5, 8):
            for number, client in enumerate(everyone):
                await client.edit(root, f"[{number}.{round_number}]")
        rejoined = await eventually(lambda: all(c.joined.is_set() for c in moving), timeout=20)
        expected = {f"[{n}.{r}]" for n in range(3) for r in range(8)}
        converged = await eventually(
            lambda: (
                len({c.text(root) for c in everyone}) == 1
                and all(piece in everyone[0].text(root) for piece in expected)
            ),
            timeout=20,
        )
        texts = [c.text(root) for c in everyone]
        for client in everyone:
            await client.disconnect()
        await balancer.close()
        return rejoined, converged, texts

    rejoined, converged, texts = run(scenario)
    assert rejoined and converged, texts
    assert stored_texts(fid)[root] == texts[0]


def test_two_chairs_on_two_processes_locking_at_once_make_one_version(cluster):
    app, a, b = cluster
    setup = forum_with_people(People())
    People().user("cochair@example.org", agency="Children's Social Care", name="Coco Chair")
    add_participant(setup.forum_id, "cochair@example.org", "chair")
    make_lockable(setup)
    fid = setup.forum_id

    async def scenario():
        chair = await joined(a.url, a.session(CHAIR), fid)
        cochair = await joined(b.url, b.session("cochair@example.org"), fid)
        nurse_http, teacher_http = a.session(HEALTH), b.session(SCHOOL)
        outcomes = []
        for round_number in range(3):
            outcomes.append(
                await asyncio.gather(chair.call("lock", {"forum": fid}), cochair.call("lock", {"forum": fid}))
            )
            assert (await chair.call("reopen", {"forum": fid, "reason": f"Round {round_number}"}))["ok"]
            agree = {"forum": fid, "stage": "agree", "confirm": True}
            assert (await chair.call("stage:set", agree))["ok"]
            nurse = await joined(b.url, nurse_http, fid)
            teacher = await joined(a.url, teacher_http, fid)
            assert (await nurse.call("lead:accept", {"forum": fid}))["ok"]
            for person in (chair, nurse, teacher):
                assert (await person.call("stance:set", {"forum": fid, "stance": "agree"}))["ok"]
            await nurse.disconnect()
            await teacher.disconnect()
        await chair.disconnect()
        await cochair.disconnect()
        return outcomes

    outcomes = run(scenario, timeout=120)
    for replies in outcomes:
        assert sorted(reply["ok"] for reply in replies) == [False, True], replies
        assert next(reply for reply in replies if not reply["ok"])["error"]["code"] == "locked"
    db.session.rollback()
    numbers = db.session.scalars(
        select(PlanVersion.number).where(PlanVersion.forum_id == fid).order_by(PlanVersion.number)
    ).all()
    assert numbers == [1, 2, 3]


def test_access_withdrawn_on_one_process_closes_sockets_on_the_other(cluster):
    """A sign-out and a removal handled by process a close the sockets they concern on process b."""
    from tests.scale_support import ScaleClient
    from tests.security_support import post_form

    app, a, b = cluster
    setup = forum_with_people(People())
    fid = setup.forum_id
    participant = db.session.scalar(
        select(Participant.id).where(Participant.forum_id == fid, Participant.user_id == setup.teacher.id)
    )
    laptop, tablet = a.session(HEALTH), a.session(HEALTH)  # two browser sessions of one user
    chair, teacher = a.session(CHAIR), a.session(SCHOOL)

    async def on_b(http) -> ScaleClient:
        client = ScaleClient(b.url, http, forum_id=fid)
        client.sio.reconnection = False
        await client.connect()
        assert (await client.join())["ok"]
        return client

    async def scenario():
        signed_out, other_device, removed = await on_b(laptop), await on_b(tablet), await on_b(teacher)
        response = await asyncio.to_thread(post_form, laptop, a.url, "/logout")
        assert response.status_code == 200
        closed_on_sign_out = await eventually(lambda: not signed_out.sio.connected, timeout=5)
        other_still_works = (await other_device.call("facilitation:get", {"forum": fid}))["ok"]

        response = await asyncio.to_thread(
            post_form, chair, a.url, f"/forums/{fid}/participants/{participant}/remove"
        )
        assert response.status_code == 200
        closed_on_removal = await eventually(lambda: not removed.sio.connected, timeout=5)
        await other_device.disconnect()
        return closed_on_sign_out, other_still_works, closed_on_removal

    closed_on_sign_out, other_still_works, closed_on_removal = run(scenario)
    assert closed_on_sign_out, "signing out on process a left that session's socket on b open"
    assert other_still_works, "the same user's other session on b was closed too"
    assert closed_on_removal, "removal on process a left the participant's socket on b open"


def test_the_signal_relay_ignores_malformed_and_own_messages_and_resends_the_others(app):
    import json

    from forum.realtime.signal_relay import RELAYED, SignalRelay
    from forum.services.signals import session_ended

    reason = unreachable()
    if reason:
        pytest.skip(reason)
    relay = SignalRelay.from_url(flushed_redis(), "relay-test")
    received = []

    def receiver(sender, **fields):
        received.append((sender, fields))

    session_ended.connect(receiver)
    try:

        def message(origin, signal="session_ended", **fields):
            return json.dumps({"signal": signal, "origin": origin, "fields": fields})

        assert not relay.receive(app, b"not json")
        assert not relay.receive(app, message("elsewhere", signal="drop_tables", user_id=1))
        assert not relay.receive(app, json.dumps({"signal": "session_ended"}))
        assert not relay.receive(app, message(relay.origin, user_id=1, session_key="k"))
        assert received == []
        assert relay.receive(app, message("elsewhere", user_id=7, session_key="k"))
        assert received == [(RELAYED, {"user_id": 7, "session_key": "k"})]
    finally:
        session_ended.disconnect(receiver)
        relay.close()

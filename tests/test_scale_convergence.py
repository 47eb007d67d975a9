"""Every process converges by itself: joins racing updates on another process, and a process that
dies between its commit and its publish (issue 14). Real servers on PostgreSQL and Redis."""

import asyncio
import uuid

import pytest
import redis
from pycrdt import Text

from forum.live.presence import PROCESS_TTL, SharedPresence
from tests.conftest import People
from tests.lock_factories import CHAIR, HEALTH, SCHOOL, forum_with_people
from tests.scale_support import flushed_redis, joined, server, unreachable
from tests.test_acknowledged_edits import lacking, stored_text
from tests.test_scale import cluster, run  # noqa: F401 - the fixture

pytestmark = pytest.mark.scale

JOINS = 100
RESYNC_INTERVAL = 5  # seconds: the browser's re-sync interval (frontend/js/room/live-room.js)


def test_joins_on_one_process_racing_updates_on_the_other_miss_nothing(cluster):  # noqa: F811
    _app, a, b = cluster
    setup = forum_with_people(People())
    fid = setup.forum_id
    root = f"entry:{setup.plan_entries[0]}"
    joiner_http = a.session(SCHOOL)

    async def scenario():
        writer = await joined(b.url, b.session(HEALTH), fid)
        stop = asyncio.Event()

        async def type_until_stopped():
            n = 0
            while not stop.is_set():
                reply = await writer.edit(root, f"<{n}>")
                assert reply["ok"], reply
                n += 1
                await asyncio.sleep(1 / 30)  # 30 updates a second: under the server's 40 events a second

        typing = asyncio.create_task(type_until_stopped())
        joiners = []
        for _round in range(JOINS // 10):
            joiners += await asyncio.gather(*(joined(a.url, joiner_http, fid) for _ in range(10)))
        stop.set()
        await typing
        acked = list(writer.acked)
        await asyncio.sleep(2)  # relays in flight arrive; no client re-syncs here
        missed = [lacking(joiner.doc, acked) for joiner in joiners]
        for client in [writer, *joiners]:
            await client.disconnect()
        return acked, missed

    acked, missed = run(scenario, 240)
    assert len(acked) > 50, "too few updates raced the joins: the scenario proved nothing"
    assert sum(1 for count in missed if count) == 0, [count for count in missed if count]


def test_updates_of_a_process_killed_before_it_publishes_reach_the_other_process_within_the_interval(
    cluster,  # noqa: F811
    tmp_path,
):
    _app, a, _b = cluster
    setup = forum_with_people(People())
    fid = setup.forum_id
    root = f"entry:{setup.plan_entries[0]}"
    # A third process on the same database whose broadcasts never reach the others: as if it died
    # after every commit, before publishing.
    silent = server(
        a.extra_env["DATABASE_URL"],
        a.extra_env["REDIS_URL"],
        f"elsewhere-{uuid.uuid4().hex[:8]}",
        tmp_path / "c",
    ).start()

    async def scenario():
        syncing = await joined(a.url, a.session(CHAIR), fid)
        listening = await joined(a.url, a.session(SCHOOL), fid)
        writer = await joined(silent.url, silent.session(HEALTH), fid)
        for n in range(5):
            assert (await writer.edit(root, f" [committed {n}]"))["ok"]
        await writer.sio.disconnect()
        silent.kill()
        await asyncio.sleep(0.5)
        unseen = lacking(syncing.doc, writer.acked)
        loop = asyncio.get_running_loop()
        started = loop.time()
        while lacking(syncing.doc, writer.acked) and loop.time() - started < RESYNC_INTERVAL:
            await syncing.resync()
            await asyncio.sleep(1)
        took = loop.time() - started
        relayed = await asyncio.wait_for(_wait(lambda: not lacking(listening.doc, writer.acked)), 5)
        texts = str(syncing.doc.get(root, type=Text)), str(listening.doc.get(root, type=Text))
        for client in (syncing, listening):
            await client.disconnect()
        return unseen, took, relayed, texts

    try:
        unseen, took, relayed, texts = run(scenario, 120)
    finally:
        silent.stop()
    assert unseen == 5, "the other process's clients had the updates already: the scenario proved nothing"
    assert took < RESYNC_INTERVAL, took
    assert relayed, "a client that does not re-sync itself did not get what its process caught up on"
    assert texts[0] == texts[1] == stored_text(fid, root)
    assert texts[0].endswith("[committed 4]")


async def _wait(predicate, interval: float = 0.05) -> bool:
    while not predicate():
        await asyncio.sleep(interval)
    return True


def test_presence_keys_are_named_under_the_deployment_channel_and_all_expire(app, people):
    reason = unreachable()
    if reason:
        pytest.skip(reason)
    client = redis.Redis.from_url(flushed_redis())
    people.user("chair@example.org", agency="Health", name="Ada Chair")
    forum = people.forum("RF-KEYS")
    person = {"user": 1, "name": "Ada", "agency": "Health", "role": "chair", "editing": None}
    one, other = SharedPresence(client, "deployment-one"), SharedPresence(client, "deployment-two")
    one.everyone(forum.id, [person])
    assert other.everyone(forum.id, []) == [], "two deployments sharing a Redis mixed their presence"
    one.beat()
    keys = [key.decode() for key in client.keys("*")]
    assert f"deployment-one:presence:{forum.id}" in keys, keys
    assert all(key.startswith(("deployment-one:", "deployment-two:")) for key in keys), keys
    assert all(0 < client.ttl(key) <= PROCESS_TTL for key in keys), {key: client.ttl(key) for key in keys}
